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
    }
  | { role: 'batchnorm' }
  /** Positively homogeneous and weightless; `channelwise`: channel c of the input becomes channel c of the output. */
  | { role: 'passthrough'; channelwise: boolean }
  /** A channels-last flatten: channel c of the input owns the outputs whose index ≡ c mod C. */
  | { role: 'flatten'; channels: number }
  /** Sums or concatenates branches: homogeneous when every branch carries the same scale. */
  | { role: 'merge' }
  /** Not positively homogeneous: no scale may cross it. */
  | { role: 'barrier'; reason: string };

export interface BuiltLayer {
  outputShape: Shape;
  weights: WeightSlot[];
  /** A chain: ops[0] takes the layer's inputs, each later op the previous output. */
  ops: NodeOp[];
  symmetry: LayerSymmetry;
}

export interface LayerContext {
  config: LayerConfig;
  inputShapes: Shape[];
  /** False for a frozen layer: its weights are constants, not part of θ. */
  trainable: boolean;
}

export interface LayerKind {
  classNames: readonly string[];
  build(context: LayerContext): BuiltLayer;
}
