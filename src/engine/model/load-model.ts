/**
 * Loads a TF.js layers model from disk without tfjs-node: model.json → topology → layer shapes and
 * expected weights → manifest checks (names, shapes, shard sizes, before any weight is read) → weights.
 */
import { isStatisticWeight } from '../../shared/weights';
import { SharpnessError } from '../errors';
import { readRegularFile } from '../input-file';
import { LayerConfig, parseKerasVersion, type KerasVersion } from '../network/layers/config';
import { layerGraph, type BuiltLayer, type LayerGraph, type LayerSymmetry } from '../network/layers/kind';
import { layerKind, refusalOf } from '../network/layers/registry';
import type { Shape, WeightSlot } from '../network/types';
import { elementCount, modelJsonText, parseModelJson, type ModelJson } from './manifest';
import { isModelInput, modelInputIndex, parseTopology, type TensorRef, type Topology, type TopologyLayer } from './topology';
import { normalizeWeightName, WeightIndex } from './weight-names';
import { firstNonFinite, planShards, readWeights, type WeightValues } from './weights';

export interface ModelLayer {
  /** Unique in the model: nested layers are named by their path (`model2/block_1_expand`). */
  name: string;
  className: string;
  /** Producers of the layer's first call's inputs: layer names, or model input names. */
  inbound: string[];
  /** The shape of the first call's first output. */
  outputShape: Shape;
  weights: { slot: WeightSlot; manifestName: string }[];
  symmetry: LayerSymmetry;
  config: Record<string, unknown>;
  trainable: boolean;
  /** How many times the model calls the layer (more than one: a shared layer). */
  callCount: number;
}

/** One call of a layer: its graph, over the tensors the call takes. */
export interface ModelCall {
  /** Index into LoadedModel.layers. */
  layer: number;
  inputs: TensorRef[];
  graph: LayerGraph;
  outputShapes: Shape[];
}

export interface ModelInput {
  name: string;
  shape: Shape;
  dtype: 'float32' | 'int32';
}

export interface ModelOutput {
  name: string;
  ref: TensorRef;
  shape: Shape;
}

export interface LoadedModel {
  path: string;
  json: ModelJson;
  topology: Topology;
  inputs: ModelInput[];
  outputs: ModelOutput[];
  /** The first input's shape (most models have one input). */
  inputShape: Shape;
  /** Every layer once, in the order of its first call. */
  layers: ModelLayer[];
  /** Every call, in topological order. */
  calls: ModelCall[];
  weights: Map<string, WeightValues>;
  /** Number of trainable parameters (the dimension of θ). */
  parameterCount: number;
  /** Parameters of frozen (`trainable: false`) layers, which are not part of θ; BN statistics excluded. */
  frozenParameterCount: number;
  /** Manifest weights no layer uses. */
  unusedWeights: string[];
}

export interface LoadOptions {
  /** Concrete sample shapes for the model's inputs (from the data), to fill open dimensions. */
  inputShapes?: Shape[];
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
  return { json, topology: parseTopology(json.modelConfig, path) };
}

/** The model's input shapes, with open dimensions (or wholly unknown shapes) filled from `concrete` where given. */
export function resolveInputShapes(topology: Topology, path: string, concrete?: Shape[]): Shape[] {
  return topology.inputs.map((input, k) => {
    const declared = input.shape;
    const given = concrete?.[k];
    if (declared && declared.every((d) => typeof d === 'number')) return declared as Shape;
    const label = topology.inputs.length > 1 ? `input "${input.name}"` : 'input';
    if (!given || (declared && given.length !== declared.length)) {
      const open = declared
        ? `the model's ${label} shape [${declared.map((d) => d ?? '?').join(', ')}] has open dimensions`
        : `the model declares no shape for its ${label}`;
      // The data fills open dimensions axis by axis, so its samples need the declared number of axes.
      const offered = given
        ? `which the analysis data cannot fill: its samples have shape [${given.join(', ')}], not ${declared!.length} axes`
        : 'which are read from the analysis data, and none was given';
      throw new SharpnessError(`${open}, ${offered}`, path);
    }
    return declared ? declared.map((d, i) => d ?? given[i]) : [...given];
  });
}

function inputDtype(dtype: string, name: string, path: string): 'float32' | 'int32' {
  if (dtype === 'float32' || dtype === 'int32') return dtype;
  if (dtype === 'float16' || dtype === 'float64' || dtype === 'bfloat16' || dtype.startsWith('mixed_')) return 'float32';
  if (/^u?int(8|16|32|64)$/.test(dtype)) return 'int32';
  throw new SharpnessError(`the model input "${name}" has dtype "${dtype}", which is not supported (float or integer inputs)`, path);
}

export function loadModel(path: string, options: LoadOptions = {}): LoadedModel {
  const { json, topology } = readModelJson(path);
  const shapes = resolveInputShapes(topology, path, options.inputShapes);
  const inputs = topology.inputs.map((input, k) => ({
    name: input.name,
    shape: shapes[k],
    dtype: inputDtype(input.dtype, input.name, path),
  }));
  const { layers, calls } = buildCalls(
    topology,
    inputs,
    parseKerasVersion((json.raw.modelTopology as Record<string, unknown>).keras_version),
    path,
  );
  const outputs = topology.outputs.map((output) => {
    if (isModelInput(output.ref))
      throw new SharpnessError(`the model's output "${output.name}" is one of its inputs; there is nothing to analyse`, path);
    return { name: output.name, ref: output.ref, shape: calls[output.ref.call].outputShapes[output.ref.index] };
  });
  const index = new WeightIndex(
    json.weightsManifest.flatMap((g) => g.weights),
    path,
  );
  for (const [l, layer] of layers.entries()) {
    const def = topology.layers[l];
    layer.weights = layer.weights.map(({ slot }) => {
      const describe = `the ${slot.role} of layer "${layer.name}"`;
      const entry = index.find({ layer: def.name, scopes: def.scopes, paths: slot.manifestPaths ?? [slot.role.split('/')] }, describe);
      if (entry.shape.join(',') !== slot.shape.join(',')) {
        throw new SharpnessError(
          `weight "${entry.name}" has shape [${entry.shape.join(', ')}] in the manifest, but layer "${layer.name}" needs [${slot.shape.join(', ')}] for its ${slot.role}`,
          path,
        );
      }
      if (entry.dtype !== 'float32')
        throw new SharpnessError(`weight "${entry.name}" is ${entry.dtype}; layer weights must be float32`, path);
      return { slot, manifestName: normalizeWeightName(entry.name) };
    });
  }
  const count = (trainable: boolean) =>
    layers.reduce(
      (sum, l) =>
        sum +
        l.weights
          .filter((w) => w.slot.trainable === trainable && !isStatisticWeight(w.slot.role))
          .reduce((s, w) => s + elementCount(w.slot.shape), 0),
      0,
    );
  const parameterCount = count(true);
  const frozenParameterCount = count(false);
  const maxParameters = options.maxParameters ?? DEFAULT_MAX_PARAMETERS;
  if (parameterCount > maxParameters) {
    throw new SharpnessError(
      `the model has ${parameterCount.toLocaleString('en-US')} trainable parameters, over the limit of ${maxParameters.toLocaleString('en-US')} (raise it with --max-parameters)`,
      path,
    );
  }
  // Four bytes per stored value at most (quantized weights take fewer).
  const plans = planShards(path, json.weightsManifest, 4 * Math.max(maxParameters, parameterCount + frozenParameterCount) + 64 * 2 ** 20);
  const stored = readWeights(plans);
  const weights = new Map<string, WeightValues>();
  for (const [name, value] of stored) weights.set(normalizeWeightName(name), value);
  for (const layer of layers) {
    for (const { slot, manifestName } of layer.weights) {
      const values = weights.get(manifestName)!.values;
      const bad = firstNonFinite(values);
      if (bad) throw new SharpnessError(`weight "${manifestName}" contains ${bad.kind} (first at element ${bad.index})`, path);
      const negative = slot.nonNegative ? values.findIndex((v) => v < 0) : -1;
      if (negative >= 0) {
        throw new SharpnessError(
          `weight "${manifestName}" of layer "${layer.name}" is a variance but holds ${values[negative]} at element ${negative}; variances cannot be negative`,
          path,
        );
      }
    }
  }
  return {
    path,
    json,
    topology,
    inputs,
    outputs,
    inputShape: inputs[0].shape,
    layers,
    calls,
    weights,
    parameterCount,
    frozenParameterCount,
    unusedWeights: index.unclaimed(),
  };
}

/** Builds every call in order: shapes flow from the inputs; a shared layer's weights must agree across its calls. */
function buildCalls(
  topology: Topology,
  inputs: ModelInput[],
  kerasVersion: KerasVersion,
  path: string,
): { layers: ModelLayer[]; calls: ModelCall[] } {
  const unsupported = topology.layers.filter((l) => !layerKind(l.className));
  if (unsupported.length > 0) throw unsupportedLayers(unsupported, path);
  const layers: (ModelLayer | undefined)[] = new Array(topology.layers.length);
  const calls: ModelCall[] = [];
  const producerName = (ref: TensorRef) =>
    isModelInput(ref) ? inputs[modelInputIndex(ref)].name : topology.layers[topology.calls[ref.call].layer].path;
  for (const call of topology.calls) {
    const def = topology.layers[call.layer];
    const inputShapes = call.inputs.map((ref) => {
      if (isModelInput(ref)) return inputs[modelInputIndex(ref)].shape;
      const shapes = calls[ref.call].outputShapes;
      if (ref.index >= shapes.length) {
        throw new SharpnessError(
          `layer "${def.path}" takes output ${ref.index} of "${producerName(ref)}", which has ${shapes.length}`,
          path,
        );
      }
      return shapes[ref.index];
    });
    let built: BuiltLayer;
    try {
      built = layerKind(def.className)!.build({
        config: new LayerConfig(def.path, def.className, def.config, kerasVersion),
        inputShapes,
        trainable: def.trainable,
      });
    } catch (error) {
      if (error instanceof SharpnessError) throw new SharpnessError(error.message, path);
      throw error;
    }
    const outputShapes = built.outputShapes ?? [built.outputShape];
    const existing = layers[call.layer];
    if (!existing) {
      layers[call.layer] = {
        name: def.path,
        className: def.className,
        inbound: call.inputs.map(producerName),
        outputShape: outputShapes[0],
        weights: built.weights.map((slot) => ({ slot, manifestName: '' })),
        symmetry: built.symmetry,
        config: def.config,
        trainable: def.trainable,
        callCount: 1,
      };
    } else {
      const signature = (slots: WeightSlot[]) => slots.map((w) => `${w.role}[${w.shape.join(',')}]`).join(' ');
      if (signature(existing.weights.map((w) => w.slot)) !== signature(built.weights)) {
        throw new SharpnessError(
          `the shared layer "${def.path}" is called on inputs of shapes its weights do not fit (${signature(built.weights)})`,
          path,
        );
      }
      existing.callCount++;
    }
    calls.push({ layer: call.layer, inputs: call.inputs, graph: layerGraph(built, inputShapes.length), outputShapes });
  }
  return { layers: layers as ModelLayer[], calls };
}

/** One line naming every layer the engine cannot analyse, with what the user can do about each kind. */
function unsupportedLayers(layers: TopologyLayer[], path: string): SharpnessError {
  const byClass = new Map<string, string[]>();
  for (const layer of layers) byClass.set(layer.className, [...(byClass.get(layer.className) ?? []), layer.path]);
  const parts = [...byClass].map(([className, paths]) => {
    const shown =
      paths
        .slice(0, 3)
        .map((p) => `"${p}"`)
        .join(', ') + (paths.length > 3 ? ` and ${paths.length - 3} more` : '');
    return `${className} (${shown}): ${refusalOf(className)}`;
  });
  return new SharpnessError(`unsupported layer ${parts.join('; ')}`, path);
}
