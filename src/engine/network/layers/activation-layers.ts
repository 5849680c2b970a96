/**
 * Activation, ReLU, LeakyReLU, ELU, ThresholdedReLU, PReLU and Softmax layers, and the activation a
 * Dense or Conv layer applies.
 *
 * Keras semantics: ReLU(max_value, threshold, negative_slope) is x above the threshold (clipped at
 * max_value) and negative_slope·(x − threshold) below it; Keras refuses negative values of all three,
 * and so does the engine. ELU(alpha) is alpha·(eˣ − 1) below 0 (tfjs-layers only implements alpha 1).
 * ThresholdedReLU(theta) is x where x > theta, else 0. PReLU is max(x, 0) + α⊙min(x, 0) with α of the
 * input's shape, 1 on the `shared_axes` (1-based, batch axis 0). Softmax normalises over `axis`, an int
 * or (Keras 2, Keras 3, tfjs-layers) a list of axes normalised jointly.
 *
 * R-operator paths: element-wise `activationOp` (σ' and σ'' from activations.ts); PReLU as the graph
 * relu(x) + bilinear(min(x, 0), α) (`activationOp`, `bilinearOp`, a sum); Softmax as `softmaxOp` over
 * its axes.
 */
import * as tf from '@tensorflow/tfjs-core';
import { activationOp, bilinearOp, linearOp, logSoftmaxOp, softmaxOp } from '../ops';
import {
  clippedRelu,
  elementwiseActivation,
  elu,
  leakyRelu,
  normalizeActivationName,
  thresholdedRelu,
  type ElementwiseActivation,
} from '../activations';
import type { LayerConfig } from './config';
import type { BuiltLayer, LayerKind, LayerSymmetry } from './kind';
import { sampleAxes } from './normalization-layers';
import type { NodeOp } from '../types';

/** How a layer's `activation` option is computed, for the exact paths of the layers that take one. */
export const ACTIVATION_NODE = "the activation's node (element-wise, softmax or log-softmax; none for linear)";

export interface ResolvedActivation {
  name: string;
  op: NodeOp | null;
  positivelyHomogeneous: boolean;
}

/** The node for a named activation (null for linear, which needs none), as the file's writer defines it. */
export function resolveActivation(name: string, config: LayerConfig): ResolvedActivation {
  if (name === 'linear') return { name, op: null, positivelyHomogeneous: true };
  if (name === 'softmax') return { name, op: softmaxOp(), positivelyHomogeneous: false };
  if (name === 'log_softmax') return { name, op: logSoftmaxOp(), positivelyHomogeneous: false };
  const activation = elementwiseActivation(name, config.layerName, config.kerasVersion);
  return { name, op: activationOp(activation), positivelyHomogeneous: activation.positivelyHomogeneous };
}

const passthrough: LayerSymmetry = { role: 'passthrough', channelwise: true };

function elementwiseLayer(activation: ElementwiseActivation, shape: number[], barrierReason = activation.name): BuiltLayer {
  return {
    outputShape: shape,
    weights: [],
    ops: [activationOp(activation)],
    symmetry: activation.positivelyHomogeneous ? passthrough : { role: 'barrier', reason: barrierReason },
  };
}

function nonNegative(config: LayerConfig, key: string, fallback: number): number {
  const value = config.number(key, fallback);
  if (value < 0) config.fail(`"${key}" must not be negative (Keras refuses it), not ${value}`);
  return value;
}

/** min(x, 0): PReLU's negative part (its derivative at 0 is 0, as TensorFlow's relu'(0)). */
const negativePart: ElementwiseActivation = {
  name: 'min(x, 0)',
  positivelyHomogeneous: true,
  apply: (x) => tf.minimum(x, 0),
  derivative: (x) => tf.cast(tf.less(x, 0), 'float32'),
  secondDerivative: null,
};

const prelu: LayerKind = {
  classNames: ['PReLU'],
  exactPath:
    'graph: relu(x) and min(x, 0) as element-wise activation nodes, α ⊙ min(x, 0) a bilinear node in (min(x, 0), α), summed by a linear node',
  build({ config, inputShapes: [shape], trainable }): BuiltLayer {
    const raw = config.raw.shared_axes;
    const shared = raw === undefined || raw === null ? [] : Array.isArray(raw) ? raw : [raw];
    if (!shared.every((a) => Number.isInteger(a) && a >= 1 && a <= shape.length))
      config.fail(`"shared_axes" must list input axes 1…${shape.length}, not ${JSON.stringify(raw)}`);
    const alphaShape = shape.map((d, i) => (shared.includes(i + 1) ? 1 : d));
    // dα sums over the batch axis and the shared axes (tensor axis a is input axis a).
    const reduceAxes = [0, ...shared];
    const scaleNegative = bilinearOp({
      kernelRole: 'alpha',
      biasRole: null,
      kernelTrainable: trainable,
      biasTrainable: false,
      inputDifferentiable: true,
      apply: (x, alpha) => tf.mul(x, alpha),
      adjointInput: (dy, alpha) => tf.mul(dy, alpha),
      adjointKernel: (x, dy) => tf.reshape(tf.sum(tf.mul(x, dy), reduceAxes), alphaShape),
      biasReduce: (dy) => dy,
    });
    const sum = linearOp({ forward: ([a, b]) => tf.add(a, b), adjoint: (dy) => [dy, dy] });
    return {
      outputShape: shape,
      weights: [{ role: 'alpha', shape: alphaShape, trainable }],
      ops: [],
      graph: {
        nodes: [
          { op: activationOp(leakyRelu(0)), inputs: [{ input: 0 }] },
          { op: activationOp(negativePart), inputs: [{ input: 0 }] },
          { op: scaleNegative, inputs: [{ node: 1 }] },
          { op: sum, inputs: [{ node: 0 }, { node: 2 }] },
        ],
        outputs: [{ node: 3 }],
      },
      // PReLU(c·x) = c·PReLU(x) for c > 0, element by element: any positive scale passes, α unchanged.
      symmetry: passthrough,
    };
  },
};

export const activationLayers: LayerKind[] = [
  {
    classNames: ['Activation'],
    exactPath: ACTIVATION_NODE,
    build({ config, inputShapes: [shape] }) {
      const resolved = resolveActivation(normalizeActivationName(config.raw.activation), config);
      if (!resolved.op) return { outputShape: shape, weights: [], ops: [], symmetry: passthrough };
      return {
        outputShape: shape,
        weights: [],
        ops: [resolved.op],
        symmetry: resolved.positivelyHomogeneous ? passthrough : { role: 'barrier', reason: resolved.name },
      };
    },
  },
  {
    classNames: ['ReLU'],
    exactPath: 'element-wise activation node, piecewise linear (max_value, threshold, negative_slope; σ″ = 0)',
    build({ config, inputShapes: [shape] }) {
      const maxValue = config.optionalNumber('max_value');
      if (maxValue !== null && maxValue < 0) config.fail(`"max_value" must not be negative (Keras refuses it), not ${maxValue}`);
      const threshold = nonNegative(config, 'threshold', 0);
      const activation = clippedRelu(maxValue, threshold, nonNegative(config, 'negative_slope', 0));
      const reason = maxValue !== null ? `clips at ${maxValue}` : `bends at the threshold ${threshold}, not at 0`;
      return elementwiseLayer(activation, shape, reason);
    },
  },
  {
    classNames: ['LeakyReLU'],
    exactPath: 'element-wise activation node, piecewise linear (σ″ = 0)',
    // Keras 2 and tfjs-layers call the slope alpha (default 0.3); Keras 3 calls it negative_slope.
    build: ({ config, inputShapes: [shape] }) =>
      elementwiseLayer(leakyRelu(config.has('negative_slope') ? config.number('negative_slope') : config.number('alpha', 0.3)), shape),
  },
  {
    classNames: ['ELU'],
    exactPath: 'element-wise activation node with its σ′ and σ″ (alpha)',
    build: ({ config, inputShapes: [shape] }) => elementwiseLayer(elu(config.number('alpha', 1)), shape),
  },
  {
    classNames: ['ThresholdedReLU'],
    exactPath: 'element-wise activation node, x above θ and 0 below (σ″ = 0)',
    build({ config, inputShapes: [shape] }) {
      const theta = config.number('theta', 1);
      return elementwiseLayer(thresholdedRelu(theta), shape, `cuts at θ = ${theta}`);
    },
  },
  prelu,
  {
    classNames: ['Softmax'],
    exactPath: 'softmax node over the axis or axes (J u = s⊙u − s⟨s, u⟩ and its derivative in closed form)',
    build({ config, inputShapes: [shape] }) {
      const axes = sampleAxes(config, config.raw.axis ?? -1, shape.length);
      const lastOnly = axes.length === 1 && axes[0] === shape.length - 1;
      return {
        outputShape: shape,
        weights: [],
        ops: [softmaxOp(lastOnly ? null : axes.map((a) => a + 1))],
        symmetry: { role: 'barrier', reason: 'softmax' },
      };
    },
  },
];
