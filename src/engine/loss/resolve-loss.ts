/**
 * Which loss the analysis uses for each model output: the one asked for, else the model's training
 * configuration, else one inferred from the output activation and the labels; and the weight of each
 * in the model's loss. The choices and their sources go into the report.
 */
import { parseLossName } from '../../shared/options';
import { SharpnessError } from '../errors';
import { outputAliases } from '../data/load';
import type { LossName } from './losses';

export type LossSource = 'option' | 'training config' | 'inferred';

export interface LossChoice {
  name: LossName;
  /** The model outputs logits (Keras from_logits) rather than probabilities. */
  fromLogits: boolean;
  source: LossSource;
}

export interface LabelSummary {
  /** Every label is an integer (class indices), as opposed to one-hot rows or real targets. */
  integral: boolean;
  /** Width of one label (1 for class indices or scalars). */
  width: number;
}

/** One model output's loss, for the output it is for and with its weight in the model's loss (the weighted sum over outputs). */
export interface OutputLoss extends LossChoice {
  /** The output's name: its layer's path. */
  output: string;
  /** Keras `loss_weights`; 1 unless the training config says otherwise. */
  weight: number;
}

/** What the loss of one output is chosen from. */
export interface OutputFacts {
  /** The output's layer path (`head/dense` inside a nested model). */
  name: string;
  /** The output layer's activation (undefined for a linear output). */
  activation: string | undefined;
  /** Values one sample's output holds. */
  width: number;
  labels: LabelSummary;
}

type ConfiguredLoss = { name: LossName; fromLogits: boolean };

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** One loss as a training config writes it: a name or `{class_name, config}`; null for anything else (the loss is then inferred). */
function lossSpec(loss: unknown, file: string): ConfiguredLoss | null {
  let raw: string;
  let fromLogits = false;
  if (typeof loss === 'string') raw = loss;
  else if (isRecord(loss) && typeof loss.class_name === 'string') {
    raw = loss.class_name;
    fromLogits = isRecord(loss.config) && loss.config.from_logits === true;
  } else {
    return null;
  }
  const name = parseLossName(raw);
  if (!name)
    throw new SharpnessError(
      `the model was trained with the loss "${raw}", which is not supported (supported: categorical_crossentropy, sparse_categorical_crossentropy, binary_crossentropy, mse)`,
      file,
      { code: 'unsupported-loss', option: { name: 'loss', action: 'choose' } },
    );
  return { name, fromLogits };
}

/**
 * A training-config entry given per output (`loss`, `loss_weights`): a list in output order, or a map
 * keyed by output name (as outputAliases gives them; an output's path never names another output).
 * Every output gets its entry, or `missing` when the map has none for it; a key that names no output,
 * or could name several, is refused.
 */
function perOutput<T>(
  value: unknown[] | Record<string, unknown>,
  outputs: readonly string[],
  what: string,
  file: string,
  read: (entry: unknown, output: string) => T,
  missing: (output: string) => T,
): T[] {
  if (Array.isArray(value)) {
    if (value.length !== outputs.length) {
      const counted = outputs.length === 1 ? '1 output' : `${outputs.length} outputs`;
      throw new SharpnessError(
        `the training config lists ${value.length} ${what}, but the model has ${counted} (${quoted(outputs)})`,
        file,
      );
    }
    return value.map((entry, k) => read(entry, outputs[k]));
  }
  const keys = Object.keys(value);
  // An output's own path always means that output, never another's alias.
  const aliases = (output: string) => outputAliases(output).filter((alias) => alias === output || !outputs.includes(alias));
  const matching = outputs.map((output) => keys.filter((key) => aliases(output).includes(key)));
  for (const key of keys) {
    const claimed = outputs.filter((_, k) => matching[k].includes(key));
    if (claimed.length === 0)
      throw new SharpnessError(
        `the training config gives ${what} for "${key}", which is not an output of the model (its outputs: ${quoted(outputs)})`,
        file,
      );
    if (claimed.length > 1)
      throw new SharpnessError(
        `the training config gives ${what} for "${key}", which could be any of the outputs ${quoted(claimed)}`,
        file,
      );
  }
  return outputs.map((output, k) => {
    const found = matching[k];
    if (found.length > 1)
      throw new SharpnessError(`the training config gives ${what} for output "${output}" twice (as ${quoted(found)})`, file);
    return found.length === 0 ? missing(output) : read(value[found[0]], output);
  });
}

const quoted = (names: readonly string[]) => names.map((name) => JSON.stringify(name)).join(', ');

/** The losses a training config names for each output: one for all, a list in output order, or a map by output name; null without one. */
function trainingConfigLosses(
  trainingConfig: Record<string, unknown> | null,
  outputs: readonly string[],
  file: string,
): (ConfiguredLoss | null)[] | null {
  const loss = trainingConfig?.loss;
  if (loss === undefined || loss === null) return null;
  if (!Array.isArray(loss) && !(isRecord(loss) && !('class_name' in loss))) return outputs.map(() => lossSpec(loss, file));
  // A one-entry map for a single output is that output's loss, whatever its key (tfjs-layers keys it by the output layer's name).
  if (isRecord(loss) && outputs.length === 1 && Object.keys(loss).length === 1) return [lossSpec(Object.values(loss)[0], file)];
  return perOutput(
    loss,
    outputs,
    'losses',
    file,
    (entry) => lossSpec(entry, file),
    (output) => {
      throw new SharpnessError(`the training config gives no loss for output "${output}"; every output needs one`, file);
    },
  );
}

/** Keras `loss_weights` (a list in output order, or a map by output name; an output it leaves out weighs 1), else 1 for every output. */
function lossWeights(trainingConfig: Record<string, unknown> | null, outputs: readonly string[], file: string): number[] {
  const weights = trainingConfig?.loss_weights;
  if (weights === undefined || weights === null) return outputs.map(() => 1);
  if (!Array.isArray(weights) && !isRecord(weights))
    throw new SharpnessError("the training config's loss_weights must be a list or a map by output name", file);
  return perOutput(
    weights,
    outputs,
    'loss weights',
    file,
    (entry, output) => {
      if (typeof entry !== 'number' || !Number.isFinite(entry) || entry < 0)
        throw new SharpnessError(
          `the training config's loss weight for output "${output}" is ${JSON.stringify(entry)}, not a number ≥ 0`,
          file,
        );
      return entry;
    },
    () => 1,
  );
}

function inferLoss(outputActivation: string | undefined, outputWidth: number, labels: LabelSummary): ConfiguredLoss {
  if (outputActivation === 'softmax')
    return {
      name: labels.integral && labels.width === 1 ? 'sparse_categorical_crossentropy' : 'categorical_crossentropy',
      fromLogits: false,
    };
  if (outputActivation === 'sigmoid') return { name: 'binary_crossentropy', fromLogits: false };
  // A linear output with several units and class-index labels is a classifier trained from logits.
  if (outputActivation === undefined && outputWidth > 1 && labels.integral && labels.width === 1)
    return { name: 'sparse_categorical_crossentropy', fromLogits: true };
  return { name: 'mean_squared_error', fromLogits: false };
}

/**
 * One loss per model output: the one asked for (for every output), else the training config's, else
 * one inferred from the output's activation and its labels; each weighted by the training config's
 * `loss_weights`. Messages name the output when the model has several.
 */
export function resolveLosses(
  requested: LossName | 'auto',
  trainingConfig: Record<string, unknown> | null,
  outputs: readonly OutputFacts[],
  file: string,
): OutputLoss[] {
  const names = outputs.map((output) => output.name);
  const configured = requested === 'auto' ? trainingConfigLosses(trainingConfig, names, file) : null;
  const weights = lossWeights(trainingConfig, names, file);
  return outputs.map((output, k) => {
    const activation = output.activation;
    let choice: LossChoice;
    if (requested !== 'auto') {
      const classification = requested !== 'mean_squared_error';
      const needed = requested === 'binary_crossentropy' ? 'sigmoid' : 'softmax';
      choice = { name: requested, fromLogits: classification && activation !== needed, source: 'option' };
    } else {
      const fromConfig = configured?.[k];
      choice = fromConfig
        ? { ...fromConfig, source: 'training config' }
        : { ...inferLoss(activation, output.width, output.labels), source: 'inferred' };
    }
    const where = outputs.length > 1 ? `output "${output.name}": ` : '';
    if (choice.name !== 'mean_squared_error') {
      const needed = choice.name === 'binary_crossentropy' ? 'sigmoid' : 'softmax';
      if (choice.fromLogits && activation !== undefined) {
        throw new SharpnessError(
          `${where}${choice.name} from logits needs a linear output layer, but the output applies ${activation}`,
          file,
        );
      }
      if (!choice.fromLogits && activation !== needed) {
        throw new SharpnessError(
          `${where}${choice.name} needs a ${needed} output (or a loss with from_logits), but the output layer applies ${activation ?? 'no activation'}`,
          file,
        );
      }
    }
    return { ...choice, output: output.name, weight: weights[k] };
  });
}
