/**
 * Eigen-decomposition of small symmetric matrices: the tridiagonal matrices Lanczos builds and
 * dense matrices up to about a thousand rows (exact Hessians of tiny models, tests).
 *
 * Tridiagonal: the implicit QL algorithm with Wilkinson-type shifts (Bowdler, Martin, Reinsch &
 * Wilkinson, "The QR and QL algorithms for symmetric matrices", Numer. Math. 1968; Golub & Van
 * Loan §8.3). Dense: Householder reduction to tridiagonal form (Golub & Van Loan §8.3.1), then
 * the same QL iteration, its rotations applied to the accumulated reflections.
 */
import { checkLength } from './operator';

export interface EigenDecomposition {
  /** Eigenvalues, descending. */
  values: Float64Array;
  /**
   * Unit eigenvectors as the rows of a row-major n×n array: row j (`vectors.subarray(j*n, (j+1)*n)`)
   * belongs to values[j]. Present only when asked for.
   */
  vectors?: Float64Array;
}

export interface EigenOptions {
  /** Compute eigenvectors too (default false). */
  vectors?: boolean;
}

/** Eigenvalues and chosen components of every eigenvector; see `tridiagonalEigenComponents`. */
export interface EigenComponents {
  /** Eigenvalues, descending. */
  values: Float64Array;
  /** components[r][j] = entry rows[r] of the unit eigenvector of values[j]. */
  components: Float64Array[];
}

/** QL gives up after this many sweeps on one eigenvalue; 2–3 are typical, so this signals NaN input. */
const MAX_SWEEPS_PER_EIGENVALUE = 60;

/**
 * Eigen-decomposition of the symmetric tridiagonal matrix with the given diagonal (length n)
 * and off-diagonal (length n − 1: offDiagonal[i] couples rows i and i + 1).
 * O(n²) for the values, O(n³) with vectors.
 */
export function tridiagonalEigen(diagonal: Float64Array, offDiagonal: Float64Array, options: EigenOptions = {}): EigenDecomposition {
  const n = diagonal.length;
  const z = options.vectors
    ? identityRows(
        n,
        Array.from({ length: n }, (_, i) => i),
      )
    : null;
  const { values, order } = tridiagonalQL(diagonal, offDiagonal, z, n);
  return z === null ? { values } : { values, vectors: eigenvectorRows(z, order) };
}

/**
 * Eigenvalues and only the listed rows of the eigenvector matrix, in O(n²·(1 + rows.length))
 * instead of O(n³). Lanczos needs the last row (the residual of each Ritz pair, read from the
 * Lanczos relation) and stochastic Lanczos quadrature the first (its quadrature weights), at
 * every step, so this is what keeps a convergence check per step cheap.
 */
export function tridiagonalEigenComponents(diagonal: Float64Array, offDiagonal: Float64Array, rows: readonly number[]): EigenComponents {
  const n = diagonal.length;
  for (const row of rows) {
    if (!Number.isInteger(row) || row < 0 || row >= n) throw new RangeError(`row ${row} is outside [0, ${n})`);
  }
  // The QL rotations act on the columns of the eigenvector matrix Z, row by row, so rotating
  // only the chosen rows of the identity gives exactly those rows of Z.
  const z = identityRows(n, rows);
  const { values, order } = tridiagonalQL(diagonal, offDiagonal, z, rows.length);
  const components = rows.map((_, r) => Float64Array.from(order, (column) => z[r * n + column]));
  return { values, components };
}

/**
 * Eigen-decomposition of a dense symmetric row-major n×n matrix. Only the upper triangle is read
 * (symmetry is the caller's promise). For n = 1000: about 1 s for the values, a few with vectors.
 */
export function symmetricEigen(matrix: Float64Array, n: number, options: EigenOptions = {}): EigenDecomposition {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`matrix dimension must be a positive integer, got ${n}`);
  checkLength(matrix, n * n, 'matrix');
  const { diagonal, offDiagonal, q } = householderTridiagonalize(matrix, n, options.vectors === true);
  const { values, order } = tridiagonalQL(diagonal, offDiagonal, q, n);
  return q === null ? { values } : { values, vectors: eigenvectorRows(q, order) };
}

/** Rows `rows` of the n×n identity, as a rows.length × n row-major array. */
function identityRows(n: number, rows: readonly number[]): Float64Array {
  const z = new Float64Array(rows.length * n);
  rows.forEach((row, r) => (z[r * n + row] = 1));
  return z;
}

/** Eigenvector j is column order[j] of Z; returns them as rows. */
function eigenvectorRows(z: Float64Array, order: readonly number[]): Float64Array {
  const n = order.length;
  const vectors = new Float64Array(n * n);
  order.forEach((column, j) => {
    for (let i = 0; i < n; i++) vectors[j * n + i] = z[i * n + column];
  });
  return vectors;
}

interface Tridiagonalization {
  diagonal: Float64Array;
  offDiagonal: Float64Array;
  /** Q (row-major n×n) with A = Q T Qᵀ, when asked for. */
  q: Float64Array | null;
}

/**
 * Householder reduction A = Q T Qᵀ. Step k reflects rows/columns k+1… with H = I − β v vᵀ chosen
 * to zero row k right of the superdiagonal; the trailing block is updated by the symmetric rank-2
 * update A ← A − v wᵀ − w vᵀ with p = β A v, w = p − (β pᵀv / 2) v. Only the upper triangle is
 * read and updated (half the work), always along rows, so memory is read contiguously.
 */
function householderTridiagonalize(matrix: Float64Array, n: number, wantQ: boolean): Tridiagonalization {
  const a = Float64Array.from(matrix);
  const diagonal = new Float64Array(n);
  const offDiagonal = new Float64Array(n - 1);
  const betas = new Float64Array(n);
  const p = new Float64Array(n);
  for (let k = 0; k + 2 < n; k++) {
    diagonal[k] = a[k * n + k];
    // x = A[k, k+1..]; v overwrites it in place, kept there for the accumulation of Q.
    const v = a.subarray(k * n, (k + 1) * n);
    let largest = 0;
    for (let i = k + 1; i < n; i++) largest = Math.max(largest, Math.abs(v[i]));
    if (largest === 0) continue; // Already reduced: H = I (β = 0), offDiagonal[k] = 0.
    let sumSquares = 0;
    for (let i = k + 1; i < n; i++) sumSquares += (v[i] / largest) ** 2; // Scaled: no overflow.
    const length = largest * Math.sqrt(sumSquares);
    const x0 = v[k + 1];
    // v = x + sign(x₀)‖x‖e₁ avoids cancellation; H x = −sign(x₀)‖x‖e₁.
    const sign = x0 >= 0 ? 1 : -1;
    v[k + 1] = x0 + sign * length;
    offDiagonal[k] = -sign * length;
    const beta = 1 / (length * (length + Math.abs(x0))); // 2 / vᵀv
    betas[k] = beta;
    // p = A v from the upper triangle: row i contributes a_ij v_j to p_i and a_ij v_i to p_j (j > i).
    p.fill(0, k + 1);
    for (let i = k + 1; i < n; i++) {
      const row = i * n;
      const vi = v[i];
      let s = a[row + i] * vi;
      for (let j = i + 1; j < n; j++) {
        s += a[row + j] * v[j];
        p[j] += a[row + j] * vi;
      }
      p[i] += s;
    }
    let pv = 0;
    for (let i = k + 1; i < n; i++) {
      p[i] *= beta;
      pv += p[i] * v[i];
    }
    const half = (beta * pv) / 2;
    for (let i = k + 1; i < n; i++) p[i] -= half * v[i]; // p becomes w
    for (let i = k + 1; i < n; i++) {
      const row = i * n;
      const vi = v[i];
      const wi = p[i];
      for (let j = i; j < n; j++) a[row + j] -= vi * p[j] + wi * v[j];
    }
  }
  if (n >= 2) {
    diagonal[n - 2] = a[(n - 2) * n + n - 2];
    offDiagonal[n - 2] = a[(n - 2) * n + n - 1];
  }
  diagonal[n - 1] = a[n * n - 1];
  if (!wantQ) return { diagonal, offDiagonal, q: null };

  // Q = H₀ ⋯ H_{n−3}, built as M ← H_k M for k descending. M is the identity outside rows and
  // columns > k at that point, so only rows and columns k+1… change, and both halves of
  // H M = M − β v (vᵀM) run along rows.
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  const vtm = new Float64Array(n);
  for (let k = n - 3; k >= 0; k--) {
    const beta = betas[k];
    if (beta === 0) continue;
    const v = a.subarray(k * n, (k + 1) * n);
    vtm.fill(0, k + 1);
    for (let i = k + 1; i < n; i++) {
      const row = i * n;
      const vi = v[i];
      for (let c = k + 1; c < n; c++) vtm[c] += vi * q[row + c];
    }
    for (let i = k + 1; i < n; i++) {
      const row = i * n;
      const bvi = beta * v[i];
      for (let c = k + 1; c < n; c++) q[row + c] -= bvi * vtm[c];
    }
  }
  return { diagonal, offDiagonal, q };
}

/**
 * Implicit QL on a copy of (diagonal, offDiagonal). `z` (rowCount × n, row-major, may be null)
 * holds rows of the matrix Z that the QL rotations multiply from the right; on return column i
 * of Z is the eigenvector of the i-th computed eigenvalue. Returns the eigenvalues descending and
 * `order`, the Z column of each.
 */
function tridiagonalQL(
  diagonal: Float64Array,
  offDiagonal: Float64Array,
  z: Float64Array | null,
  rowCount: number,
): { values: Float64Array; order: number[] } {
  const n = diagonal.length;
  checkLength(offDiagonal, Math.max(0, n - 1), 'off-diagonal');
  const d = Float64Array.from(diagonal);
  const e = new Float64Array(n); // e[i] couples i and i+1; e[n−1] = 0 is a sentinel.
  e.set(offDiagonal);
  const cosines = new Float64Array(n);
  const sines = new Float64Array(n);
  for (let l = 0; l < n; l++) {
    for (let sweep = 0; ; sweep++) {
      // Find the first negligible off-diagonal at or below l: the block l..m is unreduced.
      let m = l;
      while (m < n - 1 && Math.abs(e[m]) > Number.EPSILON * (Math.abs(d[m]) + Math.abs(d[m + 1]))) m++;
      if (m === l) break; // d[l] is an eigenvalue.
      if (sweep === MAX_SWEEPS_PER_EIGENVALUE) throw new Error('tridiagonal QL did not converge (non-finite input?)');
      // Shift: the eigenvalue of the leading 2×2 block nearer to d[l], written without cancellation.
      let g = (d[l + 1] - d[l]) / (2 * e[l]);
      let r = Math.hypot(g, 1);
      g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let p = 0;
      let i = m - 1;
      // Chase the bulge from the bottom of the block up to l with Givens rotations.
      for (; i >= l; i--) {
        const f = s * e[i];
        const b = c * e[i];
        r = Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          // Underflow split the block: undo the pending shift and restart on the smaller block.
          d[i + 1] -= p;
          e[m] = 0;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
        cosines[i] = c;
        sines[i] = s;
      }
      if (z !== null) applySweep(z, n, rowCount, i + 1, m, cosines, sines);
      if (r === 0 && i >= l) continue;
      d[l] -= p;
      e[l] = g;
      e[m] = 0;
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => d[j] - d[i]);
  return { values: Float64Array.from(order, (i) => d[i]), order };
}

/**
 * Applies one sweep's rotations, i = m−1 down to low (rotation i mixes columns i and i+1), to
 * every row of Z. Along the chain, column i+1 is final once rotation i is applied and the new
 * column i is carried into the next rotation, so each entry is read and written once.
 * Rows go two at a time: the carried value is a serial dependency, and two independent chains
 * keep the floating-point units busy (about 1.6× faster); an odd last row is paired with itself,
 * which computes and writes the same values twice.
 */
function applySweep(
  z: Float64Array,
  n: number,
  rowCount: number,
  low: number,
  m: number,
  cosines: Float64Array,
  sines: Float64Array,
): void {
  for (let r = 0; r < rowCount; r += 2) {
    const first = r * n;
    const second = Math.min(r + 1, rowCount - 1) * n;
    let carryFirst = z[first + m];
    let carrySecond = z[second + m];
    for (let i = m - 1; i >= low; i--) {
      const c = cosines[i];
      const s = sines[i];
      const zFirst = z[first + i];
      const zSecond = z[second + i];
      z[first + i + 1] = s * zFirst + c * carryFirst;
      z[second + i + 1] = s * zSecond + c * carrySecond;
      carryFirst = c * zFirst - s * carryFirst;
      carrySecond = c * zSecond - s * carrySecond;
    }
    z[first + low] = carryFirst;
    z[second + low] = carrySecond;
  }
}
