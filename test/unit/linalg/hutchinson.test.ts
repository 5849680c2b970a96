import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CancelledError } from '../../../src/engine/errors';
import { hutchinson, hutchinsonFirstProbe, type TraceEstimate } from '../../../src/engine/linalg/hutchinson';
import { countingOperator, denseOperator } from '../../../src/engine/linalg/operator';
import { SeededRandom } from '../../../src/engine/linalg/random';
import { assertClose, diagonalMatrix, matrixWithSpectrum, trace } from './fixtures';

function assertWithinStandardErrors(estimate: TraceEstimate, expected: number, count = 4): void {
  assert.ok(
    Math.abs(estimate.mean - expected) <= count * estimate.standardError,
    `${estimate.name}: ${estimate.mean} ± ${estimate.standardError} is more than ${count} standard errors from ${expected}`,
  );
}

describe('hutchinson', () => {
  const n = 80;
  const spectrum = Array.from({ length: n }, (_, i) => (i < 5 ? 30 - 4 * i : Math.sin(i)));
  const matrix = matrixWithSpectrum(spectrum, 41);
  const op = denseOperator(matrix, n);

  it('estimates the trace within 4 standard errors', async () => {
    const counted = countingOperator(op);
    const result = await hutchinson(counted, undefined, { maxSamples: 200 });
    const [estimate] = result.estimates;
    assert.equal(estimate.name, 'trace');
    assert.equal(estimate.samples, result.applications);
    assert.equal(result.applications, counted.applications);
    assertWithinStandardErrors(estimate, trace(matrix, n));
    assert.ok(estimate.standardError > 0);
  });

  it('uses a product already taken on its first probe, and only there', async () => {
    const plain = await hutchinson(op, undefined, { maxSamples: 12, seed: 5 });
    const vector = hutchinsonFirstProbe(n, 5);
    const known = { vector, product: await op.apply(vector) };
    const counted = countingOperator(op);
    const reused = await hutchinson(counted, undefined, { maxSamples: 12, seed: 5, firstProduct: known });
    assert.equal(counted.applications, reused.applications - 1, 'one product fewer');
    assert.deepEqual(reused.estimates, plain.estimates);
    // Another seed's first probe is another vector: nothing is reused.
    const other = countingOperator(op);
    const fresh = await hutchinson(other, undefined, { maxSamples: 12, seed: 6, firstProduct: known });
    assert.equal(other.applications, fresh.applications);
  });

  it('estimates masked and weighted traces Σ w_i A_ii from the same samples', async () => {
    const random = new SeededRandom(3);
    const mask = Float64Array.from({ length: n }, (_, i) => (i < 30 ? 1 : 0));
    const d = Float64Array.from({ length: n }, () => 0.5 + random.uniform());
    const squares = d.map((x) => x * x);
    const result = await hutchinson(op, [{ name: 'all' }, { name: 'first 30', weights: mask }, { name: 'rescaled', weights: squares }], {
      maxSamples: 300,
      relativeStandardError: 0,
    });
    assert.equal(result.applications, 300);
    assert.equal(result.converged, false);
    assert.deepEqual(
      result.estimates.map((estimate) => estimate.name),
      ['all', 'first 30', 'rescaled'],
    );
    assertWithinStandardErrors(result.estimates[0], trace(matrix, n));
    assertWithinStandardErrors(result.estimates[1], trace(matrix, n, mask));
    // tr(D A D) for D = diag(d) equals Σ d_i² A_ii.
    const dad = matrix.map((value, index) => d[Math.floor(index / n)] * value * d[index % n]);
    assertWithinStandardErrors(result.estimates[2], trace(dad, n));
    assertClose(trace(dad, n), trace(matrix, n, squares), 1e-10);
  });

  it('is exact on a diagonal matrix, stopping at minSamples, with the exact diagonal', async () => {
    const values = [4, -1, 2.5, 0, 7];
    const result = await hutchinson(
      denseOperator(diagonalMatrix(values), 5),
      [{ name: 'trace' }, { name: 'head', weights: Float64Array.of(1, 1, 0, 0, 0) }],
      {
        returnDiagonal: true,
      },
    );
    assert.equal(result.applications, 10);
    assert.equal(result.converged, true);
    assert.deepEqual(
      result.estimates.map((estimate) => [estimate.mean, estimate.standardError]),
      [
        [12.5, 0],
        [3, 0],
      ],
    );
    assert.deepEqual(Array.from(result.diagonal ?? []), values);
  });

  it('returns the diagonal estimate, whose sum is the trace estimate', async () => {
    const result = await hutchinson(op, undefined, { returnDiagonal: true, maxSamples: 50 });
    const diagonal = result.diagonal ?? new Float64Array(0);
    assert.equal(diagonal.length, n);
    assertClose(
      diagonal.reduce((sum, x) => sum + x, 0),
      result.estimates[0].mean,
      1e-9,
    );
    assert.equal((await hutchinson(op, undefined, { maxSamples: 2 })).diagonal, undefined);
  });

  it('stops at the relative standard error, and holds near-zero targets to the largest one', async () => {
    const loose = await hutchinson(op, undefined, { relativeStandardError: 0.25 });
    assert.equal(loose.converged, true);
    const [estimate] = loose.estimates;
    assert.ok(estimate.standardError <= 0.25 * Math.abs(estimate.mean));
    assert.ok(estimate.samples >= 10 && estimate.samples < 100);

    // A traceless target alone can never meet a relative criterion...
    const traceless = denseOperator(matrixWithSpectrum([3, -3, 1, -1, 2, -2], 42), 6);
    const alone = await hutchinson(traceless, undefined, { maxSamples: 40 });
    assert.equal(alone.converged, false);
    assert.equal(alone.applications, 40);
    // ...next to a large one it is settled at 10% of that one's scale, or by an absolute floor.
    const traceful = denseOperator(matrixWithSpectrum([30, 20, 25, -1, 2, 4], 42), 6);
    const tiny = { name: 'tiny', weights: Float64Array.of(1e-6, 0, 0, 0, 0, 0) };
    const beside = await hutchinson(traceful, [{ name: 'all' }, tiny], { relativeStandardError: 0.1 });
    const tinyAlone = await hutchinson(traceful, [tiny], { relativeStandardError: 0.1 });
    assert.equal(beside.converged, true);
    assert.ok(beside.applications < tinyAlone.applications, `${beside.applications} vs ${tinyAlone.applications} samples`);
    const floored = await hutchinson(traceless, undefined, { absoluteStandardError: 10 });
    assert.equal(floored.applications, 10);
  });

  it('is deterministic for a seed and reports progress after every sample', async () => {
    const seen: number[] = [];
    const first = await hutchinson(op, undefined, { seed: 8, maxSamples: 12, onIteration: (info) => seen.push(info.sample) });
    assert.deepEqual(await hutchinson(op, undefined, { seed: 8, maxSamples: 12 }), first);
    assert.notDeepEqual((await hutchinson(op, undefined, { seed: 9, maxSamples: 12 })).estimates, first.estimates);
    assert.deepEqual(
      seen,
      Array.from({ length: first.applications }, (_, i) => i + 1),
    );
    const single = await hutchinson(op, undefined, { maxSamples: 1 });
    assert.equal(single.estimates[0].standardError, Infinity);
  });

  it('stops with CancelledError when its signal is aborted, and rejects bad input', async () => {
    const controller = new AbortController();
    const counted = countingOperator(op);
    await assert.rejects(
      hutchinson(counted, undefined, {
        signal: controller.signal,
        onIteration: (info) => {
          if (info.sample === 4) controller.abort();
        },
      }),
      CancelledError,
    );
    assert.equal(counted.applications, 4);
    await assert.rejects(hutchinson(op, []), RangeError);
    await assert.rejects(hutchinson(op, [{ name: 'short', weights: new Float64Array(3) }]), RangeError);
    await assert.rejects(hutchinson(op, undefined, { maxSamples: 0 }), RangeError);
  });
});
