/**
 * Loads a TF.js layers model from disk without tfjs-node: model.json → topology → layer shapes and
 * expected weights → manifest checks (names, shapes, shard sizes, before any weight is read) → weights.
 */
import { SharpnessError } from '../errors';
import { readRegularFile } from '../input-file';
import { LayerConfig } from '../network/layers/config';
import type { LayerSymmetry } from '../network/layers/kind';
import { layerKind, supportedLayerClasses } from '../network/layers/registry';
import type { NodeOp, Shape, WeightSlot } from '../network/types';
import { elementCount, modelJsonText, parseModelJson, type ModelJson, type WeightEntry } from './manifest';
import { parseTopology, type Topology } from './topology';
import { firstNonFinite, planShards, readWeights, type WeightValues } from './weights';

export interface ModelLayer {
  name: string;
  className: string;
  inbound: string[];
  outputShape: Shape;
  weights: { slot: WeightSlot; manifestName: string }[];
  ops: NodeOp[];
  symmetry: LayerSymmetry;
  config: Record<string, unknown>;
  trainable: boolean;
}

export interface LoadedModel {
  path: string;
  json: ModelJson;
  topology: Topology;
  inputShape: Shape;
  /** Every supported layer except the input, in topological order. */
  layers: ModelLayer[];
  weights: Map<string, WeightValues>;
  /** Number of trainable parameters (the dimension of θ). */
  parameterCount: number;
}

export interface LoadOptions {
  /** Concrete values for input dimensions the model leaves open (from the data). */
  inputShape?: Shape;
  /** Refuse models with more trainable parameters than this. */
  maxParameters?: number;
}

export const DEFAULT_MAX_PARAMETERS = 20_000_000;
const MAX_MODEL_JSON_BYTES = 64 * 2 ** 20;

export function readModelJson(path: string): { json: ModelJson; topology: Topology } {
  const bytes = readRegularFile(path, 'a model.json', (size) => {
    if (size > MAX_MODEL_JSON_BYTES)
      throw new SharpnessError(`is ${Math.round(size / 2 ** 20)} MiB, too large for a model.json (weights belong in shards)`, path);
  });
  const json = parseModelJson(modelJsonText(bytes, path), path);
  const topology = parseTopology(json.modelConfig, path);
  // A zero-size input axis leaves nothing to compute; the wasm kernels would fail on it, printing to the terminal.
  if (topology.inputShape.includes(0))
    throw new SharpnessError(`the model's input shape [${topology.inputShape.map((d) => d ?? '?').join(', ')}] has a zero-size axis`, path);
  return { json, topology };
}

/** The input shape the model declares, with open dimensions filled from `concrete` where given. */
export function resolveInputShape(topology: Topology, path: string, concrete?: Shape): Shape {
  const declared = topology.inputShape;
  if (declared.every((d) => typeof d === 'number')) return declared as Shape;
  if (!concrete || concrete.length !== declared.length) {
    const open = `the model's input shape [${declared.map((d) => d ?? '?').join(', ')}] has open dimensions`;
    // The data fills open dimensions axis by axis, so its samples need the declared number of axes.
    const offered = concrete
      ? `which the analysis data cannot fill: its samples have shape [${concrete.join(', ')}], not ${declared.length} axes`
      : 'which are read from the analysis data, and none was given';
    throw new SharpnessError(`${open}, ${offered}`, path);
  }
  return declared.map((d, i) => d ?? concrete[i]);
}

export function loadModel(path: string, options: LoadOptions = {}): LoadedModel {
  const { json, topology } = readModelJson(path);
  const inputShape = resolveInputShape(topology, path, options.inputShape);
  const layers = buildLayers(topology, inputShape, path);
  const manifest = new Map<string, WeightEntry>(
    json.weightsManifest.flatMap((g) => g.weights.map((w) => [normalizeWeightName(w.name), w] as const)),
  );
  for (const layer of layers)
    layer.weights = layer.weights.map(({ slot }) => ({ slot, manifestName: findManifestWeight(manifest, layer.name, slot, path) }));
  const parameterCount = layers.reduce(
    (sum, l) => sum + l.weights.filter((w) => w.slot.trainable).reduce((s, w) => s + elementCount(w.slot.shape), 0),
    0,
  );
  const maxParameters = options.maxParameters ?? DEFAULT_MAX_PARAMETERS;
  if (parameterCount > maxParameters) {
    throw new SharpnessError(
      `the model has ${parameterCount.toLocaleString('en-US')} trainable parameters, over the limit of ${maxParameters.toLocaleString('en-US')} (raise it with --max-parameters)`,
      path,
    );
  }
  // Four bytes per stored value at most (quantized weights take fewer).
  const plans = planShards(path, json.weightsManifest, 4 * Math.max(maxParameters, parameterCount) + 64 * 2 ** 20);
  const stored = readWeights(plans);
  const weights = new Map<string, WeightValues>();
  for (const [name, value] of stored) weights.set(normalizeWeightName(name), value);
  for (const layer of layers) {
    for (const { manifestName } of layer.weights) {
      const bad = firstNonFinite(weights.get(manifestName)!.values);
      if (bad) throw new SharpnessError(`weight "${manifestName}" contains ${bad.kind} (first at element ${bad.index})`, path);
    }
  }
  return { path, json, topology, inputShape, layers, weights, parameterCount };
}

function buildLayers(topology: Topology, inputShape: Shape, path: string): ModelLayer[] {
  const shapes = new Map<string, Shape>([[topology.layers[0].name, inputShape]]);
  const unsupported = topology.layers.filter((l) => l.className !== 'InputLayer' && !layerKind(l.className));
  if (unsupported.length > 0) {
    const named = unsupported.map((l) => `${l.className} ("${l.name}")`).join(', ');
    throw new SharpnessError(`unsupported layer ${named}; supported layers: ${supportedLayerClasses().join(', ')}`, path);
  }
  return topology.layers.slice(1).map((layer) => {
    const kind = layerKind(layer.className)!;
    const inputShapes = layer.inbound.map((name) => shapes.get(name)!);
    const trainable = layer.config.trainable !== false;
    let built;
    try {
      built = kind.build({ config: new LayerConfig(layer.name, layer.className, layer.config), inputShapes, trainable });
    } catch (error) {
      if (error instanceof SharpnessError) throw new SharpnessError(error.message, path);
      throw error;
    }
    shapes.set(layer.name, built.outputShape);
    return {
      name: layer.name,
      className: layer.className,
      inbound: layer.inbound,
      outputShape: built.outputShape,
      weights: built.weights.map((slot) => ({ slot, manifestName: '' })),
      ops: built.ops,
      symmetry: built.symmetry,
      config: layer.config,
      trainable,
    };
  });
}

/** Manifest names may carry a TensorFlow output suffix (":0") or an outer scope ("model/dense/kernel"). */
function normalizeWeightName(name: string): string {
  return name.replace(/:\d+$/, '');
}

function findManifestWeight(manifest: Map<string, WeightEntry>, layer: string, slot: WeightSlot, path: string): string {
  const wanted = `${layer}/${slot.role}`;
  let entry = manifest.get(wanted);
  if (!entry) {
    const scoped = [...manifest.keys()].filter((name) => name.endsWith(`/${wanted}`));
    if (scoped.length === 1) entry = manifest.get(scoped[0]);
  }
  if (!entry)
    throw new SharpnessError(`the weights manifest has no "${wanted}" (shape [${slot.shape.join(', ')}]) for layer "${layer}"`, path);
  if (entry.shape.join(',') !== slot.shape.join(',')) {
    throw new SharpnessError(
      `weight "${entry.name}" has shape [${entry.shape.join(', ')}] in the manifest, but layer "${layer}" needs [${slot.shape.join(', ')}]`,
      path,
    );
  }
  if (entry.dtype !== 'float32') throw new SharpnessError(`weight "${entry.name}" is ${entry.dtype}; layer weights must be float32`, path);
  return normalizeWeightName(entry.name);
}
