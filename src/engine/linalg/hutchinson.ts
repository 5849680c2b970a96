/**
 * Hutchinson's stochastic trace estimator (Hutchinson 1990; Avron & Toledo 2011): for z with
 * independent ±1 entries, E[zᵀAz] = tr(A). One product y = Az serves any number of weighted
 * traces at once, because E[Σ_i w_i z_i y_i] = Σ_i w_i A_ii for every fixed w: a 0/1 mask gives
 * the trace of a diagonal block (one layer's parameters), w = d² gives tr(DAD) for D = diag(d)
 * (the trace after a diagonal rescaling). The mean of z ⊙ Az estimates the diagonal itself
 * (Bekas, Kokiopoulou & Saad 2007).
 */
import { applyOrReuse, checkLength, dot, type KnownProduct, type SymmetricOperator } from './operator';
import { nonNegativeNumber, positiveInteger } from './options';
import { DEFAULT_SEED, SeededRandom } from './random';

export interface TraceTarget {
  name: string;
  /** w in Σ_i w_i A_ii; default all ones (the full trace). */
  weights?: Float64Array;
  /**
   * Targets on one scale (e.g. the Euclidean traces, as opposed to the invariant ones) share a
   * group; "negligible" is judged against the largest |mean| of the target's own group.
   */
  group?: string;
  /**
   * A known part of the trace, added to the estimate (and counted in its size for the stopping
   * rule): with a deflated operator (deflated-trace.ts), what the deflation took out exactly.
   */
  offset?: number;
}

export interface TraceEstimate {
  name: string;
  mean: number;
  /** Sample standard deviation / √samples; Infinity after a single sample (null in JSON). */
  standardError: number;
  samples: number;
}

export interface HutchinsonOptions {
  /** Default 100. */
  maxSamples?: number;
  /** Never stop before this many samples (default 10: fewer make the standard error itself unreliable). */
  minSamples?: number;
  /** Stop once every target's standardError ≤ this × |mean| (default 1e-2); see `hutchinson` for near-zero means. */
  relativeStandardError?: number;
  /** A target whose standardError is at most this is settled whatever its mean (default 0: off). */
  absoluteStandardError?: number;
  /** Seed of the Rademacher probes; default DEFAULT_SEED. */
  seed?: number;
  /** A product already taken: used for the first probe when `vector` is exactly it (hutchinsonFirstProbe), else ignored. */
  firstProduct?: KnownProduct;
  signal?: AbortSignal;
  onIteration?: (info: { sample: number; maxSamples: number; estimates: TraceEstimate[] }) => void;
  /** Also return the diagonal estimate, the mean of z ⊙ Az (default false). */
  returnDiagonal?: boolean;
  /**
   * Each sample's value per target from the probe z and y = Az, in place of Σ_i w_i z_i y_i (the
   * targets' weights are then ignored); deflated-trace.ts uses it to fold the deflation into one pass.
   */
  sampleValues?: (z: Float64Array, y: Float64Array) => number[];
}

export interface HutchinsonResult {
  /** One per target, in the order given. */
  estimates: TraceEstimate[];
  applications: number;
  /** Whether the standard-error criterion was met (false: stopped at maxSamples). */
  converged: boolean;
  diagonal?: Float64Array;
}

/**
 * A target whose |mean| is below this fraction of the largest |mean| among the targets is held
 * to rse × (that fraction × largest |mean|) instead of rse × |its own mean|: a layer whose trace
 * is ~0 next to the others needs no 1% relative accuracy, and could never reach it.
 */
const NEGLIGIBLE_FRACTION = 0.1;

function sumOf(values: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum;
}

/** The first Rademacher probe `hutchinson` draws with this seed. */
export function hutchinsonFirstProbe(n: number, seed: number = DEFAULT_SEED): Float64Array {
  return new SeededRandom(seed).rademacherVector(n);
}

/**
 * Estimates Σ_i w_i A_ii for every target from the same Rademacher samples. Stops after
 * minSamples as soon as every target has standardError ≤ max(rse · max(|mean|, 0.1 · M),
 * absoluteStandardError), M = the largest |mean| over the targets of its group, or at maxSamples. A single
 * target with mean ~0 (a traceless operator) therefore runs to maxSamples unless
 * absoluteStandardError is set.
 */
export async function hutchinson(
  op: SymmetricOperator,
  targets: readonly TraceTarget[] = [{ name: 'trace' }],
  options: HutchinsonOptions = {},
): Promise<HutchinsonResult> {
  const n = op.dimension;
  if (targets.length === 0) throw new RangeError('at least one trace target is needed');
  for (const target of targets) if (target.weights) checkLength(target.weights, n, `weights of "${target.name}"`);
  const maxSamples = positiveInteger('maxSamples', options.maxSamples, 100);
  const minSamples = Math.min(maxSamples, positiveInteger('minSamples', options.minSamples, 10));
  const relative = nonNegativeNumber('relativeStandardError', options.relativeStandardError, 1e-2);
  const absolute = nonNegativeNumber('absoluteStandardError', options.absoluteStandardError, 0);
  const random = new SeededRandom(options.seed ?? DEFAULT_SEED);
  // Welford's running mean and sum of squared deviations: stable for many samples.
  const means = new Float64Array(targets.length);
  const squaredDeviations = new Float64Array(targets.length);
  const diagonalSum = options.returnDiagonal ? new Float64Array(n) : undefined;
  let estimates: TraceEstimate[] = [];
  let converged = false;
  let sample = 0;
  while (sample < maxSamples && !converged) {
    const z = random.rademacherVector(n);
    const y = await applyOrReuse(op, z, options.signal, sample === 0 ? options.firstProduct : null);
    sample++;
    const custom = options.sampleValues?.(z, y);
    for (let i = 0; i < n; i++) y[i] *= z[i]; // y becomes z ⊙ Az
    if (diagonalSum) for (let i = 0; i < n; i++) diagonalSum[i] += y[i];
    targets.forEach((target, t) => {
      const value = custom ? custom[t] : target.weights ? dot(target.weights, y) : sumOf(y);
      const delta = value - means[t];
      means[t] += delta / sample;
      squaredDeviations[t] += delta * (value - means[t]);
    });
    estimates = targets.map((target, t) => ({
      name: target.name,
      mean: means[t] + (target.offset ?? 0),
      standardError: sample > 1 ? Math.sqrt(squaredDeviations[t] / (sample - 1) / sample) : Infinity,
      samples: sample,
    }));
    const largest = new Map<string | undefined, number>();
    estimates.forEach((estimate, t) =>
      largest.set(targets[t].group, Math.max(largest.get(targets[t].group) ?? 0, Math.abs(estimate.mean))),
    );
    converged =
      sample >= minSamples &&
      estimates.every(
        (estimate, t) =>
          estimate.standardError <=
          Math.max(relative * Math.max(Math.abs(estimate.mean), NEGLIGIBLE_FRACTION * largest.get(targets[t].group)!), absolute),
      );
    options.onIteration?.({ sample, maxSamples, estimates });
  }
  const result: HutchinsonResult = { estimates, applications: sample, converged };
  if (diagonalSum) result.diagonal = diagonalSum.map((x) => x / sample);
  return result;
}
