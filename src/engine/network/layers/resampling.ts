/**
 * Layers that resample, crop or pad along the spatial axes (channels last), all weightless linear maps
 * (ops.ts, `linearOp`: R{y} = A R{x}, R{dx} = Aᵀ R{dy}) and positively homogeneous, channel by channel:
 * - UpSampling2D / UpSampling1D with interpolation 'nearest': every value repeated size times along
 *   each axis (Keras's `repeat`; TensorFlow's nearest resize at an integer factor is the same). Aᵀ sums
 *   each block of copies.
 * - Cropping2D / Cropping1D: a slice; Aᵀ pads the cropped border with zeros.
 * - ZeroPadding1D: zeros before and after the steps; Aᵀ slices them off.
 *
 * Refused: UpSampling2D interpolations other than 'nearest'. Keras resizes 'bilinear' with half-pixel
 * centres and tfjs-layers without them, so the same file means two different functions
 * (docs/tfjs-notes.md, "Where tfjs-layers and Keras disagree on convolutions").
 */
import * as tf from '@tensorflow/tfjs-core';
import { linearOp } from '../ops';
import { readBoundaries, readBoundary, readLength, ZERO_PADDING_PATH, zeroPaddingOp } from './adapters';
import { requireRank, type LayerConfig } from './config';
import type { BuiltLayer, LayerKind } from './kind';
import type { NodeOp, Shape } from '../types';

const PASSTHROUGH = { role: 'passthrough', channelwise: true } as const;

const REPEAT_PATH = 'linear node: every value repeated size times along each axis; its adjoint sums each block of copies';
const CROP_PATH = 'linear node: a slice; its adjoint pads the cut border with zeros';

/** Repeats each of the spatial axes (all but batch and channels) factors[a] times, value by value. */
function repeatOp(factors: number[]): NodeOp {
  // [n, d1, …, c] → [n, d1, 1, d2, 1, …, c] → tiled to [n, d1, f1, d2, f2, …, c] → [n, d1·f1, d2·f2, …, c].
  const interleaved = (shape: number[], inner: (a: number) => number) => [
    shape[0],
    ...factors.flatMap((f, a) => [shape[a + 1], inner(f)]),
    shape[shape.length - 1],
  ];
  return linearOp({
    forward: ([x]) => {
      const spread = tf.reshape(
        x,
        interleaved(x.shape, () => 1),
      );
      const tiled = tf.tile(spread, [1, ...factors.flatMap((f) => [1, f]), 1]);
      return tf.reshape(tiled, [x.shape[0], ...factors.map((f, a) => x.shape[a + 1] * f), x.shape[x.rank - 1]]);
    },
    adjoint: (dy, record) => {
      const shape = record.inputs[0].shape;
      const blocks = tf.reshape(
        dy,
        interleaved(shape, (f) => f),
      );
      return [
        tf.reshape(
          tf.sum(
            blocks,
            factors.map((_, a) => 2 * a + 2),
          ),
          shape,
        ),
      ];
    },
  });
}

/** Keeps [before, after) of every spatial axis cut off by crops[a]; the adjoint pads the cut back with zeros. */
function cropOp(crops: [number, number][]): NodeOp {
  return linearOp({
    forward: ([x]) =>
      tf.slice(
        x,
        [0, ...crops.map(([before]) => before), 0],
        [x.shape[0], ...crops.map(([before, after], a) => x.shape[a + 1] - before - after), x.shape[x.rank - 1]],
      ),
    adjoint: (dy) => [tf.pad(dy, [[0, 0], ...crops, [0, 0]])],
  });
}

function checkedCrops(config: LayerConfig, shape: Shape, crops: [number, number][]): Shape {
  const kept = crops.map(([before, after], a) => shape[a] - before - after);
  if (kept.some((length) => length < 1))
    config.fail(`cropping ${JSON.stringify(crops)} leaves nothing of the input [${shape.slice(0, -1).join(', ')}]`);
  return [...kept, shape[shape.length - 1]];
}

const upSampling2d: LayerKind = {
  classNames: ['UpSampling2D'],
  exactPath: REPEAT_PATH,
  build({ config, inputShapes: [shape] }): BuiltLayer {
    config.requireChannelsLast();
    requireRank(config, shape, 3, 'images [height, width, channels]');
    const interpolation = config.string('interpolation', 'nearest');
    if (interpolation !== 'nearest')
      config.fail(
        `interpolation "${interpolation}" is not supported, only "nearest" (Keras resizes "bilinear" with half-pixel centres and tfjs-layers without, so the file does not say which function the model computes)`,
      );
    const size = config.pair('size', [2, 2]);
    return { outputShape: [shape[0] * size[0], shape[1] * size[1], shape[2]], weights: [], ops: [repeatOp(size)], symmetry: PASSTHROUGH };
  },
};

const upSampling1d: LayerKind = {
  classNames: ['UpSampling1D'],
  exactPath: REPEAT_PATH,
  build({ config, inputShapes: [shape] }): BuiltLayer {
    requireRank(config, shape, 2, 'sequences [steps, channels]');
    const size = readLength(config, 'size', 2);
    return { outputShape: [shape[0] * size, shape[1]], weights: [], ops: [repeatOp([size])], symmetry: PASSTHROUGH };
  },
};

const cropping2d: LayerKind = {
  classNames: ['Cropping2D'],
  exactPath: CROP_PATH,
  build({ config, inputShapes: [shape] }): BuiltLayer {
    config.requireChannelsLast();
    requireRank(config, shape, 3, 'images [height, width, channels]');
    const crops = readBoundaries(config, 'cropping', 0);
    return { outputShape: checkedCrops(config, shape, crops), weights: [], ops: [cropOp(crops)], symmetry: PASSTHROUGH };
  },
};

const cropping1d: LayerKind = {
  classNames: ['Cropping1D'],
  exactPath: CROP_PATH,
  build({ config, inputShapes: [shape] }): BuiltLayer {
    requireRank(config, shape, 2, 'sequences [steps, channels]');
    const crops = [readBoundary(config, 'cropping', config.raw.cropping ?? 1)];
    return { outputShape: checkedCrops(config, shape, crops), weights: [], ops: [cropOp(crops)], symmetry: PASSTHROUGH };
  },
};

const zeroPadding1d: LayerKind = {
  classNames: ['ZeroPadding1D'],
  exactPath: ZERO_PADDING_PATH,
  build({ config, inputShapes: [shape] }): BuiltLayer {
    requireRank(config, shape, 2, 'sequences [steps, channels]');
    const [before, after] = readBoundary(config, 'padding', config.raw.padding ?? 1);
    return {
      outputShape: [shape[0] + before + after, shape[1]],
      weights: [],
      ops: [zeroPaddingOp([[before, after]])],
      symmetry: PASSTHROUGH,
    };
  },
};

export const resamplingLayers: LayerKind[] = [upSampling2d, upSampling1d, cropping2d, cropping1d, zeroPadding1d];
