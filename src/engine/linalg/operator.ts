/**
 * The one thing every spectral estimator needs from a Hessian: products with vectors.
 * A Hessian of a network is never formed; each product is an autodiff pass that can take
 * 10 ms to 10 s, so the estimators count and minimise applications and do everything else
 * (O(n) vector work, small dense eigenproblems) themselves.
 */
import { SharpnessError, throwIfAborted } from '../errors';

export interface SymmetricOperator {
  readonly dimension: number;
  /**
   * y = A v for a symmetric A. Must not modify v. Returns a new array that the caller owns
   * (the estimators overwrite it in place).
   */
  apply(v: Float64Array, signal?: AbortSignal): Promise<Float64Array>;
}

/** An operator that also reports how many products it has computed. */
export interface CountingOperator extends SymmetricOperator {
  readonly applications: number;
}

/**
 * A row-major n×n symmetric matrix as an operator (tests, and Hessians small enough to form).
 * Symmetry is the caller's promise and is not checked: the estimators' guarantees assume it.
 */
export function denseOperator(matrix: Float64Array, n: number): SymmetricOperator {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`matrix dimension must be a positive integer, got ${n}`);
  if (matrix.length !== n * n) throw new RangeError(`matrix has ${matrix.length} entries, expected ${n}×${n}`);
  return {
    dimension: n,
    async apply(v: Float64Array, signal?: AbortSignal): Promise<Float64Array> {
      throwIfAborted(signal);
      checkLength(v, n);
      const y = new Float64Array(n);
      for (let i = 0; i < n; i++) y[i] = dot(matrix.subarray(i * n, (i + 1) * n), v);
      return y;
    },
  };
}

export function countingOperator(inner: SymmetricOperator): CountingOperator {
  let applications = 0;
  return {
    dimension: inner.dimension,
    get applications() {
      return applications;
    },
    apply(v: Float64Array, signal?: AbortSignal): Promise<Float64Array> {
      applications++;
      return inner.apply(v, signal);
    },
  };
}

/**
 * How the estimators call an operator: cancellation is checked before the (expensive) product
 * and again after it, so an abort during a 10 s product takes effect as soon as it returns;
 * the result is checked because one NaN would silently poison every later step.
 */
/** A product by the operator held a NaN or an infinity: a caller that knows why (a rescaling) can say so. */
export class NonFiniteProductError extends SharpnessError {
  constructor(value: number, index: number) {
    super(`operator returned a non-finite value (${value}) at index ${index}`);
  }
}

/** A product of an operator taken before it was needed (e.g. one timed for an estimate). */
export interface KnownProduct {
  vector: Float64Array;
  product: Float64Array;
}

/**
 * A·v: a copy of `known`'s product when its vector is v bit for bit (checked as a fresh product is),
 * else a fresh one (applyChecked).
 */
export async function applyOrReuse(
  op: SymmetricOperator,
  v: Float64Array,
  signal: AbortSignal | undefined,
  known: KnownProduct | null | undefined,
): Promise<Float64Array> {
  if (!known || !sameValues(known.vector, v)) return applyChecked(op, v, signal);
  throwIfAborted(signal);
  return checkedProduct(known.product.slice(), op.dimension);
}

function sameValues(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function checkedProduct(y: Float64Array, dimension: number): Float64Array {
  if (y.length !== dimension) {
    throw new SharpnessError(`operator returned a vector of length ${y.length}, expected ${dimension}`);
  }
  for (let i = 0; i < y.length; i++) {
    if (!Number.isFinite(y[i])) throw new NonFiniteProductError(y[i], i);
  }
  return y;
}

export async function applyChecked(op: SymmetricOperator, v: Float64Array, signal: AbortSignal | undefined): Promise<Float64Array> {
  throwIfAborted(signal);
  const y = await op.apply(v, signal);
  throwIfAborted(signal);
  return checkedProduct(y, op.dimension);
}

export function checkLength(v: Float64Array, n: number, what = 'vector'): void {
  if (v.length !== n) throw new RangeError(`${what} has length ${v.length}, expected ${n}`);
}

/** A stored vector: float64, or float32 where memory calls for it (a large Lanczos basis). */
export type StoredVector = Float64Array | Float32Array;

export function dot(a: StoredVector, b: StoredVector): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

export function norm(a: Float64Array): number {
  return Math.sqrt(dot(a, a));
}

/** y ← y + alpha·x, in place. */
export function axpy(alpha: number, x: StoredVector, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] += alpha * x[i];
}

/** x ← alpha·x, in place. */
export function scale(x: Float64Array, alpha: number): void {
  for (let i = 0; i < x.length; i++) x[i] *= alpha;
}
