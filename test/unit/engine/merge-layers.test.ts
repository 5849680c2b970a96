// Concatenate and Average, against exact float64 Hessians from PyTorch (test/fixtures/reference/merge,
// made by scripts/reference/make_merge_fixtures.py): two branches concatenated, two branches averaged.
// The whole spectrum of H and of D H D, from the dense Hessian the engine assembles from its HVPs and
// from Lanczos on the HVPs directly; then layer-wise rescalings through both merges, on a ReLU copy.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze, type AnalyzeRequest } from '../../../src/engine/analysis/analyze';
import type { Report } from '../../../src/shared/report';
import { temporaryDirectory } from '../../helpers/model-writer';

const DIR = join(__dirname, '..', '..', 'fixtures', 'reference', 'merge');
const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as {
  parameterCount: number;
  euclidean: { eigenvalues: number[]; trace: number };
  invariantLayer: { eigenvalues: number[]; trace: number };
};
const model = join(DIR, 'model.json');
const data = join(DIR, 'data.npz');

/** Every eigenvalue within `tolerance` of the largest one's magnitude (float32 HVPs: about 1e-6). */
function sameSpectrum(actual: number[], exact: number[], tolerance: number, what: string): void {
  assert.equal(actual.length, exact.length, what);
  const scale = Math.abs(exact[0]);
  const worst = Math.max(...actual.map((v, i) => Math.abs(v - exact[i]))) / scale;
  assert.ok(worst <= tolerance, `${what}: worst eigenvalue off by ${worst.toExponential(2)} of λ_max`);
}

test('the fixture merges kernel layers with a Concatenate and an Average', async () => {
  const report = await analyze({ model, data, backend: 'cpu', threads: 1, settings: { topK: 1, perLayer: false } });
  assert.deepEqual(
    report.model.layers.map((l) => l.className),
    ['Dense', 'Dense', 'Concatenate', 'Dense', 'Dense', 'Average', 'Dense'],
  );
  assert.deepEqual(report.model.layers.find((l) => l.className === 'Concatenate')!.outputShape, [8]);
  assert.equal(report.model.parameterCount, expected.parameterCount);
});

for (const backend of ['cpu', 'wasm'] as const) {
  test(`${backend}: all ${expected.parameterCount} eigenvalues of H and D H D through the merges match PyTorch`, async () => {
    const report = await analyze({ model, data, backend, threads: 1, settings: { topK: expected.parameterCount, perLayer: false } });
    assert.equal(report.method, 'exact');
    sameSpectrum(report.euclidean.topEigenvalues, expected.euclidean.eigenvalues, 1e-5, 'H');
    sameSpectrum(report.invariant.topEigenvalues, expected.invariantLayer.eigenvalues, 1e-5, 'D H D');
  });

  test(`${backend}: Lanczos on the HVPs through the merges finds the exact top 5`, async () => {
    const report = await analyze({
      model,
      data,
      backend,
      threads: 1,
      settings: { topK: 5, exactThreshold: 0, perLayer: false, lanczosTolerance: 1e-6, traceMaxSamples: 2 },
    });
    assert.equal(report.method, 'iterative');
    assert.ok(report.euclidean.eigenpairs.every((p) => p.converged));
    sameSpectrum(report.euclidean.topEigenvalues, expected.euclidean.eigenvalues.slice(0, 5), 1e-5, 'Lanczos H');
    sameSpectrum(report.invariant.topEigenvalues, expected.invariantLayer.eigenvalues.slice(0, 5), 1e-5, 'Lanczos D H D');
  });
}

// The same weights with ReLU branches: a layer-wise symmetry that runs through both merges.
let relu: string;
before(() => {
  const dir = join(temporaryDirectory(), 'merge-relu');
  cpSync(DIR, dir, { recursive: true });
  relu = join(dir, 'model.json');
  writeFileSync(relu, readFileSync(model, 'utf8').replaceAll('"activation": "tanh"', '"activation": "relu"'));
});

const run = (extra: Partial<AnalyzeRequest>): Promise<Report> =>
  analyze({ model: relu, data, backend: 'cpu', threads: 1, settings: { topK: 1, perLayer: false }, ...extra });

test('the merges join scale classes: each merged pair of branches carries one scale', async () => {
  const report = await run({});
  assert.deepEqual(report.model.symmetries.scaleLinks, [
    { layer: 'left', from: 0, to: 1 },
    { layer: 'right', from: 0, to: 1 },
    { layer: 'branch_a', from: 1, to: 2 },
    { layer: 'branch_b', from: 1, to: 2 },
    { layer: 'output', from: 2, to: 0 },
  ]);
});

test('equal scales on merged branches keep the function, though the factors multiply to 6', async () => {
  const before = await run({});
  const after = await run({ rescale: [2, 2, 3, 3, 1 / 6] });
  assert.ok(after.rescaling!.maxOutputDifference < 1e-5, `outputs moved by ${after.rescaling!.maxOutputDifference}`);
  assert.ok(Math.abs(after.invariant.sharpness / before.invariant.sharpness - 1) < 1e-4, 'λ_max(D H D) unchanged');
  assert.ok(Math.abs(after.loss / before.loss - 1) < 1e-5);
  const moved = after.euclidean.topEigenvalues[0] / before.euclidean.topEigenvalues[0];
  assert.ok(moved > 1.5 || moved < 1 / 1.5, `λ_max(H) moved by ×${moved}`);
});

test('unequal scales on merged branches are refused, naming the branch', async () => {
  await assert.rejects(
    run({ rescale: [2, 1, 1, 1, 0.5] }),
    /up to "right" multiply to 1\.00000, but they must multiply to 2 there \(another branch merged with it/,
  );
});

test('a random layer-wise rescaling through both merges keeps the function, every factor within the spread', async () => {
  const before = await run({});
  const after = await run({ rescaleRandom: { seed: 5, spread: 100 } });
  const factors = after.rescaling!.factors!;
  for (const f of factors) assert.ok(f >= 1 / 100 && f <= 100, `factor ${f}`);
  assert.equal(factors[0], factors[1], 'the concatenated branches get one factor');
  assert.equal(factors[2], factors[3], 'the averaged branches get one factor');
  assert.ok(after.rescaling!.maxOutputDifference < 1e-5);
  assert.ok(Math.abs(after.invariant.sharpness / before.invariant.sharpness - 1) < 1e-4);
});
