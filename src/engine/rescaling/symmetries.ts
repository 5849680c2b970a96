/**
 * Which function-preserving rescalings a model really has (docs/measures.md, "Rescaling symmetries"), read off its graph:
 * a scale may pass through a layer only where the layer is positively homogeneous.
 */
import type { ScaleLink } from '../../shared/report';
import type { LoadedModel, ModelLayer } from '../model/load-model';
import { isModelInput, type TensorRef } from '../model/topology';

export interface LayerHomogeneity {
  name: string;
  className: string;
  positivelyHomogeneous: boolean;
  /** Why not, or what the layer does to a scale (e.g. "batch norm absorbs a scale"). */
  note: string | null;
}

/** A hidden unit group whose incoming weights can be scaled by λ and outgoing ones by 1/λ. */
export interface NeuronSymmetry {
  /** The layer whose output units are rescaled. */
  layer: string;
  units: number;
  /** The layer that undoes the scale: a kernel layer (divides its input rows) or a BatchNormalization. */
  consumer: string;
  /** Weightless layers in between. */
  through: string[];
}

export interface SymmetryReport {
  layers: LayerHomogeneity[];
  /** Layers carrying a kernel, in order: a layer-wise rescaling gives one factor to each. */
  kernelLayers: string[];
  scaleLinks: ScaleLink[];
  neuronwise: NeuronSymmetry[];
  /** Layers whose output feeds a BatchNormalization, which can absorb any positive per-channel scale. */
  batchNormalized: string[];
  summary: string[];
}

export function homogeneityOf(layer: ModelLayer): LayerHomogeneity {
  const s = layer.symmetry;
  const base = { name: layer.name, className: layer.className };
  switch (s.role) {
    case 'kernel':
      return {
        ...base,
        positivelyHomogeneous: s.homogeneousActivation,
        note: s.homogeneousActivation ? null : `activation ${String(layer.config.activation)}`,
      };
    case 'batchnorm':
      return { ...base, positivelyHomogeneous: false, note: 'affine with fixed statistics; absorbs a per-channel scale of its input' };
    case 'barrier':
      return { ...base, positivelyHomogeneous: false, note: s.reason };
    default:
      return { ...base, positivelyHomogeneous: true, note: null };
  }
}

/**
 * A layer called more than once (a shared layer) carries one set of weights for every call, so a scale
 * can cross it only if every call sees the same one: the engine does not let any scale through it, nor
 * gives it a factor of its own. Every other layer is called once.
 */
const isShared = (layer: ModelLayer) => layer.callCount > 1;

/** The layers reading each layer's output, by the layers' names (from every call, not only the first). */
function consumersOf(model: LoadedModel): Map<string, ModelLayer[]> {
  const consumers = new Map<string, ModelLayer[]>();
  for (const call of model.calls) {
    const layer = model.layers[call.layer];
    for (const ref of call.inputs) {
      if (isModelInput(ref)) continue;
      const producer = model.layers[model.calls[ref.call].layer].name;
      const list = consumers.get(producer) ?? [];
      if (!list.includes(layer)) list.push(layer);
      consumers.set(producer, list);
    }
  }
  return consumers;
}

/** Follows a kernel layer's output through channel-preserving layers to the one layer that can undo a per-unit scale. */
function findNeuronConsumer(model: LoadedModel, producer: ModelLayer): { consumer: ModelLayer; through: ModelLayer[] } | null {
  const consumers = consumersOf(model);
  const outputs = new Set(model.outputs.map((o) => o.name));
  const through: ModelLayer[] = [];
  let current = producer;
  if (isShared(producer)) return null;
  for (;;) {
    const next = consumers.get(current.name) ?? [];
    if (next.length !== 1 || outputs.has(current.name)) return null;
    const layer = next[0];
    if (isShared(layer)) return null;
    const s = layer.symmetry;
    if (s.role === 'kernel') return s.inputChannelAxis === null ? null : { consumer: layer, through };
    if (s.role === 'batchnorm') return layer.weights.some((w) => w.slot.role === 'gamma') ? { consumer: layer, through } : null;
    const channelwise = (s.role === 'passthrough' && s.channelwise) || s.role === 'flatten';
    if (!channelwise || layer.inbound.length !== 1) return null;
    // Only one flatten, so a unit's positions in the consumer's input stay a residue class.
    if (s.role === 'flatten' && through.some((t) => t.symmetry.role === 'flatten')) return null;
    through.push(layer);
    current = layer;
  }
}

/**
 * Kernel layers whose output reaches, through channel-preserving layers only, a normalisation that
 * absorbs a common scale of its input (LayerNormalization): their kernel and bias together can be
 * scaled by any positive factor without changing the function (up to the normalisation's ε).
 */
function commonScaleAbsorbed(model: LoadedModel): string[] {
  const consumers = consumersOf(model);
  return model.layers
    .filter((producer) => producer.symmetry.role === 'kernel' && producer.symmetry.homogeneousActivation && !isShared(producer))
    .filter((producer) => {
      let current = producer;
      for (let steps = 0; steps < model.layers.length; steps++) {
        const next = consumers.get(current.name) ?? [];
        if (next.length !== 1 || isShared(next[0])) return false;
        const s = next[0].symmetry;
        if (s.role === 'barrier') return s.absorbsCommonScale === true;
        if (s.role !== 'passthrough' && s.role !== 'flatten') return false;
        current = next[0];
      }
      return false;
    })
    .map((l) => l.name);
}

/** The layers a layer-wise rescaling gives a factor each, in order: the kernel layers, except shared ones. */
export function kernelLayers(model: LoadedModel): ModelLayer[] {
  return model.layers.filter((l) => l.symmetry.role === 'kernel' && !isShared(l));
}

/** A hidden unit group and the layer that undoes its scale, as the neuron-wise rescaling uses it. */
export interface NeuronGroup {
  producer: ModelLayer;
  units: number;
  consumer: ModelLayer;
  through: ModelLayer[];
}

/** Every kernel layer with a ReLU-like activation whose units one consumer can undo, in order. */
export function neuronGroups(model: LoadedModel): NeuronGroup[] {
  return model.layers.flatMap((producer) => {
    const s = producer.symmetry;
    if (s.role !== 'kernel' || !s.homogeneousActivation) return [];
    const found = findNeuronConsumer(model, producer);
    return found ? [{ producer, units: s.units, ...found }] : [];
  });
}

/**
 * The scale classes of the model's layer-wise symmetry (src/shared/rescaling.ts): a union–find over the
 * layers' outputs, in topological order. A kernel layer starts a new class unless its activation is not
 * positively homogeneous; a merge joins its inputs' classes; a batch norm, a barrier and the model's
 * output join class 0, which keeps scale 1; every other layer passes its input's class on.
 */
export function scaleLinks(model: LoadedModel): ScaleLink[] {
  const parent = [0];
  const find = (c: number): number => (parent[c] === c ? c : (parent[c] = find(parent[c])));
  const join = (a: number, b: number) => {
    const [x, y] = [find(a), find(b)].sort((p, q) => p - q);
    parent[y] = x;
  };
  const fresh = () => parent.push(parent.length) - 1;
  // The scale class of every call's output (all outputs of a call share one), over the call graph, so
  // every branch into a merge and every call of a layer is seen.
  const callClass: number[] = [];
  const classOfRef = (ref: TensorRef) => (isModelInput(ref) ? 0 : callClass[ref.call]);
  const raw: { layer: string; from: number; to: number }[] = [];
  for (const call of model.calls) {
    const layer = model.layers[call.layer];
    const inputs = call.inputs.map(classOfRef);
    const s = layer.symmetry;
    let output = inputs[0];
    if (isShared(layer) || s.role === 'batchnorm' || s.role === 'barrier') {
      for (const c of inputs) join(c, 0);
      output = 0;
    } else if (s.role === 'kernel') {
      output = s.homogeneousActivation ? fresh() : 0;
      raw.push({ layer: layer.name, from: inputs[0], to: output });
    } else if (s.role === 'merge') {
      for (const other of inputs.slice(1)) join(inputs[0], other);
    }
    callClass.push(output);
  }
  const classOf = new Map<string, number>();
  model.calls.forEach((call, c) => classOf.set(model.layers[call.layer].name, callClass[c]));
  for (const output of model.outputs) join(classOfRef(output.ref), 0);
  // Classes renumbered in order of appearance, 0 staying the class of scale 1.
  const numbers = new Map<number, number>([[0, 0]]);
  const number = (c: number) => {
    const root = find(c);
    if (!numbers.has(root)) numbers.set(root, numbers.size);
    return numbers.get(root)!;
  };
  return raw.map((link) => ({ layer: link.layer, from: number(link.from), to: number(link.to) }));
}

export function analyzeSymmetries(model: LoadedModel): SymmetryReport {
  const layers = model.layers.map(homogeneityOf);
  const kernels = kernelLayers(model).map((l) => l.name);
  const groups = neuronGroups(model);
  const neuronwise = groups.map((g) => ({
    layer: g.producer.name,
    units: g.units,
    consumer: g.consumer.name,
    through: g.through.map((t) => t.name),
  }));
  const batchNormalized = groups.filter((g) => g.consumer.symmetry.role === 'batchnorm').map((g) => g.producer.name);
  const barriers = layers.filter(
    (l) => !l.positivelyHomogeneous && model.layers.find((m) => m.name === l.name)!.symmetry.role !== 'kernel',
  );
  const summary: string[] = [];
  summary.push(
    barriers.length === 0
      ? `layer-wise: the kernels of ${kernels.length} layers can be scaled by factors whose product is 1`
      : `layer-wise: scales must multiply to 1 before ${barriers.map((b) => `${b.name} (${b.note})`).join(', ')}`,
  );
  summary.push(
    neuronwise.length === 0 ? 'neuron-wise: none' : `neuron-wise: ${neuronwise.map((n) => `${n.units} units of ${n.layer}`).join(', ')}`,
  );
  if (batchNormalized.length > 0)
    summary.push(
      `batch norm: any per-channel scale of ${batchNormalized.join(', ')} (its γ compensates for ε, so the function is kept exactly)`,
    );
  const layerNormalized = commonScaleAbsorbed(model);
  if (layerNormalized.length > 0)
    summary.push(
      `layer norm: any common scale of ${layerNormalized.join(', ')} (as ε → 0): H is not invariant to it, D H D with layer D is (one block per tensor)`,
    );
  const shared = model.layers.filter(isShared);
  if (shared.length > 0)
    summary.push(
      `shared layers keep scale 1 (one set of weights at several calls): ${shared.map((l) => `${l.name} (${l.callCount} calls)`).join(', ')}`,
    );
  return { layers, kernelLayers: kernels, scaleLinks: scaleLinks(model), neuronwise, batchNormalized, summary };
}
