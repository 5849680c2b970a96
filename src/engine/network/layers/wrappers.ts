/**
 * Bidirectional and TimeDistributed: layers that run another layer's graph (graph-builder.ts).
 *
 * Bidirectional(layer, merge_mode): a forward and a backward copy of a SimpleRNN/LSTM/GRU on the same
 * input, y = forward(x), y_rev = backward(x) with go_backwards flipped; with return_sequences y_rev is
 * reversed in time back to the input's order. merge_mode concat (default), sum, mul, ave or None (two
 * outputs y, y_rev); with return_state the forward states and then the backward states follow.
 * Keras 2 and tfjs-layers store the wrapped layer's config and name the copies `forward_<name>` and
 * `backward_<name>`; Keras 3 stores the forward copy (named `forward_<name>`) and a `backward_layer`,
 * which Keras 2 writes only when one was given. The weights are `<wrapper>/forward_<name>/…` (with
 * a `lstm_cell` segment in Keras 2 and 3, which the loader matches); their roles here are
 * `forward/<role>` and `backward/<role>`. R-operator path: the two copies' own nodes (recurrent.ts)
 * with their roles renamed, a `linearOp` reversal, concat, sum or average, and `productOp` for mul.
 *
 * TimeDistributed(layer): the wrapped layer applied to every time step with the same weights, run
 * once on the time steps folded into the batch ([batch·steps, …], two `linearOp` reshapes around the
 * inner layer's own graph). tfjs-layers and Keras 2 name its weights `<wrapper>/<role>`, Keras 3
 * `<wrapper>/<inner name>/<role>`.
 *
 * Refused: a Bidirectional around anything but SimpleRNN/LSTM/GRU, a backward layer whose
 * go_backwards, return_sequences or return_state do not fit the forward one, constants; a
 * TimeDistributed around a layer the engine does not support or one with several outputs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { linearOp, productOp } from '../ops';
import { LayerConfig } from './config';
import { GraphBuilder, reshapeOp, reverseTimeOp } from './graph-builder';
import { layerGraph, type BuiltLayer, type GraphRef, type LayerKind } from './kind';
import { recurrentLayers } from './recurrent';
import type { BackwardResult, NodeOp, Shape, WeightMap, WeightSlot } from '../types';

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

interface InnerLayer {
  className: string;
  name: string;
  config: Json;
}

/** The wrapped layer's serialised form, `{class_name, config}`. */
function innerLayer(config: LayerConfig, key: string): InnerLayer {
  const raw = config.raw[key];
  if (!isRecord(raw) || typeof raw.class_name !== 'string' || !isRecord(raw.config))
    config.fail(`"${key}" must be a serialised layer ({class_name, config})`);
  const name = raw.config.name;
  if (typeof name !== 'string' || name === '') config.fail(`the layer in "${key}" has no name, which its weights are named by`);
  return { className: raw.class_name, name, config: raw.config };
}

function buildInner(kind: LayerKind, outer: LayerConfig, inner: InnerLayer, name: string, inputShapes: Shape[], trainable: boolean) {
  return kind.build({
    config: new LayerConfig(`${outer.layerName}/${name}`, inner.className, inner.config, outer.kerasVersion),
    inputShapes,
    trainable: trainable && inner.config.trainable !== false,
  });
}

const pathsOf = (slot: WeightSlot) => slot.manifestPaths ?? [slot.role.split('/')];

/** The op with its weight roles under `prefix` (the inner op reads and returns them without it). */
function withRolePrefix(op: NodeOp, prefix: string): NodeOp {
  const inner = (w: WeightMap): WeightMap => {
    const out: WeightMap = {};
    for (const [role, t] of Object.entries(w)) if (role.startsWith(prefix)) out[role.slice(prefix.length)] = t;
    return out;
  };
  const outer = (result: BackwardResult): BackwardResult => ({
    dInputs: result.dInputs,
    dWeights: Object.fromEntries(Object.entries(result.dWeights).map(([role, t]) => [prefix + role, t])),
  });
  return {
    trainableRoles: op.trainableRoles.map((role) => prefix + role),
    activation: op.activation,
    forward: (inputs, w) => op.forward(inputs, inner(w)),
    backward: (dy, record, w, needInputs, needWeights) => outer(op.backward(dy, record, inner(w), needInputs, needWeights)),
    rForward: (rInputs, v, record, w) => op.rForward(rInputs, inner(v), record, inner(w)),
    rBackward: (dy, rdy, rInputs, v, record, w, needInputs) =>
      outer(op.rBackward(dy, rdy, rInputs, inner(v), record, inner(w), needInputs)),
    ...(op.readsAdjoint ? { readsAdjoint: op.readsAdjoint } : {}),
  };
}

const MERGE_MODES = ['concat', 'sum', 'mul', 'ave'] as const;
type MergeMode = (typeof MERGE_MODES)[number] | null;

function mergeOp(mode: Exclude<MergeMode, null>, widths: [number, number]): NodeOp {
  if (mode === 'mul') return productOp();
  if (mode === 'concat') return linearOp({ forward: (inputs) => tf.concat(inputs, -1), adjoint: (dy) => tf.split(dy, widths, -1) });
  const factor = mode === 'ave' ? 0.5 : 1;
  return linearOp({
    forward: ([a, b]) => (factor === 1 ? tf.add(a, b) : tf.mul(tf.add(a, b), factor)),
    adjoint: (dy) => {
      const d = factor === 1 ? dy : tf.mul(dy, factor);
      return [d, d];
    },
  });
}

const removePrefix = (name: string, prefix: string) => (name.startsWith(prefix) ? name.slice(prefix.length) : name);
/** The names a copy's weights may be under: Keras 3's (no doubled prefix) and `<side>_<name>` as Keras 2 and tfjs-layers write. */
const copyNames = (side: 'forward' | 'backward', name: string) => [
  ...new Set([`${side}_${removePrefix(removePrefix(name, 'forward_'), 'backward_')}`, `${side}_${name}`]),
];

const recurrentByClass = new Map(recurrentLayers.flatMap((kind) => kind.classNames.map((name) => [name, kind] as const)));

const bidirectional: LayerKind = {
  classNames: ['Bidirectional'],
  exactPath:
    'the wrapped SimpleRNN/LSTM/GRU graph twice (forward/ and backward/ weights), a linear time reversal, then a linear concat, sum or mean, an element-wise product (two-input bilinear node) for mul, or two outputs',
  build({ config, inputShapes, trainable }): BuiltLayer {
    const rawMode = config.raw.merge_mode;
    const mode = (rawMode === null ? null : config.string('merge_mode', 'concat')) as MergeMode;
    if (mode !== null && !MERGE_MODES.includes(mode))
      config.fail(`merge_mode "${String(mode)}" is not supported (concat, sum, mul, ave or null)`);
    if (config.number('num_constants', 0) > 0) config.fail('constants passed to the wrapped layer are not supported');
    const forward = innerLayer(config, 'layer');
    const flag = (layer: InnerLayer, key: string) => layer.config[key] === true;
    const backward: InnerLayer = config.has('backward_layer')
      ? innerLayer(config, 'backward_layer')
      : { ...forward, config: { ...forward.config, go_backwards: !flag(forward, 'go_backwards') } };
    for (const layer of [forward, backward]) {
      if (!recurrentByClass.has(layer.className))
        config.fail(`wraps a ${layer.className} layer; only SimpleRNN, LSTM and GRU layers are supported in a Bidirectional`);
    }
    if (flag(forward, 'go_backwards') === flag(backward, 'go_backwards'))
      config.fail('the forward and backward layers must have different go_backwards');
    for (const key of ['return_sequences', 'return_state'])
      if (flag(forward, key) !== flag(backward, key)) config.fail(`the forward and backward layers must have the same ${key}`);

    const builder = new GraphBuilder();
    const weights: WeightSlot[] = [];
    const copy = (side: 'forward' | 'backward', layer: InnerLayer) => {
      const names = copyNames(side, layer.name);
      const built = buildInner(recurrentByClass.get(layer.className)!, config, layer, names[0], inputShapes, trainable);
      const prefix = `${side}/`;
      for (const slot of built.weights)
        weights.push({ ...slot, role: prefix + slot.role, manifestPaths: names.flatMap((n) => pathsOf(slot).map((p) => [n, ...p])) });
      const shapes = built.outputShapes ?? [built.outputShape];
      return { shapes, refs: builder.embed(built.graph!, [{ input: 0 }], (op) => withRolePrefix(op, prefix)) };
    };
    const f = copy('forward', forward);
    const b = copy('backward', backward);
    const y = f.refs[0];
    const yRev = flag(forward, 'return_sequences') ? builder.add(reverseTimeOp(), b.refs[0]) : b.refs[0];
    const [fShape, bShape] = [f.shapes[0], b.shapes[0]];
    const last = (s: Shape) => s[s.length - 1];
    let merged: { refs: GraphRef[]; shapes: Shape[] };
    if (mode === null) merged = { refs: [y, yRev], shapes: [fShape, bShape] };
    else if (mode === 'concat')
      merged = {
        refs: [builder.add(mergeOp(mode, [last(fShape), last(bShape)]), y, yRev)],
        shapes: [[...fShape.slice(0, -1), last(fShape) + last(bShape)]],
      };
    else {
      if (fShape.join(',') !== bShape.join(','))
        config.fail(`merge_mode "${mode}" needs the forward and backward outputs of one shape, not [${fShape}] and [${bShape}]`);
      merged = { refs: [builder.add(mergeOp(mode, [0, 0]), y, yRev)], shapes: [fShape] };
    }
    const refs = [...merged.refs, ...f.refs.slice(1), ...b.refs.slice(1)];
    const shapes = [...merged.shapes, ...f.shapes.slice(1), ...b.shapes.slice(1)];
    return {
      outputShape: shapes[0],
      ...(shapes.length > 1 ? { outputShapes: shapes } : {}),
      weights,
      ops: [],
      graph: builder.graph(refs),
      symmetry: { role: 'barrier', reason: 'a Bidirectional recurrent layer (gates; two kernels read its input)' },
    };
  },
};

/** The wrappers; TimeDistributed finds the wrapped layer's kind through `kindOf` (the registry's lookup). */
export function wrapperLayers(kindOf: (className: string) => LayerKind | undefined): LayerKind[] {
  const timeDistributed: LayerKind = {
    classNames: ['TimeDistributed'],
    exactPath:
      "the wrapped layer's own graph, run once on the steps folded into the batch between two linear reshape nodes; the same θ at every step",
    build({ config, inputShapes: [shape], trainable }): BuiltLayer {
      if (shape.length < 2) config.fail(`expects a sequence [time steps, …], got input shape [batch, ${shape.join(', ')}]`);
      const inner = innerLayer(config, 'layer');
      const kind = kindOf(inner.className);
      if (!kind) return config.fail(`wraps a ${inner.className} layer, which is not supported`);
      const [steps, ...step] = shape;
      const built = buildInner(kind, config, inner, inner.name, [step], trainable);
      if ((built.outputShapes ?? [built.outputShape]).length > 1)
        config.fail(`wraps a ${inner.className} layer with several outputs, which TimeDistributed does not support`);
      const builder = new GraphBuilder();
      const folded = builder.add(reshapeOp([-1, ...step]), { input: 0 });
      const [y] = builder.embed(layerGraph(built, 1), [folded]);
      return {
        outputShape: [steps, ...built.outputShape],
        weights: built.weights.map((slot) => ({
          ...slot,
          manifestPaths: [...pathsOf(slot), ...pathsOf(slot).map((p) => [inner.name, ...p])],
        })),
        ops: [],
        graph: builder.graph([builder.add(reshapeOp([-1, steps, ...built.outputShape]), y)]),
        // The same weights at every step, on the steps folded into the batch: a scale passes as through the inner layer.
        symmetry: built.symmetry,
      };
    },
  };
  return [bidirectional, timeDistributed];
}
