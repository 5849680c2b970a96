/**
 * Conv2D and DepthwiseConv2D (channels last). Both are bilinear in (input, kernel); their adjoints are
 * TensorFlow's backprop kernels, which this project also provides for the wasm backend
 * (src/engine/backend/wasm-kernels.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { bilinearOp, type BilinearSpec } from '../ops';
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
      // The filter gradient is TensorFlow's backprop-filter kernel: one convolution on wasm
      // (backend/wasm-kernels.ts), one loop on cpu (backend/cpu-kernels.ts), and nothing kept.
      adjointKernel: (x, dy) =>
        tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides, pad: padding, dataFormat: 'NHWC', filterShape }) as Tensor,
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
