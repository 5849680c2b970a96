/**
 * BatchNormalization in inference mode: y = γ·(x − μ)/√(σ² + ε) + β with the moving statistics μ, σ²
 * fixed (they are not part of θ). Bilinear in (x̂, γ) after the fixed affine normalisation x̂.
 */
import * as tf from '@tensorflow/tfjs-core';
import { bilinearOp, memoized } from '../ops';
import type { LayerKind } from './kind';
import type { NodeOp, Tensor, WeightMap, WeightRole, WeightSlot } from '../types';

const allButLast = (t: Tensor) => [...Array(t.rank - 1).keys()];

function normalizeOp(epsilon: number): NodeOp {
  const inverseStd = (w: WeightMap) => tf.rsqrt(tf.add(w.moving_variance as Tensor, epsilon));
  const scaleOf = (record: Parameters<NodeOp['backward']>[1], w: WeightMap) => memoized(record, 'inverseStd', () => inverseStd(w));
  return {
    trainableRoles: [],
    forward: ([x], w) => ({ output: tf.mul(tf.sub(x, w.moving_mean as Tensor), inverseStd(w)) }),
    backward: (dy, record, w, needInputs) => ({ dInputs: [needInputs ? tf.mul(dy, scaleOf(record, w)) : null], dWeights: {} }),
    rForward: ([rx], _v, record, w) => (rx ? tf.mul(rx, scaleOf(record, w)) : null),
    rBackward: (_dy, rdy, _rx, _v, record, w, needInputs) => ({
      dInputs: [needInputs && rdy ? tf.mul(rdy, scaleOf(record, w)) : null],
      dWeights: {},
    }),
  };
}

function shiftOp(trainable: boolean): NodeOp {
  return {
    trainableRoles: trainable ? ['beta'] : [],
    forward: ([x], w) => ({ output: tf.add(x, w.beta as Tensor) }),
    backward: (dy, _record, _w, needInputs) => ({
      dInputs: [needInputs ? dy : null],
      dWeights: trainable ? { beta: tf.sum(dy, allButLast(dy)) } : {},
    }),
    rForward: ([rx], v, record) => {
      if (!v.beta) return rx;
      return tf.add(rx ?? tf.zerosLike(record.output), v.beta);
    },
    rBackward: (_dy, rdy, _rx, _v, _record, _w, needInputs) => ({
      dInputs: [needInputs ? rdy : null],
      dWeights: trainable && rdy ? { beta: tf.sum(rdy, allButLast(rdy)) } : {},
    }),
  };
}

export const batchNormalizationLayer: LayerKind = {
  classNames: ['BatchNormalization'],
  build({ config, inputShapes: [shape], trainable }) {
    const rawAxis = Array.isArray(config.raw.axis) && config.raw.axis.length === 1 ? config.raw.axis[0] : (config.raw.axis ?? -1);
    if (rawAxis !== -1 && rawAxis !== shape.length)
      config.fail(`normalising over axis ${JSON.stringify(config.raw.axis)} is not supported (only the last, channels axis)`);
    const channels = shape[shape.length - 1];
    const scale = config.boolean('scale', true);
    const center = config.boolean('center', true);
    const epsilon = config.number('epsilon', 1e-3);
    const weights: WeightSlot[] = [];
    if (scale) weights.push({ role: 'gamma', shape: [channels], trainable });
    if (center) weights.push({ role: 'beta', shape: [channels], trainable });
    weights.push(
      { role: 'moving_mean', shape: [channels], trainable: false },
      { role: 'moving_variance', shape: [channels], trainable: false },
    );
    const ops: NodeOp[] = [normalizeOp(epsilon)];
    if (scale) {
      ops.push(
        bilinearOp({
          kernelRole: 'gamma',
          biasRole: center ? ('beta' as WeightRole) : null,
          kernelTrainable: trainable,
          biasTrainable: trainable,
          inputDifferentiable: true,
          apply: (x, gamma) => tf.mul(x, gamma),
          adjointInput: (dy, gamma) => tf.mul(dy, gamma),
          adjointKernel: (x, dy) => tf.sum(tf.mul(x, dy), allButLast(dy)),
          biasReduce: (dy) => tf.sum(dy, allButLast(dy)),
        }),
      );
    } else if (center) {
      ops.push(shiftOp(trainable));
    }
    return { outputShape: shape, weights, ops, symmetry: { role: 'batchnorm' } };
  },
};
