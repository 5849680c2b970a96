// The data-sampling intervals against a model whose per-sample Hessians are known in closed form: a
// linear model with squared loss, h_i = 2·x̃ᵢx̃ᵢᵀ (x̃ = [x; 1]), H = mean of h_i (docs/measures.md,
// "Sampling error"). First the interval machinery on exact per-group matrices, over many draws
// from a fixed population: the reported standard errors match the spread of the full-sample values
// over the draws, and the intervals cover the population's value at about their stated rate. Then
// the engine's own grouped pass on a real model file: its group Rayleigh quotients are the exact ones.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { analyze } from '../../../src/engine/analysis/analyze';
import { normalizationScales } from '../../../src/engine/analysis/curvature-operator';
import {
  groupSeed,
  randomGroups,
  samplingGroupCount,
  samplingIntervals,
  squaredNormInterval,
  unbiasedSquaredNorm,
  type GroupedCurvature,
} from '../../../src/engine/analysis/sampling';
import { SeededRandom } from '../../../src/engine/linalg/random';
import { symmetricEigen } from '../../../src/engine/linalg/symmetric-eigen';
import type { ParameterBlock } from '../../../src/engine/network/network';
import { hallInterval, jackknife, jackknifeStandardError, sampleSkewness, studentTQuantile } from '../../../src/shared/statistics';
import { temporaryDirectory, writeSequentialModel } from '../../helpers/model-writer';

const FEATURES = 4;
const N = FEATURES + 1;
const BLOCKS: ParameterBlock[] = [
  { index: 0, name: 'dense/kernel', layer: 'dense', role: 'kernel', shape: [FEATURES, 1], size: FEATURES, offset: 0 },
  { index: 1, name: 'dense/bias', layer: 'dense', role: 'bias', shape: [1], size: 1, offset: FEATURES },
] as unknown as ParameterBlock[];
const THETA = Float64Array.from([0.5, -1, 0.25, 2, 0.1]);
/** Per-feature scales of the population: an anisotropic Gaussian, so the top eigenvalue is well separated. */
const SCALE = [3, 1.5, 1, 0.5];

interface Sample {
  x: Float64Array; // augmented [x; 1]
  y: number;
}

function population(count: number, seed: number, scale = SCALE): Sample[] {
  const random = new SeededRandom(seed);
  return Array.from({ length: count }, () => {
    const x = Float64Array.from([...scale.map((s) => s * random.normal()), 1]);
    return { x, y: x[0] - x[1] + 0.3 * random.normal() };
  });
}

/** Mean of 2·x̃x̃ᵀ over the samples: the exact Hessian of the mean squared error. */
function hessianOf(samples: readonly Sample[]): Float64Array {
  const N = samples[0].x.length;
  const h = new Float64Array(N * N);
  for (const { x } of samples) for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) h[i * N + j] += (2 * x[i] * x[j]) / samples.length;
  return h;
}

function multiply(h: Float64Array, u: Float64Array): Float64Array {
  const N = u.length;
  const out = new Float64Array(N);
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) out[i] += h[i * N + j] * u[j];
  return out;
}

/** Exact per-group Hessians, losses and gradients of the linear model at THETA. */
function exactGroups(groups: Sample[][]): GroupedCurvature {
  const hessians = groups.map(hessianOf);
  return {
    sizes: groups.map((g) => g.length),
    products: async (u, _blocks, count = hessians.length) => hessians.slice(0, count).map((h) => multiply(h, u)),
    evaluations: async () =>
      groups.map((g) => {
        const gradient = new Float64Array(N);
        let loss = 0;
        for (const { x, y } of g) {
          const r = x.reduce((s, xi, i) => s + xi * THETA[i], 0) - y;
          loss += (r * r) / g.length;
          for (let i = 0; i < N; i++) gradient[i] += (2 * r * x[i]) / g.length;
        }
        return { loss, gradient };
      }),
    dispose: () => undefined,
  };
}

function trace(h: Float64Array): number {
  let s = 0;
  for (let i = 0; i < N; i++) s += h[i * N + i];
  return s;
}

/** λ_max and its unit eigenvector of a symmetric N×N matrix. */
function top(h: Float64Array): { value: number; vector: Float64Array } {
  const N = Math.round(Math.sqrt(h.length));
  const { values, vectors } = symmetricEigen(h, N, { vectors: true });
  return { value: values[0], vector: vectors!.slice(0, N) };
}

/** The full-sample numbers and the intervals of one draw of `count` samples. */
async function draw(samples: Sample[], seed: number) {
  const K = samplingGroupCount(samples.length);
  const groups = randomGroups(samples.length, K, seed).map((indices) => indices.map((i) => samples[i]));
  const grouped = exactGroups(groups);
  const h = hessianOf(samples);
  const scales = normalizationScales(THETA, BLOCKS, 'layer');
  const dhd = h.map((x, k) => scales[Math.floor(k / N)] * x * scales[k % N]);
  const [euclidean, invariant] = [top(h), top(dhd)];
  const evaluations = await grouped.evaluations();
  const gradient = new Float64Array(N);
  let loss = 0;
  evaluations.forEach((e, g) => {
    loss += (e.loss * groups[g].length) / samples.length;
    e.gradient.forEach((x, i) => (gradient[i] += (x * groups[g].length) / samples.length));
  });
  const inputs = {
    grouped,
    blocks: BLOCKS,
    scales,
    layerBlocks: [],
    vectors: { euclidean: euclidean.vector, invariant: invariant.vector, perLayer: [] },
    reported: {
      loss,
      gradient,
      euclideanSharpness: euclidean.value,
      invariantSharpness: invariant.value,
      euclideanTrace: trace(h),
      invariantTrace: trace(dhd),
      perLayer: [],
    },
    epsilon: 1e-3,
    seed: seed + 1,
  };
  const report = (await samplingIntervals(inputs))!;
  return {
    report,
    inputs,
    groups,
    euclidean: euclidean.value,
    invariant: invariant.value,
    trace: trace(h),
    gradientNorm: Math.hypot(...gradient),
  };
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const sd = (xs: number[]) => Math.sqrt(xs.reduce((s, x) => s + (x - mean(xs)) ** 2, 0) / (xs.length - 1));

test("Student's t quantiles and the jackknife of a mean are the textbook ones", () => {
  // Tables: t_{0.975} with 7 and 63 degrees of freedom, t_{0.95} with 1.
  assert.ok(Math.abs(studentTQuantile(0.975, 7) - 2.364624) < 1e-5);
  assert.ok(Math.abs(studentTQuantile(0.975, 63) - 1.998341) < 1e-5);
  assert.ok(Math.abs(studentTQuantile(0.95, 1) - 6.313752) < 1e-4);
  const values = [1, 4, 2, 8, 5, 7];
  assert.ok(
    Math.abs(
      jackknifeStandardError(
        values.map((v) => [v]),
        values.map(() => 10),
        ([m]) => m,
      ) -
        sd(values) / Math.sqrt(6),
    ) < 1e-12,
  );
});

test('on exact per-group Hessians, the intervals match the sampling distribution of the full-sample values', async () => {
  const pool = population(200_000, 3);
  const popH = hessianOf(pool);
  const scales = normalizationScales(THETA, BLOCKS, 'layer');
  const popDhd = popH.map((x, k) => scales[Math.floor(k / N)] * x * scales[k % N]);
  const truth = { euclidean: top(popH).value, invariant: top(popDhd).value, trace: trace(popH) };
  const random = new SeededRandom(11);
  const draws = [];
  for (let r = 0; r < 400; r++) {
    const samples = Array.from({ length: 512 }, () => pool[random.integer(pool.length)]);
    draws.push(await draw(samples, 100 + r));
  }
  for (const measure of ['euclidean', 'invariant', 'trace'] as const) {
    const key = measure === 'trace' ? 'euclideanTrace' : (`${measure}Sharpness` as const);
    const values = draws.map((d) => d[measure]);
    const reportedSe = mean(draws.map((d) => d.report.measures[key].standardError));
    const spread = sd(values);
    // The mean reported standard error is the spread of the full-sample value over draws (8 groups:
    // each SE has about 25% noise of its own, the mean over 400 draws much less).
    assert.ok(Math.abs(reportedSe / spread - 1) < 0.15, `${measure}: reported SE ${reportedSe} against the spread ${spread} over draws`);
    const covered = draws.filter(
      (d) => d.report.measures[key].low <= truth[measure] && truth[measure] <= d.report.measures[key].high,
    ).length;
    const rate = covered / draws.length;
    assert.ok(
      rate > 0.9 && rate < 0.99,
      `${measure}: the 95% intervals cover the population's value in ${(100 * rate).toFixed(1)}% of draws`,
    );
  }
  // ‖∇L‖ is nonlinear: its jackknife still follows the spread over draws.
  const gradientSe = mean(draws.map((d) => d.report.measures.gradientNorm.standardError));
  assert.ok(Math.abs(gradientSe / sd(draws.map((d) => d.gradientNorm)) - 1) < 0.25);
  // The convergence ladder ends at the full-sample value, and its half-widths shrink as 1/√n.
  const { convergence } = draws[0].report;
  assert.deepEqual(
    convergence.euclideanSharpness.map((p) => p.samples),
    [64, 128, 256, 512],
  );
  assert.ok(Math.abs(convergence.euclideanSharpness.at(-1)!.value - draws[0].euclidean) < 1e-9 * draws[0].euclidean);
  // The smaller counts are λ_max of those samples' own Hessian (a Lanczos run on the first groups).
  const [first] = draws[0].groups;
  const own = top(hessianOf(first)).value;
  assert.ok(
    Math.abs(convergence.euclideanSharpness[0].value - own) < 1e-6 * own,
    `${convergence.euclideanSharpness[0].value} against ${own}`,
  );
  const widths = convergence.euclideanSharpness.map((p) => p.halfWidth);
  for (let i = 1; i < widths.length; i++) assert.ok(Math.abs(widths[i - 1] / widths[i] - Math.SQRT2) < 1e-9);
});

test('afford is asked once, after the loss-and-gradient pass and both λ_max passes, with the projected rest; declining stops the intervals', async () => {
  const pool = population(2_000, 3);
  const { inputs } = await draw(pool.slice(0, 256), 3);
  const passesAt: number[] = [];
  let seen = 0;
  const asked: number[] = [];
  const declined = await samplingIntervals({
    ...inputs,
    onPass: (pass) => (seen = pass),
    afford: (remaining) => {
      passesAt.push(seen);
      asked.push(remaining);
      return false;
    },
  });
  assert.equal(declined, null);
  assert.deepEqual(passesAt, [3]);
  // The rest: the 2 trace probes × SAMPLING_TRACE_PROBES passes and the ladder, priced at the last pass's time.
  assert.ok(asked[0] >= 0 && Number.isFinite(asked[0]));
  assert.equal(seen, 3, 'no grouped pass runs after declining');
  const kept = await samplingIntervals({ ...inputs, afford: () => true });
  assert.ok(kept && kept.measures.euclideanSharpness.standardError > 0);
});

test("the engine's grouped pass gives the exact group Rayleigh quotients of a linear model with squared loss", async () => {
  const dir = temporaryDirectory();
  // 80 features: more parameters than a Lanczos run's steps, so the iterative path runs too.
  const features = 80;
  const samples = population(
    320,
    5,
    Array.from({ length: features }, (_, i) => 3 / (1 + i)),
  );
  const random = new SeededRandom(9);
  const kernel = Float32Array.from({ length: features }, () => random.normal());
  const model = writeSequentialModel(
    join(dir, 'linear'),
    [features],
    [
      {
        className: 'Dense',
        config: { units: 1, activation: 'linear', use_bias: true },
        weights: [
          { role: 'kernel', shape: [features, 1], values: kernel },
          { role: 'bias', shape: [1], values: Float32Array.from([0.1]) },
        ],
      },
    ],
    { loss: 'mean_squared_error' },
  );
  // Inputs rounded to float32 as the model sees them, so the closed form is computed on the same numbers.
  const rounded = samples.map(({ x, y }) => ({ x: x.map((v) => Math.fround(v)), y: Math.fround(y) }));
  const data = join(dir, 'data.json');
  writeFileSync(data, JSON.stringify({ x: rounded.map((s) => Array.from(s.x.subarray(0, features))), y: rounded.map((s) => [s.y]) }));
  const K = samplingGroupCount(rounded.length);
  const groups = randomGroups(rounded.length, K, groupSeed(0)).map((indices) => indices.map((i) => rounded[i]));
  const exact = (h: Float64Array) => top(h);
  for (const exactThreshold of [400, 0]) {
    const report = await analyze({ model: model.modelPath, data, settings: { exactThreshold, topK: 1 }, intervals: true });
    assert.equal(report.method, exactThreshold > 0 ? 'exact' : 'iterative');
    const sampling = report.sampling!;
    assert.equal(sampling.groups, 8);
    const full = exact(hessianOf(rounded));
    const quotients = groups.map((g) => {
      const hv = multiply(hessianOf(g), full.vector);
      return hv.reduce((s, x, i) => s + x * full.vector[i], 0);
    });
    const se = jackknifeStandardError(
      quotients.map((q) => [q]),
      groups.map((g) => g.length),
      ([m]) => m,
    );
    const reported = sampling.measures.euclideanSharpness;
    assert.ok(Math.abs(reported.value - full.value) < 1e-4 * full.value, `λ_max(H) ${reported.value} against ${full.value}`);
    assert.ok(Math.abs(reported.standardError / se - 1) < 2e-3, `SE ${reported.standardError} against the closed form ${se}`);
    const t = studentTQuantile(0.975, 7);
    assert.ok(Math.abs(reported.high - reported.low - 2 * t * se) < 5e-3 * 2 * t * se);
    // Per layer: this model's only layer is the whole network.
    assert.ok(Math.abs(sampling.perLayer[0].euclideanSharpness.standardError / se - 1) < 2e-3);
    assert.ok(sampling.hvpCount > 0 && report.cost.stages.some((s) => s.name === 'sampling error'));
  }
});

test("Hall's skewness correction: symmetric without skew, and it holds the rate of a mean that rare samples dominate", () => {
  // Textbook skewness: G₁ of 1, 2, 3, 10 (scipy.stats.skew(bias=False) = 1.76363...), none for a symmetric set.
  assert.ok(Math.abs(sampleSkewness([1, 2, 3, 10]) - 1.763633) < 1e-5);
  assert.equal(sampleSkewness([1, 2, 3]), 0);
  const t = studentTQuantile(0.975, 7);
  const plain = hallInterval(5, 2, 0, 8, t);
  assert.ok(Math.abs(plain.low - (5 - 2 * t)) < 1e-12 && Math.abs(plain.high - (5 + 2 * t)) < 1e-12);
  // Its ends solve g(T) = ∓t for g(T) = T + aT² + a²T³/3 + b.
  const skew = 1.7;
  const [a, b] = [skew / (3 * Math.sqrt(8)), skew / (6 * Math.sqrt(8))];
  const g = (u: number) => u + a * u * u + (a * a * u ** 3) / 3 + b;
  const skewed = hallInterval(5, 2, skew, 8, t);
  assert.ok(Math.abs(g((5 - skewed.low) / 2) - t) < 1e-9 && Math.abs(g((5 - skewed.high) / 2) + t) < 1e-9);
  assert.ok(skewed.high - 5 > 5 - skewed.low, 'a right-skewed mean gets the longer upper side');
  // A per-sample loss near a minimum: most samples ~0.01, one in 200 costs ~3 (the misclassified
  // digits): over 1,024 samples in 8 groups the plain t-interval misses the mean when a sample
  // happens to hold few of them (91% here), the corrected one far less often (98%). (Rarer still,
  // one in 800, a sample often holds none, and neither interval can know of them: 73% both.)
  const random = new SeededRandom(11);
  const sample = () => (random.uniform() < 1 / 200 ? 3 * (0.5 + random.uniform()) : 0.02 * random.uniform());
  const truth = (1 / 200) * 3 + (199 / 200) * 0.01;
  let [plainCovered, hallCovered] = [0, 0];
  const draws = 2000;
  for (let d = 0; d < draws; d++) {
    const groups = Array.from({ length: 8 }, () => {
      let s = 0;
      for (let i = 0; i < 128; i++) s += sample();
      return [s / 128];
    });
    const mean = groups.reduce((s, [x]) => s + x, 0) / 8;
    const { standardError, skewness } = jackknife(groups, new Array(8).fill(128), ([m]) => m);
    if (Math.abs(mean - truth) <= t * standardError) plainCovered++;
    const corrected = hallInterval(mean, standardError, skewness, 8, t);
    if (corrected.low <= truth && truth <= corrected.high) hallCovered++;
  }
  assert.ok(plainCovered / draws < 0.93, `plain: ${plainCovered}/${draws}`);
  assert.ok(hallCovered / draws >= 0.95 && hallCovered / draws <= 0.995, `corrected: ${hallCovered}/${draws}`);
  assert.ok(hallCovered > plainCovered + draws / 25, `corrected ${hallCovered} vs plain ${plainCovered}`);
});

test('‖∇L‖: the interval of ‖g‖² around its unbiased estimate covers ‖g‖ at its rate, near a minimum and far from one', () => {
  // Per-sample gradients g + s·ε with a random scale s per sample (heavy-tailed) in 20 dimensions;
  // ‖g‖² is `ratio` times the upward bias tr Σ/N of ‖ĝ‖².
  const dim = 20;
  const count = 512;
  const random = new SeededRandom(5);
  for (const ratio of [0.1, 1, 30]) {
    const g = new Float64Array(dim).fill(Math.sqrt((ratio * 1.25 ** 2) / count));
    const truth = Math.hypot(...g);
    let covered = 0;
    let naive = 0;
    const draws = 300;
    for (let d = 0; d < draws; d++) {
      const samples = Array.from({ length: count }, () => {
        const s = 1.25 * Math.abs(random.normal());
        return Float64Array.from(g, (x) => x + s * random.normal());
      });
      const groups = randomGroups(count, 8, d);
      const means = groups.map((indices) => {
        const m = new Float64Array(dim);
        for (const i of indices) for (let j = 0; j < dim; j++) m[j] += samples[i][j] / indices.length;
        return m;
      });
      const sizes = groups.map((x) => x.length);
      const interval = squaredNormInterval(means, sizes);
      if (interval.low <= truth && truth <= interval.high) covered++;
      // The plain jackknife of the norm, around the norm, misses near a minimum.
      const norm = (m: number[]) => Math.hypot(...m);
      const se = jackknifeStandardError(
        means.map((m) => Array.from(m)),
        sizes,
        norm,
      );
      const full = norm(Array.from({ length: dim }, (_, j) => means.reduce((s, m) => s + m[j], 0) / means.length));
      if (Math.abs(full - truth) <= studentTQuantile(0.975, 7) * se) naive++;
    }
    const rate = covered / draws;
    assert.ok(rate >= 0.92 && rate <= 0.995, `‖g‖² = ${ratio}·tr Σ/N: covered in ${(100 * rate).toFixed(1)}% of draws`);
    if (ratio <= 1) assert.ok(naive / draws < 0.8, `the plain interval covers in ${naive}/${draws}`);
  }
  // U is unbiased: two groups of one sample each, x and y, give U = x·y.
  const { estimate } = unbiasedSquaredNorm([Float64Array.from([1, 2]), Float64Array.from([3, -1])], [1, 1]);
  assert.ok(Math.abs(estimate - 1) < 1e-12);
});
