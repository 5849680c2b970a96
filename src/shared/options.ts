/**
 * Every analysis option once: its CLI flag, its kind of value, its help text, and how a value is
 * checked, whether it comes from the command line (text) or from the extension's settings and
 * sidecar (JSON). The CLI, the extension and their tests all read this table, so a flag, a setting
 * and a sidecar key cannot drift apart, and the defaults come from defaults.ts alone.
 */
import type { AnalyzeRequest } from './analysis-request';
import {
  DEFAULTS,
  INTERVALS_AUTO_FREE_SECONDS,
  INTERVALS_AUTO_MAX_SHARE,
  INTERVALS_CHOICES,
  type AnalysisOptions,
  type IntervalsChoice,
} from './defaults';
import type { OptionWording } from './problems';
import type { LossName } from './report';

export type OptionKey = keyof AnalysisOptions;

export type OptionKind =
  | { type: 'integer'; min: number; max?: number; nullable?: boolean }
  | { type: 'positive' }
  | { type: 'boolean'; /** The CLI flag turns the option off (`--no-per-layer`). */ negated?: boolean }
  | {
      type: 'choice';
      choices: readonly string[];
      /** Values an older version accepted from JSON (settings, sidecars), read as the choice they meant. */
      legacy?: readonly { value: unknown; means: string }[];
    }
  | { type: 'loss' }
  | { type: 'threads' }
  | { type: 'labelColumn' };

export interface OptionSpec {
  key: OptionKey;
  /** The CLI flag, without the dashes. */
  flag: string;
  kind: OptionKind;
  /** The value's placeholder in --help (none for switches). */
  placeholder?: string;
  /** What the option does, one line; --help adds the default. */
  help: string;
  group: 'data' | 'measures' | 'compute';
  /**
   * About the machine, not the model (resources and backend): a setting only, never read from a
   * model's sidecar, so a file in the workspace cannot raise the memory an analysis may take.
   */
  machine?: boolean;
}

const LOSS_CHOICES = ['categorical_crossentropy', 'sparse_categorical_crossentropy', 'binary_crossentropy', 'mean_squared_error'] as const;

export const OPTION_SPECS: readonly OptionSpec[] = [
  {
    key: 'labelColumn',
    flag: 'label-column',
    kind: { type: 'labelColumn' },
    placeholder: 'C',
    help: 'CSV label column: index (negative from the end) or header name (default: the last)',
    group: 'data',
  },
  {
    key: 'samples',
    flag: 'samples',
    kind: { type: 'integer', min: 1 },
    placeholder: 'N',
    help: 'analyse at most N samples, a seeded subsample when the data has more',
    group: 'data',
  },
  {
    key: 'seed',
    flag: 'seed',
    kind: { type: 'integer', min: 0 },
    placeholder: 'S',
    help: 'seed for every random choice: same inputs + seed → same numbers',
    group: 'data',
  },
  {
    key: 'loss',
    flag: 'loss',
    kind: { type: 'loss' },
    placeholder: 'L',
    help: "auto (the model's training config, else inferred), categorical_crossentropy, sparse_categorical_crossentropy, binary_crossentropy, mse",
    group: 'data',
  },
  {
    key: 'includeRegularizers',
    flag: 'include-regularizers',
    kind: { type: 'boolean' },
    help: "add the layers' L1/L2 weight regularizers to the loss",
    group: 'data',
  },
  { key: 'topK', flag: 'top-k', kind: { type: 'integer', min: 1 }, placeholder: 'K', help: 'eigenvalues to compute', group: 'measures' },
  {
    key: 'normalization',
    flag: 'normalization',
    kind: { type: 'choice', choices: ['layer', 'element'] },
    placeholder: 'N',
    help: 'layer (one Frobenius norm per tensor, the paper) or element (|θ|)',
    group: 'measures',
  },
  {
    key: 'horizontal',
    flag: 'horizontal',
    kind: { type: 'boolean' },
    help: 'project D H D onto the horizontal space (layer normalization only)',
    group: 'measures',
  },
  { key: 'density', flag: 'density', kind: { type: 'boolean' }, help: 'also compute the spectral density (SLQ)', group: 'measures' },
  {
    key: 'crossCheck',
    flag: 'cross-check',
    kind: { type: 'boolean' },
    help: "also run power iteration (PyHessian's method) for λ_max and report the agreement",
    group: 'measures',
  },
  {
    key: 'perLayer',
    flag: 'no-per-layer',
    kind: { type: 'boolean', negated: true },
    help: 'skip the per-layer sharpness',
    group: 'measures',
  },
  {
    key: 'intervals',
    flag: 'intervals',
    // A boolean was the setting's type before 'auto'.
    kind: {
      type: 'choice',
      choices: INTERVALS_CHOICES,
      legacy: [
        { value: true, means: 'on' },
        { value: false, means: 'off' },
      ],
    },
    placeholder: 'WHEN',
    help: `data-sampling intervals (a grouped pass over the analysis samples): auto (when they take at most ${INTERVALS_AUTO_MAX_SHARE * 100}% of the analysis or ${INTERVALS_AUTO_FREE_SECONDS} s), on, off; compare computes them unless off`,
    group: 'measures',
  },
  {
    key: 'budgetSeconds',
    flag: 'budget',
    kind: { type: 'integer', min: 0 },
    placeholder: 'SECONDS',
    help: 'fit the analysis in about this time: fewer samples (unless --samples is given), then cheaper estimators; 0 for no budget',
    group: 'data',
  },
  {
    key: 'exactThreshold',
    flag: 'exact-threshold',
    kind: { type: 'integer', min: 0 },
    placeholder: 'N',
    help: 'dense Hessian for models with at most N parameters',
    group: 'measures',
  },
  {
    key: 'tolerance',
    flag: 'tolerance',
    kind: { type: 'positive' },
    placeholder: 'T',
    help: 'Lanczos relative residual tolerance',
    group: 'measures',
  },
  {
    key: 'maxIterations',
    flag: 'max-iterations',
    kind: { type: 'integer', min: 1, nullable: true },
    placeholder: 'N',
    help: 'Lanczos iterations cap (default: max(2k + 20, 60))',
    group: 'measures',
  },
  {
    key: 'traceSamples',
    flag: 'trace-samples',
    kind: { type: 'integer', min: 1 },
    placeholder: 'N',
    help: 'Hutchinson probes at most, per operator',
    group: 'measures',
  },
  {
    key: 'backend',
    flag: 'backend',
    kind: { type: 'choice', choices: ['auto', 'wasm', 'cpu', 'tensorflow'] },
    placeholder: 'B',
    help: 'auto (tensorflow if @tensorflow/tfjs-node is installed, else wasm, else cpu), wasm, cpu, tensorflow',
    group: 'compute',
    machine: true,
  },
  {
    key: 'threads',
    flag: 'threads',
    kind: { type: 'threads' },
    placeholder: 'N|auto',
    help: 'data-parallel worker threads for the Hessian-vector products',
    group: 'compute',
    machine: true,
  },
  {
    key: 'batchSize',
    flag: 'batch-size',
    kind: { type: 'integer', min: 1 },
    placeholder: 'N',
    help: 'samples per chunk',
    group: 'compute',
    machine: true,
  },
  {
    key: 'cacheMb',
    flag: 'cache-mb',
    kind: { type: 'integer', min: 0 },
    placeholder: 'N',
    help: 'memory for cached activations and derived values, in MiB',
    group: 'compute',
    machine: true,
  },
  {
    key: 'workingMb',
    flag: 'working-mb',
    kind: { type: 'integer', min: 16 },
    placeholder: 'N',
    help: 'memory for one chunk of samples at work, in MiB',
    group: 'compute',
    machine: true,
  },
  {
    key: 'maxParameters',
    flag: 'max-parameters',
    kind: { type: 'integer', min: 1 },
    placeholder: 'N',
    help: 'refuse larger models',
    group: 'compute',
    machine: true,
  },
];

export function optionSpec(key: OptionKey): OptionSpec {
  return OPTION_SPECS.find((spec) => spec.key === key)!;
}

const LOSS_ALIASES: Record<string, LossName> = {
  categoricalcrossentropy: 'categorical_crossentropy',
  sparsecategoricalcrossentropy: 'sparse_categorical_crossentropy',
  binarycrossentropy: 'binary_crossentropy',
  meansquarederror: 'mean_squared_error',
  mse: 'mean_squared_error',
};

/** A loss as Keras spells it in any case and separator style ("categoricalCrossentropy", "mse", …), or null. */
export function parseLossName(value: string): LossName | null {
  return LOSS_ALIASES[value.replace(/[_\s-]/g, '').toLowerCase()] ?? null;
}

/** A value that does not fit its option; `message` reads after the option's name ("must be …, got …"). */
export class OptionValueError extends Error {
  override readonly name = 'OptionValueError';
}

function expected(kind: OptionKind): string {
  switch (kind.type) {
    case 'integer':
      return kind.max === undefined ? `an integer ≥ ${kind.min}` : `an integer from ${kind.min} to ${kind.max}`;
    case 'positive':
      return 'a positive number';
    case 'boolean':
      return 'true or false';
    case 'choice':
      return `one of ${kind.choices.join(', ')}`;
    case 'loss':
      return `auto, ${LOSS_CHOICES.slice(0, -1).join(', ')} or mse`;
    case 'threads':
      return 'an integer ≥ 1 or "auto"';
    case 'labelColumn':
      return 'a column index or a header name';
  }
}

/**
 * Checks a value for `key`. `raw` is text from the command line (`fromText`) or a JSON value from a
 * setting or a sidecar; numbers written as text are accepted only from the command line.
 */
export function parseOption<K extends OptionKey>(key: K, raw: unknown, fromText: boolean): AnalysisOptions[K] {
  const { kind } = optionSpec(key);
  const fail = (): never => {
    throw new OptionValueError(`must be ${expected(kind)}, got ${typeof raw === 'string' ? `"${raw}"` : JSON.stringify(raw)}`);
  };
  const numeric = (): number => {
    if (typeof raw === 'number') return raw;
    if (fromText && typeof raw === 'string' && raw.trim() !== '') return Number(raw);
    return fail();
  };
  let value: unknown;
  switch (kind.type) {
    case 'integer': {
      if (kind.nullable && raw === null) return null as AnalysisOptions[K];
      const n = numeric();
      if (!Number.isInteger(n) || n < kind.min || (kind.max !== undefined && n > kind.max)) fail();
      value = n;
      break;
    }
    case 'positive': {
      const n = numeric();
      if (!(n > 0) || !Number.isFinite(n)) fail();
      value = n;
      break;
    }
    case 'boolean':
      if (typeof raw !== 'boolean') fail();
      value = raw;
      break;
    case 'choice': {
      const legacy = fromText ? undefined : kind.legacy?.find((l) => l.value === raw);
      if (legacy) return legacy.means as AnalysisOptions[K];
      if (typeof raw !== 'string' || !kind.choices.includes(raw)) fail();
      value = raw;
      break;
    }
    case 'loss':
      if (typeof raw !== 'string') fail();
      value = raw === 'auto' ? 'auto' : (parseLossName(raw as string) ?? fail());
      break;
    case 'threads':
      if (raw === 'auto') return 'auto' as AnalysisOptions[K];
      value = numeric();
      if (!Number.isInteger(value) || (value as number) < 1) fail();
      break;
    case 'labelColumn':
      if (raw === null) return null as AnalysisOptions[K];
      if (typeof raw === 'number' && Number.isInteger(raw)) value = raw;
      else if (typeof raw === 'string' && raw !== '') value = fromText && /^-?\d+$/.test(raw) ? Number(raw) : raw;
      else fail();
      break;
  }
  return value as AnalysisOptions[K];
}

/** The defaults, then each layer of choices in turn (settings, then a model's sidecar; or the command line). */
export function withDefaults(...layers: Partial<AnalysisOptions>[]): AnalysisOptions {
  return Object.assign({}, DEFAULTS, ...layers) as AnalysisOptions;
}

/** The engine's form of an intervals choice: always (true), never (false), or by their measured cost. */
export function intervalsRequest(choice: IntervalsChoice): boolean | 'auto' {
  return choice === 'auto' ? 'auto' : choice === 'on';
}

/**
 * A request for a model that is compared with others: whether two minima differ needs the sampling
 * intervals, so 'auto' computes them whatever they cost (an explicit off stays off).
 */
export function forComparison(request: AnalyzeRequest): AnalyzeRequest {
  return request.intervals === 'auto' ? { ...request, intervals: true } : request;
}

/** The engine's request for a model, its data and the chosen options (the rescaling is the caller's). */
export function analyzeRequestFor(model: string, data: { data: string; labels?: string }, options: AnalysisOptions): AnalyzeRequest {
  return {
    model,
    data: data.data,
    labels: data.labels,
    labelColumn: options.labelColumn ?? undefined,
    samples: options.samples,
    seed: options.seed,
    loss: options.loss,
    includeRegularizers: options.includeRegularizers,
    backend: options.backend,
    threads: options.threads,
    chunkSize: options.batchSize,
    cacheMegabytes: options.cacheMb,
    workingMegabytes: options.workingMb,
    maxParameters: options.maxParameters,
    intervals: intervalsRequest(options.intervals),
    budgetSeconds: options.budgetSeconds > 0 ? options.budgetSeconds : null,
    settings: {
      topK: options.topK,
      normalization: options.normalization,
      operator: options.horizontal ? 'horizontal' : 'dhd',
      density: options.density,
      crossCheck: options.crossCheck,
      perLayer: options.perLayer,
      exactThreshold: options.exactThreshold,
      lanczosTolerance: options.tolerance,
      lanczosMaxIterations: options.maxIterations,
      traceMaxSamples: options.traceSamples,
    },
  };
}

const SIDECAR = "the model's .sharpness.json sidecar";

/** Options as the CLI names them: its flags. */
export const FLAG_WORDING: OptionWording = (option) => {
  switch (option) {
    case 'data':
    case 'labels':
    case 'rescale':
      return `--${option}`;
    case 'rescaleNeurons':
      return '--rescale-neurons';
    default:
      return `--${optionSpec(option).flag}`;
  }
};

/** Options as the extension names them: its settings, and the sidecar keys a model can set them with. */
export const SETTING_WORDING: OptionWording = (option) => {
  switch (option) {
    case 'data':
    case 'labels':
      return `the ${option} file with Sharpness: Select Analysis Data… or "${option}" in ${SIDECAR}`;
    case 'rescale':
    case 'rescaleNeurons':
      return 'the rescaling of the Rescaling Experiment';
    default:
      return optionSpec(option).machine
        ? `the setting sharpnessLens.${option}`
        : `the setting sharpnessLens.${option} or "${option}" in ${SIDECAR}`;
  }
};
