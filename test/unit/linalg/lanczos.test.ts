import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CancelledError } from '../../../src/engine/errors';
import {
  lanczos,
  lanczosDecomposition,
  lanczosStartVector,
  type LanczosProgress,
  type LanczosResult,
} from '../../../src/engine/linalg/lanczos';
import { countingOperator, denseOperator, type StoredVector } from '../../../src/engine/linalg/operator';
import { SeededRandom } from '../../../src/engine/linalg/random';
import { assertAllClose, assertClose, diagonalMatrix, laplacian, matrixWithSpectrum, multiply, residualNorm } from './fixtures';

/** Ten well-separated outliers (both signs) above and below a bulk in [−1, 1], as Hessians have. */
function outlierSpectrum(n: number): number[] {
  const random = new SeededRandom(21);
  const outliers = [20, 15, 11, 8, 6, -12, -9, -5, 4.5, -4];
  return [...outliers, ...Array.from({ length: n - outliers.length }, () => 2 * random.uniform() - 1)];
}

/** The reported residual of every pair is the true ‖Ax − θx‖, and `converged` matches it. */
function assertHonest(result: LanczosResult, matrix: Float64Array, n: number, tolerance: number): void {
  const spread = Math.max(...result.eigenpairs.map((pair) => Math.abs(pair.value)));
  for (const pair of result.eigenpairs) {
    assert.ok(pair.vector, 'vectors were asked for');
    assertClose(Math.hypot(...pair.vector), 1, 1e-12, 'Ritz vector norm');
    const trueResidual = residualNorm(matrix, n, pair.vector, pair.value);
    assertClose(pair.residual, trueResidual, 1e-9 * spread, 'reported residual');
    if (pair.converged) assert.ok(pair.residual <= tolerance * spread + 1e-12);
  }
}

describe('lanczos', () => {
  const n = 150;
  const spectrum = outlierSpectrum(n);
  const matrix = matrixWithSpectrum(spectrum, 5);
  const op = denseOperator(matrix, n);
  const sorted = [...spectrum].sort((a, b) => b - a);

  it('uses a product already taken on its first vector as its first step, and ignores one on any other vector', async () => {
    const plain = await lanczos(op, { k: 3, seed: 9, returnVectors: true, returnDecomposition: true });
    const vector = lanczosStartVector(n, 9);
    // Exactly the run's first basis vector, bit for bit (the analysis times its products on it).
    assert.deepEqual(Array.from(plain.decomposition!.basis[0]), Array.from(vector));
    const known = { vector, product: await op.apply(vector) };
    const counted = countingOperator(op);
    const primed = await lanczos(counted, { k: 3, seed: 9, returnVectors: true, firstProduct: known });
    assert.equal(counted.applications, plain.iterations - 1, 'one product fewer');
    assert.deepEqual(
      primed.eigenpairs.map((p) => p.value),
      plain.eigenpairs.map((p) => p.value),
    );
    // The known product is not modified (the process works on a copy).
    assertAllClose(known.product, await op.apply(vector), 0);
    // On another vector (another seed's start) it is not used: every product is taken.
    const other = countingOperator(op);
    const unprimed = await lanczos(other, { k: 3, seed: 10, firstProduct: known });
    assert.equal(other.applications, unprimed.iterations);
    // A non-finite known product is refused like a computed one.
    const bad = { vector, product: known.product.map((x, i) => (i === 3 ? NaN : x)) };
    await assert.rejects(lanczos(op, { k: 3, seed: 9, firstProduct: bad }), /not finite|NaN/);
  });

  it('finds the largest eigenpairs to the tolerance, with true residuals', async () => {
    const counted = countingOperator(op);
    const result = await lanczos(counted, { k: 4, returnVectors: true });
    assert.deepEqual(
      result.eigenpairs.map((pair) => pair.converged),
      [true, true, true, true],
    );
    // A converged Ritz value is within residual²/gap of an eigenvalue; here far inside 1e-5 relative.
    assertAllClose(
      result.eigenpairs.map((pair) => pair.value),
      sorted.slice(0, 4),
      1e-5 * 20,
    );
    assertHonest(result, matrix, n, 1e-5);
    assert.equal(result.applications, counted.applications);
    assert.equal(result.iterations, result.applications);
    assert.ok(result.applications < 60, `stopped early at ${result.applications}`);
    assert.equal(result.invariantSubspace, false);
  });

  it('finds the smallest (ascending) and the largest-magnitude (by |value|) eigenvalues', async () => {
    const smallest = await lanczos(op, { k: 3, which: 'smallest', tolerance: 1e-8 });
    assertAllClose(
      smallest.eigenpairs.map((pair) => pair.value),
      [-12, -9, -5],
      1e-7,
    );
    const magnitude = await lanczos(op, { k: 4, which: 'magnitude', tolerance: 1e-8, returnVectors: true });
    assertAllClose(
      magnitude.eigenpairs.map((pair) => pair.value),
      [20, 15, -12, 11],
      1e-7,
    );
    assertHonest(magnitude, matrix, n, 1e-8);
  });

  it('reports converged = false, with true residuals, when capped too early', async () => {
    const result = await lanczos(op, { k: 3, maxIterations: 4, tolerance: 1e-10, returnVectors: true });
    assert.equal(result.iterations, 4);
    assert.deepEqual(
      result.eigenpairs.map((pair) => pair.converged),
      [false, false, false],
    );
    assertHonest(result, matrix, n, 1e-10);
    // The Laplacian's top eigenvalues are 7e-4 apart: 60 steps cannot resolve them to 1e-8.
    const { matrix: lap, eigenvalues } = laplacian(200);
    const slow = await lanczos(denseOperator(lap, 200), { tolerance: 1e-8, returnVectors: true });
    assert.equal(slow.iterations, 60);
    assert.equal(slow.eigenpairs[0].converged, false);
    assert.ok(slow.eigenpairs[0].value < eigenvalues[0], 'Ritz values are interior');
    assertHonest(slow, lap, 200, 1e-8);
  });

  it('resolves clustered top eigenvalues given enough iterations', async () => {
    const clustered = [10, 9.99, 9.98, ...Array.from({ length: 97 }, (_, i) => 9 - i / 20)];
    const result = await lanczos(denseOperator(matrixWithSpectrum(clustered, 6), 100), { k: 3, maxIterations: 100, tolerance: 1e-9 });
    assert.ok(result.eigenpairs.every((pair) => pair.converged));
    assertAllClose(
      result.eigenpairs.map((pair) => pair.value),
      [10, 9.99, 9.98],
      1e-8,
    );
  });

  it('stops on an invariant subspace: exact values from few distinct eigenvalues', async () => {
    // Three distinct eigenvalues: the Krylov space has dimension 3 whatever the start.
    const spectrum3 = [5, 5, 5, 5, 2, 2, -1, -1, -1, -1];
    const result = await lanczos(denseOperator(matrixWithSpectrum(spectrum3, 7), 10), { k: 5 });
    assert.equal(result.invariantSubspace, true);
    assert.equal(result.iterations, 3);
    // Each eigenvalue once: a single start vector cannot see multiplicities.
    assertAllClose(
      result.eigenpairs.map((pair) => pair.value),
      [5, 2, -1],
      1e-12,
    );
    assert.ok(result.eigenpairs.every((pair) => pair.converged && pair.residual < 1e-12));
  });

  it('returns all n eigenpairs for an operator of dimension 5 asked for k = 8', async () => {
    const spectrum5 = [3, -2, 1.5, 0.25, -7];
    const result = await lanczos(denseOperator(matrixWithSpectrum(spectrum5, 8), 5), { k: 8, returnVectors: true });
    assert.equal(result.eigenpairs.length, 5);
    assert.equal(result.applications, 5);
    assert.equal(result.invariantSubspace, true);
    assertAllClose(
      result.eigenpairs.map((pair) => pair.value),
      [3, 1.5, 0.25, -2, -7],
      1e-12,
    );
    assert.ok(result.eigenpairs.every((pair) => pair.converged));
  });

  it('handles the zero matrix, n = 1 and n = 2', async () => {
    const zero = await lanczos(denseOperator(new Float64Array(9), 3), { k: 2 });
    assert.deepEqual(zero.eigenpairs, [{ value: 0, residual: 0, converged: true }]);
    assert.equal(zero.applications, 1);
    const one = await lanczos(denseOperator(Float64Array.of(-4), 1), { which: 'magnitude' });
    assert.deepEqual(
      one.eigenpairs.map((pair) => pair.value),
      [-4],
    );
    const two = await lanczos(denseOperator(Float64Array.of(2, 1, 1, 2), 2), { k: 2, which: 'smallest' });
    assertAllClose(
      two.eigenpairs.map((pair) => pair.value),
      [1, 3],
      1e-14,
    );
  });

  it('stops after one step from an eigenvector, and uses the given start vector', async () => {
    const result = await lanczos(denseOperator(diagonalMatrix([1, 6, 3]), 3), { startVector: Float64Array.of(0, 2, 0) });
    assert.equal(result.iterations, 1);
    assert.equal(result.eigenpairs[0].value, 6);
    assert.equal(result.invariantSubspace, true);
  });

  it('is deterministic for a seed and reports progress every iteration', async () => {
    const progress: LanczosProgress[] = [];
    const first = await lanczos(op, { k: 2, seed: 99, onIteration: (info) => progress.push(info) });
    const second = await lanczos(op, { k: 2, seed: 99 });
    assert.deepEqual(first, second);
    assert.notDeepEqual((await lanczos(op, { k: 2, seed: 100 })).eigenpairs[0].residual, first.eigenpairs[0].residual);
    assert.deepEqual(
      progress.map((info) => info.iteration),
      Array.from({ length: first.iterations }, (_, i) => i + 1),
    );
    const last = progress[progress.length - 1];
    assert.equal(last.convergedCount, 2);
    assert.equal(last.maxIterations, 60);
    assert.deepEqual(
      last.ritzValues,
      first.eigenpairs.map((pair) => pair.value),
    );
    assert.equal(progress[0].ritzValues.length, 1, 'one Ritz value after one step');
  });

  it('stops with CancelledError when its signal is aborted', async () => {
    const controller = new AbortController();
    const counted = countingOperator(op);
    await assert.rejects(
      lanczos(counted, {
        signal: controller.signal,
        onIteration: (info) => {
          if (info.iteration === 3) controller.abort();
        },
      }),
      CancelledError,
    );
    assert.equal(counted.applications, 3);
  });

  it('rejects bad options', async () => {
    await assert.rejects(lanczos(op, { k: 0 }), RangeError);
    await assert.rejects(lanczos(op, { which: 'middle' as 'largest' }), RangeError);
    await assert.rejects(lanczos(op, { startVector: new Float64Array(n) }), RangeError);
    await assert.rejects(lanczos(op, { startVector: new Float64Array(3) }), RangeError);
  });
});

describe('lanczosDecomposition', () => {
  it('keeps the basis orthonormal and satisfies A V = V T + r eₘᵀ', async () => {
    // A spread of four orders of magnitude: without re-orthogonalisation orthogonality is lost within a few dozen steps.
    const n = 120;
    const spectrum = Array.from({ length: n }, (_, i) => 10 ** (4 - (4 * i) / n) * (i % 3 === 0 ? -1 : 1));
    const matrix = matrixWithSpectrum(spectrum, 9);
    const m = 80;
    const { alpha, beta, basis, invariantSubspace } = await lanczosDecomposition(
      denseOperator(matrix, n),
      new SeededRandom(1).normalVector(n),
      {
        maxSteps: m,
      },
    );
    assert.equal(alpha.length, m);
    assert.equal(invariantSubspace, false);
    let worst = 0;
    for (let i = 0; i < m; i++)
      for (let j = 0; j <= i; j++) worst = Math.max(worst, Math.abs(dotOf(basis[i], basis[j]) - (i === j ? 1 : 0)));
    assert.ok(worst < 1e-13, `loss of orthogonality ${worst}`);
    // Column j of A V − V T: zero except the last, which is the residual of norm beta[m − 1].
    for (const j of [0, 40, m - 1]) {
      const column = multiply(matrix, n, Float64Array.from(basis[j]));
      for (let i = 0; i < n; i++) {
        column[i] -= alpha[j] * basis[j][i] + (j > 0 ? beta[j - 1] * basis[j - 1][i] : 0) + (j < m - 1 ? beta[j] * basis[j + 1][i] : 0);
      }
      assertClose(Math.hypot(...column), j === m - 1 ? beta[m - 1] : 0, 1e-9, `column ${j}`);
    }
  });

  it('stores a basis over its float64 budget in float32, and still finds the top eigenvalues to float32 accuracy', async () => {
    const n = 120;
    const spectrum = Array.from({ length: n }, (_, i) => 10 ** (3 - (3 * i) / n));
    const matrix = matrixWithSpectrum(spectrum, 4);
    const m = 60;
    // 8·n·m = 57,600 bytes: a budget of 1,000 bytes forces the float32 basis, the default keeps float64.
    const compact = await lanczosDecomposition(denseOperator(matrix, n), new SeededRandom(2).normalVector(n), {
      maxSteps: m,
      float64BasisBytes: 1000,
    });
    const full = await lanczosDecomposition(denseOperator(matrix, n), new SeededRandom(2).normalVector(n), { maxSteps: m });
    assert.ok(compact.basis.every((v) => v instanceof Float32Array));
    assert.ok(full.basis.every((v) => v instanceof Float64Array));
    let worst = 0;
    for (let i = 0; i < m; i++)
      for (let j = 0; j <= i; j++) worst = Math.max(worst, Math.abs(dotOf(compact.basis[i], compact.basis[j]) - (i === j ? 1 : 0)));
    assert.ok(worst < 1e-6, `loss of orthogonality ${worst}`);
    assert.ok(worst > 1e-12, 'the basis was really rounded to float32');
    // The top eigenvalues through the float32 basis: within float32 accuracy of the known ones, and converged.
    const top = await lanczos(denseOperator(matrix, n), { k: 3, seed: 2, maxIterations: m, tolerance: 1e-5, float64BasisBytes: 1000 });
    for (let k = 0; k < 3; k++) {
      assert.ok(top.eigenpairs[k].converged, `λ_${k + 1} converged`);
      assertClose(top.eigenpairs[k].value, spectrum[k], 1e-6 * spectrum[k], `λ_${k + 1} (float32 basis)`);
    }
  });
});

function dotOf(a: StoredVector, b: StoredVector): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

describe('the precision of the products', () => {
  it('floors every reported residual, so a tolerance below it is never met', async () => {
    const values = [10, 5, 2, 1, 0.5, 0.25, 0.1, 0.05];
    const op = denseOperator(matrixWithSpectrum(values, 8), values.length);
    const exact = await lanczos(op, { k: 2, tolerance: 1e-12 });
    assert.ok(
      exact.eigenpairs.every((p) => p.converged),
      'exact products certify to 1e-12',
    );
    const float32 = await lanczos(op, { k: 2, tolerance: 1e-12, productPrecision: 1e-6 });
    for (const pair of float32.eigenpairs) {
      assert.ok(pair.residual >= 1e-6 * 10 * (1 - 1e-12), `residual ${pair.residual} floored at 1e-6 · max|θ|`);
      assert.equal(pair.converged, false);
    }
    const loose = await lanczos(op, { k: 2, tolerance: 1e-4, productPrecision: 1e-6 });
    assert.ok(
      loose.eigenpairs.every((p) => p.converged),
      'a tolerance above the precision is met',
    );
  });
});
