/** What every supported Keras layer class provides to the engine. */
import type { LayerConfig } from './config';
import type { NodeOp, Shape, WeightRole, WeightSlot } from '../types';

/**
 * How a layer behaves under function-preserving rescalings (docs/measures.md, "Rescaling symmetries"), from which the engine
 * derives the symmetries a whole model really has.
 */
export type LayerSymmetry =
  | {
      /** Carries a kernel that a layer-wise rescaling multiplies (Dense, Conv2D, DepthwiseConv2D, Embedding). */
      role: 'kernel';
      kernelRole: WeightRole;
      biasRole: WeightRole | null;
      /** Its own activation lets a scale through (ReLU, LeakyReLU, linear). */
      homogeneousActivation: boolean;
      /** Output units (Dense columns, Conv output channels). */
      units: number;
      /** Kernel axis indexed by the input channel, when the layer consumes a neuron-wise rescaling. */
      inputChannelAxis: number | null;
      /** Depthwise kernels [kh, kw, in, m] own output channel c·m + k; others own the last axis. */
      depthwise: boolean;
      /** Kernel axis indexed by the output channel, where it is not the last (Conv2DTranspose's [kh, kw, out, in]). */
      outputChannelAxis?: number;
    }
  | { role: 'batchnorm' }
  /** Positively homogeneous and weightless; `channelwise`: channel c of the input becomes channel c of the output. */
  | { role: 'passthrough'; channelwise: boolean }
  /** A channels-last flatten: channel c of the input owns the outputs whose index ≡ c mod C. */
  | { role: 'flatten'; channels: number }
  /** Sums or concatenates branches: homogeneous when every branch carries the same scale. */
  | { role: 'merge' }
  /** Not positively homogeneous: no scale may cross it. */
  /**
   * `absorbsCommonScale`: a normalisation over its input (LayerNormalization) gives the same output for
   * any common positive scale of it, so the weights feeding it are scale-invariant (as ε → 0).
   */
  | { role: 'barrier'; reason: string; absorbsCommonScale?: boolean };

/** An input of the layer (by position) or the output of one of its graph's nodes. */
export type GraphRef = { input: number } | { node: number };

export interface LayerGraphNode {
  op: NodeOp;
  inputs: GraphRef[];
}

/**
 * What a layer computes, as a small graph of nodes the executor knows (docs/architecture.md,
 * "Layers as graphs"): a recurrent layer unrolled over time, a normalisation written as primitive
 * steps. Node inputs refer to earlier nodes only.
 */
export interface LayerGraph {
  nodes: LayerGraphNode[];
  outputs: GraphRef[];
}

export interface BuiltLayer {
  outputShape: Shape;
  /** Every output's shape, for layers with several (a recurrent layer with return_state); default [outputShape]. */
  outputShapes?: Shape[];
  weights: WeightSlot[];
  /** A chain: ops[0] takes the layer's inputs, each later op the previous output (ignored when `graph` is given). */
  ops: NodeOp[];
  /** The layer as a graph, when it is not a chain. */
  graph?: LayerGraph;
  symmetry: LayerSymmetry;
}

/** The graph a built layer runs: its own, or its chain of ops (no ops: the layer passes its input on). */
export function layerGraph(built: BuiltLayer, inputCount: number): LayerGraph {
  if (built.graph) return built.graph;
  const all: GraphRef[] = Array.from({ length: inputCount }, (_, input) => ({ input }));
  if (built.ops.length === 0) return { nodes: [], outputs: [{ input: 0 }] };
  const nodes = built.ops.map((op, i) => ({ op, inputs: i === 0 ? all : [{ node: i - 1 }] }));
  return { nodes, outputs: [{ node: nodes.length - 1 }] };
}

export interface LayerContext {
  config: LayerConfig;
  inputShapes: Shape[];
  /** False for a frozen layer: its weights are constants, not part of θ. */
  trainable: boolean;
}

export interface LayerKind {
  /** The class name Keras writes first, then its aliases and the classes that compute the same. */
  classNames: readonly string[];
  /**
   * One line: how the engine computes the forward pass, the backward pass and the R-operator exactly,
   * in terms of the node patterns of ops.ts. docs/layers.md is generated from it (scripts/docs/layer-tables.ts).
   */
  exactPath: string;
  build(context: LayerContext): BuiltLayer;
}
