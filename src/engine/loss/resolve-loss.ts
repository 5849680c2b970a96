/**
 * Which loss the analysis uses: the one asked for, else the model's training configuration, else one
 * inferred from the output activation and the labels. The choice and its source go into the report.
 */
import { parseLossName } from '../../shared/options';
import { SharpnessError } from '../errors';
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

/** The loss a training config names: a string, `{class_name, config}`, or a one-entry list or map. */
function trainingConfigLoss(trainingConfig: Record<string, unknown> | null, file: string): { name: LossName; fromLogits: boolean } | null {
  let loss = trainingConfig?.loss;
  if (loss === undefined || loss === null) return null;
  if (Array.isArray(loss) || (typeof loss === 'object' && !('class_name' in loss))) {
    const entries = Array.isArray(loss) ? loss : Object.values(loss);
    if (entries.length !== 1)
      throw new SharpnessError(`the training config has ${entries.length} losses; only single-output models are supported`, file);
    loss = entries[0];
  }
  let raw: string;
  let fromLogits = false;
  if (typeof loss === 'string') raw = loss;
  else if (typeof loss === 'object' && loss !== null && typeof (loss as { class_name?: unknown }).class_name === 'string') {
    raw = (loss as { class_name: string }).class_name;
    const config = (loss as { config?: { from_logits?: unknown } }).config;
    fromLogits = config?.from_logits === true;
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

function inferLoss(
  outputActivation: string | undefined,
  outputWidth: number,
  labels: LabelSummary,
): { name: LossName; fromLogits: boolean } {
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

export function resolveLoss(
  requested: LossName | 'auto',
  trainingConfig: Record<string, unknown> | null,
  outputActivation: string | undefined,
  outputWidth: number,
  labels: LabelSummary,
  file: string,
): LossChoice {
  let choice: LossChoice;
  if (requested !== 'auto') {
    const classification = requested !== 'mean_squared_error';
    const needed = requested === 'binary_crossentropy' ? 'sigmoid' : 'softmax';
    choice = { name: requested, fromLogits: classification && outputActivation !== needed, source: 'option' };
  } else {
    const configured = trainingConfigLoss(trainingConfig, file);
    choice = configured
      ? { ...configured, source: 'training config' }
      : { ...inferLoss(outputActivation, outputWidth, labels), source: 'inferred' };
  }
  if (choice.name !== 'mean_squared_error') {
    const needed = choice.name === 'binary_crossentropy' ? 'sigmoid' : 'softmax';
    if (choice.fromLogits && outputActivation !== undefined) {
      throw new SharpnessError(`${choice.name} from logits needs a linear output layer, but the output applies ${outputActivation}`, file);
    }
    if (!choice.fromLogits && outputActivation !== needed) {
      throw new SharpnessError(
        `${choice.name} needs a ${needed} output (or a loss with from_logits), but the output layer applies ${outputActivation ?? 'no activation'}`,
        file,
      );
    }
  }
  return choice;
}
