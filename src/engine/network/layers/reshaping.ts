/**
 * Permute and RepeatVector: weightless linear maps that move or copy values.
 *
 * Keras semantics: Permute(dims) reorders the sample axes, `dims` a permutation of 1…rank (the batch
 * axis 0 stays first): output axis i is input axis dims[i]. RepeatVector(n) turns [features] into
 * [n, features], every row a copy of the input.
 *
 * R-operator path: `linearOp` (no curvature of their own): Permute's adjoint is the inverse
 * permutation, RepeatVector's the sum over the copies.
 *
 * Symmetry: positively homogeneous; channel-wise when the last axis stays the last one.
 */
import * as tf from '@tensorflow/tfjs-core';
import { linearOp } from '../ops';
import { requireRank } from './config';
import type { BuiltLayer, LayerKind } from './kind';

const permute: LayerKind = {
  classNames: ['Permute'],
  exactPath: 'linear node: a transpose of the sample axes; its adjoint the inverse permutation',
  build({ config, inputShapes: [shape] }): BuiltLayer {
    const raw = config.raw.dims;
    const rank = shape.length;
    const valid = Array.isArray(raw) && raw.length === rank && [...raw].sort((a, b) => a - b).every((d, i) => d === i + 1);
    if (!valid) config.fail(`"dims" must be a permutation of 1…${rank}, not ${JSON.stringify(raw)}`);
    const dims = raw as number[];
    const forward = [0, ...dims];
    const inverse = forward.map((_, i) => forward.indexOf(i));
    return {
      outputShape: dims.map((d) => shape[d - 1]),
      weights: [],
      ops: [linearOp({ forward: ([x]) => tf.transpose(x, forward), adjoint: (dy) => [tf.transpose(dy, inverse)] })],
      symmetry: { role: 'passthrough', channelwise: dims[rank - 1] === rank },
    };
  },
};

const repeatVector: LayerKind = {
  classNames: ['RepeatVector'],
  exactPath: 'linear node: n copies of the vector; its adjoint sums them',
  build({ config, inputShapes: [shape] }): BuiltLayer {
    requireRank(config, shape, 1, 'vectors [features]');
    const n = config.positiveInteger('n');
    return {
      outputShape: [n, shape[0]],
      weights: [],
      ops: [linearOp({ forward: ([x]) => tf.tile(tf.expandDims(x, 1), [1, n, 1]), adjoint: (dy) => [tf.sum(dy, 1)] })],
      symmetry: { role: 'passthrough', channelwise: true },
    };
  },
};

export const reshapingLayers: LayerKind[] = [permute, repeatVector];
