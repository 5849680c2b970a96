import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CancelledError } from '../../../src/engine/errors';
import { lanczos } from '../../../src/engine/linalg/lanczos';
import { countingOperator, denseOperator, dot } from '../../../src/engine/linalg/operator';
import { powerIteration, powerIterationTopK } from '../../../src/engine/linalg/power-iteration';
import { assertClose, diagonalMatrix, laplacian, matrixWithSpectrum, residualNorm } from './fixtures';

describe('powerIteration', () => {
  const n = 60;
  // Ratio |λ₂/λ₁| = 0.5: fast, so the PyHessian tolerance leaves little bias.
  const spectrum = [10, -5, 4, ...Array.from({ length: n - 3 }, (_, i) => Math.cos(i))];
  const matrix = matrixWithSpectrum(spectrum, 31);
  const op = denseOperator(matrix, n);

  it('converges to the eigenvalue largest in magnitude and agrees with Lanczos', async () => {
    const counted = countingOperator(op);
    const result = await powerIteration(counted, { tolerance: 1e-10 });
    assert.equal(result.converged, true);
    assert.equal(result.iterations, counted.applications);
    assertClose(result.value, 10, 1e-8);
    assert.ok(residualNorm(matrix, n, result.vector, result.value) < 1e-4);
    const reference = await lanczos(op, { which: 'magnitude', tolerance: 1e-10 });
    assertClose(result.value, reference.eigenpairs[0].value, 1e-8);

    const defaults = await powerIteration(op);
    assert.equal(defaults.converged, true);
    assertClose(defaults.value, 10, 1e-2, 'PyHessian tolerance 1e-3');
  });

  it('returns a negative dominant eigenvalue with its sign', async () => {
    const negative = [-12, 6, 3, 1, 0.5];
    const result = await powerIteration(denseOperator(matrixWithSpectrum(negative, 32), 5), { tolerance: 1e-12 });
    assertClose(result.value, -12, 1e-9);
  });

  it('finds the top k by magnitude through deflation, as PyHessian does', async () => {
    const results = await powerIterationTopK(op, 3, { tolerance: 1e-12, maxIterations: 500 });
    assert.deepEqual(
      results.map((result) => result.converged),
      [true, true, true],
    );
    [10, -5, 4].forEach((expected, i) => assertClose(results[i].value, expected, 1e-6, `eigenvalue ${i}`));
    assertClose(Math.abs(dot(results[0].vector, results[1].vector)), 0, 1e-6, 'deflated vectors are orthogonal');
    const second = await powerIteration(op, { deflate: [results[0].vector], tolerance: 1e-12, maxIterations: 500 });
    assertClose(second.value, -5, 1e-6);
    await assert.rejects(powerIterationTopK(op, n + 1), RangeError);
  });

  it('reports converged = false when capped, and handles the zero matrix', async () => {
    const { matrix: lap } = laplacian(100);
    const capped = await powerIteration(denseOperator(lap, 100), { maxIterations: 5, tolerance: 1e-12 });
    assert.equal(capped.converged, false);
    assert.equal(capped.iterations, 5);
    const zero = await powerIteration(denseOperator(new Float64Array(4), 2));
    assert.deepEqual(
      { value: zero.value, iterations: zero.iterations, converged: zero.converged },
      { value: 0, iterations: 1, converged: true },
    );
  });

  it('is deterministic for a seed, honours startVector and reports progress', async () => {
    const values: number[] = [];
    const first = await powerIteration(op, { seed: 5, onIteration: (info) => values.push(info.value) });
    assert.deepEqual(await powerIteration(op, { seed: 5 }), first);
    assert.equal(values.length, first.iterations);
    assert.equal(values[values.length - 1], first.value);
    const fromEigenvector = await powerIteration(denseOperator(diagonalMatrix([1, 3, 2]), 3), { startVector: Float64Array.of(0, 1, 0) });
    assert.equal(fromEigenvector.value, 3);
    assert.equal(fromEigenvector.iterations, 2);
  });

  it('stops with CancelledError when its signal is aborted', async () => {
    const controller = new AbortController();
    await assert.rejects(
      powerIteration(op, {
        signal: controller.signal,
        onIteration: (info) => {
          if (info.iteration === 2) controller.abort();
        },
      }),
      CancelledError,
    );
  });
});
