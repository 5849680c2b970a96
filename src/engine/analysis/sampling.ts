/**
 * The data-sampling error of every measure (docs/measures.md, "Sampling error"). The loss is a mean
 * over samples, so H = Σ_g (n_g/N) H_g over K disjoint random groups of the analysis samples. With
 * the converged top eigenvector v held fixed, λ_max = vᵀHv = Σ_g (n_g/N) vᵀH_g v to first order in
 * the perturbation of H, so the K Rayleigh quotients vᵀH_g v give a jackknife standard error of
 * λ_max over the choice of samples: one extra pass over the data per vector, each group's share
 * returned apart. Traces take a few common Rademacher probes per group (their own noise removed by
 * a two-way layout), ‖∇L‖ and the loss the per-group gradients and losses.
 */
import type { ConvergencePoint, SampledMeasure, SamplingInterval, SamplingReport } from '../../shared/report';
import {
  hallInterval,
  jackknife,
  jackknifeStandardError,
  leaveOutSpread,
  probedBetweenGroupVariance,
  studentTQuantile,
} from '../../shared/statistics';
import { CurvatureEngine, type CurvatureOptions, type SampleSet } from '../curvature/curvature-engine';
import type { SampleArray } from '../data/samples';
import { SeededRandom } from '../linalg/random';
import type { LossFunction } from '../loss/losses';
import type { Network, ParameterBlock } from '../network/network';
import { horizontalProjection } from './curvature-operator';
import { BLOCK_PRODUCT_COST } from './measures';
import { lanczos } from '../linalg/lanczos';
import type { SymmetricOperator } from '../linalg/operator';

/** Coverage of every interval. */
export const SAMPLING_LEVEL = 0.95;
/** Rademacher probes per operator for the trace intervals (each costs one grouped pass). */
export const SAMPLING_TRACE_PROBES = 6;
/** A measure counts as converged in the sample count when its interval is within this fraction of it. */
export const CONVERGED_RELATIVE_HALF_WIDTH = 0.05;
/** Samples per group once there are enough of them: the convergence ladder then reads 128, 256, 512, … */
const GROUP_SAMPLES = 128;
const MIN_GROUPS = 8;
const MAX_GROUPS = 64;

/** How many groups N analysis samples are split into: at least 8 when there are samples enough, groups of about 128 beyond 1,024; 0 below 4 samples. */
export function samplingGroupCount(samples: number): number {
  if (samples < 4) return 0;
  if (samples < MIN_GROUPS * GROUP_SAMPLES) return Math.min(MIN_GROUPS, samples);
  return Math.min(MAX_GROUPS, Math.floor(samples / GROUP_SAMPLES));
}

/** Lanczos steps at most for λ_max on each smaller sample count of the convergence ladder (started from the full-sample eigenvector). */
export const CONVERGENCE_STEPS = 5;

/**
 * Grouped passes (full-data HVPs of work) the intervals take for a model with `layers` per-layer
 * numbers, plus one loss-and-gradient pass: the quotients, the trace probes, and the convergence
 * ladder's Lanczos runs on its smaller counts (half the samples, a quarter, …: less than one pass a step).
 */
export function samplingPasses(layers: number): number {
  return 2 + 2 * layers + 2 * SAMPLING_TRACE_PROBES + 2 * CONVERGENCE_STEPS;
}

/** Each group's share of the curvature: the mean over its own samples. */
export interface GroupedCurvature {
  /** Samples per group. */
  readonly sizes: readonly number[];
  /** Per group, H_g·u (u read and the product computed on `blocks` only, when given); the first `count` groups only when given. */
  products(u: Float64Array, blocks?: readonly number[], count?: number): Promise<Float64Array[]>;
  /** Per group, its mean loss and gradient. */
  evaluations(): Promise<{ loss: number; gradient: Float64Array }[]>;
  dispose(): void;
}

function gather(array: SampleArray, indices: readonly number[]): SampleArray {
  const per = array.shape.reduce((a, b) => a * b, 1);
  const values = array.dtype === 'int32' ? new Int32Array(indices.length * per) : new Float32Array(indices.length * per);
  indices.forEach((i, k) => values.set(array.values.subarray(i * per, (i + 1) * per), k * per));
  return { ...array, values };
}

/** The seed of the random split, from the analysis seed (each random choice of an analysis has its own offset). */
export function groupSeed(seed: number): number {
  return seed + 6;
}

/** The seed of the trace probes of the grouped pass. */
export function probeSeed(seed: number): number {
  return seed + 7;
}

/** K disjoint groups of a seeded random permutation of [0, count), sizes differing by at most one. */
export function randomGroups(count: number, groups: number, seed: number): number[][] {
  const order = new SeededRandom(seed).shuffle(Array.from({ length: count }, (_, i) => i));
  return Array.from({ length: groups }, (_, g) =>
    order.slice(Math.floor((g * count) / groups), Math.floor(((g + 1) * count) / groups)).sort((a, b) => a - b),
  );
}

/**
 * The unbiased estimate of ‖g‖² from K group means x_g (each of n_g samples) of a vector-valued
 * sample mean with true mean g: U = ‖m‖² − Σ n_g‖x_g − m‖² / ((K − 1)N), m the pooled mean (the
 * subtracted term is tr Σ̂/N, exact in expectation for any sizes), and its delete-one-group
 * jackknife standard error. All from the groups' Gram matrix, so the K leave-one-out values cost
 * K² instead of K²·n. Needs K ≥ 3 for the standard error.
 */
export function unbiasedSquaredNorm(
  means: readonly Float64Array[],
  sizes: readonly number[],
): { estimate: number; standardError: number; skewness: number } {
  const K = means.length;
  const gram = Array.from({ length: K }, () => new Float64Array(K));
  for (let a = 0; a < K; a++)
    for (let b = a; b < K; b++) {
      let s = 0;
      const [x, y] = [means[a], means[b]];
      for (let i = 0; i < x.length; i++) s += x[i] * y[i];
      gram[a][b] = s;
      gram[b][a] = s;
    }
  const over = (kept: number[]) => {
    const total = kept.reduce((s, g) => s + sizes[g], 0);
    let square = 0;
    for (const a of kept) for (const b of kept) square += sizes[a] * sizes[b] * gram[a][b];
    square /= total * total;
    const spread = kept.reduce((s, g) => s + sizes[g] * gram[g][g], 0) - total * square;
    return square - spread / ((kept.length - 1) * total);
  };
  const all = Array.from({ length: K }, (_, g) => g);
  const estimate = over(all);
  if (K < 3) return { estimate, standardError: NaN, skewness: 0 };
  return { estimate, ...leaveOutSpread(all.map((g) => over(all.filter((h) => h !== g)))) };
}

/**
 * The 95% interval of ‖g‖ from K group means: the t-interval (K − 1 degrees of freedom) of ‖g‖²
 * around its unbiased estimate, corrected for the groups' skewness (hallInterval), each end
 * square-rooted (0 when negative); `centre` is √U.
 */
export function squaredNormInterval(
  means: readonly Float64Array[],
  sizes: readonly number[],
): { low: number; high: number; centre: number } {
  const { estimate, standardError, skewness } = unbiasedSquaredNorm(means, sizes);
  const t = studentTQuantile(0.5 + SAMPLING_LEVEL / 2, Math.max(1, means.length - 1));
  const root = (x: number) => Math.sqrt(Math.max(0, x));
  const { low, high } = hallInterval(estimate, standardError, skewness, means.length, t);
  return { low: root(low), high: root(high), centre: root(estimate) };
}

/** Each group's samples, gathered from the analysis samples. */
export function groupSampleSets(samples: SampleSet, groups: readonly number[][]): SampleSet[] {
  return groups.map((indices) => ({
    inputs: samples.inputs.map((a) => gather(a, indices)),
    targets: samples.targets.map((a) => gather(a, indices)),
    count: indices.length,
  }));
}

/** Each group's engine options: the mean over its own samples, an equal share of the cache. */
export function groupEngineOptions(groups: readonly number[][], chunkSize: number, cacheBytes: number): CurvatureOptions[] {
  return groups.map((indices) => ({
    chunkSize: Math.min(chunkSize, indices.length),
    cacheBytes: cacheBytes / groups.length,
    totalSamples: indices.length,
  }));
}

/** The groups as curvature engines of their own (one per group, the mean over its samples), on this thread. */
export class EngineGroups implements GroupedCurvature {
  private readonly engines: CurvatureEngine[];
  readonly sizes: number[];

  constructor(
    network: Network,
    losses: readonly LossFunction[],
    samples: SampleSet,
    groups: number[][],
    chunkSize: number,
    cacheBytes: number,
  ) {
    this.sizes = groups.map((g) => g.length);
    const options = groupEngineOptions(groups, chunkSize, cacheBytes);
    this.engines = groupSampleSets(samples, groups).map((set, g) => new CurvatureEngine(network, losses, set, options[g]));
  }

  async products(u: Float64Array, blocks?: readonly number[], count = this.engines.length): Promise<Float64Array[]> {
    const out: Float64Array[] = [];
    for (const engine of this.engines.slice(0, count)) {
      // Back to the event loop between groups, so a cancellation gets through.
      await new Promise((resolve) => setImmediate(resolve));
      out.push(engine.hvp(u, blocks));
    }
    return out;
  }

  async evaluations(): Promise<{ loss: number; gradient: Float64Array }[]> {
    const out: { loss: number; gradient: Float64Array }[] = [];
    for (const engine of this.engines) {
      await new Promise((resolve) => setImmediate(resolve));
      const { loss, gradient } = engine.evaluate();
      out.push({ loss, gradient });
    }
    return out;
  }

  dispose(): void {
    for (const engine of this.engines) engine.dispose();
  }
}

/** The reported full-sample numbers the intervals are centred on. */
export interface ReportedValues {
  loss: number;
  /** ∇L with any included regularizer's gradient. */
  gradient: Float64Array;
  euclideanSharpness: number;
  invariantSharpness: number;
  euclideanTrace: number;
  invariantTrace: number;
  perLayer: { name: string; euclideanSharpness: number; invariantSharpness: number; euclideanTrace: number; invariantTrace: number }[];
}

export interface SamplingInputs {
  grouped: GroupedCurvature;
  blocks: readonly ParameterBlock[];
  /** D over the full θ, and the unit block directions when the invariant operator is projected. */
  scales: Float64Array;
  horizontal?: Float64Array;
  /** θ blocks of each layer with per-layer numbers (in `reported.perLayer` order). */
  layerBlocks: readonly (readonly number[])[];
  vectors: { euclidean: Float64Array; invariant: Float64Array; perLayer: { euclidean: Float64Array; invariant: Float64Array }[] };
  reported: ReportedValues;
  /** ε of the normalised sharpness λ·ε²/(2(1+L)). */
  epsilon: number;
  seed: number;
  probes?: number;
  signal?: AbortSignal;
  /** After each grouped pass. */
  onPass?: (pass: number, passes: number, what: string) => void;
  /**
   * Asked once, after the first three grouped passes (the loss and gradient, the λ_max quotients of
   * H and of D H D), with the seconds the rest is projected to take: the passes left, priced at the
   * faster λ_max pass. False stops the intervals there, and samplingIntervals returns null.
   */
  afford?: (remainingSeconds: number) => boolean;
}

function dot(a: Float64Array, b: Float64Array, indices?: readonly number[]): number {
  let s = 0;
  if (indices) for (const i of indices) s += a[i] * b[i];
  else for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function indicesOf(blocks: readonly ParameterBlock[], wanted: readonly number[]): number[] {
  const out: number[] = [];
  for (const b of [...wanted].sort((x, y) => x - y)) for (let i = blocks[b].offset; i < blocks[b].offset + blocks[b].size; i++) out.push(i);
  return out;
}

/** The cumulative sample counts of the first 1, 2, 4, … groups, and all of them. */
function ladder(sizes: readonly number[]): number[] {
  const counts: number[] = [];
  for (let c = 1; c < sizes.length; c *= 2) counts.push(c);
  counts.push(sizes.length);
  return counts;
}

/**
 * Sampling intervals, convergence with samples and a recommended sample count for every measure;
 * null when `afford` declined the rest.
 */
export async function samplingIntervals(inputs: SamplingInputs): Promise<SamplingReport | null> {
  const started = performance.now();
  const { grouped, blocks, scales, horizontal, vectors, reported } = inputs;
  const sizes = grouped.sizes;
  const K = sizes.length;
  const N = sizes.reduce((s, n) => s + n, 0);
  const probes = inputs.probes ?? SAMPLING_TRACE_PROBES;
  const t = studentTQuantile(0.5 + SAMPLING_LEVEL / 2, K - 1);
  const layers = reported.perLayer.length;
  const passes = samplingPasses(layers) + 1;
  // Work done in full-data passes: a product on the first c groups counts as their share of the samples.
  let done = 0;
  let lastStep = performance.now();
  /** Seconds per full pass of each step so far. */
  const passSeconds: number[] = [];
  const step = (what: string, amount = 1) => {
    done += amount;
    const now = performance.now();
    passSeconds.push((now - lastStep) / 1000 / amount);
    lastStep = now;
    inputs.onPass?.(Math.round(done), passes, what);
  };
  const weightedMean = (values: readonly number[], count = K) => {
    let s = 0;
    let n = 0;
    for (let g = 0; g < count; g++) {
      s += sizes[g] * values[g];
      n += sizes[g];
    }
    return s / n;
  };
  // value ± t·SE, or longer on the side a skewed measure leans to (hallInterval; γ = 0 is symmetric).
  const interval = (value: number, standardError: number, skewness = 0): SamplingInterval => ({
    value,
    standardError,
    ...hallInterval(value, standardError, skewness, K, t),
  });
  const invariantInput = (u: Float64Array) => {
    const p = horizontal ? horizontalProjection(u, horizontal, blocks) : u;
    return p.map((x, i) => x * scales[i]);
  };
  const invariantOutput = (y: Float64Array) => {
    const scaled = y.map((x, i) => x * scales[i]);
    return horizontal ? horizontalProjection(scaled, horizontal, blocks) : scaled;
  };
  // A Rayleigh quotient per group, with the full-sample eigenvector held fixed.
  const quotients = async (w: Float64Array, what: string, restrict?: readonly number[]) => {
    const products = await grouped.products(w, restrict && restrict.length < blocks.length ? restrict : undefined);
    step(what);
    const indices = restrict ? indicesOf(blocks, restrict) : undefined;
    return products.map((y) => dot(w, y, indices));
  };
  const linear = (groupValues: number[], value: number) => ({
    interval: interval(
      value,
      jackknifeStandardError(
        groupValues.map((x) => [x]),
        sizes,
        ([m]) => m,
      ),
    ),
    groupValues,
    offset: value - weightedMean(groupValues),
  });

  const evaluations = await grouped.evaluations();
  step('loss and gradient by group');
  const groupLosses = evaluations.map((e) => e.loss);
  const lossOffset = reported.loss - weightedMean(groupLosses);
  const n = reported.gradient.length;
  const meanGradient = new Float64Array(n);
  evaluations.forEach((e, g) => e.gradient.forEach((x, i) => (meanGradient[i] += (sizes[g] / N) * x)));
  const gradientOffset = reported.gradient.map((x, i) => x - meanGradient[i]);
  const normOf = (means: number[]) => Math.sqrt(means.reduce((s, m, i) => s + (m + gradientOffset[i]) ** 2, 0));
  const gradients = evaluations.map((e) => Array.from(e.gradient));

  const euclidean = linear(await quotients(vectors.euclidean, 'λ_max(H) by group'), reported.euclideanSharpness);
  const invariantVector = invariantInput(vectors.invariant);
  const invariant = linear(await quotients(invariantVector, 'λ_max(D H D) by group'), reported.invariantSharpness);
  if (inputs.afford) {
    // What is left, in full passes: the trace probes, the per-layer quotients (block-restricted), and
    // the ladder's Lanczos steps on the first c groups (c/K of a pass each, at most CONVERGENCE_STEPS
    // per smaller count and operator). Priced at the faster of the two λ_max passes: the first of
    // them fills the groups' caches, and one slow pass should not cancel the intervals.
    const ladderPasses =
      2 * CONVERGENCE_STEPS * ladder(sizes).reduce((sum, c) => (c < K ? sum + sizes.slice(0, c).reduce((a, b) => a + b, 0) / N : sum), 0);
    const remainingPasses = 2 * probes + 2 * layers * BLOCK_PRODUCT_COST + ladderPasses;
    if (!inputs.afford(remainingPasses * Math.min(...passSeconds.slice(1)))) return null;
  }
  const normalized = (lambda: number, loss: number) => (lambda * inputs.epsilon ** 2) / (2 * (1 + loss));
  const normalizedValue = normalized(reported.invariantSharpness, reported.loss);
  const normalizedError = jackknifeStandardError(
    invariant.groupValues.map((q, g) => [q, groupLosses[g]]),
    sizes,
    ([q, loss]) => normalized(q + invariant.offset, loss + lossOffset),
  );

  // Traces: the same probes for every group; each layer's part from the same products (the
  // cross-block terms average to zero over the probes).
  const random = new SeededRandom(inputs.seed);
  const layerIndices = inputs.layerBlocks.map((b) => indicesOf(blocks, b));
  const probeRows = (count: number) => Array.from({ length: K }, () => new Array<number>(count).fill(0));
  const euclideanProbes = [probeRows(probes), ...layerIndices.map(() => probeRows(probes))];
  const invariantProbes = [probeRows(probes), ...layerIndices.map(() => probeRows(probes))];
  for (let j = 0; j < probes; j++) {
    const z = random.rademacherVector(n);
    const plain = await grouped.products(z);
    step(`tr(H) probe ${j + 1} by group`);
    const scaled = await grouped.products(invariantInput(z));
    step(`tr(D H D) probe ${j + 1} by group`);
    for (let g = 0; g < K; g++) {
      const y = invariantOutput(scaled[g]);
      euclideanProbes[0][g][j] = dot(z, plain[g]);
      invariantProbes[0][g][j] = dot(z, y);
      layerIndices.forEach((indices, l) => {
        euclideanProbes[l + 1][g][j] = dot(z, plain[g], indices);
        invariantProbes[l + 1][g][j] = dot(z, y, indices);
      });
    }
  }
  const traceGroups = (rows: number[][]) => rows.map((row) => row.reduce((s, x) => s + x, 0) / row.length);
  const traceInterval = (rows: number[][], value: number) => interval(value, Math.sqrt(probedBetweenGroupVariance(rows) / K));

  const perLayer: SamplingReport['perLayer'] = [];
  for (let l = 0; l < layers; l++) {
    const layer = reported.perLayer[l];
    const restrict = inputs.layerBlocks[l];
    const e = linear(
      await quotients(vectors.perLayer[l].euclidean, `λ_max(H) of ${layer.name} by group`, restrict),
      layer.euclideanSharpness,
    );
    const i = linear(
      await quotients(
        vectors.perLayer[l].invariant.map((x, k) => x * scales[k]),
        `λ_max(D H D) of ${layer.name} by group`,
        restrict,
      ),
      layer.invariantSharpness,
    );
    perLayer.push({
      name: layer.name,
      euclideanSharpness: e.interval,
      invariantSharpness: i.interval,
      euclideanTrace: traceInterval(euclideanProbes[l + 1], layer.euclideanTrace),
      invariantTrace: traceInterval(invariantProbes[l + 1], layer.invariantTrace),
    });
  }

  // ‖∇L‖ is biased upward on a sample, E‖ĝ‖² = ‖g‖² + tr Σ/N, and noticeably so near a minimum, where
  // the norm's sampling distribution is also far from normal. The interval is for ‖g‖², on its
  // unbiased estimate U = ‖ĝ‖² − tr Σ̂/N (tr Σ̂ from the groups' spread, so U is a U-statistic of the
  // groups), with U's own delete-one-group jackknife; its square-rooted ends are the norm's.
  const gradientInterval = (): SamplingInterval => {
    const value = Math.sqrt(dot(reported.gradient, reported.gradient));
    const standardError = jackknifeStandardError(gradients, sizes, normOf);
    const square = squaredNormInterval(
      gradients.map((x) => Float64Array.from(x, (v, i) => v + gradientOffset[i])),
      sizes,
    );
    return { value, standardError, ...square };
  };
  // The loss is a mean that a few high-loss samples dominate near a minimum: skewed over the groups,
  // so its interval gets Hall's correction as ‖g‖²'s does (docs/measures.md, "Sampling error").
  const lossSpread = jackknife(
    groupLosses.map((x) => [x]),
    sizes,
    ([m]) => m,
  );
  const measures: Record<SampledMeasure, SamplingInterval> = {
    gradientNorm: gradientInterval(),
    loss: interval(reported.loss, lossSpread.standardError, lossSpread.skewness),
    euclideanSharpness: euclidean.interval,
    invariantSharpness: invariant.interval,
    normalizedSharpness: interval(normalizedValue, normalizedError),
    euclideanTrace: traceInterval(euclideanProbes[0], reported.euclideanTrace),
    invariantTrace: traceInterval(invariantProbes[0], reported.invariantTrace),
  };

  // Convergence with samples: the first 1, 2, 4, … groups of the same split.
  const steps = ladder(sizes);
  const samplesAt = (c: number) => sizes.slice(0, c).reduce((s, x) => s + x, 0);
  const halfWidthAt = (standardError: number, samples: number) => t * standardError * Math.sqrt(N / samples);
  const linearCurve = (groupValues: number[], offset: number, standardError: number): ConvergencePoint[] =>
    steps.map((c) => ({
      samples: samplesAt(c),
      value: weightedMean(groupValues, c) + offset,
      halfWidth: halfWidthAt(standardError, samplesAt(c)),
    }));
  // λ_max itself on the first c groups' samples: a short Lanczos run from the full-sample eigenvector
  // (the first-order quotient alone says little when a few samples carry the top direction).
  const subsetOperator = (
    c: number,
    input: (u: Float64Array) => Float64Array,
    output: (y: Float64Array) => Float64Array,
  ): SymmetricOperator => ({
    dimension: n,
    apply: async (u) => {
      const parts = await grouped.products(input(u), undefined, c);
      step(`λ_max on ${samplesAt(c).toLocaleString('en-US')} samples`, samplesAt(c) / N);
      const mean = new Float64Array(n);
      parts.forEach((y, g) => y.forEach((x, i) => (mean[i] += (sizes[g] / samplesAt(c)) * x)));
      return output(mean);
    },
  });
  const lambdaCurve = async (
    vector: Float64Array,
    full: number,
    offset: number,
    standardError: number,
    input: (u: Float64Array) => Float64Array,
    output: (y: Float64Array) => Float64Array,
  ): Promise<ConvergencePoint[]> => {
    const points: ConvergencePoint[] = [];
    for (const c of steps) {
      const samples = samplesAt(c);
      let value = full;
      if (c < K) {
        const run = await lanczos(subsetOperator(c, input, output), {
          k: 1,
          tolerance: 1e-3,
          maxIterations: Math.min(n, CONVERGENCE_STEPS),
          startVector: vector,
          productPrecision: 1e-6,
          signal: inputs.signal,
        });
        value = run.eigenpairs[0].value + offset;
      }
      points.push({ samples, value, halfWidth: halfWidthAt(standardError, samples) });
    }
    return points;
  };
  const traceCurve = (rows: number[][], value: number, standardError: number) => {
    const groupValues = traceGroups(rows);
    return linearCurve(groupValues, value - weightedMean(groupValues), standardError);
  };
  const gradientCurve = steps.map((c) => {
    const means = new Array<number>(n).fill(0);
    const count = samplesAt(c);
    for (let g = 0; g < c; g++) for (let i = 0; i < n; i++) means[i] += (sizes[g] / count) * gradients[g][i];
    return { samples: count, value: normOf(means), halfWidth: halfWidthAt(measures.gradientNorm.standardError, count) };
  });
  const convergence: SamplingReport['convergence'] = {
    gradientNorm: gradientCurve,
    euclideanSharpness: await lambdaCurve(
      vectors.euclidean,
      reported.euclideanSharpness,
      euclidean.offset,
      euclidean.interval.standardError,
      (u) => u,
      (y) => y,
    ),
    invariantSharpness: await lambdaCurve(
      vectors.invariant,
      reported.invariantSharpness,
      invariant.offset,
      invariant.interval.standardError,
      invariantInput,
      invariantOutput,
    ),
    euclideanTrace: traceCurve(euclideanProbes[0], reported.euclideanTrace, measures.euclideanTrace.standardError),
    invariantTrace: traceCurve(invariantProbes[0], reported.invariantTrace, measures.invariantTrace.standardError),
  };
  const recommended = (Object.keys(convergence) as (keyof typeof convergence)[]).map((measure) => {
    const { value, standardError } = measures[measure];
    const target = CONVERGED_RELATIVE_HALF_WIDTH * Math.abs(value);
    const first = convergence[measure].find((point) => point.halfWidth <= target);
    const projected = target > 0 ? Math.ceil(N * ((t * standardError) / target) ** 2) : Infinity;
    return {
      measure,
      relativeHalfWidth: CONVERGED_RELATIVE_HALF_WIDTH,
      samples: first ? first.samples : null,
      projectedSamples: Number.isFinite(projected) ? Math.max(1, projected) : N,
    };
  });
  return {
    method: 'grouped jackknife',
    groups: K,
    groupSize: Math.round(N / K),
    level: SAMPLING_LEVEL,
    tQuantile: t,
    traceProbes: probes,
    hvpCount: Math.round(done - 1),
    seconds: (performance.now() - started) / 1000,
    assumptions: SAMPLING_ASSUMPTIONS,
    measures,
    perLayer,
    convergence,
    recommended,
  };
}

/** What the intervals assume, said in every report that carries them. */
export const SAMPLING_ASSUMPTIONS = [
  'the analysis samples are independent draws from the data the numbers stand for; the K groups are a random split of them',
  'the interval is for the full-sample value under resampling of the analysis data, at first order: each top eigenvector is held fixed (its Rayleigh quotient on each group), which ignores the bias of λ_max upward on few samples',
  'trace intervals come from a few common Rademacher probes per group, their probe noise removed by a two-way layout; the Hutchinson standard error of the reported trace is separate',
  'solver residuals and Hutchinson standard errors are not included',
];
