/** MaxPooling2D, AveragePooling2D and the global poolings (channels last). */
import * as tf from '@tensorflow/tfjs-core';
import { linearOp, memoized, selectionOp } from '../ops';
import { requireRank, windowOutputLength, type LayerConfig } from './config';
import type { BuiltLayer, LayerKind } from './kind';
import type { ForwardRecord, Shape, Tensor } from '../types';

interface PoolGeometry {
  window: [number, number];
  strides: [number, number];
  padding: 'valid' | 'same';
  outputShape: Shape;
}

function readPool(config: LayerConfig, shape: Shape): PoolGeometry {
  config.requireChannelsLast();
  requireRank(config, shape, 3, 'images [height, width, channels]');
  const window = config.pair('pool_size', [2, 2]);
  const strides = config.has('strides') ? config.pair('strides') : window;
  const padding = config.padding();
  const outputShape = [
    windowOutputLength(shape[0], window[0], strides[0], padding),
    windowOutputLength(shape[1], window[1], strides[1], padding),
    shape[2],
  ];
  if (outputShape[0] < 1 || outputShape[1] < 1) config.fail(`a ${window.join('×')} window does not fit the ${shape[0]}×${shape[1]} input`);
  return { window, strides, padding, outputShape };
}

/**
 * How many input positions each output of an average pool really averages: TensorFlow leaves the
 * padding of 'same' pooling out of the mean. Shape [1, outH, outW, 1].
 */
function windowCounts(inputShape: Shape, { window, strides, padding, outputShape }: PoolGeometry): Tensor {
  const counts = new Float32Array(outputShape[0] * outputShape[1]);
  const axisCount = (axis: 0 | 1, index: number) => {
    const padBefore =
      padding === 'same' ? Math.floor(Math.max((outputShape[axis] - 1) * strides[axis] + window[axis] - inputShape[axis], 0) / 2) : 0;
    const start = index * strides[axis] - padBefore;
    return Math.min(start + window[axis], inputShape[axis]) - Math.max(start, 0);
  };
  for (let i = 0; i < outputShape[0]; i++)
    for (let j = 0; j < outputShape[1]; j++) counts[i * outputShape[1] + j] = axisCount(0, i) * axisCount(1, j);
  return tf.tensor4d(counts, [1, outputShape[0], outputShape[1], 1]);
}

/** The values of u at flat positions `selection` (a pooling's chosen inputs). */
const gatherAt = (u: Tensor, selection: Tensor) => tf.reshape(tf.gather(tf.reshape(u, [-1]), tf.reshape(selection, [-1])), selection.shape);

/** The adjoint of `gatherAt`: dy summed into the chosen positions of an input-shaped tensor. */
const scatterTo = (dy: Tensor, selection: Tensor, inputShape: number[]) =>
  tf.reshape(
    tf.unsortedSegmentSum(
      tf.reshape(dy, [-1]),
      tf.reshape(selection, [-1]),
      inputShape.reduce((a, b) => a * b, 1),
    ),
    inputShape,
  );

/**
 * With windows that tile the input (stride = window, no padding) every input belongs to at most one
 * window, so the selection is a 0/1 mask and J u = window sums of mask ⊙ u: a native average pool
 * instead of a gather (6× faster on wasm). Jᵀ dy stays the scatter, a linear loop over dy on every
 * backend (the project's UnsortedSegmentSum; 3× faster on wasm and 80× on cpu than an average
 * pool's gradient times the mask).
 */
function tilingSelection(window: [number, number], strides: [number, number], padding: 'valid' | 'same', shape: Shape) {
  const tiles =
    strides[0] === window[0] &&
    strides[1] === window[1] &&
    (padding === 'valid' || (shape[0] % window[0] === 0 && shape[1] % window[1] === 0));
  if (!tiles) return { gather: gatherAt, scatter: scatterTo };
  const size = window[0] * window[1];
  const maskOf = (selection: Tensor, inputShape: number[], record: ForwardRecord) =>
    memoized(record, 'mask', () => scatterTo(tf.ones(selection.shape, 'float32'), selection, inputShape));
  return {
    gather: (u: Tensor, selection: Tensor, inputShape: number[], record: ForwardRecord) =>
      tf.mul(tf.avgPool(tf.mul(u, maskOf(selection, inputShape, record)) as tf.Tensor4D, window, strides, 'valid'), size),
    scatter: scatterTo,
  };
}

export const maxPooling2d: LayerKind = {
  classNames: ['MaxPooling2D', 'MaxPool2D'],
  exactPath: "selection node: the forward pass's argmax, the same in both directions",
  build({ config, inputShapes: [shape] }): BuiltLayer {
    const geometry = readPool(config, shape);
    const { window, strides, padding } = geometry;
    return {
      outputShape: geometry.outputShape,
      weights: [],
      ops: [
        selectionOp({
          forward(x) {
            const { result, indexes } = tf.maxPoolWithArgmax(x as tf.Tensor4D, window, strides, padding, true);
            return { output: result, selection: indexes };
          },
          ...tilingSelection(window, strides, padding, shape),
        }),
      ],
      symmetry: { role: 'passthrough', channelwise: true },
    };
  },
};

export const averagePooling2d: LayerKind = {
  classNames: ['AveragePooling2D', 'AvgPool2D'],
  exactPath: "linear node: the window means, its adjoint AvgPoolGrad rescaled to the windows' true counts at 'same' borders",
  build({ config, inputShapes: [shape] }): BuiltLayer {
    const geometry = readPool(config, shape);
    const { window, strides, padding } = geometry;
    const windowSize = window[0] * window[1];
    return {
      outputShape: geometry.outputShape,
      weights: [],
      ops: [
        linearOp({
          forward: ([x]) => tf.avgPool(x as tf.Tensor4D, window, strides, padding),
          // TF.js's AvgPoolGrad divides by the full window everywhere, which is not the adjoint of
          // its own 'same' average pool at the borders; rescaling dy by the true counts makes it so.
          adjoint: (dy, record) => {
            const counts = memoized(record, 'counts', () => windowCounts(shape, geometry));
            const scaled = tf.mul(dy, tf.div(windowSize, counts));
            return [
              tf
                .engine()
                .runKernel('AvgPoolGrad', { dy: scaled, input: record.inputs[0] }, { filterSize: window, strides, pad: padding }) as Tensor,
            ];
          },
        }),
      ],
      symmetry: { role: 'passthrough', channelwise: true },
    };
  },
};

function globalAveragePooling(classNames: string[], rank: number, what: string): LayerKind {
  return {
    classNames,
    exactPath: 'linear node: the mean over the positions of each channel',
    build({ config, inputShapes: [shape] }): BuiltLayer {
      config.requireChannelsLast();
      requireRank(config, shape, rank, what);
      const keepDims = config.boolean('keepdims', false);
      const axes = [...Array(rank - 1).keys()].map((a) => a + 1);
      const positions = shape.slice(0, -1).reduce((a, b) => a * b, 1);
      const channels = shape[shape.length - 1];
      return {
        outputShape: keepDims ? [...shape.slice(0, -1).map(() => 1), channels] : [channels],
        weights: [],
        ops: [
          linearOp({
            forward: ([x]) => tf.mean(x, axes, keepDims),
            adjoint: (dy, record) => {
              const expanded = keepDims ? dy : tf.reshape(dy, [dy.shape[0], ...axes.map(() => 1), channels]);
              return [tf.mul(tf.broadcastTo(expanded, record.inputs[0].shape), 1 / positions)];
            },
          }),
        ],
        symmetry: { role: 'passthrough', channelwise: true },
      };
    },
  };
}

export const globalMaxPooling2d: LayerKind = {
  classNames: ['GlobalMaxPooling2D', 'GlobalMaxPool2D'],
  exactPath: "selection node: the forward pass's argmax over the positions of each channel, the same in both directions",
  build({ config, inputShapes: [shape] }): BuiltLayer {
    config.requireChannelsLast();
    requireRank(config, shape, 3, 'images [height, width, channels]');
    if (config.boolean('keepdims', false)) config.fail('keepdims is not supported');
    const positions = shape[0] * shape[1];
    const channels = shape[2];
    return {
      outputShape: [channels],
      weights: [],
      ops: [
        selectionOp({
          forward(x) {
            return tf.tidy(() => {
              const batch = x.shape[0];
              const where = tf.argMax(tf.reshape(x, [batch, positions, channels]), 1);
              // Flat index of the maximum: ((n·positions) + where)·channels + c. The multipliers are
              // int32 scalars: a plain number would make TF.js compute (and return) float32.
              const int = (value: number) => tf.scalar(value, 'int32');
              const base = tf.add(
                tf.reshape(tf.mul(tf.range(0, batch, 1, 'int32'), int(positions * channels)), [batch, 1]),
                tf.range(0, channels, 1, 'int32'),
              );
              const selection = tf.add(tf.mul(where, int(channels)), base);
              return { output: tf.max(x, [1, 2]), selection };
            });
          },
          gather: gatherAt,
          scatter: scatterTo,
        }),
      ],
      symmetry: { role: 'passthrough', channelwise: true },
    };
  },
};

export const poolingLayers: LayerKind[] = [
  maxPooling2d,
  averagePooling2d,
  globalMaxPooling2d,
  globalAveragePooling(['GlobalAveragePooling2D', 'GlobalAvgPool2D'], 3, 'images [height, width, channels]'),
  globalAveragePooling(['GlobalAveragePooling1D', 'GlobalAvgPool1D'], 2, 'sequences [steps, channels]'),
];
