import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRandom } from '../../../src/engine/linalg/random';
import { symmetricEigen, tridiagonalEigen, tridiagonalEigenComponents } from '../../../src/engine/linalg/symmetric-eigen';
import { assertAllClose, assertClose, descending, diagonalMatrix, laplacian, matrixWithSpectrum, residualNorm } from './fixtures';

/** Checks values against the known spectrum, and that the vectors are orthonormal eigenvectors. */
function assertDecomposition(matrix: Float64Array, n: number, expected: readonly number[], tolerance: number): void {
  const { values, vectors } = symmetricEigen(matrix, n, { vectors: true });
  const scale = Math.max(1, ...expected.map(Math.abs));
  assertAllClose(values, descending(expected), tolerance * scale, 'eigenvalues');
  assert.ok(vectors);
  for (let j = 0; j < n; j++) {
    const x = vectors.subarray(j * n, (j + 1) * n);
    assert.ok(residualNorm(matrix, n, x, values[j]) <= tolerance * scale, `residual of pair ${j}`);
    for (let k = 0; k <= j; k++) {
      let inner = 0;
      for (let i = 0; i < n; i++) inner += x[i] * vectors[k * n + i];
      assertClose(inner, j === k ? 1 : 0, tolerance, `⟨x${j}, x${k}⟩`);
    }
  }
}

describe('tridiagonalEigen', () => {
  it('finds the 1-D Laplacian spectrum 2 − 2cos(kπ/(n+1)) and its sine eigenvectors', () => {
    const n = 40;
    const { diagonal, offDiagonal, eigenvalues } = laplacian(n);
    const { values, vectors } = tridiagonalEigen(diagonal, offDiagonal, { vectors: true });
    assertAllClose(values, eigenvalues, 1e-13, 'eigenvalues');
    assert.ok(vectors);
    // values descend, so values[j] belongs to k = n − j: x_i ∝ sin((i+1)kπ/(n+1)).
    for (const j of [0, 7, n - 1]) {
      const k = n - j;
      const exact = Array.from({ length: n }, (_, i) => Math.sin(((i + 1) * k * Math.PI) / (n + 1)) * Math.sqrt(2 / (n + 1)));
      const sign = Math.sign(vectors[j * n] * exact[0]);
      assertAllClose(
        vectors.subarray(j * n, (j + 1) * n).map((x) => sign * x),
        exact,
        1e-12,
        `eigenvector ${j}`,
      );
    }
  });

  it('handles n = 1, n = 2, a split (zero off-diagonal) and negative entries', () => {
    assert.deepEqual(Array.from(tridiagonalEigen(Float64Array.of(-3), new Float64Array(0)).values), [-3]);
    // [[a, b], [b, c]]: (a + c)/2 ± √(((a − c)/2)² + b²)
    const { values } = tridiagonalEigen(Float64Array.of(1, -2), Float64Array.of(3));
    const radius = Math.hypot(1.5, 3);
    assertAllClose(values, [-0.5 + radius, -0.5 - radius], 1e-14);
    const split = tridiagonalEigen(Float64Array.of(1, 5, -4, 2), Float64Array.of(0, 0, 0), { vectors: true });
    assert.deepEqual(Array.from(split.values), [5, 2, 1, -4]);
    assert.deepEqual(Array.from(split.vectors ?? []).map(Math.abs), [0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0]);
  });

  it('rejects an off-diagonal of the wrong length', () => {
    assert.throws(() => tridiagonalEigen(new Float64Array(3), new Float64Array(3)), RangeError);
  });
});

describe('tridiagonalEigenComponents', () => {
  it('returns exactly the chosen rows of the full eigenvector matrix', () => {
    const random = new SeededRandom(11);
    const n = 30;
    const diagonal = random.normalVector(n);
    const offDiagonal = random.normalVector(n - 1);
    const full = tridiagonalEigen(diagonal, offDiagonal, { vectors: true });
    const { values, components } = tridiagonalEigenComponents(diagonal, offDiagonal, [0, n - 1, 4]);
    assert.deepEqual(values, full.values);
    [0, n - 1, 4].forEach((row, r) => {
      assertAllClose(
        components[r],
        Array.from({ length: n }, (_, j) => full.vectors?.[j * n + row] ?? NaN),
        1e-15,
        `row ${row}`,
      );
    });
    assert.throws(() => tridiagonalEigenComponents(diagonal, offDiagonal, [n]), RangeError);
  });
});

describe('symmetricEigen', () => {
  it('recovers a random-basis spectrum with negative and clustered eigenvalues', () => {
    const spectrum = [9, 8.9999, 8.9998, 3, 1, 0.5, 0, -0.25, -2, -7];
    assertDecomposition(matrixWithSpectrum(spectrum, 1), spectrum.length, spectrum, 1e-12);
  });

  it('recovers repeated eigenvalues with an orthonormal basis of each eigenspace', () => {
    const spectrum = [4, 4, 4, 1, 1, -2, -2, -2, -2, 0];
    assertDecomposition(matrixWithSpectrum(spectrum, 2), spectrum.length, spectrum, 1e-12);
  });

  it('handles the zero matrix, a diagonal matrix, n = 1 and n = 2', () => {
    assertDecomposition(new Float64Array(16), 4, [0, 0, 0, 0], 1e-15);
    assertDecomposition(diagonalMatrix([3, -1, 7, 0, 2]), 5, [3, -1, 7, 0, 2], 1e-15);
    assertDecomposition(Float64Array.of(-2.5), 1, [-2.5], 1e-15);
    assertDecomposition(Float64Array.of(2, 1, 1, 2), 2, [3, 1], 1e-15);
  });

  it('matches the Laplacian as a dense matrix, and tiny and huge scales alike', () => {
    const { matrix, eigenvalues } = laplacian(25);
    assertDecomposition(matrix, 25, eigenvalues, 1e-13);
    const spectrum = [5, 3, -1, 2, 0.5, -4];
    for (const factor of [1e-150, 1e150]) {
      const values = symmetricEigen(
        matrixWithSpectrum(
          spectrum.map((x) => x * factor),
          3,
        ),
        6,
      ).values;
      assertAllClose(
        values.map((x) => x / factor),
        descending(spectrum),
        1e-12,
        `scale ${factor}`,
      );
    }
  });

  it('solves n = 200 accurately and quickly', () => {
    const spectrum = Array.from({ length: 200 }, (_, i) => Math.sin(i) * 10);
    const matrix = matrixWithSpectrum(spectrum, 4);
    const values = symmetricEigen(matrix, 200).values;
    assertAllClose(values, descending(spectrum), 1e-12 * 10, 'eigenvalues');
  });

  it('rejects a matrix of the wrong size', () => {
    assert.throws(() => symmetricEigen(new Float64Array(5), 2), RangeError);
  });
});
