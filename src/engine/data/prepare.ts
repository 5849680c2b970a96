/**
 * Fits a loaded data file to a model and its losses: a seeded subsample (the same rows of every
 * array), each input in the model's shape and dtype for it (integer indices for an input that feeds
 * an Embedding), and for each output float targets its loss reads directly (class indices become
 * one-hot rows). Every mismatch is an error naming the data file (and, for a model of several inputs
 * or outputs, the array and the input or output).
 */
import { SharpnessError } from '../errors';
import type { SampleArray, SampleSet } from './samples';
import type { LabelSummary, LossChoice } from '../loss/resolve-loss';
import { SeededRandom } from '../linalg/random';
import { elementCount, type NdArray } from './ndarray';
import type { DataArray, RawDataset } from './load';

/** What one model input takes, as the data must fit it. */
export interface InputInterface {
  /** One sample's shape, as the model takes it. */
  shape: number[];
  /** The tensor the model is fed: int32 for indices that feed Embedding layers only. */
  dtype: 'float32' | 'int32';
  /** The input feeds an Embedding of this vocabulary (the smallest, if several): values are indices. */
  embeddingVocabulary: number | null;
  /** The input layer declares an integer dtype: values must be integers. */
  integral: boolean;
}

export interface ModelInterface {
  /** One per model input, in order. */
  inputs: InputInterface[];
  /** One sample's shape, per model output. */
  outputShapes: number[][];
}

export interface AnalysisData extends SampleSet {
  source: string;
  labelsSource: string | null;
  /** Samples in the file, before subsampling. */
  availableCount: number;
  /** Things done to fit the data that a user should know (reshapes, conversions). */
  notes: string[];
}

function targetsOf(raw: RawDataset): DataArray[] {
  if (!raw.targets)
    throw new SharpnessError('the data has no labels (y); the loss needs them', raw.source, {
      code: 'missing-labels',
      option: { name: 'labels', action: 'give' },
    });
  return raw.targets;
}

/** What each output's targets look like, for choosing a loss; one per model output. */
export function summarizeLabels(raw: RawDataset): LabelSummary[] {
  return targetsOf(raw).map(({ array: y }) => {
    const width = elementCount(y.shape.slice(1));
    let integral = y.dtype === 'int32';
    if (!integral && width === 1) integral = y.data.every((v) => Number.isInteger(v));
    return { integral, width };
  });
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

/** Names the array in a message about a model of several inputs or outputs (load.ts's label), nothing for one of each. */
function prefixOf(array: DataArray, several: boolean): string {
  return several ? `${array.label}: ` : '';
}

export function prepareData(
  raw: RawDataset,
  model: ModelInterface,
  losses: readonly LossChoice[],
  options: { samples?: number; seed: number },
): AnalysisData {
  const targets = targetsOf(raw);
  const labelFile = raw.labelsSource ?? raw.source;
  const available = raw.inputs[0].array.shape[0];
  if (available === 0) throw new SharpnessError('the data has no samples', raw.source);
  const notes: string[] = [];
  const wanted = options.samples === undefined ? available : Math.min(options.samples, available);
  if (options.samples !== undefined && options.samples < 1)
    throw new SharpnessError('must be at least 1', undefined, { code: 'invalid-option', option: { name: 'samples', action: 'value' } });
  // One set of rows for every array: load.ts checked that they all have `available` samples.
  const indices = wanted < available ? new SeededRandom(options.seed).sampleIndices(available, wanted) : null;
  if (indices) notes.push(`analysed a seeded subsample of ${wanted} of ${available} samples`);
  // Messages name a sample by its place in the file, not in the subsample.
  const fileSample = (k: number) => (indices ? indices[k] : k);
  const several = model.inputs.length > 1 || model.outputShapes.length > 1;
  const inputs = model.inputs.map((input, k) =>
    fitInput(raw.inputs[k], input, prefixOf(raw.inputs[k], several), raw.source, notes, indices, fileSample),
  );
  const fitted = targets.map((target, m) => {
    const labels = gather(target.array.data, elementCount(target.array.shape.slice(1)), indices);
    const where = prefixOf(target, several);
    const fit = { file: labelFile, where, notes, fileSample };
    const { targets: values, targetShape } = fitTargets(labels, target.array, model.outputShapes[m], losses[m], fit);
    return { values, shape: targetShape, dtype: 'float32' as const };
  });
  return {
    inputs,
    targets: fitted,
    count: wanted,
    source: raw.source,
    labelsSource: raw.labelsSource,
    availableCount: available,
    notes,
  };
}

/** One input array in the model's input shape and dtype, subsampled; Embedding indices checked against the vocabulary. */
function fitInput(
  data: DataArray,
  input: InputInterface,
  where: string,
  file: string,
  notes: string[],
  indices: number[] | null,
  fileSample: (k: number) => number,
): SampleArray {
  const sampleShape = data.array.shape.slice(1);
  const perInput = elementCount(input.shape);
  if (shapeText(sampleShape) !== shapeText(input.shape)) {
    if (elementCount(sampleShape) !== perInput) {
      throw new SharpnessError(
        `${where}each sample has shape ${shapeText(sampleShape)}, but the model takes ${shapeText(input.shape)}`,
        file,
      );
    }
    notes.push(`${where}reshaped samples from ${shapeText(sampleShape)} to the model's input ${shapeText(input.shape)}`);
  }
  const values = gather(data.array.data, perInput, indices);
  const sampleOf = (at: number) => fileSample(Math.floor(at / perInput));
  const vocabulary = input.embeddingVocabulary;
  if (vocabulary !== null) {
    const bad = values.findIndex((v) => !Number.isInteger(v) || v < 0 || v >= vocabulary);
    if (bad >= 0) {
      const feeds = where ? 'the input feeds' : 'the model starts with';
      throw new SharpnessError(
        `${where}${feeds} an Embedding of ${vocabulary} entries, but input value ${values[bad]} (sample ${sampleOf(bad)}) is not an index in [0, ${vocabulary})`,
        file,
      );
    }
  } else if (input.integral) {
    const bad = values.findIndex((v) => !Number.isInteger(v));
    if (bad >= 0)
      throw new SharpnessError(
        `${where}the model's input takes integers, but value ${values[bad]} (sample ${sampleOf(bad)}) is not one`,
        file,
      );
  }
  if (input.dtype === 'int32')
    return { values: values instanceof Int32Array ? values : Int32Array.from(values), shape: input.shape, dtype: 'int32' };
  return { values: values instanceof Int32Array ? new Float32Array(values) : values, shape: input.shape, dtype: 'float32' };
}

/** Where a target array's messages and notes go: its file, the array's name for a model of several outputs, the file's sample numbers. */
interface TargetContext {
  file: string;
  where: string;
  notes: string[];
  fileSample: (k: number) => number;
}

function fitTargets(
  labels: Float32Array | Int32Array,
  y: NdArray,
  outputShape: number[],
  loss: LossChoice,
  { file, where, notes, fileSample }: TargetContext,
): { targets: Float32Array; targetShape: number[] } {
  const count = labels.length / Math.max(1, elementCount(y.shape.slice(1)));
  const width = elementCount(y.shape.slice(1));
  const outputs = elementCount(outputShape);
  if (loss.name === 'categorical_crossentropy' || loss.name === 'sparse_categorical_crossentropy') {
    if (outputShape.length !== 1)
      throw new SharpnessError(`${where}${loss.name} needs a model output of one class axis, not ${shapeText(outputShape)}`, file);
    const classes = outputShape[0];
    // One label per sample for several classes: each must be a class index.
    if (width === 1 && classes > 1) {
      const targets = new Float32Array(count * classes);
      for (let i = 0; i < count; i++) {
        const label = labels[i];
        if (!Number.isInteger(label))
          throw new SharpnessError(
            `${where}label ${float32Text(label)} at sample ${fileSample(i)} is not a class index (0–${classes - 1})`,
            file,
          );
        if (label < 0 || label >= classes)
          throw new SharpnessError(
            `${where}label ${label} (sample ${fileSample(i)}) is not one of the model's ${classes} classes (0–${classes - 1})`,
            file,
          );
        targets[i * classes + label] = 1;
      }
      if (loss.name === 'categorical_crossentropy') notes.push(`${where}class-index labels were one-hot encoded`);
      return { targets, targetShape: [classes] };
    }
    if (width !== classes)
      throw new SharpnessError(`${where}labels have ${width} values per sample, but the model outputs ${classes} classes`, file);
    const negative = labels.findIndex((v) => v < 0);
    if (negative >= 0)
      throw new SharpnessError(
        `${where}label rows must be class probabilities, but sample ${fileSample(Math.floor(negative / width))} has a negative entry`,
        file,
      );
    return { targets: new Float32Array(labels), targetShape: [classes] };
  }
  if (width !== outputs)
    throw new SharpnessError(
      `${where}labels have ${width} values per sample, but the model outputs ${outputs} (${shapeText(outputShape)})`,
      file,
    );
  if (loss.name === 'binary_crossentropy') {
    const bad = labels.findIndex((v) => v < 0 || v > 1);
    if (bad >= 0)
      throw new SharpnessError(
        `${where}binary cross-entropy needs labels in [0, 1], but sample ${fileSample(Math.floor(bad / width))} has ${labels[bad]}`,
        file,
      );
  }
  return { targets: new Float32Array(labels), targetShape: outputShape };
}
