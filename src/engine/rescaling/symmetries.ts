/**
 * Which function-preserving rescalings a model really has (docs/measures.md, "Rescaling symmetries"), read off its graph:
 * a scale may pass through a layer only where the layer is positively homogeneous.
 */
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
export function findNeuronConsumer(model: LoadedModel, producer: ModelLayer): { consumer: ModelLayer; through: ModelLayer[] } | null {
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

export function analyzeSymmetries(model: LoadedModel): SymmetryReport {
  const layers = model.layers.map(homogeneityOf);
  const kernelLayers = model.layers.filter((l) => l.symmetry.role === 'kernel' && l.weights.length > 0).map((l) => l.name);
  const neuronwise: NeuronSymmetry[] = [];
  const batchNormalized: string[] = [];
  for (const layer of model.layers) {
    const s = layer.symmetry;
    if (s.role !== 'kernel' || !s.homogeneousActivation) continue;
    const found = findNeuronConsumer(model, layer);
    if (!found) continue;
    neuronwise.push({ layer: layer.name, units: s.units, consumer: found.consumer.name, through: found.through.map((t) => t.name) });
    if (found.consumer.symmetry.role === 'batchnorm') batchNormalized.push(layer.name);
  }
  const barriers = layers.filter(
    (l) => !l.positivelyHomogeneous && model.layers.find((m) => m.name === l.name)!.symmetry.role !== 'kernel',
  );
  const summary: string[] = [];
  summary.push(
    barriers.length === 0
      ? `layer-wise: the kernels of ${kernelLayers.length} layers can be scaled by factors whose product is 1`
      : `layer-wise: scales must multiply to 1 before ${barriers.map((b) => `${b.name} (${b.note})`).join(', ')}`,
  );
  summary.push(
    neuronwise.length === 0 ? 'neuron-wise: none' : `neuron-wise: ${neuronwise.map((n) => `${n.units} units of ${n.layer}`).join(', ')}`,
  );
  if (batchNormalized.length > 0) summary.push(`batch norm: any per-channel scale of ${batchNormalized.join(', ')} (exact as ε → 0)`);
  return { layers, kernelLayers, neuronwise, batchNormalized, summary };
}
