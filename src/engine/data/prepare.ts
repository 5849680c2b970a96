/**
 * Fits a loaded data file to a model and a loss: a seeded subsample, inputs in the model's input
 * shape (and integer indices for an Embedding input), and float targets the loss reads directly
 * (class indices become one-hot rows). Every mismatch is an error naming the data file.
 */
import { SharpnessError } from '../errors';
import type { SampleSet } from './samples';
import type { LabelSummary, LossChoice } from '../loss/resolve-loss';
import { SeededRandom } from '../linalg/random';
import { elementCount, type NdArray } from './ndarray';
import type { RawDataset } from './load';

export interface ModelInterface {
  /** One sample's input shape, as the model takes it. */
  inputShape: number[];
  /** The model starts with an Embedding of this vocabulary: inputs are indices. */
  embeddingVocabulary: number | null;
  /** One sample's output shape. */
  outputShape: number[];
}

export interface AnalysisData extends SampleSet {
  source: string;
  labelsSource: string | null;
  /** Samples in the file, before subsampling. */
  availableCount: number;
  /** Things done to fit the data that a user should know (reshapes, conversions). */
  notes: string[];
}

function labelsOf(raw: RawDataset): NdArray {
  if (!raw.y)
    throw new SharpnessError('the data has no labels (y); the loss needs them', raw.source, {
      code: 'missing-labels',
      option: { name: 'labels', action: 'give' },
    });
  return raw.y;
}

export function summarizeLabels(raw: RawDataset): LabelSummary {
  const y = labelsOf(raw);
  const width = elementCount(y.shape.slice(1));
  let integral = y.dtype === 'int32';
  if (!integral && width === 1) integral = y.data.every((v) => Number.isInteger(v));
  return { integral, width };
}

/** A float32 value as its shortest decimal (0.1, not 0.10000000149011612, for a label stored as float32). */
function float32Text(value: number): string {
  for (let digits = 1; digits < 17; digits++) {
    const text = String(Number(value.toPrecision(digits)));
    if (Math.fround(Number(text)) === value) return text;
  }
  return String(value);
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function gather(values: Float32Array | Int32Array, perSample: number, indices: number[] | null): Float32Array | Int32Array {
  if (!indices) return values;
  const out = new (values.constructor as Float32ArrayConstructor | Int32ArrayConstructor)(indices.length * perSample);
  indices.forEach((index, k) => out.set(values.subarray(index * perSample, (index + 1) * perSample), k * perSample));
  return out;
}

export function prepareData(
  raw: RawDataset,
  model: ModelInterface,
  loss: LossChoice,
  options: { samples?: number; seed: number },
): AnalysisData {
  const y = labelsOf(raw);
  const labelFile = raw.labelsSource ?? raw.source;
  const available = raw.x.shape[0];
  if (available === 0) throw new SharpnessError('the data has no samples', raw.source);
  const notes: string[] = [];
  const wanted = options.samples === undefined ? available : Math.min(options.samples, available);
  if (options.samples !== undefined && options.samples < 1)
    throw new SharpnessError('must be at least 1', undefined, { code: 'invalid-option', option: { name: 'samples', action: 'value' } });
  const indices = wanted < available ? new SeededRandom(options.seed).sampleIndices(available, wanted) : null;
  if (indices) notes.push(`analysed a seeded subsample of ${wanted} of ${available} samples`);
  // Messages name a sample by its place in the file, not in the subsample.
  const fileSample = (k: number) => (indices ? indices[k] : k);

  const sampleShape = raw.x.shape.slice(1);
  const perInput = elementCount(model.inputShape);
  if (shapeText(sampleShape) !== shapeText(model.inputShape)) {
    if (elementCount(sampleShape) !== perInput) {
      throw new SharpnessError(
        `each sample has shape ${shapeText(sampleShape)}, but the model takes ${shapeText(model.inputShape)}`,
        raw.source,
      );
    }
    notes.push(`reshaped samples from ${shapeText(sampleShape)} to the model's input ${shapeText(model.inputShape)}`);
  }
  let inputs = gather(raw.x.data, perInput, indices);
  let inputDtype: 'float32' | 'int32' = 'float32';
  if (model.embeddingVocabulary !== null) {
    const vocabulary = model.embeddingVocabulary;
    const bad = inputs.findIndex((v) => !Number.isInteger(v) || v < 0 || v >= vocabulary);
    if (bad >= 0) {
      throw new SharpnessError(
        `the model starts with an Embedding of ${vocabulary} entries, but input value ${inputs[bad]} (sample ${fileSample(Math.floor(bad / perInput))}) is not an index in [0, ${vocabulary})`,
        raw.source,
      );
    }
    inputs = inputs instanceof Int32Array ? inputs : Int32Array.from(inputs);
    inputDtype = 'int32';
  } else if (inputs instanceof Int32Array) {
    inputs = new Float32Array(inputs);
  }

  const labels = gather(y.data, elementCount(y.shape.slice(1)), indices);
  const { targets, targetShape } = fitTargets(labels, y, model.outputShape, loss, labelFile, notes, fileSample);
  return {
    inputs: [{ values: inputs, shape: model.inputShape, dtype: inputDtype }],
    targets: [{ values: targets, shape: targetShape, dtype: 'float32' }],
    count: wanted,
    source: raw.source,
    labelsSource: raw.labelsSource,
    availableCount: available,
    notes,
  };
}

function fitTargets(
  labels: Float32Array | Int32Array,
  y: NdArray,
  outputShape: number[],
  loss: LossChoice,
  file: string,
  notes: string[],
  fileSample: (k: number) => number,
): { targets: Float32Array; targetShape: number[] } {
  const count = labels.length / Math.max(1, elementCount(y.shape.slice(1)));
  const width = elementCount(y.shape.slice(1));
  const outputs = elementCount(outputShape);
  if (loss.name === 'categorical_crossentropy' || loss.name === 'sparse_categorical_crossentropy') {
    if (outputShape.length !== 1)
      throw new SharpnessError(`${loss.name} needs a model output of one class axis, not ${shapeText(outputShape)}`, file);
    const classes = outputShape[0];
    // One label per sample for several classes: each must be a class index.
    if (width === 1 && classes > 1) {
      const targets = new Float32Array(count * classes);
      for (let i = 0; i < count; i++) {
        const label = labels[i];
        if (!Number.isInteger(label))
          throw new SharpnessError(`label ${float32Text(label)} at sample ${fileSample(i)} is not a class index (0–${classes - 1})`, file);
        if (label < 0 || label >= classes)
          throw new SharpnessError(
            `label ${label} (sample ${fileSample(i)}) is not one of the model's ${classes} classes (0–${classes - 1})`,
            file,
          );
        targets[i * classes + label] = 1;
      }
      if (loss.name === 'categorical_crossentropy') notes.push('class-index labels were one-hot encoded');
      return { targets, targetShape: [classes] };
    }
    if (width !== classes)
      throw new SharpnessError(`labels have ${width} values per sample, but the model outputs ${classes} classes`, file);
    const negative = labels.findIndex((v) => v < 0);
    if (negative >= 0)
      throw new SharpnessError(
        `label rows must be class probabilities, but sample ${fileSample(Math.floor(negative / width))} has a negative entry`,
        file,
      );
    return { targets: new Float32Array(labels), targetShape: [classes] };
  }
  if (width !== outputs)
    throw new SharpnessError(`labels have ${width} values per sample, but the model outputs ${outputs} (${shapeText(outputShape)})`, file);
  if (loss.name === 'binary_crossentropy') {
    const bad = labels.findIndex((v) => v < 0 || v > 1);
    if (bad >= 0)
      throw new SharpnessError(
        `binary cross-entropy needs labels in [0, 1], but sample ${fileSample(Math.floor(bad / width))} has ${labels[bad]}`,
        file,
      );
  }
  return { targets: new Float32Array(labels), targetShape: outputShape };
}
