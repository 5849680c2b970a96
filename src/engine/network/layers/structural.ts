/** Layers that only move values around: Flatten, Reshape, ZeroPadding2D, and inference-time identities. */
import * as tf from '@tensorflow/tfjs-core';
import { linearOp } from '../ops';
import { readBoundaries, ZERO_PADDING_PATH, zeroPaddingOp } from './adapters';
import { requireRank } from './config';
import type { BuiltLayer, LayerKind } from './kind';

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

export const flattenLayer: LayerKind = {
  classNames: ['Flatten'],
  exactPath: 'linear node: a reshape of the channels-last sample to a vector',
  build({ config, inputShapes: [shape] }): BuiltLayer {
    config.requireChannelsLast();
    return {
      outputShape: [size(shape)],
      weights: [],
      ops: [
        linearOp({ forward: ([x]) => tf.reshape(x, [x.shape[0], -1]), adjoint: (dy, record) => [tf.reshape(dy, record.inputs[0].shape)] }),
      ],
      symmetry: shape.length > 1 ? { role: 'flatten', channels: shape[shape.length - 1] } : { role: 'passthrough', channelwise: true },
    };
  },
};

export const reshapeLayer: LayerKind = {
  classNames: ['Reshape'],
  exactPath: 'linear node: a reshape',
  build({ config, inputShapes: [shape] }): BuiltLayer {
    const raw = config.raw.target_shape;
    if (!Array.isArray(raw) || !raw.every((d) => Number.isInteger(d) && (d > 0 || d === -1)))
      config.fail(`invalid target_shape ${JSON.stringify(raw)}`);
    const target = raw as number[];
    const known = size(target.filter((d) => d !== -1));
    const resolved = target.map((d) => (d === -1 ? size(shape) / known : d));
    if (size(resolved) !== size(shape) || !resolved.every(Number.isInteger))
      config.fail(`cannot reshape [${shape.join(', ')}] to [${target.join(', ')}]`);
    const sameChannels = resolved[resolved.length - 1] === shape[shape.length - 1];
    return {
      outputShape: resolved,
      weights: [],
      ops: [
        linearOp({
          forward: ([x]) => tf.reshape(x, [x.shape[0], ...resolved]),
          adjoint: (dy, record) => [tf.reshape(dy, record.inputs[0].shape)],
        }),
      ],
      // Keeping the channel axis keeps each channel's values in their own positions.
      symmetry: { role: 'passthrough', channelwise: sameChannels },
    };
  },
};

export const zeroPadding2dLayer: LayerKind = {
  classNames: ['ZeroPadding2D'],
  exactPath: ZERO_PADDING_PATH,
  build({ config, inputShapes: [shape] }): BuiltLayer {
    config.requireChannelsLast();
    requireRank(config, shape, 3, 'images [height, width, channels]');
    const [[top, bottom], [left, right]] = readBoundaries(config, 'padding', 1);
    return {
      outputShape: [shape[0] + top + bottom, shape[1] + left + right, shape[2]],
      weights: [],
      ops: [
        zeroPaddingOp([
          [top, bottom],
          [left, right],
        ]),
      ],
      symmetry: { role: 'passthrough', channelwise: true },
    };
  },
};

/** The exact path of a layer that computes nothing at inference (preprocessing.ts's augmentation layers too). */
export const INFERENCE_IDENTITY_PATH = 'identity at inference (no node), as Keras';

/** Layers that change nothing at inference time (dropout and noise are training-only). */
export const inferenceIdentityLayer: LayerKind = {
  classNames: [
    'Dropout',
    'SpatialDropout1D',
    'SpatialDropout2D',
    'GaussianNoise',
    'GaussianDropout',
    'AlphaDropout',
    'ActivityRegularization',
  ],
  exactPath: INFERENCE_IDENTITY_PATH,
  build: ({ inputShapes: [shape] }) => ({ outputShape: shape, weights: [], ops: [], symmetry: { role: 'passthrough', channelwise: true } }),
};
