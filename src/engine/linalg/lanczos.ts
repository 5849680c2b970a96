/**
 * The Lanczos method for a few extreme eigenpairs of a symmetric operator known only through
 * products (Lanczos 1950; Golub & Van Loan §10.1; Saad, "Numerical Methods for Large Eigenvalue
 * Problems", ch. 6). After m products, A V_m = V_m T_m + r_m e_mᵀ with V_m orthonormal and T_m
 * tridiagonal; the eigenpairs (θ, s) of T_m give Ritz pairs (θ, V_m s) whose residual
 * ‖A V_m s − θ V_m s‖ = ‖r_m‖·|s_m| costs no further product.
 *
 * Every new vector is re-orthogonalised against ALL previous ones (classical Gram–Schmidt,
 * applied twice: "twice is enough", Giraud, Langou & Rozložník 2005). Without it rounding
 * makes converged eigenvalues reappear as spurious copies (Paige 1971); with it the basis stays
 * orthonormal to machine precision, at 4·n·j flops in step j and n·m numbers of memory.
 */
import {
  applyOrReuse,
  axpy,
  checkLength,
  dot,
  norm,
  scale,
  type KnownProduct,
  type StoredVector,
  type SymmetricOperator,
} from './operator';
import { nonNegativeNumber, positiveInteger } from './options';
import { DEFAULT_SEED, SeededRandom } from './random';
import { tridiagonalEigen, tridiagonalEigenComponents } from './symmetric-eigen';

/** The Lanczos relation after m steps. */
export interface LanczosDecomposition {
  /** Diagonal of T_m (length m). */
  alpha: Float64Array;
  /**
   * beta[j] = ‖r_{j+1}‖ after step j (length m): beta[0..m−2] is the off-diagonal of T_m and
   * beta[m−1] = ‖r_m‖ the size of the part of A V_m outside span(V_m).
   */
  beta: Float64Array;
  /**
   * The orthonormal Lanczos vectors v_1 … v_m (v_1 = the normalised start vector): float64, or
   * float32 when a float64 basis would exceed FLOAT64_BASIS_BYTES (see there).
   */
  basis: StoredVector[];
  /** r_m = A v_m − α_m v_m − β_{m−1} v_{m−1}, orthogonal to the basis (valid in the returned decomposition). */
  residual: Float64Array;
  /**
   * Whether span(V_m) is invariant under A (‖r_m‖ negligible next to the norm estimate, or m = n):
   * the eigenvalues of T_m are then eigenvalues of A, and there is nothing more to find from this start.
   */
  invariantSubspace: boolean;
}

export interface LanczosProcessOptions {
  /** At most this many steps (= products); capped at the dimension. */
  maxSteps: number;
  signal?: AbortSignal;
  /** Called after every step with the decomposition so far; returning true stops the process there. */
  afterStep?: (sofar: LanczosDecomposition) => boolean;
  /** A float64 basis above this many bytes is stored in float32 (default FLOAT64_BASIS_BYTES). */
  float64BasisBytes?: number;
  /** A product already taken: used as A·v₀ when `vector` is exactly the first basis vector v₀, else ignored. */
  firstProduct?: KnownProduct;
}

/**
 * The first basis vector of a Lanczos run from the seeded random start, exactly as the process forms
 * it (in float64: a run whose basis is stored in float32 rounds it, and a product of this vector is
 * then not used).
 */
export function lanczosStartVector(n: number, seed: number = DEFAULT_SEED): Float64Array {
  return unit(new SeededRandom(seed).normalVector(n));
}

function unit(start: Float64Array): Float64Array {
  const v = start.slice();
  scale(v, 1 / norm(start));
  return v;
}

/**
 * ‖r_m‖ below this fraction of the norm estimate counts as an invariant subspace. A Ritz value is
 * then off by at most ‖r_m‖ (1e-10 relative), and continuing would normalise a vector that is
 * mostly rounding error.
 */
const INVARIANT_SUBSPACE_TOLERANCE = 1e-10;

/**
 * Above this many bytes a float64 basis (8·n·maxSteps) is stored in float32 instead, halving the
 * largest allocation of an analysis of a large model (60 vectors of 20M parameters: 9.6 GB → 4.8 GB).
 * Each vector is rounded before its product is taken, so A is applied to exactly the stored vector;
 * the Hessian-vector products run in float32 anyway, so the rounding (6e-8 relative) is below what
 * they already carry, and far below the Lanczos tolerance (1e-4).
 */
export const FLOAT64_BASIS_BYTES = 256 * 2 ** 20;

/**
 * Runs the Lanczos process with full re-orthogonalisation from `startVector` (any nonzero
 * vector; it is normalised). Shared by `lanczos` (extreme eigenpairs) and `spectralDensity` (SLQ).
 */
export async function lanczosDecomposition(
  op: SymmetricOperator,
  startVector: Float64Array,
  options: LanczosProcessOptions,
): Promise<LanczosDecomposition> {
  const n = op.dimension;
  checkLength(startVector, n, 'start vector');
  const startNorm = norm(startVector);
  if (!(startNorm > 0 && Number.isFinite(startNorm))) throw new RangeError('start vector must be nonzero and finite');
  const maxSteps = Math.min(positiveInteger('maxSteps', options.maxSteps, 1), n);
  const alpha = new Float64Array(maxSteps);
  const beta = new Float64Array(maxSteps);
  const basis: StoredVector[] = [];
  const compact = 8 * n * maxSteps > (options.float64BasisBytes ?? FLOAT64_BASIS_BYTES);
  let v: Float64Array = unit(startVector);
  // Largest Gershgorin row sum of T so far: between ‖T‖ and √3‖A‖, a free estimate of A's scale.
  let normEstimate = 0;
  for (let j = 0; ; j++) {
    if (compact) {
      const stored = Float32Array.from(v);
      basis.push(stored);
      v = Float64Array.from(stored);
    } else basis.push(v);
    const w = await applyOrReuse(op, v, options.signal, j === 0 ? options.firstProduct : null);
    // w ← (I − V Vᵀ)² A v. The coefficient on v_j is α_j (plus its tiny second-pass correction);
    // the others are β_{j−1} on v_{j−1} and rounding-level values that T does not keep.
    const coefficients = new Float64Array(j + 1);
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i <= j; i++) coefficients[i] = dot(basis[i], w);
      for (let i = 0; i <= j; i++) axpy(-coefficients[i], basis[i], w);
      alpha[j] += coefficients[j];
    }
    beta[j] = norm(w);
    normEstimate = Math.max(normEstimate, Math.abs(alpha[j]) + (j > 0 ? beta[j - 1] : 0) + beta[j]);
    const steps = j + 1;
    const sofar: LanczosDecomposition = {
      alpha: alpha.subarray(0, steps),
      beta: beta.subarray(0, steps),
      basis,
      residual: w,
      invariantSubspace: beta[j] <= INVARIANT_SUBSPACE_TOLERANCE * normEstimate || steps === n,
    };
    const stop = options.afterStep?.(sofar) === true;
    if (stop || sofar.invariantSubspace || steps === maxSteps) return sofar;
    scale(w, 1 / beta[j]);
    v = w;
  }
}

/** Which end of the spectrum to find: algebraically largest, smallest, or largest in magnitude. */
export type SpectrumEnd = 'largest' | 'smallest' | 'magnitude';
const SPECTRUM_ENDS: readonly SpectrumEnd[] = ['largest', 'smallest', 'magnitude'];

export interface LanczosOptions {
  /** How many eigenpairs (default 1). */
  k?: number;
  /** Default 'largest' (the sharpness direction of a Hessian). */
  which?: SpectrumEnd;
  /**
   * At most this many products (default min(n, max(2k + 20, 60))): enough for well-separated top
   * eigenvalues, and it bounds the basis memory at 8·n·maxIterations bytes (4· beyond FLOAT64_BASIS_BYTES).
   */
  maxIterations?: number;
  /** A Ritz pair (θ, x) is converged when ‖Ax − θx‖ ≤ tolerance · max|Ritz value| (default 1e-5). */
  tolerance?: number;
  /**
   * Relative error of one product by the operator (default 0: exact). The Lanczos relation knows
   * nothing of it, so a reported residual is never below precision · max|Ritz value|: products
   * computed in float32 cannot certify an eigenpair to 1e-12.
   */
  productPrecision?: number;
  /** Seed of the random (standard normal) start vector; default DEFAULT_SEED. */
  seed?: number;
  /** Start here instead of at a random vector (takes precedence over `seed`). */
  startVector?: Float64Array;
  signal?: AbortSignal;
  onIteration?: (info: LanczosProgress) => void;
  /** Also return the Ritz vectors (default false). */
  returnVectors?: boolean;
  /** Also return the Lanczos decomposition (the Krylov basis, T and r_m), e.g. to deflate a trace estimate. */
  returnDecomposition?: boolean;
  /** A float64 basis above this many bytes is stored in float32 (default FLOAT64_BASIS_BYTES). */
  float64BasisBytes?: number;
  /** A product already taken (see LanczosProcessOptions.firstProduct). */
  firstProduct?: KnownProduct;
}

export interface LanczosProgress {
  iteration: number;
  maxIterations: number;
  /** The wanted Ritz values so far, in the order of `which`. */
  ritzValues: number[];
  residuals: number[];
  /** Per wanted Ritz value: its residual met the tolerance. */
  converged: boolean[];
  convergedCount: number;
}

export interface RitzPair {
  value: number;
  /** ‖Ax − θx‖, from the Lanczos relation. */
  residual: number;
  converged: boolean;
  /** Unit Ritz vector, when `returnVectors` was set. */
  vector?: Float64Array;
}

export interface LanczosResult {
  /**
   * The wanted pairs in the order of `which` (descending; ascending for 'smallest'; by descending
   * |value| for 'magnitude'). Fewer than k when fewer steps than k were taken: an invariant subspace
   * of dimension < k (e.g. k > n), or maxIterations < k.
   */
  eigenpairs: RitzPair[];
  iterations: number;
  applications: number;
  invariantSubspace: boolean;
  decomposition?: LanczosDecomposition;
}

/**
 * The k extreme eigenpairs of `op`. Stops as soon as all k are converged (checked after every
 * product), on an invariant subspace, or after maxIterations (then `converged` says which are).
 *
 * A single start vector sees one direction of each eigenspace: an eigenvalue of multiplicity > 1
 * is found once (its copies cannot be told apart from the next eigenvalues). Converged pairs are
 * accurate eigenpairs, but with an unlucky start a converged pair may not be the k-th extreme one
 * yet; a different seed is the check.
 */
/** Products `lanczos` takes at most for k eigenpairs unless told otherwise (before the cap at the dimension). */
export function defaultLanczosIterations(k: number): number {
  return Math.max(2 * k + 20, 60);
}

export async function lanczos(op: SymmetricOperator, options: LanczosOptions = {}): Promise<LanczosResult> {
  const n = op.dimension;
  const k = positiveInteger('k', options.k, 1);
  const which = options.which ?? 'largest';
  if (!SPECTRUM_ENDS.includes(which)) throw new RangeError(`which must be one of ${SPECTRUM_ENDS.join(', ')}, got ${which}`);
  const maxIterations = Math.min(n, positiveInteger('maxIterations', options.maxIterations, defaultLanczosIterations(k)));
  const tolerance = nonNegativeNumber('tolerance', options.tolerance, 1e-5);
  const precision = nonNegativeNumber('productPrecision', options.productPrecision, 0);
  const start = options.startVector ?? new SeededRandom(options.seed ?? DEFAULT_SEED).normalVector(n);
  const decomposition = await lanczosDecomposition(op, start, {
    maxSteps: maxIterations,
    signal: options.signal,
    float64BasisBytes: options.float64BasisBytes,
    firstProduct: options.firstProduct,
    afterStep: (sofar) => {
      const pairs = wantedRitzPairs(sofar, which, k, tolerance, false, precision);
      const convergedCount = pairs.filter((pair) => pair.converged).length;
      options.onIteration?.({
        iteration: sofar.alpha.length,
        maxIterations,
        ritzValues: pairs.map((pair) => pair.value),
        residuals: pairs.map((pair) => pair.residual),
        converged: pairs.map((pair) => pair.converged),
        convergedCount,
      });
      return convergedCount === k;
    },
  });
  const steps = decomposition.alpha.length;
  const result: LanczosResult = {
    eigenpairs: wantedRitzPairs(decomposition, which, k, tolerance, options.returnVectors === true, precision),
    iterations: steps,
    applications: steps,
    invariantSubspace: decomposition.invariantSubspace,
  };
  if (options.returnDecomposition) result.decomposition = decomposition;
  return result;
}

function wantedRitzPairs(
  decomposition: LanczosDecomposition,
  which: SpectrumEnd,
  k: number,
  tolerance: number,
  withVectors: boolean,
  precision: number,
): RitzPair[] {
  const { alpha, beta, basis } = decomposition;
  const m = alpha.length;
  const offDiagonal = beta.subarray(0, m - 1);
  const residualNorm = beta[m - 1];
  // Vectors of T cost O(m³), so the per-step check reads only their last components, O(m²).
  let values: Float64Array;
  let lastComponent: (j: number) => number;
  let vectorsOfT: Float64Array | undefined;
  if (withVectors) {
    const full = tridiagonalEigen(alpha, offDiagonal, { vectors: true });
    values = full.values;
    vectorsOfT = full.vectors as Float64Array;
    const s = vectorsOfT;
    lastComponent = (j) => s[j * m + m - 1];
  } else {
    const partial = tridiagonalEigenComponents(alpha, offDiagonal, [m - 1]);
    values = partial.values;
    lastComponent = (j) => partial.components[0][j];
  }
  const spread = Math.max(Math.abs(values[0]), Math.abs(values[m - 1]));
  return wantedIndices(values, which, Math.min(k, m)).map((j) => {
    const residual = Math.max(Math.abs(residualNorm * lastComponent(j)), precision * spread);
    const pair: RitzPair = { value: values[j], residual, converged: residual <= tolerance * spread };
    if (vectorsOfT !== undefined) pair.vector = combine(basis, vectorsOfT.subarray(j * m, (j + 1) * m));
    return pair;
  });
}

/** Indices into descending `values` of the `count` wanted ones, in the order of `which`. */
function wantedIndices(values: Float64Array, which: SpectrumEnd, count: number): number[] {
  const all = Array.from({ length: values.length }, (_, j) => j);
  switch (which) {
    case 'largest':
      return all.slice(0, count);
    case 'smallest':
      return all.reverse().slice(0, count);
    case 'magnitude':
      // Stable sort: of ±λ the positive one, earlier in descending order, comes first.
      return all.sort((i, j) => Math.abs(values[j]) - Math.abs(values[i])).slice(0, count);
  }
}

/** Σ_i coefficients[i] · basis[i]. */
function combine(basis: readonly StoredVector[], coefficients: Float64Array): Float64Array {
  const x = new Float64Array(basis[0].length);
  coefficients.forEach((c, i) => axpy(c, basis[i], x));
  return x;
}
