/** Dense: y = σ(x·W + b) on the last axis, W of shape [in, units] as TF.js stores it. */
import * as tf from '@tensorflow/tfjs-core';
import { bilinearOp, memoized } from '../ops';
import { normalizeActivationName } from '../activations';
import { ACTIVATION_NODE, resolveActivation } from './activation-layers';
import type { LayerKind } from './kind';
import type { Tensor } from '../types';

/** Flattens all leading axes so the product is one matrix multiplication. */
function asMatrix(x: Tensor): tf.Tensor2D {
  return x.rank === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [-1, x.shape[x.rank - 1]]);
}

// wasm's transposed matmuls run an order of magnitude slower than plain ones (docs/tfjs-notes.md,
// "Transposed matmuls are slow on wasm"), so every product below transposes explicitly, and the
// recorded activation's transpose is kept.
export const denseLayer: LayerKind = {
  classNames: ['Dense'],
  exactPath: `bilinear node (input × kernel, one matrix product) + bias, then ${ACTIVATION_NODE}`,
  build({ config, inputShapes: [shape], trainable }) {
    if (shape.length < 1) config.fail('needs an input with at least one feature axis');
    const inputs = shape[shape.length - 1];
    const units = config.positiveInteger('units');
    const useBias = config.boolean('use_bias', true);
    const activation = resolveActivation(normalizeActivationName(config.raw.activation), config);
    const affine = bilinearOp({
      kernelRole: 'kernel',
      biasRole: useBias ? 'bias' : null,
      kernelTrainable: trainable,
      biasTrainable: trainable,
      inputDifferentiable: true,
      apply(x, kernel) {
        const y = tf.matMul(asMatrix(x), kernel as tf.Tensor2D);
        return x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), units]);
      },
      adjointInput(dy, kernel, record, inputShape, kernelIsWeight) {
        const kernelT = kernelIsWeight ? memoized(record, 'kernelT', () => tf.transpose(kernel)) : tf.transpose(kernel);
        const dx = tf.matMul(asMatrix(dy), kernelT as tf.Tensor2D);
        return dx.shape.length === inputShape.length ? dx : tf.reshape(dx, inputShape);
      },
      adjointKernel(x, dy, record, fixed) {
        const xT = fixed === 'input' ? memoized(record, 'inputT', () => tf.transpose(asMatrix(x))) : tf.transpose(asMatrix(x));
        return tf.matMul(xT as tf.Tensor2D, asMatrix(dy));
      },
      biasReduce: (dy) => tf.sum(asMatrix(dy), 0),
    });
    return {
      outputShape: [...shape.slice(0, -1), units],
      weights: [
        { role: 'kernel', shape: [inputs, units], trainable },
        ...(useBias ? [{ role: 'bias' as const, shape: [units], trainable }] : []),
      ],
      ops: activation.op ? [affine, activation.op] : [affine],
      symmetry: {
        role: 'kernel',
        kernelRole: 'kernel',
        biasRole: useBias ? 'bias' : null,
        homogeneousActivation: activation.positivelyHomogeneous,
        units,
        inputChannelAxis: 0,
        depthwise: false,
      },
    };
  },
};
