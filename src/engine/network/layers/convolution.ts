/**
 * Conv2D and DepthwiseConv2D (channels last). Both are bilinear in (input, kernel); their adjoints are
 * TensorFlow's backprop kernels, which this project also provides for the wasm backend
 * (src/engine/backend/wasm-kernels.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { bilinearOp, memoized, type BilinearSpec } from '../ops';
import { normalizeActivationName } from '../activations';
import { ACTIVATION_NODE, resolveActivation } from './activation-layers';
import { requireRank, windowOutputLength, type LayerConfig } from './config';
import type { BuiltLayer, LayerContext, LayerKind } from './kind';
import type { NodeOp, Shape, Tensor, WeightRole } from '../types';

interface ConvGeometry {
  kernel: [number, number];
  strides: [number, number];
  padding: 'valid' | 'same';
}

function readGeometry(config: LayerConfig, shape: Shape): ConvGeometry {
  config.requireChannelsLast();
  config.requireUnitDilation();
  requireRank(config, shape, 3, 'images [height, width, channels]');
  const geometry = { kernel: config.pair('kernel_size'), strides: config.pair('strides', [1, 1]), padding: config.padding() };
  if (config.has('groups') && config.number('groups') !== 1) config.fail('grouped convolutions are not supported');
  const [h, w] = outputSize(geometry, shape);
  if (h < 1 || w < 1) config.fail(`a ${geometry.kernel.join('×')} window does not fit the ${shape[0]}×${shape[1]} input`);
  return geometry;
}

function outputSize({ kernel, strides, padding }: ConvGeometry, shape: Shape): [number, number] {
  return [windowOutputLength(shape[0], kernel[0], strides[0], padding), windowOutputLength(shape[1], kernel[1], strides[1], padding)];
}

function withActivation(config: LayerConfig, affine: NodeOp): { ops: NodeOp[]; homogeneous: boolean } {
  const activation = resolveActivation(normalizeActivationName(config.raw.activation), config);
  return { ops: activation.op ? [affine, activation.op] : [affine], homogeneous: activation.positivelyHomogeneous };
}

const sumOverPositions = (dy: Tensor) => tf.sum(dy, [0, 1, 2]);

/**
 * The adjoint side of the filter gradient, for when dy is the fixed one: dW[i, j] = Σ_h x[h] ·
 * E_ij[h] with E_ij[h] = dy[(h + padTop − i)/s] (zero where not divisible), so dW is one product of
 * Eᵀ = [kh·kw·F, N·H·W] (kept for the chunk) with a direction's R{x}.
 */
function transposedAdjointShifts(
  dy: Tensor,
  geometry: ConvGeometry,
  filterShape: [number, number, number, number],
  inputShape: number[],
): Tensor {
  return tf.tidy(() => {
    const info = tf.backend_util.computeConv2DInfo(
      inputShape as [number, number, number, number],
      filterShape,
      geometry.strides,
      1,
      geometry.padding,
    );
    const [n, outH, outW, f] = dy.shape;
    const [sh, sw] = geometry.strides;
    const [kh, kw] = geometry.kernel;
    let spread = dy;
    if (sh > 1 || sw > 1) {
      const padded = tf.pad(tf.reshape(dy, [n, outH, 1, outW, 1, f]), [
        [0, 0],
        [0, 0],
        [0, sh - 1],
        [0, 0],
        [0, sw - 1],
        [0, 0],
      ]);
      spread = tf.slice(tf.reshape(padded, [n, outH * sh, outW * sw, f]), [0, 0, 0, 0], [n, (outH - 1) * sh + 1, (outW - 1) * sw + 1, f]);
    }
    // E_ij = rows kh − 1 − i … of spread padded by kh − 1 − padTop before (columns alike).
    const [before, beforeW] = [kh - 1 - info.padInfo.top, kw - 1 - info.padInfo.left];
    const [height, width] = [info.inHeight + kh - 1, info.inWidth + kw - 1];
    const afterH = height - before - spread.shape[1]!;
    const afterW = width - beforeW - spread.shape[2]!;
    let source = spread;
    if (afterH < 0 || afterW < 0)
      source = tf.slice(source, [0, 0, 0, 0], [n, spread.shape[1]! + Math.min(0, afterH), spread.shape[2]! + Math.min(0, afterW), f]);
    source = tf.pad(source, [
      [0, 0],
      [before, Math.max(0, afterH)],
      [beforeW, Math.max(0, afterW)],
      [0, 0],
    ]);
    const shifts: Tensor[] = [];
    for (let i = 0; i < kh; i++)
      for (let j = 0; j < kw; j++) shifts.push(tf.slice(source, [0, kh - 1 - i, kw - 1 - j, 0], [n, info.inHeight, info.inWidth, f]));
    const stacked = shifts.length === 1 ? shifts[0] : tf.concat(shifts, 3);
    return tf.transpose(tf.reshape(stacked, [n * info.inHeight * info.inWidth, kh * kw * f]));
  });
}

/**
 * im2col, transposed: [kh·kw·C, N·Ho·Wo], row (i·kw + j)·C + c holding input channel c at window
 * offset (i, j) for every output position. The filter gradient is then one matrix product,
 * patchesᵀ · dy, and for the recorded input (fixed while θ is fixed) the patches are kept.
 */
function transposedPatches(x: Tensor, geometry: ConvGeometry, filterShape: [number, number, number, number]): Tensor {
  return tf.tidy(() => {
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filterShape,
      geometry.strides,
      1,
      geometry.padding,
    );
    const { top, bottom, left, right } = info.padInfo;
    const padded =
      top + bottom + left + right > 0
        ? tf.pad(x, [
            [0, 0],
            [top, bottom],
            [left, right],
            [0, 0],
          ])
        : x;
    const [n, , , c] = x.shape;
    const [sh, sw] = geometry.strides;
    const slices: Tensor[] = [];
    for (let i = 0; i < geometry.kernel[0]; i++) {
      for (let j = 0; j < geometry.kernel[1]; j++) {
        slices.push(
          tf.stridedSlice(
            padded,
            [0, i, j, 0],
            [n, i + (info.outHeight - 1) * sh + 1, j + (info.outWidth - 1) * sw + 1, c],
            [1, sh, sw, 1],
          ),
        );
      }
    }
    const columns = slices.length === 1 ? slices[0] : tf.concat(slices, 3);
    return tf.transpose(tf.reshape(columns, [n * info.outHeight * info.outWidth, geometry.kernel[0] * geometry.kernel[1] * c]));
  });
}

/** The parts Conv2D and DepthwiseConv2D differ in; the rest (bias, activation, weights, symmetry) is shared. */
interface ConvolutionParts {
  kernelRole: WeightRole;
  /** How the manifest may name the kernel after the layer's name, when not only by its role. */
  kernelPaths?: string[][];
  filterShape: [number, number, number, number];
  /** Output channels (the units a neuron-wise rescaling scales). */
  channels: number;
  depthwise: boolean;
  apply: BilinearSpec['apply'];
  adjointInput: BilinearSpec['adjointInput'];
  adjointKernel: BilinearSpec['adjointKernel'];
}

function convolutionLayer(
  { config, inputShapes: [shape], trainable }: LayerContext,
  geometry: ConvGeometry,
  parts: ConvolutionParts,
): BuiltLayer {
  const useBias = config.boolean('use_bias', true);
  const biasRole: WeightRole | null = useBias ? 'bias' : null;
  const affine = bilinearOp({
    kernelRole: parts.kernelRole,
    biasRole,
    kernelTrainable: trainable,
    biasTrainable: trainable,
    inputDifferentiable: true,
    apply: parts.apply,
    adjointInput: parts.adjointInput,
    adjointKernel: parts.adjointKernel,
    biasReduce: sumOverPositions,
  });
  const { ops, homogeneous } = withActivation(config, affine);
  return {
    outputShape: [...outputSize(geometry, shape), parts.channels],
    weights: [
      { role: parts.kernelRole, shape: parts.filterShape, trainable, ...(parts.kernelPaths ? { manifestPaths: parts.kernelPaths } : {}) },
      ...(biasRole ? [{ role: biasRole, shape: [parts.channels], trainable }] : []),
    ],
    ops,
    symmetry: {
      role: 'kernel',
      kernelRole: parts.kernelRole,
      biasRole,
      homogeneousActivation: homogeneous,
      units: parts.channels,
      inputChannelAxis: 2,
      depthwise: parts.depthwise,
    },
  };
}

export const conv2dLayer: LayerKind = {
  classNames: ['Conv2D', 'Convolution2D'],
  exactPath: `bilinear node (input ⊛ kernel: TensorFlow's conv2d, its adjoints the backprop kernels) + bias, then ${ACTIVATION_NODE}`,
  build(context): BuiltLayer {
    const shape = context.inputShapes[0];
    const geometry = readGeometry(context.config, shape);
    const { strides, padding } = geometry;
    const filters = context.config.positiveInteger('filters');
    const filterShape: [number, number, number, number] = [...geometry.kernel, shape[2], filters];
    return convolutionLayer(context, geometry, {
      kernelRole: 'kernel',
      filterShape,
      channels: filters,
      depthwise: false,
      apply: (x, kernel) => tf.conv2d(x as tf.Tensor4D, kernel as tf.Tensor4D, strides, padding),
      adjointInput: (dy, kernel, _record, inputShape) =>
        tf
          .engine()
          .runKernel('Conv2DBackpropInput', { dy, filter: kernel }, { strides, pad: padding, dataFormat: 'NHWC', inputShape }) as Tensor,
      adjointKernel: (x, dy, record, fixed) => {
        if (fixed === 'input') {
          const patches = memoized(record, 'patchesT', () => transposedPatches(x, geometry, filterShape));
          return tf.reshape(tf.matMul(patches as tf.Tensor2D, tf.reshape(dy, [-1, filters])), filterShape);
        }
        const shifts = memoized(record, 'adjointShiftsT', () => transposedAdjointShifts(dy, geometry, filterShape, x.shape));
        const product = tf.matMul(shifts as tf.Tensor2D, tf.reshape(x, [-1, shape[2]]));
        return tf.transpose(tf.reshape(product, [geometry.kernel[0], geometry.kernel[1], filters, shape[2]]), [0, 1, 3, 2]);
      },
    });
  },
};

export const depthwiseConv2dLayer: LayerKind = {
  classNames: ['DepthwiseConv2D'],
  exactPath: `bilinear node (input ⊛ depthwise kernel, channel by channel) + bias, then ${ACTIVATION_NODE}`,
  build(context): BuiltLayer {
    const shape = context.inputShapes[0];
    const geometry = readGeometry(context.config, shape);
    const multiplier = context.config.positiveInteger('depth_multiplier', 1);
    const filterShape: [number, number, number, number] = [...geometry.kernel, shape[2], multiplier];
    const attrs = { strides: geometry.strides, pad: geometry.padding, dilations: [1, 1] as [number, number] };
    return convolutionLayer(context, geometry, {
      kernelRole: 'depthwise_kernel',
      // Keras 3 names a DepthwiseConv2D's kernel `kernel`; Keras 2 and tfjs-layers `depthwise_kernel`.
      kernelPaths: [['depthwise_kernel'], ['kernel']],
      filterShape,
      channels: shape[2] * multiplier,
      depthwise: true,
      apply: (x, kernel) => tf.depthwiseConv2d(x as tf.Tensor4D, kernel as tf.Tensor4D, geometry.strides, geometry.padding),
      adjointInput: (dy, kernel, _record, inputShape) =>
        tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: kernel }, { ...attrs, inputShape }) as Tensor,
      adjointKernel: (x, dy) =>
        tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...attrs, filterShape }) as Tensor,
    });
  },
};
