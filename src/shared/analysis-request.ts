/**
 * What an analysis is asked to do: the engine's input, sent by the CLI, the extension (to its
 * analysis worker) and the panel (for a rescaling experiment). Plain data, no engine imports.
 */
import type { LossName, NormalizationKind } from './report';

export type BackendChoice = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

export interface MeasureSettings {
  topK: number;
  normalization: NormalizationKind;
  operator: 'dhd' | 'horizontal';
  density: boolean;
  perLayer: boolean;
  /** Models with at most this many parameters get the exact dense Hessian. */
  exactThreshold: number;
  lanczosTolerance: number;
  /** Relative residual tolerance of the per-layer λ_max runs (one eigenvalue each). */
  perLayerTolerance: number;
  lanczosMaxIterations: number | null;
  traceMaxSamples: number;
  traceRelativeError: number;
  densityRuns: number;
  densitySteps: number;
  densityGridPoints: number;
  /** Also run power iteration (PyHessian's method) on H and D H D and report how it agrees with Lanczos. */
  crossCheck: boolean;
  seed: number;
}

export interface AnalyzeRequest {
  model: string;
  data: string;
  labels?: string;
  labelColumn?: number | string;
  /** At most this many samples, a seeded subsample when the data has more (default: DEFAULTS.samples). */
  samples?: number;
  seed?: number;
  loss?: LossName | 'auto';
  backend?: BackendChoice;
  /** Data-parallel worker threads; 'auto' uses them when the work is large enough to pay. */
  threads?: number | 'auto';
  chunkSize?: number;
  cacheMegabytes?: number;
  /** Backend memory one chunk's transient work may take; the chunk shrinks to fit it. */
  workingMegabytes?: number;
  includeRegularizers?: boolean;
  /** A layer-wise rescaling applied first: one factor per kernel layer, product 1. */
  rescale?: number[] | null;
  /** A seeded random layer-wise rescaling applied first, every factor within [1/spread, spread]. */
  rescaleRandom?: { seed: number; spread: number } | null;
  /** A seeded random neuron-wise rescaling applied first. */
  rescaleNeurons?: number | null;
  maxParameters?: number;
  /** Data-sampling intervals: always, never, or 'auto' (by their measured cost, the default). */
  intervals?: boolean | 'auto';
  /** When 'auto' keeps the intervals (default INTERVALS_AUTO_MAX_SHARE and INTERVALS_AUTO_FREE_SECONDS). */
  intervalsAuto?: { maxShare: number; freeSeconds: number };
  /** Fit the analysis in about this many seconds (null or absent: no budget). */
  budgetSeconds?: number | null;
  /** `samples` was asked for explicitly: the budget may not lower it, only warn. */
  samplesForced?: boolean;
  settings?: Partial<MeasureSettings>;
}
