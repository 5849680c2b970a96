/**
 * The parts of a TF.js `model.json` the engine relies on, validated before anything is allocated:
 * which flavour wrote it, the Keras topology, the training configuration and the weights manifest.
 */
import { SharpnessError } from '../errors';

export type ModelFormat = 'tfjs-layers' | 'keras-converter';

export type QuantizationDtype = 'uint8' | 'uint16' | 'float16';

export interface WeightEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  quantization?: { dtype: QuantizationDtype; min?: number; scale?: number };
}

export interface WeightGroup {
  paths: string[];
  weights: WeightEntry[];
}

export interface ModelJson {
  format: ModelFormat;
  /** The Keras model config: `{ class_name, config }`. */
  modelConfig: KerasObject;
  trainingConfig: Record<string, unknown> | null;
  weightsManifest: WeightGroup[];
  /** The parsed file as it was, so a rescaled copy can keep everything we do not touch. */
  raw: Record<string, unknown>;
}

export interface KerasObject {
  class_name: string;
  config: unknown;
  [key: string]: unknown;
}

const QUANTIZED_BYTES: Record<QuantizationDtype, number> = { uint8: 1, uint16: 2, float16: 2 };

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isKerasObject(value: unknown): value is KerasObject {
  return isRecord(value) && typeof value.class_name === 'string';
}

/** Bytes one manifest entry occupies in its group's concatenated shards. */
export function weightByteLength(entry: WeightEntry): number {
  const perValue = entry.quantization ? QUANTIZED_BYTES[entry.quantization.dtype] : 4;
  return elementCount(entry.shape) * perValue;
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function parseModelJson(text: string, file: string): ModelJson {
  if (text.trim() === '') throw new SharpnessError('the file is empty, not a TF.js model.json', file);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new SharpnessError(`not valid JSON (${(error as Error).message})`, file);
  }
  if (!isRecord(parsed)) throw new SharpnessError('not a TF.js model.json (the top level is not an object)', file);
  const topology = parsed.modelTopology;
  if (!isRecord(topology)) {
    const hint = 'weightsManifest' in parsed || 'format' in parsed ? '' : ' (no "modelTopology")';
    throw new SharpnessError(`not a TF.js layers-model model.json${hint}`, file);
  }
  if (parsed.format === 'graph-model' || 'node' in topology) {
    throw new SharpnessError(
      'this is a TF.js graph model; Sharpness Lens needs a layers model (model.save() or tensorflowjs_converter --output_format tfjs_layers_model)',
      file,
    );
  }
  let format: ModelFormat;
  let modelConfig: unknown;
  let trainingConfig: unknown;
  if ('model_config' in topology) {
    format = 'keras-converter';
    modelConfig = topology.model_config;
    trainingConfig = topology.training_config ?? parsed.trainingConfig;
  } else {
    format = 'tfjs-layers';
    modelConfig = topology;
    trainingConfig = parsed.trainingConfig ?? topology.training_config;
  }
  if (!isKerasObject(modelConfig)) throw new SharpnessError('the model topology has no class_name: not a Keras model config', file);
  return {
    format,
    modelConfig,
    trainingConfig: isRecord(trainingConfig) ? trainingConfig : null,
    weightsManifest: parseWeightsManifest(parsed.weightsManifest, file),
    raw: parsed,
  };
}

function parseWeightsManifest(value: unknown, file: string): WeightGroup[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new SharpnessError('"weightsManifest" is not a list', file);
  return value.map((group, g) => {
    if (!isRecord(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      throw new SharpnessError(`weightsManifest[${g}] needs "paths" and "weights" lists`, file);
    }
    const paths = group.paths.map((p, i) => {
      if (typeof p !== 'string' || p === '') throw new SharpnessError(`weightsManifest[${g}].paths[${i}] is not a file name`, file);
      return p;
    });
    const weights = group.weights.map((w, i) => parseWeightEntry(w, `weightsManifest[${g}].weights[${i}]`, file));
    return { paths, weights };
  });
}

function parseWeightEntry(value: unknown, where: string, file: string): WeightEntry {
  if (!isRecord(value) || typeof value.name !== 'string') throw new SharpnessError(`${where} has no name`, file);
  const name = value.name;
  const shape = value.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new SharpnessError(`weight "${name}" has an invalid shape ${JSON.stringify(shape)}`, file);
  }
  const dtype = value.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'int32') {
    throw new SharpnessError(`weight "${name}" has dtype ${JSON.stringify(dtype)}; only float32 and int32 weights are supported`, file);
  }
  const entry: WeightEntry = { name, shape: shape as number[], dtype };
  if (value.quantization !== undefined && value.quantization !== null) {
    const q = value.quantization;
    if (!isRecord(q) || (q.dtype !== 'uint8' && q.dtype !== 'uint16' && q.dtype !== 'float16')) {
      throw new SharpnessError(
        `weight "${name}" has an unsupported quantization ${JSON.stringify(q)} (supported: uint8, uint16, float16)`,
        file,
      );
    }
    if (
      q.dtype !== 'float16' &&
      (typeof q.min !== 'number' || typeof q.scale !== 'number' || !Number.isFinite(q.min) || !Number.isFinite(q.scale))
    ) {
      throw new SharpnessError(`weight "${name}" is ${q.dtype}-quantized but lacks finite "min" and "scale"`, file);
    }
    entry.quantization = q.dtype === 'float16' ? { dtype: 'float16' } : { dtype: q.dtype, min: q.min as number, scale: q.scale as number };
  }
  return entry;
}
