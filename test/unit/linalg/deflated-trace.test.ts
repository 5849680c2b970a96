// Hutchinson deflated by a Lanczos run's Krylov space: the exact part plus the trace of PAP is the
// trace, for any weights; and with a dominant top of the spectrum the probes need far fewer samples.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflatedOperator, deflatedSampleValues, krylovTracePart } from '../../../src/engine/linalg/deflated-trace';
import { hutchinson } from '../../../src/engine/linalg/hutchinson';
import { lanczos } from '../../../src/engine/linalg/lanczos';
import { denseOperator } from '../../../src/engine/linalg/operator';
import { SeededRandom } from '../../../src/engine/linalg/random';
import { assertClose, matrixWithSpectrum, trace } from './fixtures';

const n = 60;
/** A Hessian-like spectrum: a few large eigenvalues over a wide bulk near zero, both signs. */
const spectrum = Array.from({ length: n }, (_, i) => (i < 4 ? 100 / (i + 1) : 0.5 * Math.sin(i) + 0.05));
const matrix = matrixWithSpectrum(spectrum, 3);
const op = denseOperator(matrix, n);

async function krylov(steps: number) {
  const result = await lanczos(op, { k: 4, maxIterations: steps, tolerance: 0, returnDecomposition: true, seed: 5 });
  return result.decomposition!;
}

test('the Krylov part plus the exact trace of PAP is the trace, with and without weights', async () => {
  const decomposition = await krylov(12);
  const weights = Float64Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : i % 3 === 1 ? 0 : 2.5));
  for (const w of [undefined, weights]) {
    const deflated = deflatedOperator(op, decomposition);
    // tr(W PAP) exactly, column by column.
    let rest = 0;
    for (let j = 0; j < n; j++) {
      const unit = new Float64Array(n);
      unit[j] = 1;
      rest += (w ? w[j] : 1) * (await deflated.apply(unit))[j];
    }
    assertClose(krylovTracePart(decomposition, w) + rest, trace(matrix, n, w), 1e-10, 'Krylov part + tr(PAP)');
  }
});

test('a full Krylov space leaves nothing to estimate', async () => {
  const decomposition = await krylov(n);
  assertClose(krylovTracePart(decomposition), trace(matrix, n), 1e-9, 'the Krylov part alone');
});

test('deflation shrinks the standard error by a large factor for the same probes', async () => {
  const decomposition = await krylov(12);
  const plain = await hutchinson(op, [{ name: 't' }], { minSamples: 30, maxSamples: 30, seed: 9 });
  const deflated = await hutchinson(deflatedOperator(op, decomposition), [{ name: 't', offset: krylovTracePart(decomposition) }], {
    minSamples: 30,
    maxSamples: 30,
    seed: 9,
  });
  const exact = trace(matrix, n);
  assert.ok(Math.abs(deflated.estimates[0].mean - exact) <= 4 * deflated.estimates[0].standardError + 1e-9);
  assert.ok(
    deflated.estimates[0].standardError < plain.estimates[0].standardError / 10,
    `SE ${deflated.estimates[0].standardError} vs ${plain.estimates[0].standardError}`,
  );
});

test('the deflated estimate is unbiased: its mean over many seeds is the trace', async () => {
  const decomposition = await krylov(6);
  const exact = trace(matrix, n);
  const random = new SeededRandom(1);
  const means: number[] = [];
  for (let r = 0; r < 40; r++) {
    const result = await hutchinson(deflatedOperator(op, decomposition), [{ name: 't', offset: krylovTracePart(decomposition) }], {
      minSamples: 5,
      maxSamples: 5,
      seed: random.integer(1e9),
    });
    means.push(result.estimates[0].mean);
  }
  const average = means.reduce((a, b) => a + b, 0) / means.length;
  const spread = Math.sqrt(means.reduce((s, m) => s + (m - average) ** 2, 0) / (means.length - 1) / means.length);
  assert.ok(Math.abs(average - exact) <= 4 * spread, `${average} vs ${exact} ± ${spread}`);
});

test('the one-pass sample values equal z ⊙ PAPz summed over each range, for the whole and for parts', async () => {
  const decomposition = await krylov(9);
  const ranges = [
    [[0, 20]],
    [
      [20, 45],
      [50, 60],
    ],
    [[45, 50]],
  ] as const;
  const values = deflatedSampleValues(decomposition, [{ ranges: null }, ...ranges.map((r) => ({ ranges: r }))]);
  const partialValues = deflatedSampleValues(decomposition, [{ ranges: null }, { ranges: ranges[0] }]);
  const deflated = deflatedOperator(op, decomposition);
  const random = new SeededRandom(4);
  for (let sample = 0; sample < 3; sample++) {
    const z = random.rademacherVector(n);
    const papz = await deflated.apply(z);
    const explicit = (parts: readonly (readonly [number, number])[] | null) => {
      let sum = 0;
      for (const [start, end] of parts ?? [[0, n]]) for (let i = start; i < end; i++) sum += z[i] * papz[i];
      return sum;
    };
    const y = await op.apply(z);
    const got = values(z, y);
    assertClose(got[0], explicit(null), 1e-10, 'whole (ranges cover everything)');
    ranges.forEach((r, t) => assertClose(got[t + 1], explicit(r), 1e-10, `range target ${t}`));
    const partial = partialValues(z, y);
    assertClose(partial[0], explicit(null), 1e-10, 'whole (ranges do not cover everything)');
    assertClose(partial[1], explicit(ranges[0]), 1e-10, 'one range');
  }
});
