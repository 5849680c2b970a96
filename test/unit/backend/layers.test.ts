// Every supported layer type (MODEL_CASES in helpers.ts), engine on wasm vs cpu:
// - analyze() with the exact dense Hessian (exactThreshold 1000, per-layer numbers on): loss, gradient
//   norm, accuracy, the Euclidean and invariant spectra and traces, and every per-layer number agree;
// - a CurvatureEngine built the way analyze() builds it (chunks of 5 samples, so chunking is exercised):
//   its Hessian is symmetric, uᵀ(Hv) = vᵀ(Hu), on both backends (analyze() symmetrises its dense matrix,
//   which would hide an asymmetry);
// - for models whose activations are all smooth, Hv equals central finite differences of the engine's
//   own gradient (cpu). Finite differences are wrong on ReLU-like networks, whose gradient jumps, so
//   those models only get the symmetry check.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { analyze } from '../../../src/engine/analysis/analyze';
import type { Report } from '../../../src/shared/report';
import { SeededRandom } from '../../../src/engine/linalg/random';
import {
  BACKENDS,
  DifferenceLog,
  MODEL_CASES,
  buildEngine,
  dot,
  norm,
  prepareBackends,
  unitVector,
  writeCase,
  type ModelCase,
  type WrittenCase,
} from './helpers';

const TOLERANCE = 1e-4;
const SYMMETRY_TOLERANCE = 1e-5;
const FINITE_DIFFERENCE_STEP = 1e-2;
const FINITE_DIFFERENCE_TOLERANCE = 1e-2;
const log = new DifferenceLog();

before(prepareBackends);
after(() =>
  log.print(
    'largest cpu-vs-wasm differences of analyze() (relative; eigenvalues other than λ_max relative to the spectrum’s max |λ|), ' +
      'Hessian asymmetries |uᵀHv − vᵀHu| / max(‖Hu‖, ‖Hv‖) for unit u, v, and finite-difference errors ‖Hv − FD‖ / ‖Hv‖:',
  ),
);

const written = new Map<ModelCase, WrittenCase>();
const writtenCase = (modelCase: ModelCase) => written.get(modelCase) ?? written.set(modelCase, writeCase(modelCase)).get(modelCase)!;

interface Quantity {
  name: string;
  cpu: number;
  wasm: number;
  /** What the difference is relative to. */
  scale: number;
}

/** The numbers of two reports side by side, each with the scale its float32 rounding is relative to. */
function quantities(cpu: Report, wasm: Report): Quantity[] {
  const out: Quantity[] = [];
  const add = (name: string, a: number, b: number, scale = Math.abs(a)) => out.push({ name, cpu: a, wasm: b, scale });
  add('loss', cpu.loss, wasm.loss);
  add('gradient norm', cpu.gradientNorm, wasm.gradientNorm);
  add('accuracy', cpu.accuracy ?? 0, wasm.accuracy ?? 0, 1);
  for (const kind of ['euclidean', 'invariant'] as const) {
    const [a, b] = [cpu[kind], wasm[kind]];
    const spread = Math.max(...a.topEigenvalues.map(Math.abs), Math.abs(a.minEigenvalue ?? 0));
    assert.equal(b.topEigenvalues.length, a.topEigenvalues.length, `${kind}: number of eigenvalues`);
    add(`${kind} λ_max`, a.topEigenvalues[0], b.topEigenvalues[0]);
    a.topEigenvalues.slice(1).forEach((value, i) => add(`${kind} λ_${i + 2}`, value, b.topEigenvalues[i + 1], spread));
    add(`${kind} λ_min`, a.minEigenvalue ?? 0, b.minEigenvalue ?? 0, spread);
    // A trace sums eigenvalues of both signs: relative to the sum of |λ| it could cancel to, at least.
    add(`${kind} trace`, a.trace, b.trace, Math.max(Math.abs(a.trace), spread));
  }
  assert.deepEqual(
    wasm.perLayer.map((l) => l.name),
    cpu.perLayer.map((l) => l.name),
    'per-layer entries',
  );
  cpu.perLayer.forEach((layer, i) => {
    const other = wasm.perLayer[i];
    for (const key of ['euclideanSharpness', 'invariantSharpness', 'euclideanTrace', 'invariantTrace'] as const) {
      const family = key.startsWith('euclidean') ? cpu.euclidean : cpu.invariant;
      // A layer's block can be nearly flat; its numbers are then compared at the whole spectrum's scale.
      add(`per-layer ${key}`, layer[key], other[key], Math.max(Math.abs(layer[key]), 1e-3 * Math.abs(family.topEigenvalues[0])));
    }
  });
  return out;
}

async function analyzeOn(modelCase: ModelCase, backend: 'cpu' | 'wasm', paths: WrittenCase): Promise<Report> {
  const report = await analyze({
    model: paths.modelPath,
    data: paths.dataPath,
    backend,
    threads: 1,
    settings: { exactThreshold: 1000, perLayer: true, topK: 5 },
  });
  assert.equal(report.backend, backend);
  assert.equal(report.method, 'exact', `${modelCase.name}: the exact path (${report.model.parameterCount} parameters)`);
  return report;
}

const covered = new Set<string>();

for (const modelCase of MODEL_CASES) {
  test(`analyze() agrees on cpu and wasm: ${modelCase.name}`, async () => {
    const paths = writtenCase(modelCase);
    const cpu = await analyzeOn(modelCase, 'cpu', paths);
    const wasm = await analyzeOn(modelCase, 'wasm', paths);
    assert.ok(cpu.euclidean.topEigenvalues[0] > 0, 'a non-trivial Hessian');
    assert.equal(
      cpu.perLayer.length,
      cpu.model.layers.filter((l) => l.parameterCount > 0).length,
      'a per-layer entry for every layer with parameters',
    );
    for (const q of quantities(cpu, wasm)) {
      const difference = log.record(q.name, Math.abs(q.wasm - q.cpu) / q.scale, modelCase.name);
      assert.ok(
        difference <= TOLERANCE,
        `${modelCase.name}: ${q.name} is ${q.cpu} on cpu but ${q.wasm} on wasm (relative ${difference.toExponential(2)})`,
      );
    }
    for (const layer of cpu.model.layers) covered.add(layer.className);
  });
}

for (const backend of BACKENDS) {
  for (const [i, modelCase] of MODEL_CASES.entries()) {
    test(`H is symmetric on ${backend}: ${modelCase.name}`, async () => {
      const setup = await buildEngine(writtenCase(modelCase), backend);
      try {
        const { engine, network } = setup;
        engine.evaluate();
        const random = new SeededRandom(200 + i);
        const n = network.dimension;
        const u = unitVector(random, n);
        const v = unitVector(random, n);
        const hu = engine.hvp(u);
        const hv = engine.hvp(v);
        assert.ok(norm(hv) > 0, 'a non-zero Hessian-vector product');
        // |u| = |v| = 1: the float32 rounding of uᵀHv is relative to ‖Hv‖ (and of vᵀHu to ‖Hu‖).
        const asymmetry = Math.abs(dot(u, hv) - dot(v, hu)) / Math.max(norm(hv), norm(hu));
        log.record(`symmetry (${backend})`, asymmetry, modelCase.name);
        assert.ok(
          asymmetry <= SYMMETRY_TOLERANCE,
          `uᵀHv = ${dot(u, hv)} but vᵀHu = ${dot(v, hu)} (relative ${asymmetry.toExponential(2)})`,
        );
      } finally {
        setup.dispose();
      }
    });
  }
}

for (const [i, modelCase] of MODEL_CASES.filter((c) => c.smooth).entries()) {
  test(`Hv equals central differences of the gradient (cpu, step ${FINITE_DIFFERENCE_STEP}): ${modelCase.name}`, async () => {
    const setup = await buildEngine(writtenCase(modelCase), 'cpu');
    try {
      const { engine, network } = setup;
      engine.evaluate();
      const theta = network.theta();
      const v = unitVector(new SeededRandom(300 + i), network.dimension);
      const hv = engine.hvp(v);
      const gradientAt = (sign: 1 | -1) => {
        const shifted = setup.withTheta(theta.map((t, k) => t + sign * FINITE_DIFFERENCE_STEP * v[k]));
        try {
          return shifted.engine.evaluate().gradient;
        } finally {
          shifted.dispose();
        }
      };
      const plus = gradientAt(1);
      const minus = gradientAt(-1);
      const difference = hv.map((h, k) => h - (plus[k] - minus[k]) / (2 * FINITE_DIFFERENCE_STEP));
      const error = log.record('finite differences (cpu)', norm(difference) / norm(hv), modelCase.name);
      assert.ok(error <= FINITE_DIFFERENCE_TOLERANCE, `‖Hv − FD‖ / ‖Hv‖ = ${error.toExponential(2)}`);
    } finally {
      setup.dispose();
    }
  });
}

test('the cases cover every layer type the task lists', () => {
  const wanted = [
    'Dense',
    'Conv2D',
    'DepthwiseConv2D',
    'MaxPooling2D',
    'AveragePooling2D',
    'GlobalAveragePooling2D',
    'Flatten',
    'Reshape',
    'Dropout',
    'BatchNormalization',
    'Activation',
    'ReLU',
    'LeakyReLU',
    'ELU',
    'Softmax',
    'Embedding',
    'GlobalAveragePooling1D',
    'ZeroPadding2D',
  ];
  const missing = wanted.filter((name) => !covered.has(name));
  assert.deepEqual(missing, [], 'layer types without a passing cpu-vs-wasm case');
  assert.ok(MODEL_CASES.some((c) => c.layers.some((l) => l.className === 'GlobalMaxPooling2D')));
});
