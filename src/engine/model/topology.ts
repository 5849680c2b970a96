/**
 * Reads a Keras model config into one flat call graph: every layer the model uses, once, and every
 * call of a layer, in topological order, with the tensors each call takes.
 *
 * Everything real files contain is handled here, so the rest of the engine sees plain layers:
 * - Sequential and Functional models (tfjs-layers' class name "Model" too), as tfjs-layers'
 *   `model.save()` and `tensorflowjs_converter` write them for Keras 2.1 up to Keras 3 (the layer list
 *   as a plain list in Keras 2.1; InputLayer entries or `batch_input_shape` / `batch_shape` /
 *   camelCase `batchInputShape` on the first layer; Keras 2 inbound nodes as `[name, node, tensor,
 *   kwargs]` lists, Keras 3 ones as `{args, kwargs}` with `keras_history`);
 * - nested models at any depth (Teachable Machine exports are Sequential[Sequential[Functional], …]):
 *   a model used as a layer is inlined, its layers named by their path (`model2/block_1_expand`);
 * - shared layers (one layer called at several nodes) and several inputs and outputs.
 * Nothing here recurses over the file's own nesting depth except through nested models, whose depth
 * is capped, so a hostile file cannot overflow the stack (docs/architecture.md, "Loading a model").
 */
import { SharpnessError } from '../errors';
import { isKerasObject, isRecord, type KerasObject } from './manifest';

/** A tensor in the call graph: output `index` of call `call`, or model input k when `call` is −(k+1). */
export interface TensorRef {
  call: number;
  index: number;
}

export interface TopologyLayer {
  /** Unique in the model: the layer's name prefixed by the nested models holding it. */
  path: string;
  /** The layer's own name (as the weights manifest usually knows it). */
  name: string;
  /** Names of the nested models holding the layer, outermost first (empty at the top level). */
  scopes: string[];
  className: string;
  config: Record<string, unknown>;
  /** False when the layer, or a model holding it, is frozen (`trainable: false`). */
  trainable: boolean;
}

export interface LayerCall {
  /** Index into Topology.layers. */
  layer: number;
  inputs: TensorRef[];
}

export interface TopologyInput {
  name: string;
  /** Without the batch axis; null where the file leaves a dimension open, or the whole shape unknown. */
  shape: (number | null)[] | null;
  dtype: string;
}

export interface TopologyOutput {
  /** The path of the layer producing the output. */
  name: string;
  ref: TensorRef;
}

export interface Topology {
  name: string;
  kind: 'Sequential' | 'Functional';
  layers: TopologyLayer[];
  calls: LayerCall[];
  inputs: TopologyInput[];
  outputs: TopologyOutput[];
}

/** Model classes that may appear as a layer of another model. */
export const MODEL_CLASSES: ReadonlySet<string> = new Set(['Sequential', 'Functional', 'Model']);
/** Deeper nesting of models than this is refused (real models nest two or three deep). */
export const MAX_MODEL_NESTING = 64;
/** More layer calls than this are refused: the call graph is held in memory and executed per HVP. */
export const MAX_LAYER_CALLS = 100_000;

export const modelInputRef = (k: number): TensorRef => ({ call: -(k + 1), index: 0 });
export const isModelInput = (ref: TensorRef): boolean => ref.call < 0;
export const modelInputIndex = (ref: TensorRef): number => -ref.call - 1;

type Fail = (problem: string) => never;

export function parseTopology(modelConfig: KerasObject, file: string): Topology {
  const fail: Fail = (problem) => {
    throw new SharpnessError(problem, file);
  };
  if (!MODEL_CLASSES.has(modelConfig.class_name)) {
    return fail(`the model class "${modelConfig.class_name}" is not supported (Sequential or Functional models)`);
  }
  const builder = new GraphBuilder(fail);
  const name = modelName(modelConfig.config, modelConfig.class_name === 'Sequential' ? 'sequential' : 'model');
  const kind = modelConfig.class_name === 'Sequential' ? 'Sequential' : 'Functional';
  const inputs = declaredInputs(modelConfig, fail);
  const made = builder.instantiate(
    modelConfig,
    inputs.map((_, k) => modelInputRef(k)),
    [],
    true,
    0,
  );
  const outputs = Array.isArray(made) ? made : [{ call: made.call, index: 0 }];
  return pruned({ name, kind, layers: builder.layers, calls: builder.calls, inputs, outputs: outputs.map((ref) => ({ name: '', ref })) });
}

/**
 * Keeps only the calls the outputs depend on (a functional config may hold branches no output uses;
 * their weights are not part of what the model computes), renumbered in the same order, and names
 * each output by the layer producing it.
 */
function pruned(topology: Topology): Topology {
  const needed = new Array<boolean>(topology.calls.length).fill(false);
  const stack = topology.outputs.map((o) => o.ref.call).filter((c) => c >= 0);
  while (stack.length > 0) {
    const c = stack.pop()!;
    if (needed[c]) continue;
    needed[c] = true;
    for (const ref of topology.calls[c].inputs) if (ref.call >= 0 && !needed[ref.call]) stack.push(ref.call);
  }
  const callIndex = new Map<number, number>();
  const layerIndex = new Map<number, number>();
  const layers: TopologyLayer[] = [];
  const calls: LayerCall[] = [];
  const remap = (ref: TensorRef): TensorRef => (ref.call < 0 ? ref : { call: callIndex.get(ref.call)!, index: ref.index });
  topology.calls.forEach((call, c) => {
    if (!needed[c]) return;
    let layer = layerIndex.get(call.layer);
    if (layer === undefined) {
      layer = layers.length;
      layers.push(topology.layers[call.layer]);
      layerIndex.set(call.layer, layer);
    }
    callIndex.set(c, calls.length);
    calls.push({ layer, inputs: call.inputs.map(remap) });
  });
  const outputs = topology.outputs.map(({ ref }) => {
    const mapped = remap(ref);
    return {
      name: isModelInput(mapped) ? topology.inputs[modelInputIndex(mapped)].name : layers[calls[mapped.call].layer].path,
      ref: mapped,
    };
  });
  return { ...topology, layers, calls, outputs };
}

function modelName(config: unknown, fallback: string): string {
  return isRecord(config) && typeof config.name === 'string' ? config.name : fallback;
}

function entryName(entry: KerasObject, index: number): string {
  const config = isRecord(entry.config) ? entry.config : {};
  const name = config.name ?? entry.name;
  return typeof name === 'string' && name !== '' ? name : `${entry.class_name}_${index}`;
}

function layerList(config: unknown, fail: Fail, where: string): KerasObject[] {
  const list = Array.isArray(config) ? config : isRecord(config) ? config.layers : undefined;
  if (!Array.isArray(list)) return fail(`the ${where} config has no "layers" list`);
  if (list.length === 0) return fail(`the ${where} has no layers`);
  return list.map((entry, i) => {
    if (!isKerasObject(entry)) return fail(`layer ${i} of the ${where} config has no class_name`);
    if (!isRecord(entry.config) && !(MODEL_CLASSES.has(entry.class_name) && Array.isArray(entry.config))) {
      return fail(`layer ${i} ("${entryName(entry, i)}") of the ${where} config has no config`);
    }
    return entry;
  });
}

// ── input shapes and dtypes ───────────────────────────────────────────────────────────────────

/** A declared shape without the batch axis, checked: positive integers or null (open). */
function shapeOf(value: unknown, what: string, fail: Fail, dropBatch: boolean): (number | null)[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value)) return fail(`${what} must be a list, not ${JSON.stringify(value)}`);
  const dims = dropBatch ? value.slice(1) : value;
  // A zero-size axis leaves nothing to compute; the wasm kernels would fail on it, printing to the terminal.
  if (dims.includes(0)) return fail(`the model's input shape [${dims.map((d) => d ?? '?').join(', ')}] has a zero-size axis`);
  for (const d of dims) {
    if (d !== null && !(typeof d === 'number' && Number.isInteger(d) && d > 0)) {
      return fail(`${what} ${JSON.stringify(value)} has the dimension ${JSON.stringify(d)}; dimensions must be positive integers or null`);
    }
  }
  return dims as (number | null)[];
}

/** The input shape a layer or InputLayer config declares, in any of the spellings real files use. */
function declaredShape(config: Record<string, unknown>, where: string, fail: Fail): (number | null)[] | null {
  for (const key of ['batch_input_shape', 'batch_shape', 'batchInputShape']) {
    if (config[key] !== undefined && config[key] !== null) return shapeOf(config[key], `${where}'s ${key}`, fail, true);
  }
  if (config.input_shape !== undefined && config.input_shape !== null)
    return shapeOf(config.input_shape, `${where}'s input_shape`, fail, false);
  if (config.input_dim !== undefined && config.input_dim !== null) {
    const dim = config.input_dim;
    if (!(typeof dim === 'number' && Number.isInteger(dim) && dim > 0)) return fail(`${where}'s input_dim must be a positive integer`);
    // Embedding's input_dim is its vocabulary size, not an input shape.
    return null;
  }
  return null;
}

/** A dtype given as a string or as a Keras 3 DTypePolicy object. */
export function dtypeName(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (isRecord(value) && isRecord(value.config) && typeof value.config.name === 'string') return value.config.name;
  return null;
}

/** The model's own inputs with their declared shapes (possibly unknown, then taken from the data). */
function declaredInputs(modelConfig: KerasObject, fail: Fail): TopologyInput[] {
  if (modelConfig.class_name !== 'Sequential') {
    const config = isRecord(modelConfig.config) ? modelConfig.config : fail('the model config is malformed');
    const entries = layerList(config, fail, 'model');
    const byName = new Map(entries.map((entry, i) => [entryName(entry, i), entry]));
    return endpointList(config.input_layers, 'input layers', fail).map(([name]) => {
      const entry = byName.get(name);
      if (!entry) return fail(`the input layer "${name}" is not in the model`);
      if (entry.class_name !== 'InputLayer') return fail(`the model input "${name}" is a ${entry.class_name}, not an InputLayer`);
      const config = entry.config as Record<string, unknown>;
      return { name, shape: declaredShape(config, `input layer "${name}"`, fail), dtype: dtypeName(config.dtype) ?? 'float32' };
    });
  }
  // A Sequential model's input: its InputLayer, its first layer's declared shape, or (for a nested
  // model first) that model's own input, descending as far as needed.
  let current: KerasObject = modelConfig;
  for (let depth = 0; depth <= MAX_MODEL_NESTING; depth++) {
    const config = current.config;
    if (current.class_name === 'Sequential') {
      const entries = layerList(config, fail, 'model');
      const first = entries[0];
      const firstConfig = isRecord(first.config) ? first.config : {};
      const name = first.class_name === 'InputLayer' ? entryName(first, 0) : `${entryName(first, 0)}_input`;
      let shape = MODEL_CLASSES.has(first.class_name) ? null : declaredShape(firstConfig, `layer "${entryName(first, 0)}"`, fail);
      if (!shape && isRecord(config) && config.build_input_shape)
        shape = shapeOf(config.build_input_shape, 'the build_input_shape', fail, true);
      if (shape || !MODEL_CLASSES.has(first.class_name)) return [{ name, shape, dtype: dtypeName(firstConfig.dtype) ?? 'float32' }];
      current = first;
      continue;
    }
    const inputs = declaredInputs(current, fail);
    if (inputs.length !== 1) return fail('the first layer of the Sequential model is a model with several inputs');
    return inputs;
  }
  return fail(`models are nested more than ${MAX_MODEL_NESTING} deep`);
}

/** `[[name, node, tensor], …]`, a single `[name, node, tensor]`, or (Keras 3) a dict of those. */
function endpointList(value: unknown, what: string, fail: Fail): [string, number, number][] {
  let list: unknown[];
  if (Array.isArray(value) && typeof value[0] === 'string') list = [value];
  else if (Array.isArray(value)) list = value;
  else if (isRecord(value)) list = Object.values(value);
  else return fail(`the model config has no ${what}`);
  if (list.length === 0) return fail(`the model config lists no ${what}`);
  return list.map((entry) => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string') return fail(`the model config's ${what} are malformed`);
    const node = entry[1] ?? 0;
    const tensor = entry[2] ?? 0;
    if (!Number.isInteger(node) || !Number.isInteger(tensor) || node < 0 || tensor < 0)
      return fail(`the model config's ${what} are malformed`);
    return [entry[0], node as number, tensor as number];
  });
}

/** A nested model that was built on its own input (a Functional model, or a Sequential with an input shape). */
function hasOwnInput(entry: KerasObject): boolean {
  if (entry.class_name === 'Functional' || entry.class_name === 'Model') return true;
  if (entry.class_name !== 'Sequential') return false;
  const list = Array.isArray(entry.config) ? entry.config : isRecord(entry.config) ? entry.config.layers : null;
  if (!Array.isArray(list) || !isKerasObject(list[0])) return false;
  const first = list[0];
  if (first.class_name === 'InputLayer') return true;
  const config = isRecord(first.config) ? first.config : {};
  return ['batch_input_shape', 'batch_shape', 'batchInputShape', 'input_shape'].some((k) => config[k] !== undefined && config[k] !== null);
}

// ── inbound nodes ─────────────────────────────────────────────────────────────────────────────

interface InboundTensor {
  layer: string;
  node: number;
  tensor: number;
}

/**
 * The tensors one serialised call takes, in order: Keras 2 `[[name, node, tensor, kwargs], …]`, or
 * Keras 3 `{args, kwargs}` whose tensors carry `keras_history` (args first, then kwargs values). An
 * explicit stack, not recursion: the nesting depth is the file's to choose.
 */
function inboundTensors(node: unknown, where: string, fail: Fail): InboundTensor[] {
  const found: InboundTensor[] = [];
  const stack: unknown[] = [node];
  let visited = 0;
  while (stack.length > 0) {
    const item = stack.pop();
    if (++visited > 1_000_000) return fail(`${where}'s inbound nodes are too large`);
    if (Array.isArray(item)) {
      if (item.length >= 3 && typeof item[0] === 'string' && typeof item[1] === 'number' && typeof item[2] === 'number') {
        found.push(checkedInbound(item[0], item[1], item[2], where, fail));
        continue;
      }
      for (let i = item.length - 1; i >= 0; i--) stack.push(item[i]);
    } else if (isRecord(item)) {
      const history = isRecord(item.config) ? item.config.keras_history : undefined;
      if (Array.isArray(history) && typeof history[0] === 'string') {
        found.push(checkedInbound(history[0], history[1] ?? 0, history[2] ?? 0, where, fail));
        continue;
      }
      const kwargs = isRecord(item.kwargs) ? Object.values(item.kwargs) : [];
      for (let i = kwargs.length - 1; i >= 0; i--) stack.push(kwargs[i]);
      if (item.args !== undefined) stack.push(item.args);
    }
  }
  return found;
}

function checkedInbound(layer: string, node: unknown, tensor: unknown, where: string, fail: Fail): InboundTensor {
  if (!Number.isInteger(node) || !Number.isInteger(tensor) || (node as number) < 0 || (tensor as number) < 0) {
    return fail(`${where} refers to "${layer}" with a malformed node or tensor index`);
  }
  return { layer, node: node as number, tensor: tensor as number };
}

// ── the call graph ────────────────────────────────────────────────────────────────────────────

/**
 * What one call produces: the outputs of a nested model (known), or those of a plain layer, whose
 * count is known only once the layer is built (recurrent layers with `return_state` have several);
 * the index is checked then.
 */
type Outputs = TensorRef[] | { call: number };

function outputRef(outputs: Outputs, index: number): TensorRef | null {
  if (Array.isArray(outputs)) return index < outputs.length ? outputs[index] : null;
  return { call: outputs.call, index };
}

function singleOutput(outputs: Outputs): TensorRef | null {
  if (Array.isArray(outputs)) return outputs.length === 1 ? outputs[0] : null;
  return { call: outputs.call, index: 0 };
}

class GraphBuilder {
  readonly layers: TopologyLayer[] = [];
  readonly calls: LayerCall[] = [];
  /** Layer index by the identity of its config object: a shared layer is one layer however often called. */
  private readonly layerIndex = new Map<object, number>();
  private readonly paths = new Set<string>();

  constructor(private readonly fail: Fail) {}

  /** Inlines one call of a model (the top level or a nested one); returns its output tensors. */
  instantiate(model: KerasObject, inputs: TensorRef[], scopes: string[], trainable: boolean, depth: number): Outputs {
    if (depth > MAX_MODEL_NESTING) return this.fail(`models are nested more than ${MAX_MODEL_NESTING} deep`);
    const config = isRecord(model.config) ? model.config : {};
    const frozen = config.trainable === false;
    return model.class_name === 'Sequential'
      ? this.sequential(model, inputs, scopes, trainable && !frozen, depth)
      : this.functional(model, inputs, scopes, trainable && !frozen, depth);
  }

  private where(scopes: string[], name: string): string {
    return `layer "${[...scopes, name].join('/')}"`;
  }

  /** A call of a plain layer, or of a nested model (inlined). */
  private call(entry: KerasObject, index: number, inputs: TensorRef[], scopes: string[], trainable: boolean, depth: number): Outputs {
    const name = entryName(entry, index);
    if (MODEL_CLASSES.has(entry.class_name)) {
      return this.instantiate(entry, inputs, [...scopes, name], trainable, depth + 1);
    }
    if (this.calls.length >= MAX_LAYER_CALLS)
      return this.fail(`the model has more than ${MAX_LAYER_CALLS.toLocaleString('en-US')} layer calls`);
    let layer = this.layerIndex.get(entry);
    if (layer === undefined) {
      const path = [...scopes, name].join('/');
      if (this.paths.has(path)) return this.fail(`two layers are named "${path}"`);
      this.paths.add(path);
      const config = entry.config as Record<string, unknown>;
      layer = this.layers.length;
      this.layers.push({ path, name, scopes, className: entry.class_name, config, trainable: trainable && config.trainable !== false });
      this.layerIndex.set(entry, layer);
    }
    this.calls.push({ layer, inputs });
    return { call: this.calls.length - 1 };
  }

  private sequential(model: KerasObject, inputs: TensorRef[], scopes: string[], trainable: boolean, depth: number): Outputs {
    const where = scopes.length ? `nested model "${scopes.join('/')}"` : 'model';
    const entries = layerList(model.config, this.fail, where);
    if (inputs.length !== 1) return this.fail(`the Sequential ${where} is called with ${inputs.length} inputs`);
    let current: Outputs = inputs;
    entries.forEach((entry, i) => {
      if (entry.class_name === 'InputLayer') {
        if (i !== 0) this.fail(`${this.where(scopes, entryName(entry, i))} is an InputLayer in the middle of a Sequential model`);
        return;
      }
      const input = singleOutput(current);
      if (!input) this.fail(`${this.where(scopes, entryName(entry, i))} follows a model with several outputs in a Sequential model`);
      current = this.call(entry, i, [input], scopes, trainable, depth);
    });
    return current;
  }

  private functional(model: KerasObject, inputs: TensorRef[], scopes: string[], trainable: boolean, depth: number): Outputs {
    const fail = this.fail;
    const where = scopes.length ? `nested model "${scopes.join('/')}"` : 'model';
    const config = isRecord(model.config) ? model.config : fail(`the ${where} config is malformed`);
    const entries = layerList(config, fail, where);
    const byName = new Map<string, number>();
    entries.forEach((entry, i) => {
      const name = entryName(entry, i);
      if (byName.has(name)) fail(`two layers of the ${where} are named "${name}"`);
      byName.set(name, i);
    });
    const inputLayers = endpointList(config.input_layers, 'input layers', fail);
    if (inputLayers.length !== inputs.length) {
      return fail(`the ${where} has ${inputLayers.length} inputs but is called with ${inputs.length}`);
    }
    // Each (layer, node) is one call; its outputs, once made, by `${layer}\u0000${node}`.
    const produced = new Map<string, Outputs>();
    const key = (layer: string, node: number) => `${layer}\u0000${node}`;
    inputLayers.forEach(([name], k) => {
      const i = byName.get(name);
      if (i === undefined || entries[i].class_name !== 'InputLayer') fail(`the input "${name}" of the ${where} is not an InputLayer of it`);
      produced.set(key(name, 0), [inputs[k]]);
    });
    // Kahn's algorithm over calls: a call runs once every tensor it takes exists.
    interface Pending {
      entry: number;
      node: number;
      tensors: InboundTensor[];
    }
    const ready: Pending[] = [];
    const waiting = new Map<string, Pending[]>();
    const missing = new Map<Pending, number>();
    // A reference names a call by its node index. A nested model built on its own input has an
    // internal node 0 (its construction), so Keras and tfjs-layers number its calls from 1; for a
    // layer called once, any index names that call.
    const callIndex = (name: string, node: number): number => {
      const entry = entries[byName.get(name)!];
      if (entry.class_name === 'InputLayer') return 0;
      const calls = Array.isArray(entry.inbound_nodes) ? entry.inbound_nodes.length : 0;
      if (calls === 1) return 0;
      return hasOwnInput(entry) ? node - 1 : node;
    };
    entries.forEach((entry, i) => {
      if (entry.class_name === 'InputLayer') return;
      const name = entryName(entry, i);
      const nodes = Array.isArray(entry.inbound_nodes) ? entry.inbound_nodes : [];
      nodes.forEach((node, n) => {
        const at = this.where(scopes, name);
        const tensors = inboundTensors(node, at, fail).map((t) => {
          if (!byName.has(t.layer)) fail(`${at} takes its input from "${t.layer}", which is not in the ${where}`);
          return { ...t, node: callIndex(t.layer, t.node) };
        });
        if (tensors.length === 0) fail(`${at} has a call without inputs`);
        const call: Pending = { entry: i, node: n, tensors };
        const deps = new Set(tensors.map((t) => key(t.layer, t.node)));
        let open = 0;
        for (const dep of deps) {
          if (produced.has(dep)) continue;
          open++;
          const list = waiting.get(dep);
          if (list) list.push(call);
          else waiting.set(dep, [call]);
        }
        missing.set(call, open);
        if (open === 0) ready.push(call);
      });
    });
    for (let r = 0; r < ready.length; r++) {
      const next = ready[r];
      const entry = entries[next.entry];
      const name = entryName(entry, next.entry);
      const args = next.tensors.map((t) => {
        const ref = outputRef(produced.get(key(t.layer, t.node))!, t.tensor);
        return ref ?? fail(`${this.where(scopes, name)} takes output ${t.tensor} of the nested model "${t.layer}", which has fewer`);
      });
      const outputs = this.call(entry, next.entry, args, scopes, trainable, depth);
      const done = key(name, next.node);
      produced.set(done, outputs);
      for (const waiter of waiting.get(done) ?? []) {
        const left = missing.get(waiter)! - 1;
        missing.set(waiter, left);
        if (left === 0) ready.push(waiter);
      }
      waiting.delete(done);
    }
    const outputs = endpointList(config.output_layers, 'output layers', fail).map(([name, node, tensor]) => {
      const made = byName.has(name) ? produced.get(key(name, callIndex(name, node))) : undefined;
      if (!made) {
        if (!byName.has(name)) return fail(`the output layer "${name}" is not in the ${where}`);
        const stuck = [...missing].find(([, open]) => open > 0);
        const culprit = stuck ? entryName(entries[stuck[0].entry], stuck[0].entry) : name;
        return fail(
          `the output "${name}" of the ${where} cannot be computed: ${this.where(scopes, culprit)} waits for inputs that never come (a cycle, or a missing call)`,
        );
      }
      return outputRef(made, tensor) ?? fail(`the output "${name}" of the ${where} names output ${tensor} of a nested model with fewer`);
    });
    return outputs;
  }
}
