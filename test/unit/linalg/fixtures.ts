// Matrices with known spectra, and independent checks, for the linalg tests.
import assert from 'node:assert/strict';
import { SeededRandom } from '../../../src/engine/linalg/random';

/** A random orthogonal matrix (row-major): the product of n Householder reflections of seeded normal vectors. */
export function randomOrthogonal(n: number, seed: number): Float64Array {
  const random = new SeededRandom(seed);
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  for (let r = 0; r < n; r++) {
    const v = random.normalVector(n);
    const vv = v.reduce((sum, x) => sum + x * x, 0);
    // Q ← Q (I − 2 v vᵀ / vᵀv)
    for (let i = 0; i < n; i++) {
      let qv = 0;
      for (let j = 0; j < n; j++) qv += q[i * n + j] * v[j];
      const factor = (2 * qv) / vv;
      for (let j = 0; j < n; j++) q[i * n + j] -= factor * v[j];
    }
  }
  return q;
}

/** Q diag(values) Qᵀ for a random orthogonal Q; its eigenvalues are exactly `values`. */
export function matrixWithSpectrum(values: readonly number[], seed: number): Float64Array {
  const n = values.length;
  const q = randomOrthogonal(n, seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += q[i * n + k] * values[k] * q[j * n + k];
      a[i * n + j] = sum;
      a[j * n + i] = sum;
    }
  }
  return a;
}

export function diagonalMatrix(values: readonly number[]): Float64Array {
  const n = values.length;
  const a = new Float64Array(n * n);
  values.forEach((value, i) => (a[i * n + i] = value));
  return a;
}

/** The 1-D Laplacian tridiag(−1, 2, −1): eigenvalues 2 − 2cos(kπ/(n+1)), eigenvectors sin(ikπ/(n+1)). */
export function laplacian(n: number): { diagonal: Float64Array; offDiagonal: Float64Array; matrix: Float64Array; eigenvalues: number[] } {
  const diagonal = new Float64Array(n).fill(2);
  const offDiagonal = new Float64Array(n - 1).fill(-1);
  const matrix = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    matrix[i * n + i] = 2;
    if (i + 1 < n) {
      matrix[i * n + i + 1] = -1;
      matrix[(i + 1) * n + i] = -1;
    }
  }
  const eigenvalues = Array.from({ length: n }, (_, k) => 2 - 2 * Math.cos(((k + 1) * Math.PI) / (n + 1)));
  return { diagonal, offDiagonal, matrix, eigenvalues: descending(eigenvalues) };
}

export function descending(values: readonly number[]): number[] {
  return [...values].sort((a, b) => b - a);
}

export function multiply(a: Float64Array, n: number, x: Float64Array): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = 0; j < n; j++) sum += a[i * n + j] * x[j];
    y[i] = sum;
  }
  return y;
}

/** ‖Ax − θx‖, computed directly. */
export function residualNorm(a: Float64Array, n: number, x: Float64Array, theta: number): number {
  const ax = multiply(a, n, x);
  return Math.hypot(...ax.map((value, i) => value - theta * x[i]));
}

export function trace(a: Float64Array, n: number, weights?: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (weights ? weights[i] : 1) * a[i * n + i];
  return sum;
}

export function assertClose(actual: number, expected: number, tolerance: number, what = 'value'): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} differs from ${expected} by more than ${tolerance}`);
}

export function assertAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what = 'values'): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) assertClose(actual[i], expected[i], tolerance, `${what}[${i}]`);
}
