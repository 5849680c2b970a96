/**
 * The defaults of every analysis option, in one table: the engine falls back to them, the CLI prints
 * them in --help, and the extension's settings (package.json contributes.configuration) declare the
 * same values (test/unit/extension/settings.test.ts compares the two). Plain data, no imports beyond
 * types, so every bundle can use it.
 */
import type { BackendChoice } from './analysis-request';
import type { LossName, NormalizationKind } from './report';

/** When the data-sampling intervals are computed: by their measured cost, always, or never. */
export type IntervalsChoice = 'auto' | 'on' | 'off';
export const INTERVALS_CHOICES: readonly IntervalsChoice[] = ['auto', 'on', 'off'];
/**
 * `intervals: auto` keeps the grouped pass when it is projected to take at most this share of the
 * whole analysis (its own time included), measured on its first grouped products.
 */
export const INTERVALS_AUTO_MAX_SHARE = 0.25;
/** …or when it is projected to take at most this many seconds, whatever its share (a small model's analysis is all overhead). */
export const INTERVALS_AUTO_FREE_SECONDS = 2;

/** What a user can choose for one analysis, under the names the settings and the sidecar use. */
export interface AnalysisOptions {
  /** At most this many samples: a seeded subsample when the data has more. */
  samples: number;
  seed: number;
  loss: LossName | 'auto';
  includeRegularizers: boolean;
  /** The CSV label column: an index (negative from the end) or a header name; null is the last column. */
  labelColumn: number | string | null;
  topK: number;
  normalization: NormalizationKind;
  horizontal: boolean;
  density: boolean;
  crossCheck: boolean;
  perLayer: boolean;
  /**
   * Intervals for the data-sampling error of every measure (one extra grouped pass per vector):
   * `auto` computes them when they take at most INTERVALS_AUTO_MAX_SHARE of the analysis or at
   * most INTERVALS_AUTO_FREE_SECONDS.
   */
  intervals: IntervalsChoice;
  /** Seconds an analysis should fit: fewer samples, then cheaper estimators, when the estimate exceeds it; 0 for none. */
  budgetSeconds: number;
  exactThreshold: number;
  /** Lanczos relative residual tolerance. */
  tolerance: number;
  maxIterations: number | null;
  /** Hutchinson probes at most, per operator. */
  traceSamples: number;
  backend: BackendChoice;
  threads: number | 'auto';
  /** Samples per chunk of the forward and backward sweeps. */
  batchSize: number;
  /** Memory for cached activations and derived values, in MiB. */
  cacheMb: number;
  /** Memory one chunk's transient work may take, in MiB: the chunk shrinks to fit it. */
  workingMb: number;
  maxParameters: number;
}

export const DEFAULTS: Readonly<AnalysisOptions> = Object.freeze({
  // 1,024 samples keep an interactive analysis of an MNIST-sized model within a minute on a laptop,
  // and they are what the extension has always used: the CLI uses the same cap so that the same model
  // gives the same numbers from both. The Hessian of the mean loss over 1,024 samples is already close
  // to the full-data one for the models this targets; --samples buys more.
  samples: 1024,
  seed: 0,
  loss: 'auto',
  includeRegularizers: false,
  labelColumn: null,
  topK: 5,
  normalization: 'layer',
  horizontal: false,
  density: false,
  crossCheck: false,
  perLayer: true,
  // The grouped pass behind the intervals costs about 2 + 2 × layers + 12 full-data products plus a
  // short Lanczos run per smaller sample count: 30 against the 136 HVPs of the bundled MNIST models'
  // analysis (22% of the products), but a grouped product costs 0.9–2× a full one depending on the
  // model (docs/measures.md, "Sampling error"). So the default measures that cost on the first
  // grouped products and keeps the pass when it is at most INTERVALS_AUTO_MAX_SHARE of the analysis.
  intervals: 'auto',
  // A minute: what an interactive analysis should take. The budget lowers the sample count (never
  // below 256) and then the estimators' work when the estimate exceeds it; --samples forces a count.
  budgetSeconds: 60,
  // Up to 400 parameters the dense Hessian (n HVPs) costs about what the iterative path does (two
  // Lanczos runs of up to 60 steps, the trace probes, the per-layer runs) and gives every eigenvalue exactly.
  exactThreshold: 400,
  tolerance: 1e-4,
  maxIterations: null,
  // With the Krylov deflation, 30 probes give 2–3% on MNIST-sized Hessians (PyHessian's own trace stops
  // near 30 undeflated samples, about 3%); the standard error is always reported, and more probes buy
  // a smaller one.
  traceSamples: 30,
  backend: 'auto',
  threads: 'auto',
  batchSize: 256,
  cacheMb: 512,
  // The working set of one chunk (records, R-sweep values, im2col patches) is measured per sample and
  // the chunk sized to fit this: MNIST-sized models keep full 256-sample chunks, 224×224 CNNs a few
  // samples, and the wasm heap (which never shrinks) stays well under its 4 GB ceiling.
  workingMb: 512,
  maxParameters: 20_000_000,
});

/** Settings of the extension alone (package.json declares them with these defaults too). */
export const EXTENSION_DEFAULTS = Object.freeze({
  /** At most this many JSON files are inspected when looking for models. */
  maxModelFiles: 500,
});

/** Random rescalings (neuron-wise, and random layer-wise from the extension) draw factors in [1/spread, spread]. */
export const DEFAULT_RESCALING_SPREAD = 10;
/** The widest spread the extension's rescaling form accepts. */
export const MAX_RESCALING_SPREAD = 100;
