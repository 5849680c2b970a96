/**
 * Preprocessing layers: Rescaling, Normalization, the random augmentation layers, RandomCrop and
 * CenterCrop, as each computes at inference.
 *
 * Keras semantics:
 * - Rescaling(scale, offset): y = x·scale + offset; scale and offset are numbers, or (Keras 3) arrays
 *   broadcast against the sample.
 * - Normalization(axis, mean, variance, invert) (Keras 2 and 3): per index of the kept axes `axis`
 *   (an int, a list, or null for one scalar), y = (x − mean)/max(√variance, ε) with ε = 1e-7 (Keras's
 *   backend epsilon), or mean + x·max(√variance, ε) with `invert`. mean and variance are the
 *   non-trainable weights `mean` and `variance` an adapted layer stores (its `count` is not used), or
 *   constants in the config, broadcast to the kept axes' shape.
 * - The random augmentation layers (flips, rotations, zooms, translations, contrast, brightness, the
 *   Keras 3 colour and mixing layers, and Keras 2's RandomHeight/RandomWidth) are the identity at
 *   inference. tfjs-layers' RandomWidth resizes by a random factor even at inference; the engine
 *   follows Keras.
 * - RandomCrop(height, width) at inference: Keras 3.8+ passes the image through unchanged; Keras 2 and
 *   Keras 3.0–3.7 take the largest centred window of the target's aspect ratio and resize it to
 *   height×width. Supported where that window is already height×width (a centre crop) or the input
 *   already has the target size; refused where it needs a resize.
 * - CenterCrop(height, width): the centred height×width window, starting at ⌊(H − height)/2⌋; Keras
 *   resizes instead when the input is smaller (refused). tfjs-layers starts the window one column
 *   right when the width differs by exactly 1, and samples it with cropAndResize, which is the same
 *   crop for windows of at least 2×2 (refused below).
 *
 * R-operator paths: `fixedAffineOp` (Rescaling, Normalization), no node (identities), `linearOp`
 * slices (crops); none has curvature of its own.
 *
 * Symmetry: identities and crops pass any scale channel by channel; Rescaling without an offset too;
 * an offset or Normalization's mean is a barrier.
 */
import * as tf from '@tensorflow/tfjs-core';
import { fixedAffineOp, linearOp } from '../ops';
import { requireRank, type LayerConfig } from './config';
import type { BuiltLayer, LayerKind, LayerSymmetry } from './kind';
import { sampleAxes } from './normalization-layers';
import { INFERENCE_IDENTITY_PATH } from './structural';
import type { Shape, Tensor, WeightMap } from '../types';

const passthrough: LayerSymmetry = { role: 'passthrough', channelwise: true };

/** Keras's backend epsilon, the floor of Normalization's standard deviation. */
const NORMALIZATION_EPSILON = 1e-7;

interface ConstantArray {
  values: Float32Array;
  shape: Shape;
}

/** A number or a (nested) list of numbers from the config; Keras 3 writes numpy arrays as {class_name: '__numpy__', config: {value}}. */
function readConstant(config: LayerConfig, key: string, fallback?: number): ConstantArray {
  let raw: unknown = config.raw[key] ?? fallback;
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw) && (raw as { class_name?: unknown }).class_name === '__numpy__')
    raw = ((raw as { config?: { value?: unknown } }).config ?? {}).value;
  const shape: Shape = [];
  for (let level: unknown = raw; Array.isArray(level); level = level[0]) shape.push(level.length);
  const values = [raw].flat(Infinity);
  const count = shape.reduce((a, b) => a * b, 1);
  if (values.length !== count || !values.every((v) => typeof v === 'number' && Number.isFinite(v)))
    config.fail(`"${key}" must be a number or a rectangular list of numbers, not ${JSON.stringify(raw)}`);
  return { values: Float32Array.from(values as number[]), shape };
}

/** numpy broadcasting of `from` to `to` (aligned at the right); false where it does not broadcast. */
function broadcastsTo(from: Shape, to: Shape): boolean {
  if (from.length > to.length) return false;
  return from.every((d, i) => d === 1 || d === to[to.length - from.length + i]);
}

const rescaling: LayerKind = {
  classNames: ['Rescaling'],
  exactPath: "fixed affine node (the config's scale and offset)",
  build({ config, inputShapes: [shape] }): BuiltLayer {
    const scale = readConstant(config, 'scale');
    const offset = readConstant(config, 'offset', 0);
    for (const [key, c] of [
      ['scale', scale],
      ['offset', offset],
    ] as const) {
      if (!broadcastsTo(c.shape, shape))
        config.fail(`"${key}" of shape [${c.shape.join(', ')}] does not broadcast to inputs [${shape.join(', ')}]`);
    }
    const hasOffset = offset.values.some((v) => v !== 0);
    return {
      outputShape: shape,
      weights: [],
      ops: [
        fixedAffineOp(() => ({
          center: null,
          scale: tf.tensor(scale.values, scale.shape),
          offset: hasOffset ? tf.tensor(offset.values, offset.shape) : null,
        })),
      ],
      symmetry: hasOffset ? { role: 'barrier', reason: 'adds a fixed offset' } : passthrough,
    };
  },
};

/** The mean and variance of a Normalization layer: its weights, or constants broadcast to the kept axes. */
function normalizationStatistics(config: LayerConfig, keepShape: Shape, broadcastShape: Shape) {
  const fromConfig = config.has('mean') || config.has('variance');
  if (!fromConfig) {
    const read = (w: WeightMap, role: 'mean' | 'variance') => tf.reshape(w[role] as Tensor, broadcastShape);
    return {
      weights: [
        { role: 'mean', shape: keepShape, trainable: false },
        { role: 'variance', shape: keepShape, trainable: false, nonNegative: true },
      ],
      mean: (w: WeightMap) => read(w, 'mean'),
      variance: (w: WeightMap) => read(w, 'variance'),
    };
  }
  const constant = (key: 'mean' | 'variance') => {
    if (!config.has(key)) config.fail('needs both "mean" and "variance" when either is given');
    const value = readConstant(config, key);
    if (!broadcastsTo(value.shape, keepShape))
      config.fail(`"${key}" of shape [${value.shape.join(', ')}] does not broadcast to the kept axes' shape [${keepShape.join(', ')}]`);
    return value;
  };
  const mean = constant('mean');
  const variance = constant('variance');
  const full = (c: ConstantArray) => () => tf.reshape(tf.broadcastTo(tf.tensor(c.values, c.shape), keepShape), broadcastShape);
  return { weights: [], mean: full(mean), variance: full(variance) };
}

const normalization: LayerKind = {
  classNames: ['Normalization'],
  exactPath: "fixed affine node (the stored mean and variance, or the config's constants)",
  build({ config, inputShapes: [shape] }): BuiltLayer {
    const raw = config.raw.axis === undefined ? -1 : config.raw.axis;
    const keep = raw === null || (Array.isArray(raw) && raw.length === 0) ? [] : sampleAxes(config, raw, shape.length);
    const keepShape = keep.map((a) => shape[a]);
    const broadcastShape = shape.map((d, a) => (keep.includes(a) ? d : 1));
    const invert = config.boolean('invert', false);
    const statistics = normalizationStatistics(config, keepShape, broadcastShape);
    const deviation = (w: WeightMap) => tf.maximum(tf.sqrt(statistics.variance(w)), NORMALIZATION_EPSILON);
    return {
      outputShape: shape,
      weights: statistics.weights,
      ops: [
        fixedAffineOp((w) =>
          invert
            ? { center: null, scale: deviation(w), offset: statistics.mean(w) }
            : { center: statistics.mean(w), scale: tf.reciprocal(deviation(w)), offset: null },
        ),
      ],
      symmetry: { role: 'barrier', reason: invert ? 'adds its fixed mean' : 'subtracts its fixed mean' },
    };
  },
};

/** The random augmentation layers: Keras applies them only in training. */
const augmentation: LayerKind = {
  classNames: [
    'RandomFlip',
    'RandomRotation',
    'RandomZoom',
    'RandomTranslation',
    'RandomContrast',
    'RandomBrightness',
    'RandomHeight',
    'RandomWidth',
    'RandomGrayscale',
    'RandomHue',
    'RandomSaturation',
    'RandomSharpness',
    'RandomShear',
    'RandomColorJitter',
    'RandomColorDegeneration',
    'RandomPosterization',
    'RandomInvert',
    'RandomErasing',
    'RandomGaussianBlur',
    'RandomPerspective',
    'RandomElasticTransform',
    'MixUp',
    'CutMix',
    'AugMix',
    'RandAugment',
  ],
  exactPath: INFERENCE_IDENTITY_PATH,
  build: ({ inputShapes: [shape] }) => ({ outputShape: shape, weights: [], ops: [], symmetry: passthrough }),
};

/** The height×width window at (top, left) of channels-last images. */
function crop(shape: Shape, top: number, left: number, height: number, width: number): BuiltLayer {
  const size = [-1, height, width, shape[2]];
  return {
    outputShape: [height, width, shape[2]],
    weights: [],
    ops: [
      linearOp({
        forward: ([x]) => tf.slice(x, [0, top, left, 0], size),
        adjoint: (dy) => [
          tf.pad(dy, [
            [0, 0],
            [top, shape[0] - height - top],
            [left, shape[1] - width - left],
            [0, 0],
          ]),
        ],
      }),
    ],
    symmetry: passthrough,
  };
}

function cropTarget(config: LayerConfig, shape: Shape): [number, number] {
  config.requireChannelsLast();
  requireRank(config, shape, 3, 'images [height, width, channels]');
  return [config.positiveInteger('height'), config.positiveInteger('width')];
}

const identity = (shape: Shape): BuiltLayer => ({ outputShape: shape, weights: [], ops: [], symmetry: passthrough });

const randomCrop: LayerKind = {
  classNames: ['RandomCrop'],
  exactPath: 'identity at inference (Keras 3.8+, or an input of the target size); else, as older Keras, a centre crop: a linear slice node',
  build({ config, inputShapes: [shape] }): BuiltLayer {
    const [height, width] = cropTarget(config, shape);
    const [H, W] = shape;
    const version = config.kerasVersion;
    if ((H === height && W === width) || (version.writer === 'keras' && (version.major > 3 || (version.major === 3 && version.minor >= 8))))
      return identity(shape);
    if (version.writer !== 'keras')
      config.fail(
        `what RandomCrop computes at inference depends on the Keras version, and the file says none (keras_version "${version.text}")`,
      );
    // The largest centred window of the target's aspect ratio (Keras's smart_resize).
    const cropHeight = Math.max(Math.min(H, Math.trunc((W * height) / width)), 1);
    const cropWidth = Math.max(Math.min(W, Math.trunc((H * width) / height)), 1);
    if (cropHeight !== height || cropWidth !== width)
      config.fail(
        `at inference Keras ${version.text} resizes the centred ${cropHeight}×${cropWidth} window of the ${H}×${W} input to ${height}×${width}, which is not supported (image resizing); resize the analysis data beforehand`,
      );
    return crop(shape, Math.trunc((H - cropHeight) / 2), Math.trunc((W - cropWidth) / 2), height, width);
  },
};

const centerCrop: LayerKind = {
  classNames: ['CenterCrop'],
  exactPath: 'linear node: the centred window, a slice; its adjoint pads the cut border with zeros',
  build({ config, inputShapes: [shape] }): BuiltLayer {
    const [height, width] = cropTarget(config, shape);
    const [H, W] = shape;
    if (H < height || W < width)
      config.fail(
        `the ${H}×${W} input is smaller than ${height}×${width}, so the layer resizes it, which is not supported; resize the analysis data beforehand`,
      );
    let left = Math.floor((W - width) / 2);
    if (config.kerasVersion.writer === 'tfjs-layers') {
      if (height < 2 || width < 2)
        config.fail('tfjs-layers samples a window narrower than 2 pixels off the pixel grid, which is not supported');
      if (W - width === 1) left = 1;
    }
    return crop(shape, Math.floor((H - height) / 2), left, height, width);
  },
};

export const preprocessingLayers: LayerKind[] = [rescaling, normalization, augmentation, randomCrop, centerCrop];
