/**
 * The parts of a TF.js `model.json` the engine relies on, validated before anything is allocated:
 * which flavour wrote it, the Keras topology, the training configuration and the weights manifest.
 */
import { SharpnessError } from '../errors';
import { decodeText } from '../input-file';

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

const HDF5_SIGNATURE = Buffer.from('\x89HDF\r\n\x1a\n', 'latin1');
const ZIP_SIGNATURE = Buffer.from('PK\x03\x04', 'latin1');

/**
 * The text of a model.json. Keras files handed over by mistake are named for what they are, with the
 * conversion that makes a TF.js model of them, instead of a JSON syntax error quoting binary bytes.
 */
export function modelJsonText(bytes: Buffer, file: string): string {
  if (bytes.subarray(0, HDF5_SIGNATURE.length).equals(HDF5_SIGNATURE))
    throw new SharpnessError(
      'is an HDF5 file (a Keras .h5 model), not a TF.js model.json; convert it with: tensorflowjs_converter --input_format keras model.h5 out_dir/',
      file,
    );
  if (bytes.subarray(0, ZIP_SIGNATURE.length).equals(ZIP_SIGNATURE)) {
    // A Keras 3 .keras file is a zip holding config.json, metadata.json and model.weights.h5.
    const keras = ['config.json', 'metadata.json'].some((name) => bytes.includes(name, 0, 'latin1'));
    throw new SharpnessError(
      keras
        ? 'is a Keras .keras archive, not a TF.js model.json; convert it with: tensorflowjs_converter --input_format keras_keras model.keras out_dir/'
        : 'is a ZIP archive, not a TF.js model.json',
      file,
    );
  }
  return decodeText(bytes, file);
}

export function parseModelJson(text: string, file: string): ModelJson {
  if (text.trim() === '') throw new SharpnessError('the file is empty, not a TF.js model.json', file);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    // JSON allows no raw NUL anywhere: a file holding one is binary, and V8's message would quote its bytes.
    if (text.includes('\0')) throw new SharpnessError('is a binary file, not a TF.js model.json', file);
    throw new SharpnessError(`not valid JSON (${(error as Error).message})`, file);
  }
  if (!isRecord(parsed)) throw new SharpnessError('not a TF.js model.json (the top level is not an object)', file);
  const topology = parsed.modelTopology;
  if (!isRecord(topology)) {
    // Keras's model.to_json(): an architecture with no weights, often next to a .h5 holding them.
    if (typeof parsed.class_name === 'string' && ('config' in parsed || 'keras_version' in parsed))
      throw new SharpnessError(
        'is a Keras architecture (model.to_json()) without weights, not a TF.js model; convert the saved Keras model with tensorflowjs_converter --input_format keras model.h5 <folder>',
        file,
      );
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
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new SharpnessError(`weight "${name}" has an invalid shape ${JSON.stringify(shape)}`, file);
  }
  // A zero-size weight holds nothing to analyse, and the wasm kernels fail on zero-size tensors.
  if (shape.includes(0)) throw new SharpnessError(`weight "${name}" has a zero-size axis in its shape [${shape.join(', ')}]`, file);
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
