/**
 * Element-wise activations with their first and second derivatives, for the backward pass and the
 * R-operator: R{y} = σ'(x)·R{x}, dx = σ'(x)·dy, R{dx} = σ'(x)·R{dy} + σ''(x)·dy·R{x}.
 * Derivatives at kinks follow TensorFlow (ReLU'(0) = 0), which PyTorch shares.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SharpnessError } from '../errors';
import type { Tensor } from './types';

export interface ElementwiseActivation {
  readonly name: string;
  /** σ(cx) = c·σ(x) for c > 0: the activation lets layer-wise and neuron-wise rescalings through. */
  readonly positivelyHomogeneous: boolean;
  apply(x: Tensor): Tensor;
  /** σ'(x); `y` is σ(x), which some derivatives reuse. */
  derivative(x: Tensor, y: Tensor): Tensor;
  /** σ''(x), or null where it is zero almost everywhere (piecewise-linear activations). */
  readonly secondDerivative: ((x: Tensor, y: Tensor) => Tensor) | null;
}

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

function leaky(name: string, alpha: number): ElementwiseActivation {
  return {
    name,
    positivelyHomogeneous: true,
    apply: (x) => (alpha === 0 ? tf.relu(x) : tf.leakyRelu(x, alpha)),
    derivative: (x) => tf.step(x, alpha),
    secondDerivative: null,
  };
}

/** Keras's ReLU layer: y = max_value if x ≥ max_value, x if x ≥ threshold, slope·(x − threshold) below. */
export function clippedRelu(maxValue: number | null, threshold: number, negativeSlope: number): ElementwiseActivation {
  if (maxValue === null && threshold === 0) return leaky(negativeSlope === 0 ? 'relu' : `leaky_relu(${negativeSlope})`, negativeSlope);
  return {
    name: `relu(max=${maxValue ?? '∞'}, threshold=${threshold}, slope=${negativeSlope})`,
    positivelyHomogeneous: false,
    apply: (x) =>
      tf.tidy(() => {
        const above = tf.greaterEqual(x, threshold);
        let y = tf.where(above, x, tf.mul(tf.sub(x, threshold), negativeSlope));
        if (maxValue !== null) y = tf.minimum(y, maxValue);
        return y;
      }),
    derivative: (x) =>
      tf.tidy(() => {
        let d = tf.where(tf.greater(x, threshold), tf.onesLike(x), tf.fill(x.shape, negativeSlope));
        if (maxValue !== null) d = tf.where(tf.less(x, maxValue), d, tf.zerosLike(x));
        return d;
      }),
    secondDerivative: null,
  };
}

const identity: ElementwiseActivation = {
  name: 'linear',
  positivelyHomogeneous: true,
  apply: (x) => tf.clone(x),
  derivative: (x) => tf.onesLike(x),
  secondDerivative: null,
};

const library: Record<string, () => ElementwiseActivation> = {
  linear: () => identity,
  relu: () => leaky('relu', 0),
  relu6: () => clippedRelu(6, 0, 0),
  elu: () => elu(1),
  selu: () => ({
    name: 'selu',
    positivelyHomogeneous: false,
    apply: (x) => tf.selu(x),
    derivative: (x) => tf.tidy(() => tf.where(tf.greater(x, 0), tf.fill(x.shape, SELU_SCALE), tf.mul(tf.exp(x), SELU_SCALE * SELU_ALPHA))),
    secondDerivative: (x) => tf.tidy(() => tf.where(tf.greater(x, 0), tf.zerosLike(x), tf.mul(tf.exp(x), SELU_SCALE * SELU_ALPHA))),
  }),
  tanh: () => ({
    name: 'tanh',
    positivelyHomogeneous: false,
    apply: (x) => tf.tanh(x),
    derivative: (_x, y) => tf.tidy(() => tf.sub(1, tf.square(y))),
    secondDerivative: (_x, y) => tf.tidy(() => tf.mul(tf.mul(-2, y), tf.sub(1, tf.square(y)))),
  }),
  sigmoid: () => ({
    name: 'sigmoid',
    positivelyHomogeneous: false,
    apply: (x) => tf.sigmoid(x),
    derivative: (_x, y) => tf.tidy(() => tf.mul(y, tf.sub(1, y))),
    secondDerivative: (_x, y) => tf.tidy(() => tf.mul(tf.mul(y, tf.sub(1, y)), tf.sub(1, tf.mul(2, y)))),
  }),
  hard_sigmoid: () => ({
    // Keras: clip(0.2·x + 0.5, 0, 1).
    name: 'hard_sigmoid',
    positivelyHomogeneous: false,
    apply: (x) => tf.tidy(() => tf.clipByValue(tf.add(tf.mul(x, 0.2), 0.5), 0, 1)),
    derivative: (x) => tf.tidy(() => tf.where(tf.logicalAnd(tf.greater(x, -2.5), tf.less(x, 2.5)), tf.fill(x.shape, 0.2), tf.zerosLike(x))),
    secondDerivative: null,
  }),
  softplus: () => ({
    name: 'softplus',
    positivelyHomogeneous: false,
    apply: (x) => tf.softplus(x),
    derivative: (x) => tf.sigmoid(x),
    secondDerivative: (x) =>
      tf.tidy(() => {
        const s = tf.sigmoid(x);
        return tf.mul(s, tf.sub(1, s));
      }),
  }),
  softsign: () => ({
    name: 'softsign',
    positivelyHomogeneous: false,
    apply: (x) => tf.tidy(() => tf.div(x, tf.add(1, tf.abs(x)))),
    derivative: (x) => tf.tidy(() => tf.reciprocal(tf.square(tf.add(1, tf.abs(x))))),
    secondDerivative: (x) => tf.tidy(() => tf.div(tf.mul(-2, tf.sign(x)), tf.pow(tf.add(1, tf.abs(x)), 3))),
  }),
  swish: () => ({
    name: 'swish',
    positivelyHomogeneous: false,
    apply: (x) => tf.tidy(() => tf.mul(x, tf.sigmoid(x))),
    derivative: (x) =>
      tf.tidy(() => {
        const s = tf.sigmoid(x);
        return tf.add(s, tf.mul(x, tf.mul(s, tf.sub(1, s))));
      }),
    secondDerivative: (x) =>
      tf.tidy(() => {
        const s = tf.sigmoid(x);
        return tf.mul(tf.mul(s, tf.sub(1, s)), tf.add(2, tf.mul(x, tf.sub(1, tf.mul(2, s)))));
      }),
  }),
  exponential: () => ({
    name: 'exponential',
    positivelyHomogeneous: false,
    apply: (x) => tf.exp(x),
    derivative: (_x, y) => tf.clone(y),
    secondDerivative: (_x, y) => tf.clone(y),
  }),
};
library.silu = library.swish;

export function elu(alpha: number): ElementwiseActivation {
  return {
    name: alpha === 1 ? 'elu' : `elu(${alpha})`,
    positivelyHomogeneous: false,
    apply: (x) => tf.tidy(() => tf.where(tf.greater(x, 0), x, tf.mul(tf.sub(tf.exp(x), 1), alpha))),
    derivative: (x) => tf.tidy(() => tf.where(tf.greater(x, 0), tf.onesLike(x), tf.mul(tf.exp(x), alpha))),
    secondDerivative: (x) => tf.tidy(() => tf.where(tf.greater(x, 0), tf.zerosLike(x), tf.mul(tf.exp(x), alpha))),
  };
}

export function leakyRelu(alpha: number): ElementwiseActivation {
  return leaky(`leaky_relu(${alpha})`, alpha);
}

/** Keras serialises activations as snake_case names (tfjs-layers) or identifiers; softmax is separate. */
export function normalizeActivationName(value: unknown): string {
  if (value === undefined || value === null) return 'linear';
  const raw =
    typeof value === 'string'
      ? value
      : typeof value === 'object' && value !== null && 'class_name' in value
        ? String((value as { class_name: unknown }).class_name)
        : String(value);
  const snake = raw.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  return snake === 'hard_sigmoid' || snake === 'hardsigmoid' ? 'hard_sigmoid' : snake;
}

export function elementwiseActivation(name: string, layer: string): ElementwiseActivation {
  const make = library[name];
  if (!make) {
    const known = [...Object.keys(library), 'softmax'].sort().join(', ');
    throw new SharpnessError(`layer "${layer}" uses the activation "${name}", which is not supported (supported: ${known})`);
  }
  return make();
}
