/** Embedding: y = W[indices]. Linear in W; the integer input carries no derivative. */
import * as tf from '@tensorflow/tfjs-core';
import { bilinearOp } from '../ops';
import type { LayerKind } from './kind';

export const embeddingLayer: LayerKind = {
  classNames: ['Embedding'],
  exactPath: 'bilinear node (indices, table): a gather, linear in the table; the integer input carries no derivative',
  build({ config, inputShapes: [shape], trainable }) {
    const vocabulary = config.positiveInteger('input_dim');
    const dimension = config.positiveInteger('output_dim');
    if (config.boolean('mask_zero', false)) config.fail('mask_zero is not supported (masks change what later layers compute)');
    return {
      outputShape: [...shape, dimension],
      weights: [{ role: 'embeddings', shape: [vocabulary, dimension], trainable }],
      ops: [
        bilinearOp({
          kernelRole: 'embeddings',
          biasRole: null,
          kernelTrainable: trainable,
          biasTrainable: false,
          inputDifferentiable: false,
          apply: (indices, table) => tf.gather(table, tf.cast(indices, 'int32')),
          adjointInput: () => {
            throw new Error('Embedding inputs are indices and have no derivative');
          },
          adjointKernel: (indices, dy) =>
            tf.unsortedSegmentSum(tf.reshape(dy, [-1, dimension]), tf.reshape(tf.cast(indices, 'int32'), [-1]), vocabulary),
          biasReduce: () => {
            throw new Error('Embedding has no bias');
          },
        }),
      ],
      symmetry: {
        role: 'kernel',
        kernelRole: 'embeddings',
        biasRole: null,
        homogeneousActivation: true,
        units: dimension,
        inputChannelAxis: null,
        depthwise: false,
      },
    };
  },
};
