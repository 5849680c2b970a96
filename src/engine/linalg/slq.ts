/**
 * Spectral density by stochastic Lanczos quadrature (Golub & Meurant, "Matrices, Moments and
 * Quadrature", 2010; Lin, Saad & Yang, "Approximating spectral densities of large matrices",
 * SIAM Review 2016; Ghorbani, Krishnan & Xiao 2019 and PyHessian for Hessians).
 *
 * For a unit start vector v, vᵀ f(A) v = Σ_i (vᵀq_i)² f(λ_i) is an integral against a measure
 * with mass (vᵀq_i)² at each eigenvalue; m Lanczos steps from v give its m-node Gauss quadrature:
 * nodes θ_j (eigenvalues of T_m) and weights τ_j (squared first components of T_m's
 * eigenvectors). With v = z/√n for Rademacher z the measure is, in expectation, the empirical
 * spectral measure (1/n) Σ_i δ(λ_i); smoothing each node with a Gaussian and averaging runs
 * gives a density.
 */
import { lanczosDecomposition } from './lanczos';
import { type SymmetricOperator } from './operator';
import { nonNegativeNumber, positiveInteger } from './options';
import { DEFAULT_SEED, SeededRandom } from './random';
import { tridiagonalEigenComponents } from './symmetric-eigen';

export interface SpectralDensityOptions {
  /** Independent start vectors (default 1, as PyHessian's n_v); more runs reduce the variance of the weights. */
  runs?: number;
  /** Lanczos steps per run (default min(n, 100), as PyHessian's iter); a run stops early on an invariant subspace. */
  steps?: number;
  /**
   * Grid points of the returned density (default 1000, a tenth of PyHessian's 10,000, to keep the
   * JSON report small; the Gaussians are widened to at least the grid spacing so none falls
   * between grid points).
   */
  gridPoints?: number;
  /** σ² = sigmaSquaredFactor · (λ_max − λ_min) (default 1e-5, PyHessian's). */
  sigmaSquaredFactor?: number;
  /** Seed of the Rademacher start vectors; default DEFAULT_SEED. */
  seed?: number;
  signal?: AbortSignal;
  onIteration?: (info: { run: number; runs: number; step: number; steps: number }) => void;
}

export interface SpectralDensity {
  /** Evenly spaced grid over [λ_min − pad, λ_max + pad]. */
  x: number[];
  /** Density on the grid, normalised so that Σ y · (x[1] − x[0]) = 1. */
  y: number[];
  /** Per run: the quadrature nodes (Ritz values), descending. */
  nodes: number[][];
  /** Per run: the quadrature weights, matching `nodes`; each run's weights sum to 1. */
  weights: number[][];
  /** The Gaussian variance actually used. */
  sigmaSquared: number;
  applications: number;
}

/**
 * Grid padding beyond the extreme nodes: 1% of the spectrum's width (PyHessian pads by 0.01 in
 * absolute terms, which means nothing for a Hessian of unknown scale) or five standard
 * deviations of the smoothing, whichever is larger, so the outermost bumps are not cut off.
 */
const PAD_FRACTION = 0.01;
const PAD_SIGMAS = 5;

export async function spectralDensity(op: SymmetricOperator, options: SpectralDensityOptions = {}): Promise<SpectralDensity> {
  const n = op.dimension;
  const runs = positiveInteger('runs', options.runs, 1);
  const steps = Math.min(n, positiveInteger('steps', options.steps, 100));
  const gridPoints = positiveInteger('gridPoints', options.gridPoints, 1000);
  if (gridPoints < 2) throw new RangeError('gridPoints must be at least 2');
  const sigmaSquaredFactor = nonNegativeNumber('sigmaSquaredFactor', options.sigmaSquaredFactor, 1e-5);
  const random = new SeededRandom(options.seed ?? DEFAULT_SEED);

  const nodes: number[][] = [];
  const weights: number[][] = [];
  let applications = 0;
  for (let run = 0; run < runs; run++) {
    const decomposition = await lanczosDecomposition(op, random.rademacherVector(n), {
      maxSteps: steps,
      signal: options.signal,
      afterStep: (sofar) => {
        options.onIteration?.({ run: run + 1, runs, step: sofar.alpha.length, steps });
        return false;
      },
    });
    const m = decomposition.alpha.length;
    applications += m;
    const { values, components } = tridiagonalEigenComponents(decomposition.alpha, decomposition.beta.subarray(0, m - 1), [0]);
    nodes.push(Array.from(values));
    weights.push(Array.from(components[0], (first) => first * first));
  }
  return { ...smoothedDensity(nodes, weights, gridPoints, sigmaSquaredFactor), nodes, weights, applications };
}

/** Average over runs of Σ_j τ_j N(x; θ_j, σ²) on an even grid, normalised to integrate to 1. */
export function smoothedDensity(
  nodes: number[][],
  weights: number[][],
  gridPoints: number,
  sigmaSquaredFactor: number,
): { x: number[]; y: number[]; sigmaSquared: number } {
  const all = nodes.flat();
  const lowest = Math.min(...all);
  const highest = Math.max(...all);
  // A spectrum of a single value (a multiple of the identity, the zero matrix) has no width to
  // scale by; its magnitude, or 1 for zero, stands in.
  const width = highest > lowest ? highest - lowest : Math.max(Math.abs(highest), 1);
  const sigma = Math.sqrt(sigmaSquaredFactor * width);
  const pad = Math.max(PAD_FRACTION * width, PAD_SIGMAS * sigma);
  const start = lowest - pad;
  const spacing = (highest - lowest + 2 * pad) / (gridPoints - 1);
  const x = Array.from({ length: gridPoints }, (_, g) => start + g * spacing);
  // A Gaussian narrower than the spacing would be sampled at random points of its bump (or
  // missed entirely); at σ ≥ spacing the grid sum of each bump is exact to ~1e-8.
  const sigmaUsed = Math.max(sigma, spacing);
  const y = new Array<number>(gridPoints).fill(0);
  const runWeight = 1 / nodes.length;
  nodes.forEach((runNodes, run) => {
    runNodes.forEach((node, j) => {
      const mass = runWeight * weights[run][j];
      for (let g = 0; g < gridPoints; g++) y[g] += mass * Math.exp(-0.5 * ((x[g] - node) / sigmaUsed) ** 2);
    });
  });
  // The Gaussian's 1/(σ√2π) is absorbed by normalising the grid sum, as PyHessian does.
  const total = y.reduce((sum, value) => sum + value, 0) * spacing;
  return { x, y: y.map((value) => value / total), sigmaSquared: sigmaUsed * sigmaUsed };
}
