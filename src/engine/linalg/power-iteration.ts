/**
 * Power iteration as PyHessian does it (Yao et al., "PyHessian: Neural Networks Through the Lens
 * of the Hessian", 2020): from a random unit vector, v ← Av/‖Av‖ with the Rayleigh quotient
 * λ = vᵀAv, until λ changes by less than a relative tolerance; further eigenpairs by deflation,
 * i.e. keeping v orthogonal to those already found. It converges to the eigenvalue largest in
 * magnitude at rate |λ₂/λ₁| per product, far slower than Lanczos; it is here as the reference
 * the sharpness literature uses and as an independent cross-check.
 */
import { applyChecked, axpy, checkLength, dot, norm, scale, type SymmetricOperator } from './operator';
import { nonNegativeNumber, positiveInteger } from './options';
import { DEFAULT_SEED, SeededRandom } from './random';

export interface PowerIterationOptions {
  /** Default 100 (PyHessian's). */
  maxIterations?: number;
  /** Stop when |λ_new − λ_old| / (|λ_old| + 1e-6) < tolerance (default 1e-3, PyHessian's). */
  tolerance?: number;
  /** Unit vectors, mutually orthogonal (e.g. earlier results), to keep the iterate orthogonal to. */
  deflate?: readonly Float64Array[];
  /** Seed of the random (standard normal) start vector; default DEFAULT_SEED. */
  seed?: number;
  /** Start here instead of at a random vector (takes precedence over `seed`). */
  startVector?: Float64Array;
  signal?: AbortSignal;
  onIteration?: (info: { iteration: number; maxIterations: number; value: number }) => void;
}

export interface PowerIterationResult {
  /** The last Rayleigh quotient (signed). */
  value: number;
  /** The last normalised product Av/‖Av‖. */
  vector: Float64Array;
  /** = products computed. */
  iterations: number;
  converged: boolean;
}

/** PyHessian's absolute term in the relative-change test, kept so results compare with it. */
const CHANGE_FLOOR = 1e-6;

export async function powerIteration(op: SymmetricOperator, options: PowerIterationOptions = {}): Promise<PowerIterationResult> {
  const start = options.startVector ?? new SeededRandom(options.seed ?? DEFAULT_SEED).normalVector(op.dimension);
  return iterate(op, start, options.deflate ?? [], options);
}

/**
 * The top k eigenpairs by magnitude, one power iteration each, every one deflated against the
 * vectors of the previous ones (and `options.deflate`). Start vectors come from one generator
 * seeded with `options.seed`; `startVector` is not accepted. Total products = Σ iterations.
 */
export async function powerIterationTopK(
  op: SymmetricOperator,
  k: number,
  options: Omit<PowerIterationOptions, 'startVector'> = {},
): Promise<PowerIterationResult[]> {
  const deflate = [...(options.deflate ?? [])];
  if (!Number.isInteger(k) || k < 1 || k + deflate.length > op.dimension) {
    throw new RangeError(`k must be an integer in [1, ${op.dimension - deflate.length}], got ${k}`);
  }
  const random = new SeededRandom(options.seed ?? DEFAULT_SEED);
  const results: PowerIterationResult[] = [];
  for (let i = 0; i < k; i++) {
    const result = await iterate(op, random.normalVector(op.dimension), deflate, options);
    results.push(result);
    deflate.push(result.vector);
  }
  return results;
}

async function iterate(
  op: SymmetricOperator,
  start: Float64Array,
  deflate: readonly Float64Array[],
  options: PowerIterationOptions,
): Promise<PowerIterationResult> {
  const n = op.dimension;
  checkLength(start, n, 'start vector');
  for (const u of deflate) checkLength(u, n, 'deflation vector');
  const maxIterations = positiveInteger('maxIterations', options.maxIterations, 100);
  const tolerance = nonNegativeNumber('tolerance', options.tolerance, 1e-3);
  let v: Float64Array = start.slice();
  let previous: number | undefined;
  let value = 0;
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    orthonormalize(v, deflate);
    const y = await applyChecked(op, v, options.signal);
    value = dot(v, y);
    options.onIteration?.({ iteration, maxIterations, value });
    const length = norm(y);
    // Av = 0: v is an exact eigenvector for 0, and the next iterate would be 0/0.
    if (length === 0) return { value, vector: v, iterations: iteration, converged: true };
    scale(y, 1 / length);
    v = y;
    if (previous !== undefined && Math.abs(value - previous) / (Math.abs(previous) + CHANGE_FLOOR) < tolerance) {
      return { value, vector: v, iterations: iteration, converged: true };
    }
    previous = value;
  }
  return { value, vector: v, iterations: maxIterations, converged: false };
}

/** Removes the components along the (orthonormal) `deflate` vectors, then normalises, in place. */
function orthonormalize(v: Float64Array, deflate: readonly Float64Array[]): void {
  const before = norm(v);
  for (const u of deflate) axpy(-dot(u, v), u, v);
  const after = norm(v);
  // What survives a projection that removes (almost) everything is rounding noise, not a direction.
  if (!(after > 1e-12 * before)) throw new RangeError('start vector is zero or lies in the span of the deflation vectors');
  scale(v, 1 / after);
}
