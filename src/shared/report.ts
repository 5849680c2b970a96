/**
 * The analysis report (JSON, schemaVersion 1): the contract between the engine, the CLI, the
 * extension and the webview (docs/architecture.md, "Report schema"); every addition here is optional to readers.
 * This file imports only types, so the webview bundle can use it.
 */
import type { Problem } from './problems';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export type NormalizationKind = 'layer' | 'element';
export type LossName = 'categorical_crossentropy' | 'sparse_categorical_crossentropy' | 'binary_crossentropy' | 'mean_squared_error';

export interface Eigenpair {
  value: number;
  /** ‖Av − λv‖ for the unit Ritz vector (0 when computed from the exact matrix). */
  residual: number;
  converged: boolean;
}

export interface SpectrumSummary {
  topEigenvalues: number[];
  eigenpairs: Eigenpair[];
  trace: number;
  /** Standard error of a Hutchinson estimate; 0 when exact. */
  traceStandardError: number;
  /** Smallest eigenvalue, when known (exact method). */
  minEigenvalue: number | null;
}

export interface LayerReport {
  name: string;
  className: string;
  parameterCount: number;
  /**
   * `name` is the manifest's; `role` the weight's name within the layer (`kernel`, `forward/recurrent_kernel`
   * in a Bidirectional). Not trainable: frozen, or a statistic (shared/weights.ts).
   */
  weights: { name: string; role?: string; shape: number[]; trainable: boolean }[];
  positivelyHomogeneous: boolean;
  note: string | null;
  outputShape: number[];
}

/**
 * A kernel layer's place in the model's layer-wise symmetry: the scale class of its input and of its
 * output. Outputs of one class must carry one scale (a merge joins them); class 0 is fixed at 1.
 */
export interface ScaleLink {
  layer: string;
  from: number;
  to: number;
}

export interface PerLayerSharpness {
  name: string;
  parameterCount: number;
  /** λ_max of the layer's diagonal block of D H D. */
  invariantSharpness: number;
  /** λ_max of the layer's diagonal block of H. */
  euclideanSharpness: number;
  invariantTrace: number;
  euclideanTrace: number;
  invariantTraceStandardError: number;
  euclideanTraceStandardError: number;
  converged: boolean;
}

/**
 * A measure's variability over the choice of analysis samples: the reported (full-sample) value,
 * the jackknife standard error over K disjoint random groups, and the interval value ± t·SE at
 * `Report.sampling.level` (docs/measures.md, "Sampling error").
 */
export interface SamplingInterval {
  value: number;
  standardError: number;
  low: number;
  high: number;
  /** The interval's centre when it is not `value`: ‖∇L‖'s, corrected for its upward bias on a sample. */
  centre?: number;
}

/** A measure at a growing number of analysis samples (the first groups of the same random split). */
export interface ConvergencePoint {
  samples: number;
  /** First order: the full-sample eigenvector's Rayleigh quotient on these samples (traces: their probe estimates). */
  value: number;
  /** Half-width of the interval at this many samples: t·SE·√(N / samples). */
  halfWidth: number;
}

export type SampledMeasure =
  'gradientNorm' | 'loss' | 'euclideanSharpness' | 'invariantSharpness' | 'normalizedSharpness' | 'euclideanTrace' | 'invariantTrace';

export interface SamplingReport {
  method: 'grouped jackknife';
  /** Disjoint random groups of the analysis samples, and their sizes (differing by at most one). */
  groups: number;
  groupSize: number;
  /** Two-sided coverage of every interval (0.95). */
  level: number;
  /** Student's t quantile used, with K − 1 degrees of freedom. */
  tQuantile: number;
  /** Rademacher probes per operator behind the trace intervals. */
  traceProbes: number;
  /** Products of the grouped pass, counted as full-data HVPs (each runs once over every sample), and its time. */
  hvpCount: number;
  seconds: number;
  assumptions: string[];
  measures: Record<SampledMeasure, SamplingInterval>;
  perLayer: {
    name: string;
    euclideanSharpness: SamplingInterval;
    invariantSharpness: SamplingInterval;
    euclideanTrace: SamplingInterval;
    invariantTrace: SamplingInterval;
  }[];
  /** Each measure at 1, 2, 4, … groups' samples, up to all of them. */
  convergence: Record<Exclude<SampledMeasure, 'loss' | 'normalizedSharpness'>, ConvergencePoint[]>;
  /** The fewest samples at which a measure's interval is within ±`relativeHalfWidth` of it (null when no measured count is). */
  recommended: { measure: SampledMeasure; relativeHalfWidth: number; samples: number | null; projectedSamples: number }[];
}

export interface Density {
  x: number[];
  y: number[];
}

export interface PowerIterationCheck {
  value: number;
  iterations: number;
  converged: boolean;
  /** |power − Lanczos| / |Lanczos| for λ_max. */
  relativeDifference: number;
}

/** The time and memory an analysis was expected to take, from one timed HVP (docs/measures.md, "Time budget"). */
export interface CostEstimate {
  seconds: number;
  peakBytes: number;
  /** Seconds of one timed HVP over every analysis sample, and the HVPs the plan expects. */
  hvpSeconds: number;
  expectedHvps: number;
  /** The time budget, when one applied, and what it chose. */
  budgetSeconds: number | null;
  choices: string[];
}

export interface StageCost {
  name: string;
  hvpCount: number;
  seconds: number;
}

/** One model output's part of the loss and accuracy (`Report.outputs`). */
export interface OutputReport {
  /** The output's layer path (`head/dense` inside a nested model). */
  name: string;
  /** One sample's output shape. */
  shape: number[];
  /** The data array its targets came from (`y`, `y0`, the output's name). */
  array: string;
  loss: LossName;
  lossSource: 'option' | 'training config' | 'inferred';
  fromLogits: boolean;
  /** Its weight in the model's loss (Keras `loss_weights`; 1 unless the training config says otherwise). */
  weight: number;
  /** The output's own mean loss, before its weight: the report's `loss` is Σ weight × lossValue over outputs (plus included regularizers). */
  lossValue: number;
  /** Null for a regression output. */
  accuracy: number | null;
}

export interface Report {
  schemaVersion: 1;
  tool: { name: 'sharpness-lens'; version: string };
  createdAt: string;
  model: {
    path: string;
    format: 'tfjs-layers' | 'keras-converter';
    name: string;
    parameterCount: number;
    /** Parameters of frozen (`trainable: false`) layers: constants of the analysis, not part of θ. */
    frozenParameterCount: number;
    /** The first input's shape (the only one, for most models); `data.inputs` has every input's. */
    inputShape: number[];
    /** The first output's shape; `outputs` has every output's. */
    outputShape: number[];
    layers: LayerReport[];
    symmetries: {
      summary: string[];
      /** Layers carrying a kernel, in order: a layer-wise rescaling gives one factor to each. */
      kernelLayers: string[];
      /** How layer-wise factors move scales through the graph, one link per kernel layer (rescaling.ts checks factors with them). */
      scaleLinks: ScaleLink[];
      neuronwise: { layer: string; units: number; consumer: string; through: string[] }[];
      batchNormalized: string[];
    };
  };
  data: {
    path: string;
    labelsPath: string | null;
    /** One per model input, in order: the input's name, the data array it was fed, and one sample's shape. */
    inputs: { name: string; array: string; shape: number[] }[];
    sampleCount: number;
    availableCount: number;
    /** The first output's loss (the only one, for most models); `outputs` has every output's. */
    loss: LossName;
    lossSource: 'option' | 'training config' | 'inferred';
    fromLogits: boolean;
    regularizers: 'excluded' | 'included' | 'none';
    seed: number;
    notes: string[];
  };
  backend: BackendName;
  backendNote: string | null;
  threads: number;
  /** Exact: the dense Hessian, all eigenvalues. Iterative: Lanczos and Hutchinson. */
  method: 'exact' | 'iterative';
  loss: number;
  /** The fraction of correct predictions; with several outputs, the mean over the outputs that have one; null when none has (regression). */
  accuracy: number | null;
  /** One per model output, in order: its loss, weight, loss value and accuracy (one entry for a single-output model). */
  outputs: OutputReport[];
  gradientNorm: number;
  euclidean: SpectrumSummary;
  invariant: SpectrumSummary & {
    normalization: NormalizationKind;
    /** 'dhd' is λ(D H D), what the authors compute; 'horizontal' projects onto the horizontal space first. */
    operator: 'dhd' | 'horizontal';
    /** λ_max(D H D): the rescaling-invariant sharpness. */
    sharpness: number;
    /** The authors' Keskar-style value λ·ε²/(2(1+L)) with ε = 1e-3. */
    normalizedSharpness: number;
  };
  perLayer: PerLayerSharpness[];
  rescaling: null | {
    kind: 'layer-wise' | 'neuron-wise';
    factors: number[] | null;
    seed: number | null;
    description: string;
    /** max |f_rescaled(x) − f(x)| over the analysis samples and outputs. */
    maxOutputDifference: number;
  };
  density: null | { euclidean: Density; invariant: Density };
  /** Power iteration's λ_max beside the reported one (with --cross-check). */
  crossCheck: null | { euclidean: PowerIterationCheck; invariant: PowerIterationCheck };
  /** The data-sampling intervals (null when turned off or with fewer than 4 samples); absent from older reports. */
  sampling?: SamplingReport | null;
  /** The estimate made before the curvature stages, and what the time budget chose (absent from older reports). */
  estimate?: CostEstimate | null;
  cost: { hvpCount: number; seconds: number; stages: StageCost[] };
  /** What the user should know about the numbers; the option that helps, as data (problems.ts). */
  warnings: Problem[];
}
