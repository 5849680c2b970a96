// The engine against exact float64 Hessians from PyTorch: the project's own reference models
// (test/fixtures/reference, made by scripts/reference/make_reference_fixtures.py) and the corpus of
// models saved by tfjs-layers in the layouts real tools write (test/fixtures/corpus, made by
// scripts/corpus/make-corpus.ts and scripts/reference/corpus_reference.py): loss (and each output's, for
// models of several inputs and outputs), accuracy, ‖∇L‖, λ_max, traces, both invariant normalisations
// and every per-layer number, on the cpu and wasm backends.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../../../src/engine/analysis/analyze';
import type { Report } from '../../../src/shared/report';

const FIXTURES = join(__dirname, '..', '..', 'fixtures');
const ROOT = join(FIXTURES, 'reference');
const CORPUS = join(FIXTURES, 'corpus');

interface Block {
  max: number;
  trace: number;
}
interface Expected {
  loss: { value: number };
  accuracy: number | null;
  gradientNorm: number;
  parameterCount: number;
  eigenvaluesComplete: boolean;
  euclidean: { eigenvalues: number[]; trace: number };
  invariantLayer: { eigenvalues: number[]; trace: number };
  invariantElement: { eigenvalues: number[]; trace: number };
  perLayer: { name: string; parameterCount: number; euclidean: Block; invariantLayer: Block; invariantElement: Block }[];
  dataFile: string;
  frozenParameterCount?: number;
  /** Models of several outputs: each output's own loss (before its weight) and accuracy. */
  perOutput?: { name: string; loss: string; weight: number; value: number; accuracy: number | null }[];
}

const relative = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);

/** Largest relative errors seen, printed once the file's tests are done. */
const worst = new Map<string, number>();
function close(actual: number, expected: number, tolerance: number, what: string): void {
  const error = relative(actual, expected);
  worst.set(what, Math.max(worst.get(what) ?? 0, error));
  assert.ok(error <= tolerance, `${what}: ${actual} vs exact ${expected} (relative error ${error.toExponential(2)} > ${tolerance})`);
}

/** Within `sigmas` standard errors, for Hutchinson estimates. */
function withinError(actual: number, standardError: number, expected: number, sigmas: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= sigmas * standardError + 1e-6 * Math.abs(expected),
    `${what}: ${actual} ± ${standardError} vs exact ${expected}`,
  );
}

const cases = [
  ...readdirSync(ROOT)
    .filter((name) => name !== 'mlp-medium')
    .map((name) => join(ROOT, name)),
  ...readdirSync(CORPUS).map((name) => join(CORPUS, name)),
];

for (const backend of ['cpu', 'wasm'] as const) {
  for (const dir of cases) {
    const name = dir.slice(FIXTURES.length + 1);
    test(`${name} on ${backend}: exact Hessian measures match PyTorch float64`, async () => {
      const expected: Expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
      const run = (normalization: 'layer' | 'element') =>
        analyze({
          model: join(dir, 'model.json'),
          data: join(dir, expected.dataFile),
          backend,
          threads: 1,
          // Exactness against PyTorch is the subject; the intervals have their own tests (sampling.test.ts).
          intervals: false,
          settings: { normalization, topK: 3 },
        });
      const layer: Report = await run('layer');
      const element: Report = await run('element');
      assert.equal(layer.method, 'exact');
      assert.equal(layer.backend, backend);
      assert.equal(layer.model.parameterCount, expected.parameterCount);
      close(layer.loss, expected.loss.value, 1e-5, 'loss');
      assert.equal(layer.accuracy, expected.accuracy);
      // ‖∇L‖ is small at a minimum and float32 sums lose a little of it to cancellation.
      assert.ok(
        Math.abs(layer.gradientNorm - expected.gradientNorm) <= 1e-3 * expected.gradientNorm + 2e-5,
        `‖∇L‖ ${layer.gradientNorm} vs ${expected.gradientNorm}`,
      );
      close(layer.euclidean.topEigenvalues[0], expected.euclidean.eigenvalues[0], 1e-5, 'λ_max(H)');
      close(layer.euclidean.trace, expected.euclidean.trace, 1e-5, 'tr(H)');
      close(layer.invariant.sharpness, expected.invariantLayer.eigenvalues[0], 1e-5, 'λ_max(DHD), layer D');
      close(layer.invariant.trace, expected.invariantLayer.trace, 1e-5, 'tr(DHD), layer D');
      close(element.invariant.sharpness, expected.invariantElement.eigenvalues[0], 1e-5, 'λ_max(DHD), element D');
      close(element.invariant.trace, expected.invariantElement.trace, 1e-5, 'tr(DHD), element D');
      for (let k = 1; k < 3; k++) close(layer.euclidean.topEigenvalues[k], expected.euclidean.eigenvalues[k], 1e-4, 'λ_2,3(H)');
      if (expected.frozenParameterCount !== undefined) assert.equal(layer.model.frozenParameterCount, expected.frozenParameterCount);
      // The report's loss is Σ weight × each output's loss: each one's is checked, as are the weights the training config gives.
      assert.equal(layer.outputs.length, expected.perOutput?.length ?? 1);
      for (const [k, want] of (expected.perOutput ?? []).entries()) {
        const got = layer.outputs[k];
        assert.deepEqual([got.name, got.loss, got.weight], [want.name, want.loss, want.weight]);
        close(got.lossValue, want.value, 1e-5, 'per-output loss');
        assert.equal(got.accuracy, want.accuracy);
      }
      assert.deepEqual(layer.perLayer.map((l) => l.name).sort(), expected.perLayer.map((l) => l.name).sort());
      for (const want of expected.perLayer) {
        const i = layer.perLayer.findIndex((l) => l.name === want.name);
        const got = layer.perLayer[i];
        assert.equal(got.parameterCount, want.parameterCount);
        close(got.euclideanSharpness, want.euclidean.max, 1e-5, 'per-layer λ_max(H)');
        close(got.invariantSharpness, want.invariantLayer.max, 1e-5, 'per-layer λ_max(DHD)');
        close(got.euclideanTrace, want.euclidean.trace, 1e-5, 'per-layer tr(H)');
        close(got.invariantTrace, want.invariantLayer.trace, 1e-5, 'per-layer tr(DHD)');
        close(element.perLayer[i].invariantSharpness, want.invariantElement.max, 1e-5, 'per-layer λ_max(DHD), element D');
      }
    });
  }

  test(`mlp-medium on ${backend}: Lanczos and Hutchinson against the exact spectrum`, async () => {
    const dir = join(ROOT, 'mlp-medium');
    const expected: Expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
    const report = await analyze({
      model: join(dir, 'model.json'),
      data: join(dir, expected.dataFile),
      backend,
      threads: 1,
      settings: { topK: 5, traceMaxSamples: 200, crossCheck: true },
    });
    assert.equal(report.method, 'iterative');
    for (let k = 0; k < 5; k++) {
      assert.ok(report.euclidean.eigenpairs[k].converged, `λ_${k + 1}(H) converged`);
      close(report.euclidean.topEigenvalues[k], expected.euclidean.eigenvalues[k], 1e-5, 'Lanczos top-5 λ(H)');
      close(report.invariant.topEigenvalues[k], expected.invariantLayer.eigenvalues[k], 1e-5, 'Lanczos top-5 λ(DHD)');
    }
    // Power iteration (PyHessian's stopping rule) is the cross-check: a Rayleigh quotient, so never
    // above λ_max, and close to it; with λ₁ and λ₂ 3% apart it stops early, which Lanczos does not.
    const check = report.crossCheck!;
    for (const [name, power, exact] of [
      ['H', check.euclidean, expected.euclidean.eigenvalues[0]],
      ['DHD', check.invariant, expected.invariantLayer.eigenvalues[0]],
    ] as const) {
      assert.ok(power.value <= exact * (1 + 1e-5), `power iteration on ${name}: ${power.value} > λ_max ${exact}`);
      assert.ok(power.relativeDifference < 0.05, `power iteration on ${name} is ${power.relativeDifference} off`);
    }
    withinError(report.euclidean.trace, report.euclidean.traceStandardError, expected.euclidean.trace, 4, 'Hutchinson tr(H)');
    withinError(report.invariant.trace, report.invariant.traceStandardError, expected.invariantLayer.trace, 4, 'Hutchinson tr(DHD)');
    for (const [i, want] of expected.perLayer.entries()) {
      const got = report.perLayer[i];
      close(got.euclideanSharpness, want.euclidean.max, 1e-5, 'Lanczos per-layer λ_max(H)');
      close(got.invariantSharpness, want.invariantLayer.max, 1e-5, 'Lanczos per-layer λ_max(DHD)');
      withinError(got.euclideanTrace, got.euclideanTraceStandardError, want.euclidean.trace, 4, 'per-layer tr(H)');
      withinError(got.invariantTrace, got.invariantTraceStandardError, want.invariantLayer.trace, 4, 'per-layer tr(DHD)');
    }
  });
}

// For the record, after whichever of the tests above ran: no test depends on another having run.
after(() => {
  for (const [what, error] of worst) console.log(`# max relative error, ${what}: ${error.toExponential(2)}`);
});
