/**
 * Reads a Keras model config (Sequential or Functional, Keras 2 or 3 serialisation) into a list of
 * layers in topological order with their inbound layers.
 */
import { SharpnessError } from '../errors';
import { isKerasObject, isRecord, type KerasObject } from './manifest';

export interface TopologyLayer {
  name: string;
  className: string;
  config: Record<string, unknown>;
  /** Names of the layers whose outputs this layer takes, in call order. */
  inbound: string[];
}

export interface Topology {
  name: string;
  kind: 'Sequential' | 'Functional';
  /** Topological order; the first is the input layer. */
  layers: TopologyLayer[];
  /** The declared input shape without the batch axis (null where the model leaves it open). */
  inputShape: (number | null)[];
  inputDtype: string;
  outputLayer: string;
}

const NESTED_MODEL_CLASSES = new Set(['Sequential', 'Functional', 'Model']);

export function parseTopology(modelConfig: KerasObject, file: string): Topology {
  const fail = (problem: string): never => {
    throw new SharpnessError(problem, file);
  };
  const className = modelConfig.class_name;
  if (className === 'Sequential') return parseSequential(modelConfig.config, fail);
  if (className === 'Functional' || className === 'Model') return parseFunctional(modelConfig.config, fail);
  return fail(`the model class "${className}" is not supported (Sequential or Functional models)`);
}

function layerEntries(config: unknown, fail: (p: string) => never): KerasObject[] {
  const list = Array.isArray(config) ? config : isRecord(config) ? config.layers : undefined;
  if (!Array.isArray(list)) return fail('the model config has no "layers" list');
  if (list.length === 0) return fail('the model has no layers');
  return list.map((entry, i) => {
    if (!isKerasObject(entry) || !isRecord(entry.config)) return fail(`layer ${i} of the model config has no class_name/config`);
    if (NESTED_MODEL_CLASSES.has(entry.class_name)) {
      return fail(
        `layer "${layerName(entry, i)}" is a nested ${entry.class_name} model, which is not supported; save the model with its layers inlined`,
      );
    }
    return entry;
  });
}

function layerName(entry: KerasObject, index: number): string {
  const config = entry.config as Record<string, unknown>;
  const name = config.name ?? entry.name;
  return typeof name === 'string' ? name : `${entry.class_name}_${index}`;
}

function declaredInputShape(config: Record<string, unknown>): (number | null)[] | null {
  const batchShape = config.batch_input_shape ?? config.batch_shape;
  if (Array.isArray(batchShape)) return batchShape.slice(1) as (number | null)[];
  if (Array.isArray(config.input_shape)) return config.input_shape as (number | null)[];
  if (typeof config.input_dim === 'number') return [config.input_dim];
  return null;
}

function parseSequential(config: unknown, fail: (p: string) => never): Topology {
  const entries = layerEntries(config, fail);
  const name = isRecord(config) && typeof config.name === 'string' ? config.name : 'sequential';
  const first = entries[0];
  const firstConfig = first.config as Record<string, unknown>;
  const inputShape = declaredInputShape(firstConfig);
  if (!inputShape)
    return fail(`the first layer "${layerName(first, 0)}" declares no input shape (batch_input_shape), so the model's input is unknown`);
  const inputDtype = typeof firstConfig.dtype === 'string' ? firstConfig.dtype : 'float32';
  const layers: TopologyLayer[] = [];
  let previous: string;
  let rest = entries;
  if (first.class_name === 'InputLayer') {
    previous = layerName(first, 0);
    rest = entries.slice(1);
  } else {
    previous = `${layerName(first, 0)}_input`;
  }
  layers.push({ name: previous, className: 'InputLayer', config: {}, inbound: [] });
  const seen = new Set([previous]);
  rest.forEach((entry, i) => {
    const nameOfLayer = layerName(entry, i + 1);
    if (seen.has(nameOfLayer)) fail(`two layers are named "${nameOfLayer}"`);
    seen.add(nameOfLayer);
    layers.push({ name: nameOfLayer, className: entry.class_name, config: entry.config as Record<string, unknown>, inbound: [previous] });
    previous = nameOfLayer;
  });
  return { name, kind: 'Sequential', layers, inputShape, inputDtype, outputLayer: previous };
}

/** Layer names referenced by one serialised call: Keras 2 `[[name, node, tensor, kwargs], …]` or Keras 3 `keras_history`. */
function inboundOfNode(node: unknown): string[] {
  if (Array.isArray(node)) {
    if (node.length >= 3 && typeof node[0] === 'string' && typeof node[1] === 'number') return [node[0]];
    return node.flatMap(inboundOfNode);
  }
  if (isRecord(node)) {
    const history = isRecord(node.config) ? node.config.keras_history : undefined;
    if (Array.isArray(history) && typeof history[0] === 'string') return [history[0]];
    return [...inboundOfNode(node.args ?? []), ...(isRecord(node.kwargs) ? Object.values(node.kwargs).flatMap(inboundOfNode) : [])];
  }
  return [];
}

function endpointName(value: unknown, what: string, fail: (p: string) => never): string {
  const list = Array.isArray(value) && typeof value[0] === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0) return fail(`the model config has no ${what}`);
  if (list.length > 1) return fail(`the model has ${list.length} ${what}; only models with one input and one output are supported`);
  const entry = list[0];
  if (!Array.isArray(entry) || typeof entry[0] !== 'string') return fail(`the model config's ${what} are malformed`);
  return entry[0];
}

function parseFunctional(config: unknown, fail: (p: string) => never): Topology {
  const entries = layerEntries(config, fail);
  if (!isRecord(config)) return fail('the model config is malformed');
  const inputName = endpointName(config.input_layers, 'input layers', fail);
  const outputName = endpointName(config.output_layers, 'output layers', fail);
  const byName = new Map<string, TopologyLayer>();
  entries.forEach((entry, i) => {
    const name = layerName(entry, i);
    if (byName.has(name)) fail(`two layers are named "${name}"`);
    const nodes = Array.isArray(entry.inbound_nodes) ? entry.inbound_nodes : [];
    if (nodes.length > 1) fail(`layer "${name}" is called ${nodes.length} times (a shared layer), which is not supported`);
    byName.set(name, {
      name,
      className: entry.class_name,
      config: entry.config as Record<string, unknown>,
      inbound: nodes.length ? inboundOfNode(nodes[0]) : [],
    });
  });
  const input = byName.get(inputName);
  if (!input || input.className !== 'InputLayer') return fail(`the input layer "${inputName}" is not an InputLayer of the model`);
  const inputShape = declaredInputShape(input.config);
  if (!inputShape) return fail(`the input layer "${inputName}" declares no shape`);
  if (!byName.has(outputName)) return fail(`the output layer "${outputName}" is not in the model`);

  // Depth-first from the output gives a topological order of exactly the layers the output needs.
  const order: TopologyLayer[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, from: string) => {
    const layer = byName.get(name);
    if (!layer) fail(`layer "${from}" takes its input from "${name}", which is not in the model`);
    const mark = state.get(name);
    if (mark === 'done') return;
    if (mark === 'visiting') fail(`the layers form a cycle through "${name}"`);
    state.set(name, 'visiting');
    if (layer.className !== 'InputLayer' && layer.inbound.length === 0) fail(`layer "${name}" has no inputs`);
    if (layer.className === 'InputLayer' && name !== inputName) fail(`the model has a second input "${name}"; only one input is supported`);
    for (const inbound of layer.inbound) visit(inbound, name);
    state.set(name, 'done');
    order.push(layer);
  };
  visit(outputName, outputName);
  const inputDtype = typeof input.config.dtype === 'string' ? input.config.dtype : 'float32';
  const name = typeof config.name === 'string' ? config.name : 'model';
  return { name, kind: 'Functional', layers: order, inputShape, inputDtype, outputLayer: outputName };
}
