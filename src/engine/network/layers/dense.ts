/** Dense: y = σ(x·W + b) on the last axis, W of shape [in, units] as TF.js stores it. */
import * as tf from '@tensorflow/tfjs-core';
import { bilinearOp, hasMemo, memoized } from '../ops';
import { normalizeActivationName } from '../activations';
import { ACTIVATION_NODE, resolveActivation } from './activation-layers';
import type { LayerKind } from './kind';
import type { ForwardRecord, Tensor } from '../types';

/** Flattens all leading axes so the product is one matrix multiplication. */
function asMatrix(x: Tensor): tf.Tensor2D {
  return x.rank === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [-1, x.shape[x.rank - 1]]);
}

/**
 * Compaction pays when at most this fraction of the recorded input's features is nonzero somewhere
 * in the chunk (MNIST's border pixels: about 555 of 784 per chunk of 256 digits).
 */
export const COMPACT_INPUT_FRACTION = 0.9;

/**
 * The features (last-axis columns) of a cached chunk's recorded input that are nonzero in at least
 * one sample, when few enough for compaction (an empty tensor otherwise): the other columns add
 * exact zeros to x·V and give exact-zero rows of xᵀ·R{dy}, so both products skip them. Only for
 * cached chunks, which keep it (finding them reads the input back).
 */
function nonzeroColumns(record: ForwardRecord, x: Tensor): tf.Tensor1D | null {
  if (!hasMemo(record) || x !== record.inputs[0]) return null;
  const columns = memoized(record, 'inputColumns', () => {
    const width = x.shape[x.rank - 1];
    const values = x.dataSync();
    const used = new Uint8Array(width);
    for (let i = 0; i < values.length; i++) if (values[i] !== 0) used[i % width] = 1;
    const kept: number[] = [];
    for (let c = 0; c < width; c++) if (used[c]) kept.push(c);
    return tf.tensor1d(kept.length <= COMPACT_INPUT_FRACTION * width ? kept : [], 'int32');
  }) as tf.Tensor1D;
  return columns.size > 0 ? columns : null;
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
      apply(x, kernel, record) {
        const columns = record ? nonzeroColumns(record, x) : null;
        const y = columns
          ? tf.matMul(
              memoized(record!, 'inputCompact', () => tf.gather(asMatrix(x), columns, 1)) as tf.Tensor2D,
              tf.gather(kernel, columns),
            )
          : tf.matMul(asMatrix(x), kernel as tf.Tensor2D);
        return x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), units]);
      },
      adjointInput(dy, kernel, record, inputShape, kernelIsWeight) {
        const kernelT = kernelIsWeight ? memoized(record, 'kernelT', () => tf.transpose(kernel)) : tf.transpose(kernel);
        const dx = tf.matMul(asMatrix(dy), kernelT as tf.Tensor2D);
        return dx.shape.length === inputShape.length ? dx : tf.reshape(dx, inputShape);
      },
      adjointKernel(x, dy, record, fixed) {
        const columns = fixed === 'input' ? nonzeroColumns(record, x) : null;
        if (columns) {
          const xT = memoized(record, 'inputCompactT', () => tf.transpose(tf.gather(asMatrix(x), columns, 1)));
          const rows = tf.matMul(xT as tf.Tensor2D, asMatrix(dy));
          return tf.scatterND(tf.reshape(columns, [-1, 1]), rows, [x.shape[x.rank - 1], dy.shape[dy.rank - 1]]);
        }
        if (fixed === 'input') return tf.matMul(memoized(record, 'inputT', () => tf.transpose(asMatrix(x))) as tf.Tensor2D, asMatrix(dy));
        const rx = asMatrix(x);
        const dyMatrix = asMatrix(dy);
        // R{x}ᵀ·dy needs a transpose of R{x} (rows × inputs) for each product; (dyᵀ·R{x})ᵀ one of the
        // units × inputs result, with the recorded dy's transpose kept: cheaper for fewer units than rows.
        if (dyMatrix.shape[1] < rx.shape[0])
          return tf.transpose(tf.matMul(memoized(record, 'adjointT', () => tf.transpose(dyMatrix)) as tf.Tensor2D, rx));
        return tf.matMul(tf.transpose(rx), dyMatrix);
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
