// Small models of the convolution-family layers (src/engine/network/layers/convolution-family.ts), one per
// class and option, for the backend tests: helpers.ts adds them to MODEL_CASES, so adjoint.test.ts checks
// every node of each (the reparameterised nodes of ops.ts among them) and layers.test.ts runs each on cpu
// and wasm (analyze() agreement, Hessian symmetry, finite differences for the smooth ones).
import { dense, type LayerSpec } from '../../helpers/model-writer';
import type { ModelCase } from './helpers';

type Config = Record<string, unknown>;

/** A kernel layer's spec; its bias is dropped with use_bias: false. */
function kernelLayer(className: string, weights: [string, number[]][], config: Config): LayerSpec {
  const full = { activation: 'linear', use_bias: true, ...config };
  const kept = weights.filter(([role]) => role !== 'bias' || full.use_bias);
  return { className, config: full, weights: kept.map(([role, shape]) => ({ role, shape })) };
}

const conv1d = (k: number, c: number, f: number, config: Config = {}) =>
  kernelLayer(
    'Conv1D',
    [
      ['kernel', [k, c, f]],
      ['bias', [f]],
    ],
    { filters: f, kernel_size: [k], ...config },
  );

const conv2d = (k: [number, number], c: number, f: number, config: Config = {}) =>
  kernelLayer(
    'Conv2D',
    [
      ['kernel', [...k, c, f]],
      ['bias', [f]],
    ],
    { filters: f, kernel_size: k, ...config },
  );

const depthwise = (k: [number, number], c: number, m: number, config: Config = {}) =>
  kernelLayer(
    'DepthwiseConv2D',
    [
      ['depthwise_kernel', [...k, c, m]],
      ['bias', [c * m]],
    ],
    { kernel_size: k, depth_multiplier: m, ...config },
  );

const separable2d = (k: [number, number], c: number, m: number, f: number, config: Config = {}) =>
  kernelLayer(
    'SeparableConv2D',
    [
      ['depthwise_kernel', [...k, c, m]],
      ['pointwise_kernel', [1, 1, c * m, f]],
      ['bias', [f]],
    ],
    { filters: f, kernel_size: k, depth_multiplier: m, ...config },
  );

const separable1d = (k: number, c: number, m: number, f: number, config: Config = {}) =>
  kernelLayer(
    'SeparableConv1D',
    [
      ['depthwise_kernel', [k, c, m]],
      ['pointwise_kernel', [1, c * m, f]],
      ['bias', [f]],
    ],
    { filters: f, kernel_size: [k], depth_multiplier: m, ...config },
  );

const transpose = (k: [number, number], c: number, f: number, config: Config = {}) =>
  kernelLayer(
    'Conv2DTranspose',
    [
      ['kernel', [...k, f, c]],
      ['bias', [f]],
    ],
    { filters: f, kernel_size: k, ...config },
  );

const head = (inputs: number, classes: number) => dense(classes, inputs, 'softmax');

/** A layer without weights (helpers.ts's `plain`, which this file cannot import: helpers.ts imports it). */
const plain = (className: string, config: Config = {}): LayerSpec => ({ className, config });

/** One small model per class and option (odd, non-square sizes so 'same' padding is asymmetric). */
export const CONVOLUTION_FAMILY_CASES: readonly ModelCase[] = [
  {
    name: 'Conv1D same stride 2 (even kernel) → Flatten',
    inputShape: [7, 2],
    layers: [conv1d(2, 2, 3, { padding: 'same', strides: [2], activation: 'tanh' }), plain('Flatten'), head(4 * 3, 3)],
    classes: 3,
    smooth: true,
  },
  {
    name: 'Conv1D causal dilation 2 → GlobalMaxPooling1D',
    inputShape: [6, 2],
    layers: [conv1d(3, 2, 3, { padding: 'causal', dilation_rate: [2], activation: 'relu' }), plain('GlobalMaxPooling1D'), head(3, 3)],
    classes: 3,
    smooth: false,
  },
  {
    name: 'Conv1D valid dilation 2 → GlobalAveragePooling1D',
    inputShape: [8, 1],
    layers: [conv1d(3, 1, 2, { dilation_rate: 2, activation: 'softplus' }), plain('GlobalAveragePooling1D'), head(2, 2)],
    classes: 2,
    smooth: true,
  },
  {
    name: 'Conv2D same dilation 2×1 → Flatten',
    inputShape: [5, 4, 2],
    layers: [conv2d([3, 2], 2, 2, { padding: 'same', dilation_rate: [2, 1], activation: 'tanh' }), plain('Flatten'), head(5 * 4 * 2, 3)],
    classes: 3,
    smooth: true,
  },
  {
    name: 'DepthwiseConv2D valid dilation 2 ×2 → GlobalAveragePooling2D',
    inputShape: [6, 5, 2],
    layers: [depthwise([2, 2], 2, 2, { dilation_rate: 2, activation: 'sigmoid' }), plain('GlobalAveragePooling2D'), head(4, 2)],
    classes: 2,
    smooth: true,
  },
  {
    name: 'SeparableConv2D same stride 2 ×2 → Flatten',
    inputShape: [5, 4, 2],
    layers: [separable2d([3, 3], 2, 2, 3, { padding: 'same', strides: [2, 2], activation: 'tanh' }), plain('Flatten'), head(3 * 2 * 3, 3)],
    classes: 3,
    smooth: true,
  },
  {
    name: 'SeparableConv2D valid dilation 2, no bias, relu',
    inputShape: [6, 5, 1],
    layers: [
      separable2d([2, 2], 1, 1, 2, { dilation_rate: [2, 2], activation: 'relu', use_bias: false }),
      plain('Flatten'),
      head(4 * 3 * 2, 2),
    ],
    classes: 2,
    smooth: false,
  },
  {
    name: 'SeparableConv1D causal ×2',
    inputShape: [5, 2],
    layers: [separable1d(3, 2, 2, 2, { padding: 'causal', activation: 'tanh' }), plain('Flatten'), head(5 * 2, 2)],
    classes: 2,
    smooth: true,
  },
  {
    name: 'Conv2DTranspose same stride 2',
    inputShape: [3, 2, 2],
    layers: [transpose([3, 3], 2, 2, { padding: 'same', strides: [2, 2], activation: 'tanh' }), plain('Flatten'), head(6 * 4 * 2, 3)],
    classes: 3,
    smooth: true,
  },
  {
    name: 'Conv2DTranspose valid stride 3 (kernel shorter than the stride) → GlobalAveragePooling2D',
    inputShape: [2, 3, 1],
    layers: [transpose([2, 4], 1, 2, { strides: [3, 2], activation: 'softplus' }), plain('GlobalAveragePooling2D'), head(2, 2)],
    classes: 2,
    smooth: true,
  },
  {
    name: 'Conv2DTranspose same stride 2 with output_padding',
    inputShape: [3, 3, 1],
    layers: [
      transpose([3, 2], 1, 2, { padding: 'same', strides: [2, 2], output_padding: [1, 1], activation: 'tanh' }),
      plain('Flatten'),
      head(6 * 5 * 2, 2),
    ],
    classes: 2,
    smooth: true,
  },
  {
    name: 'UpSampling2D 2×3 → Conv2D',
    inputShape: [3, 2, 1],
    layers: [
      plain('UpSampling2D', { size: [2, 3] }),
      conv2d([2, 2], 1, 2, { strides: [2, 2], activation: 'tanh' }),
      plain('Flatten'),
      head(3 * 3 * 2, 2),
    ],
    classes: 2,
    smooth: true,
  },
  {
    name: 'Cropping2D asymmetric → Conv2D',
    inputShape: [6, 5, 2],
    layers: [
      plain('Cropping2D', {
        cropping: [
          [1, 2],
          [0, 1],
        ],
      }),
      conv2d([2, 2], 2, 2, { activation: 'tanh' }),
      plain('Flatten'),
      head(2 * 3 * 2, 2),
    ],
    classes: 2,
    smooth: true,
  },
  {
    name: 'ZeroPadding1D → Cropping1D → UpSampling1D → Conv1D',
    inputShape: [4, 2],
    layers: [
      plain('ZeroPadding1D', { padding: [2, 1] }),
      plain('Cropping1D', { cropping: [0, 2] }),
      plain('UpSampling1D', { size: 2 }),
      conv1d(3, 2, 2, { strides: [2], activation: 'tanh' }),
      plain('Flatten'),
      head(4 * 2, 2),
    ],
    classes: 2,
    smooth: true,
  },
  {
    name: 'Conv1D linear → MaxPooling1D same (odd length) → keepdims GlobalMaxPooling1D',
    inputShape: [7, 1],
    layers: [
      conv1d(2, 1, 2),
      plain('MaxPooling1D', { pool_size: [2], padding: 'same' }),
      plain('GlobalMaxPooling1D', { keepdims: true }),
      plain('Flatten'),
      head(2, 2),
    ],
    classes: 2,
    smooth: false,
  },
  {
    name: 'AveragePooling1D same 3 stride 2 (partial windows)',
    inputShape: [6, 2],
    layers: [
      conv1d(1, 2, 2, { activation: 'tanh' }),
      plain('AveragePooling1D', { pool_size: 3, strides: 2, padding: 'same' }),
      plain('Flatten'),
      head(3 * 2, 2),
    ],
    classes: 2,
    smooth: true,
  },
];
