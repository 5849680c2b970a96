/**
 * Element-wise activations with their first and second derivatives, for the backward pass and the
 * R-operator: R{y} = σ'(x)·R{x}, dx = σ'(x)·dy, R{dx} = σ'(x)·R{dy} + σ''(x)·dy·R{x}.
 * Derivatives at kinks follow TensorFlow (ReLU'(0) = 0), which PyTorch shares.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SharpnessError } from '../errors';
import type { KerasVersion } from './layers/config';
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
        // ReLU6 (every MobileNet's) in one kernel instead of four.
        if (maxValue === 6 && threshold === 0 && negativeSlope === 0) return tf.relu6(x);
        const above = tf.greaterEqual(x, threshold);
        let y = tf.where(above, x, tf.mul(tf.sub(x, threshold), negativeSlope));
        if (maxValue !== null) y = tf.minimum(y, maxValue);
        return y;
      }),
    derivative: (x) =>
      tf.tidy(() => {
        // Above the threshold the slope is 1 up to max_value; below it, negative_slope (never clipped).
        const above = maxValue === null ? tf.onesLike(x) : tf.cast(tf.less(x, maxValue), 'float32');
        return tf.where(tf.greater(x, threshold), above, tf.fill(x.shape, negativeSlope));
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

/** √(2/π) and the cubic coefficient of the tanh approximation of GELU (tfjs-layers' gelu_new). */
const GELU_TANH_SCALE = Math.sqrt(2 / Math.PI);
const GELU_TANH_CUBIC = 0.044715;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** The standard normal density φ(x). */
const normalDensity = (x: Tensor) => tf.mul(tf.exp(tf.mul(tf.square(x), -0.5)), INV_SQRT_2PI);

/**
 * hard_sigmoid is clip(slope·x + 0.5, 0, 1): slope 0.2 in Keras 2 and tfjs-layers, 1/6 in Keras 3
 * (relu6(x + 3)/6). The file's keras_version says which; without one the choice would be a guess.
 */
function hardSigmoid(version: KerasVersion, layer: string): ElementwiseActivation {
  if (version.writer === 'unknown')
    throw new SharpnessError(
      `layer "${layer}" uses hard_sigmoid, which Keras 3 (relu6(x + 3)/6) and Keras 2 / tfjs-layers (clip(0.2·x + 0.5)) define differently, and the file does not say which wrote it (no keras_version in modelTopology)`,
    );
  const keras3 = version.writer === 'keras' && version.major >= 3;
  const slope = keras3 ? 1 / 6 : 0.2;
  const edge = 0.5 / slope;
  return {
    name: 'hard_sigmoid',
    positivelyHomogeneous: false,
    apply: (x) => tf.tidy(() => tf.clipByValue(tf.add(tf.mul(x, slope), 0.5), 0, 1)),
    derivative: (x) =>
      tf.tidy(() => tf.where(tf.logicalAnd(tf.greater(x, -edge), tf.less(x, edge)), tf.fill(x.shape, slope), tf.zerosLike(x))),
    secondDerivative: null,
  };
}

const library: Record<string, (version: KerasVersion, layer: string) => ElementwiseActivation> = {
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
  hard_sigmoid: hardSigmoid,
  // Keras (2 and 3) and tfjs-layers: gelu is the exact x·Φ(x); σ' = Φ + x·φ, σ'' = φ·(2 − x²).
  gelu: () => ({
    name: 'gelu',
    positivelyHomogeneous: false,
    apply: (x) => tf.tidy(() => tf.mul(x, tf.mul(0.5, tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))))),
    derivative: (x) => tf.tidy(() => tf.add(tf.mul(0.5, tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))), tf.mul(x, normalDensity(x)))),
    secondDerivative: (x) => tf.tidy(() => tf.mul(normalDensity(x), tf.sub(2, tf.square(x)))),
  }),
  // tfjs-layers' gelu_new: ½x(1 + tanh u), u = √(2/π)(x + 0.044715x³). With t = tanh u:
  // σ' = ½(1 + t) + ½x(1 − t²)u', σ'' = (1 − t²)(u' + ½x(u'' − 2t·u'²)).
  gelu_new: () => {
    const parts = (x: Tensor) => {
      const t = tf.tanh(tf.mul(GELU_TANH_SCALE, tf.add(x, tf.mul(GELU_TANH_CUBIC, tf.pow(x, 3)))));
      const du = tf.mul(GELU_TANH_SCALE, tf.add(1, tf.mul(3 * GELU_TANH_CUBIC, tf.square(x))));
      return { t, du, sech2: tf.sub(1, tf.square(t)) };
    };
    return {
      name: 'gelu_new',
      positivelyHomogeneous: false,
      apply: (x) => tf.tidy(() => tf.mul(tf.mul(0.5, x), tf.add(1, parts(x).t))),
      derivative: (x) =>
        tf.tidy(() => {
          const { t, du, sech2 } = parts(x);
          return tf.add(tf.mul(0.5, tf.add(1, t)), tf.mul(tf.mul(0.5, x), tf.mul(sech2, du)));
        }),
      secondDerivative: (x) =>
        tf.tidy(() => {
          const { t, du, sech2 } = parts(x);
          const d2u = tf.mul(6 * GELU_TANH_CUBIC * GELU_TANH_SCALE, x);
          return tf.mul(sech2, tf.add(du, tf.mul(tf.mul(0.5, x), tf.sub(d2u, tf.mul(tf.mul(2, t), tf.square(du))))));
        }),
    };
  },
  // mish(x) = x·tanh(softplus x). With T = tanh(softplus x), s = sigmoid(x) (softplus' = s, T' = (1 − T²)s):
  // σ' = T + x(1 − T²)s, σ'' = (1 − T²)s·(2 + x(1 − s − 2Ts)).
  mish: () => {
    const parts = (x: Tensor) => {
      const T = tf.tanh(tf.softplus(x));
      const s = tf.sigmoid(x);
      return { T, s, sech2s: tf.mul(tf.sub(1, tf.square(T)), s) };
    };
    return {
      name: 'mish',
      positivelyHomogeneous: false,
      apply: (x) => tf.tidy(() => tf.mul(x, tf.tanh(tf.softplus(x)))),
      derivative: (x) =>
        tf.tidy(() => {
          const { T, sech2s } = parts(x);
          return tf.add(T, tf.mul(x, sech2s));
        }),
      secondDerivative: (x) =>
        tf.tidy(() => {
          const { T, s, sech2s } = parts(x);
          return tf.mul(sech2s, tf.add(2, tf.mul(x, tf.sub(tf.sub(1, s), tf.mul(tf.mul(2, T), s)))));
        }),
    };
  },
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

/** ThresholdedReLU: y = x where x > θ, else 0 (Keras 2 and tfjs-layers). θ = 0 is ReLU. */
export function thresholdedRelu(theta: number): ElementwiseActivation {
  if (theta === 0) return leaky('relu', 0);
  return {
    name: `thresholded_relu(${theta})`,
    positivelyHomogeneous: false,
    apply: (x) => tf.tidy(() => tf.mul(x, tf.cast(tf.greater(x, theta), 'float32'))),
    derivative: (x) => tf.tidy(() => tf.cast(tf.greater(x, theta), 'float32')),
    secondDerivative: null,
  };
}

/** Keras serialises activations as snake_case names (tfjs-layers) or identifiers; softmax and log_softmax are separate. */
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

/** The activation `name` as the file's writer (`version`) defines it. */
export function elementwiseActivation(name: string, layer: string, version: KerasVersion): ElementwiseActivation {
  const make = library[name];
  if (!make) {
    const known = [...Object.keys(library), 'softmax', 'log_softmax'].sort().join(', ');
    throw new SharpnessError(`layer "${layer}" uses the activation "${name}", which is not supported (supported: ${known})`);
  }
  return make(version, layer);
}
