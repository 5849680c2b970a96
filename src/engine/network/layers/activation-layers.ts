/** Activation, ReLU, LeakyReLU, ELU and Softmax layers, and the activation a Dense or Conv layer applies. */
import { activationOp, softmaxOp } from '../ops';
import { clippedRelu, elementwiseActivation, elu, leakyRelu, normalizeActivationName, type ElementwiseActivation } from '../activations';
import type { LayerConfig } from './config';
import type { BuiltLayer, LayerKind } from './kind';
import type { NodeOp } from '../types';

export interface ResolvedActivation {
  name: string;
  op: NodeOp | null;
  positivelyHomogeneous: boolean;
}

/** The node for a named activation (null for linear, which needs none). */
export function resolveActivation(name: string, config: LayerConfig): ResolvedActivation {
  if (name === 'linear') return { name, op: null, positivelyHomogeneous: true };
  if (name === 'softmax') return { name, op: softmaxOp(), positivelyHomogeneous: false };
  const activation = elementwiseActivation(name, config.layerName);
  return { name, op: activationOp(activation), positivelyHomogeneous: activation.positivelyHomogeneous };
}

function elementwiseLayer(activation: ElementwiseActivation, shape: number[]): BuiltLayer {
  return {
    outputShape: shape,
    weights: [],
    ops: [activationOp(activation)],
    symmetry: activation.positivelyHomogeneous ? { role: 'passthrough', channelwise: true } : { role: 'barrier', reason: activation.name },
  };
}

export const activationLayers: LayerKind[] = [
  {
    classNames: ['Activation'],
    build({ config, inputShapes: [shape] }) {
      const resolved = resolveActivation(normalizeActivationName(config.raw.activation), config);
      if (!resolved.op) return { outputShape: shape, weights: [], ops: [], symmetry: { role: 'passthrough', channelwise: true } };
      return {
        outputShape: shape,
        weights: [],
        ops: [resolved.op],
        symmetry: resolved.positivelyHomogeneous ? { role: 'passthrough', channelwise: true } : { role: 'barrier', reason: resolved.name },
      };
    },
  },
  {
    classNames: ['ReLU'],
    build: ({ config, inputShapes: [shape] }) =>
      elementwiseLayer(
        clippedRelu(config.optionalNumber('max_value'), config.number('threshold', 0), config.number('negative_slope', 0)),
        shape,
      ),
  },
  {
    classNames: ['LeakyReLU'],
    // Keras 2 and tfjs-layers call the slope alpha (default 0.3); Keras 3 calls it negative_slope.
    build: ({ config, inputShapes: [shape] }) =>
      elementwiseLayer(leakyRelu(config.has('negative_slope') ? config.number('negative_slope') : config.number('alpha', 0.3)), shape),
  },
  {
    classNames: ['ELU'],
    build: ({ config, inputShapes: [shape] }) => elementwiseLayer(elu(config.number('alpha', 1)), shape),
  },
  {
    classNames: ['Softmax'],
    build({ config, inputShapes: [shape] }) {
      const axis = config.raw.axis ?? -1;
      if (axis !== -1 && axis !== shape.length)
        config.fail(`softmax over axis ${JSON.stringify(axis)} is not supported (only the last axis)`);
      return { outputShape: shape, weights: [], ops: [softmaxOp()], symmetry: { role: 'barrier', reason: 'softmax' } };
    },
  },
];
