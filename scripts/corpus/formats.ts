/**
 * Writes a tfjs-layers model in the file layouts real tools produce (docs/testing.md, "The model
 * corpus"): tfjs-layers' own `model.save()` (4.x, and 1.x without generatedBy), and the
 * `tensorflowjs_converter` layouts for Keras 2.13, Keras 2.1 and Keras 3. The Keras layouts rename
 * layers as Keras names them (`dense`, `dense_1`), and name weights as each Keras version does
 * (`dense/kernel`, `dense_1/kernel:0`, `sequential/dense/kernel`; recurrent weights under a
 * `lstm_cell` segment), so the loader is tested on the variations it must resolve.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import type { CorpusFormat, CorpusLoss, CorpusOutput } from './corpus-case';

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const KERAS_LOSS: Record<CorpusLoss, string> = {
  categoricalCrossentropy: 'categorical_crossentropy',
  sparseCategoricalCrossentropy: 'sparse_categorical_crossentropy',
  binaryCrossentropy: 'binary_crossentropy',
  meanSquaredError: 'mean_squared_error',
};

/** Keras's own `to_snake_case` of a class name: Conv2D → conv2d, ReLU → re_lu, SimpleRNN → simple_rnn. */
export function kerasSnakeCase(className: string): string {
  return className
    .replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

const RECURRENT = new Set(['LSTM', 'GRU', 'SimpleRNN']);

interface LayerInfo {
  className: string;
  kerasName: string;
  /** The nested models holding it (their Keras-side names), outermost first. */
  scopes: string[];
  config: Json;
}

/** Walks every layer config of a topology, nested models and the layers wrappers hold included (depth-first, in file order). */
function walkLayers(topology: Json, visit: (entry: Json, scopes: string[]) => void, scopes: string[] = []): void {
  const config = topology.config;
  const list = Array.isArray(config) ? config : isRecord(config) && Array.isArray(config.layers) ? config.layers : [];
  for (const entry of list as Json[]) {
    visit(entry, scopes);
    const wrapped = isRecord(entry.config) ? entry.config.layer : undefined;
    if (isRecord(wrapped)) visit(wrapped, scopes);
    if (['Sequential', 'Functional', 'Model'].includes(entry.class_name as string)) {
      walkLayers(entry, visit, [...scopes, (entry.config as Json).name as string]);
    }
  }
}

/** Keras names for every tfjs layer name: the snake-cased class, then `_1`, `_2`… (Keras 2.1: from `_1`). */
function kerasNames(topology: Json, fromOne: boolean): Map<string, LayerInfo> {
  const counts = new Map<string, number>();
  const names = new Map<string, LayerInfo>();
  const nameFor = (className: string) => {
    const base = kerasSnakeCase(className);
    const n = counts.get(base) ?? (fromOne ? 1 : 0);
    counts.set(base, n + 1);
    return n === 0 ? base : `${base}_${n}`;
  };
  walkLayers(topology, (entry, scopes) => {
    const config = entry.config as Json;
    const className = entry.class_name as string;
    if (['Sequential', 'Functional', 'Model'].includes(className)) return;
    names.set(config.name as string, {
      className,
      kerasName: className === 'InputLayer' ? `input_${counts.size + 1}` : nameFor(className),
      scopes,
      config,
    });
  });
  return names;
}

/** A deep copy with every layer name (and every reference to it) replaced. */
function renamed(value: unknown, names: Map<string, LayerInfo>): unknown {
  if (typeof value === 'string') return names.get(value)?.kerasName ?? value;
  if (Array.isArray(value)) return value.map((v) => renamed(v, names));
  if (isRecord(value)) {
    const out: Json = {};
    for (const [key, v] of Object.entries(value)) out[key] = key.endsWith('_initializer') ? v : renamed(v, names);
    return out;
  }
  return value;
}

const DTYPE_POLICY = (name: string) => ({ module: 'keras', class_name: 'DTypePolicy', config: { name }, registered_name: null });

/** Keras 3 spellings: batch_shape, DTypePolicy objects, module/registered_name, `{args, kwargs}` inbound nodes. */
function toKeras3(value: unknown, shapes: Map<string, unknown>): unknown {
  if (Array.isArray(value)) return value.map((v) => toKeras3(v, shapes));
  if (!isRecord(value)) return value;
  const out: Json = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === 'batch_input_shape') out.batch_shape = v;
    else if (key === 'dtype' && typeof v === 'string') out.dtype = DTYPE_POLICY(v);
    else if (key === 'inbound_nodes' && Array.isArray(v)) {
      out.inbound_nodes = v.map((node: unknown[][]) => {
        const tensors = node.map(([layer, n, t]) => ({
          class_name: '__keras_tensor__',
          config: { shape: shapes.get(layer as string) ?? null, dtype: 'float32', keras_history: [layer, n, t] },
        }));
        return { args: tensors.length === 1 ? tensors : [tensors], kwargs: {} };
      });
    } else out[key] = toKeras3(v, shapes);
  }
  if (typeof out.class_name === 'string' && 'config' in out) {
    out.module = out.class_name === 'Sequential' || out.class_name === 'Functional' ? 'keras' : 'keras.layers';
    out.registered_name = null;
  }
  if (out.class_name === 'Bidirectional') out.config = keras3Bidirectional(out.config as Json);
  return out;
}

/** Keras 3 stores a Bidirectional's forward copy (named `forward_<layer>`) and its backward copy (`backward_<layer>`, go_backwards flipped). */
function keras3Bidirectional(config: Json): Json {
  const layer = config.layer as Json;
  const inner = layer.config as Json;
  const copy = (side: string, goBackwards: boolean) => ({
    ...layer,
    config: { ...inner, name: `${side}_${inner.name}`, go_backwards: goBackwards },
  });
  return { ...config, layer: copy('forward', inner.go_backwards === true), backward_layer: copy('backward', inner.go_backwards !== true) };
}

/**
 * Keras 2.4+ and Keras 3 write a Sequential model's input as an InputLayer entry first; tfjs-layers
 * puts `batch_input_shape` on the first layer. Applied to every Sequential, nested ones included.
 */
function withInputLayers(value: unknown, counter = { n: 0 }): unknown {
  if (Array.isArray(value)) return value.map((v) => withInputLayers(v, counter));
  if (!isRecord(value)) return value;
  const out: Json = {};
  for (const [key, v] of Object.entries(value)) out[key] = withInputLayers(v, counter);
  if (out.class_name === 'Sequential' && isRecord(out.config) && Array.isArray(out.config.layers)) {
    const [first, ...rest] = out.config.layers as Json[];
    const firstConfig = first.config as Json;
    if (first.class_name !== 'InputLayer' && firstConfig.batch_input_shape) {
      const { batch_input_shape: shape, ...kept } = firstConfig;
      const input = {
        class_name: 'InputLayer',
        config: {
          batch_input_shape: shape,
          dtype: firstConfig.dtype ?? 'float32',
          sparse: false,
          ragged: false,
          name: `input_${++counter.n}`,
        },
      };
      out.config = { ...out.config, layers: [input, { ...first, config: kept }, ...rest] };
    }
  }
  return out;
}

/** The name a Keras version gives one weight (a tfjs name `<layer>[/<inner>]/<role>`). */
function kerasWeightName(tfjsName: string, names: Map<string, LayerInfo>, format: CorpusFormat, topName: string): string {
  const segments = tfjsName.split('/');
  const info = names.get(segments[0]);
  if (!info) throw new Error(`no layer for weight ${tfjsName}`);
  const stored = segments[segments.length - 1];
  // Keras 3 names a DepthwiseConv2D's kernel `kernel` (Keras 2 and tfjs-layers: `depthwise_kernel`).
  const role = format === 'keras3' && info.className === 'DepthwiseConv2D' && stored === 'depthwise_kernel' ? 'kernel' : stored;
  const middle = segments
    .slice(1, -1)
    .map((s) =>
      s.replace(/^(forward|backward)_(.*)$/, (_, side: string, inner: string) => `${side}_${names.get(inner)?.kerasName ?? inner}`),
    );
  const wrapped = isRecord(info.config.layer) ? info.config.layer : null;
  const innerClass = wrapped ? (wrapped.class_name as string) : info.className;
  const cell = RECURRENT.has(innerClass) && format !== 'keras2.1' ? [`${kerasSnakeCase(innerClass)}_cell`] : [];
  // Keras 3 builds a TimeDistributed's layer in its own name scope: time_distributed/dense/kernel.
  const innerName = wrapped ? ((wrapped.config as Json).name as string) : '';
  const scope = info.className === 'TimeDistributed' && format === 'keras3' ? [names.get(innerName)?.kerasName ?? innerName] : [];
  const path = [info.kerasName, ...scope, ...middle, ...cell, role];
  if (format === 'keras3') return [topName, ...info.scopes, ...path].join('/');
  return path.join('/') + (format === 'keras2.1' ? ':0' : '');
}

export interface SavedArtifacts {
  modelTopology: Json;
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
}

/** How a training config gives the losses of several outputs: a list in output order, or a map keyed by the outputs' (top-level layer) names. */
export interface TrainingLayout {
  form: 'list' | 'map';
  outputNames: string[];
  /** Keras `loss_weights`, one per output, or null to write none. */
  weights: number[] | null;
}

/**
 * The training config's `loss` (one for a single output; a list or a map for several, with their
 * `loss_weights` when the case gives them), each loss spelt by `spell`, map keys by `rename`.
 */
function trainingConfig(
  outputs: CorpusOutput[],
  layout: TrainingLayout | null,
  spell: (loss: CorpusLoss) => string,
  rename: (name: string) => string,
): Json {
  const common = { metrics: ['accuracy'], optimizer_config: { class_name: 'Adam', config: {} } };
  if (!layout) return { loss: spell(outputs[0].loss), ...common };
  const perOutput = <T>(values: T[]) =>
    layout.form === 'list' ? values : Object.fromEntries(layout.outputNames.map((name, m) => [rename(name), values[m]]));
  return {
    loss: perOutput(outputs.map((output) => spell(output.loss))),
    ...(layout.weights ? { loss_weights: perOutput(layout.weights) } : {}),
    ...common,
  };
}

/** Writes model.json and its shard(s) into `folder` in the given layout; returns the files written. */
export function writeModel(
  folder: string,
  artifacts: SavedArtifacts,
  format: CorpusFormat,
  outputs: CorpusOutput[],
  layout: TrainingLayout | null,
): string[] {
  const data = Buffer.from(artifacts.weightData);
  if (format === 'tfjs-layers' || format === 'tfjs-layers-1') {
    const json: Json = {
      modelTopology: artifacts.modelTopology,
      weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      format: 'layers-model',
      ...(format === 'tfjs-layers' ? { generatedBy: 'TensorFlow.js tfjs-layers v4.22.0', convertedBy: null } : {}),
      trainingConfig: trainingConfig(
        outputs,
        layout,
        (loss) => loss,
        (name) => name,
      ),
    };
    if (format === 'tfjs-layers-1') (json.modelTopology as Json).keras_version = 'tfjs-layers 1.3.1';
    writeFileSync(join(folder, 'model.json'), JSON.stringify(json));
    writeFileSync(join(folder, 'weights.bin'), data);
    return ['model.json', 'weights.bin'];
  }
  const names = kerasNames(artifacts.modelTopology, format === 'keras2.1');
  let modelConfig = renamed(artifacts.modelTopology, names) as Json;
  delete modelConfig.keras_version;
  delete modelConfig.backend;
  const topName =
    format === 'keras3'
      ? modelConfig.class_name === 'Sequential'
        ? 'sequential'
        : 'functional'
      : ((modelConfig.config as Json).name as string);
  (modelConfig.config as Json).name = topName;
  if (format !== 'keras2.1') modelConfig = withInputLayers(modelConfig) as Json;
  if (format === 'keras3') {
    const shapes = new Map<string, unknown>();
    modelConfig = toKeras3(modelConfig, shapes) as Json;
    if (modelConfig.class_name === 'Model') modelConfig.class_name = 'Functional';
  }
  if (format === 'keras2.1' && modelConfig.class_name === 'Sequential') modelConfig.config = (modelConfig.config as Json).layers;
  const weights = artifacts.weightSpecs.map((spec) => ({ ...spec, name: kerasWeightName(spec.name, names, format, topName) }));
  const kerasVersion = format === 'keras3' ? '3.10.0' : format === 'keras2' ? '2.13.1' : '2.1.6';
  const training = trainingConfig(
    outputs,
    layout,
    (loss) => KERAS_LOSS[loss],
    (name) => names.get(name)?.kerasName ?? name,
  );
  const files = ['model.json'];
  let manifest: Json[];
  if (format === 'keras2.1') {
    // One weight group per layer, shard files without an extension.
    manifest = [];
    let offset = 0;
    let group = 0;
    const byLayer = new Map<string, typeof weights>();
    weights.forEach((w, i) => {
      const layer = artifacts.weightSpecs[i].name.split('/')[0];
      byLayer.set(layer, [...(byLayer.get(layer) ?? []), w]);
    });
    for (const layerWeights of byLayer.values()) {
      const bytes = layerWeights.reduce((s, w) => s + 4 * w.shape.reduce((a, b) => a * b, 1), 0);
      const shard = `group${++group}-shard1of1`;
      writeFileSync(join(folder, shard), data.subarray(offset, offset + bytes));
      offset += bytes;
      files.push(shard);
      manifest.push({ paths: [shard], weights: layerWeights });
    }
  } else {
    writeFileSync(join(folder, 'group1-shard1of1.bin'), data);
    files.push('group1-shard1of1.bin');
    manifest = [{ paths: ['group1-shard1of1.bin'], weights }];
  }
  const json: Json = {
    ...(format === 'keras2.1'
      ? {}
      : { format: 'layers-model', generatedBy: `keras v${kerasVersion}`, convertedBy: 'TensorFlow.js Converter v4.22.0' }),
    modelTopology: { keras_version: kerasVersion, backend: 'tensorflow', model_config: modelConfig, training_config: training },
    weightsManifest: manifest,
  };
  writeFileSync(join(folder, 'model.json'), JSON.stringify(json));
  return files;
}
