/**
 * Which function-preserving rescalings a model really has (docs/measures.md, "Rescaling symmetries"), read off its graph:
 * a scale may pass through a layer only where the layer is positively homogeneous.
 */
import type { ScaleLink } from '../../shared/report';
import type { LoadedModel, ModelLayer } from '../model/load-model';

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

function consumersOf(model: LoadedModel): Map<string, ModelLayer[]> {
  const consumers = new Map<string, ModelLayer[]>();
  for (const layer of model.layers) for (const name of layer.inbound) consumers.set(name, [...(consumers.get(name) ?? []), layer]);
  return consumers;
}

/** Follows a kernel layer's output through channel-preserving layers to the one layer that can undo a per-unit scale. */
function findNeuronConsumer(model: LoadedModel, producer: ModelLayer): { consumer: ModelLayer; through: ModelLayer[] } | null {
  const consumers = consumersOf(model);
  const through: ModelLayer[] = [];
  let current = producer;
  for (;;) {
    const next = consumers.get(current.name) ?? [];
    if (next.length !== 1 || current.name === model.outputs[0].name) return null;
    const layer = next[0];
    const s = layer.symmetry;
    if (s.role === 'kernel') return s.inputChannelAxis === null ? null : { consumer: layer, through };
    if (s.role === 'batchnorm') return { consumer: layer, through };
    const channelwise = (s.role === 'passthrough' && s.channelwise) || s.role === 'flatten';
    if (!channelwise || layer.inbound.length !== 1) return null;
    // Only one flatten, so a unit's positions in the consumer's input stay a residue class.
    if (s.role === 'flatten' && through.some((t) => t.symmetry.role === 'flatten')) return null;
    through.push(layer);
    current = layer;
  }
}

/** The layers a layer-wise rescaling gives a factor each, in order: those whose symmetry role is a kernel. */
export function kernelLayers(model: LoadedModel): ModelLayer[] {
  return model.layers.filter((l) => l.symmetry.role === 'kernel');
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
  const classOf = new Map<string, number>(model.inputs.map((input) => [input.name, 0]));
  const raw: { layer: string; from: number; to: number }[] = [];
  for (const layer of model.layers) {
    const inputs = layer.inbound.map((name) => classOf.get(name)!);
    const s = layer.symmetry;
    let output = inputs[0];
    if (s.role === 'kernel') {
      output = s.homogeneousActivation ? fresh() : 0;
      raw.push({ layer: layer.name, from: inputs[0], to: output });
    } else if (s.role === 'merge') {
      for (const other of inputs.slice(1)) join(inputs[0], other);
    } else if (s.role === 'batchnorm' || s.role === 'barrier') {
      join(inputs[0], 0);
      output = 0;
    }
    classOf.set(layer.name, output);
  }
  for (const output of model.outputs) join(classOf.get(output.name)!, 0);
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
  if (batchNormalized.length > 0) summary.push(`batch norm: any per-channel scale of ${batchNormalized.join(', ')} (exact as ε → 0)`);
  return { layers, kernelLayers: kernels, scaleLinks: scaleLinks(model), neuronwise, batchNormalized, summary };
}
