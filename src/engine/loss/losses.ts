/**
 * The training losses, as sums over a chunk of per-sample losses (the engine divides by the total
 * sample count), with their gradient and the R-operator of the gradient with respect to the network
 * output z. Cross-entropies are computed from logits when the output layer ends in the matching
 * softmax or sigmoid: stable, and the only form whose second derivative TF.js cannot get wrong.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '../network/types';

export type LossName = 'categorical_crossentropy' | 'sparse_categorical_crossentropy' | 'binary_crossentropy' | 'mean_squared_error';

/** A loss by name with its weight in the model's loss, as the engine's workers rebuild it. */
export interface LossSpec {
  name: LossName;
  weight: number;
}

export interface LossFunction {
  readonly name: LossName;
  /**
   * The output's weight in the model's loss, Σ over outputs of weight × loss (Keras `loss_weights`);
   * the engine applies it, so `value` and its derivatives are the output's own, unweighted.
   */
  readonly weight: number;
  /** The activation the loss absorbs (the network output it sees is then the logits before it). */
  readonly fusedActivation: 'softmax' | 'sigmoid' | null;
  /** Σ over the chunk of per-sample losses. */
  value(z: Tensor, target: Tensor): Tensor;
  /** ∂value/∂z. */
  gradient(z: Tensor, target: Tensor): Tensor;
  /** R{∂value/∂z} along R{z} = rz: the loss Hessian with respect to z applied to rz. */
  rGradient(z: Tensor, rz: Tensor, target: Tensor): Tensor;
  /** The model's prediction for z (probabilities after a fused activation). */
  prediction(z: Tensor): Tensor;
  /**
   * Σ over the chunk of each sample's accuracy, in [0, 1]: whether the predicted class is the target's
   * (argmax) for a softmax, the fraction of sigmoid outputs on the target's side of 0.5 (one output:
   * 0 or 1; several, multi-label: the mean over them). Null for regression. Sums over chunks and
   * workers add up, and the analysis divides by the sample count.
   */
  correct(z: Tensor, target: Tensor): Tensor | null;
}

/** Per-sample value of a softmax cross-entropy from logits: (Σ_c y_c)·logsumexp(z) − ⟨y, z⟩. */
function softmaxCrossEntropy(name: LossName, fused: boolean): Omit<LossFunction, 'weight'> {
  const targetMass = (target: Tensor) => tf.sum(target, -1, true);
  return {
    name,
    fusedActivation: fused ? 'softmax' : null,
    value: (z, target) =>
      tf.tidy(() => tf.sum(tf.sub(tf.mul(targetMass(target), tf.logSumExp(z, -1, true)), tf.sum(tf.mul(target, z), -1, true)))),
    gradient: (z, target) => tf.tidy(() => tf.sub(tf.mul(targetMass(target), tf.softmax(z)), target)),
    rGradient: (z, rz, target) =>
      tf.tidy(() => {
        const p = tf.softmax(z);
        const jacobian = tf.sub(tf.mul(p, rz), tf.mul(p, tf.sum(tf.mul(p, rz), -1, true)));
        return tf.mul(targetMass(target), jacobian);
      }),
    prediction: (z) => tf.softmax(z),
    correct: (z, target) => tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(z, -1), tf.argMax(target, -1)), 'float32'))),
  };
}

/** Values one sample's output holds (every axis after the batch axis). */
function outputsPerSample(z: Tensor): number {
  return z.size / z.shape[0]!;
}

/** Mean over a sample's outputs of softplus(z) − y·z, the sigmoid cross-entropy from logits, as Keras averages it. */
function sigmoidCrossEntropy(fused: boolean): Omit<LossFunction, 'weight'> {
  const perOutput = (z: Tensor) => 1 / outputsPerSample(z);
  return {
    name: 'binary_crossentropy',
    fusedActivation: fused ? 'sigmoid' : null,
    value: (z, target) => tf.tidy(() => tf.mul(tf.sum(tf.sub(tf.softplus(z), tf.mul(target, z))), perOutput(z))),
    gradient: (z, target) => tf.tidy(() => tf.mul(tf.sub(tf.sigmoid(z), target), perOutput(z))),
    rGradient: (z, rz) =>
      tf.tidy(() => {
        const s = tf.sigmoid(z);
        return tf.mul(tf.mul(tf.mul(s, tf.sub(1, s)), rz), perOutput(z));
      }),
    prediction: (z) => tf.sigmoid(z),
    // z > 0 is a probability above 0.5 (z is the logit).
    correct: (z, target) =>
      tf.tidy(() => tf.mul(tf.sum(tf.cast(tf.equal(tf.greater(z, 0), tf.greater(target, 0.5)), 'float32')), perOutput(z))),
  };
}

/** Mean over outputs of (o − y)². */
const meanSquaredError: Omit<LossFunction, 'weight'> = {
  name: 'mean_squared_error',
  fusedActivation: null,
  value: (o, target) => tf.tidy(() => tf.div(tf.sum(tf.square(tf.sub(o, target))), outputsPerSample(o))),
  gradient: (o, target) => tf.tidy(() => tf.mul(tf.sub(o, target), 2 / outputsPerSample(o))),
  rGradient: (o, ro) => tf.mul(ro, 2 / outputsPerSample(o)),
  prediction: (o) => tf.clone(o),
  correct: () => null,
};

function unweightedLoss(name: LossName, outputActivation: string | undefined): Omit<LossFunction, 'weight'> {
  switch (name) {
    case 'categorical_crossentropy':
    case 'sparse_categorical_crossentropy':
      return softmaxCrossEntropy(name, outputActivation === 'softmax');
    case 'binary_crossentropy':
      return sigmoidCrossEntropy(outputActivation === 'sigmoid');
    case 'mean_squared_error':
      return meanSquaredError;
  }
}

export function makeLoss(name: LossName, outputActivation: string | undefined, weight = 1): LossFunction {
  return { ...unweightedLoss(name, outputActivation), weight };
}
