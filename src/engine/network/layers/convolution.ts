/**
 * Conv2D and DepthwiseConv2D (channels last). Both are bilinear in (input, kernel); their adjoints are
 * TensorFlow's backprop kernels, which this project also provides for the wasm backend
 * (src/engine/backend/wasm-kernels.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { bilinearOp } from '../ops';
import { normalizeActivationName } from '../activations';
import { resolveActivation } from './activation-layers';
import { requireRank, windowOutputLength, type LayerConfig } from './config';
import type { BuiltLayer, LayerKind } from './kind';
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

export const conv2dLayer: LayerKind = {
  classNames: ['Conv2D', 'Convolution2D'],
  build({ config, inputShapes: [shape], trainable }): BuiltLayer {
    const geometry = readGeometry(config, shape);
    const { strides, padding } = geometry;
    const filters = config.positiveInteger('filters');
    const useBias = config.boolean('use_bias', true);
    const filterShape: [number, number, number, number] = [...geometry.kernel, shape[2], filters];
    const affine = bilinearOp({
      kernelRole: 'kernel',
      biasRole: useBias ? 'bias' : null,
      kernelTrainable: trainable,
      biasTrainable: trainable,
      inputDifferentiable: true,
      apply: (x, kernel) => tf.conv2d(x as tf.Tensor4D, kernel as tf.Tensor4D, strides, padding),
      adjointInput: (dy, kernel, _record, inputShape) =>
        tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: kernel }, { strides, pad: padding, dataFormat: 'NHWC', inputShape }) as Tensor,
      adjointKernel: (x, dy) => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides, pad: padding, dataFormat: 'NHWC', filterShape }) as Tensor,
      biasReduce: sumOverPositions,
    });
    const { ops, homogeneous } = withActivation(config, affine);
    return {
      outputShape: [...outputSize(geometry, shape), filters],
      weights: [
        { role: 'kernel', shape: filterShape, trainable },
        ...(useBias ? [{ role: 'bias' as WeightRole, shape: [filters], trainable }] : []),
      ],
      ops,
      symmetry: { role: 'kernel', kernelRole: 'kernel', biasRole: useBias ? 'bias' : null, homogeneousActivation: homogeneous, units: filters, inputChannelAxis: 2, depthwise: false },
    };
  },
};

export const depthwiseConv2dLayer: LayerKind = {
  classNames: ['DepthwiseConv2D'],
  build({ config, inputShapes: [shape], trainable }): BuiltLayer {
    const geometry = readGeometry(config, shape);
    const { strides, padding } = geometry;
    const multiplier = config.positiveInteger('depth_multiplier', 1);
    const useBias = config.boolean('use_bias', true);
    const channels = shape[2] * multiplier;
    const filterShape: [number, number, number, number] = [...geometry.kernel, shape[2], multiplier];
    const attrs = { strides, pad: padding, dilations: [1, 1] as [number, number] };
    const affine = bilinearOp({
      kernelRole: 'depthwise_kernel',
      biasRole: useBias ? 'bias' : null,
      kernelTrainable: trainable,
      biasTrainable: trainable,
      inputDifferentiable: true,
      apply: (x, kernel) => tf.depthwiseConv2d(x as tf.Tensor4D, kernel as tf.Tensor4D, strides, padding),
      adjointInput: (dy, kernel, _record, inputShape) =>
        tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: kernel }, { ...attrs, inputShape }) as Tensor,
      adjointKernel: (x, dy) => tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...attrs, filterShape }) as Tensor,
      biasReduce: sumOverPositions,
    });
    const { ops, homogeneous } = withActivation(config, affine);
    return {
      outputShape: [...outputSize(geometry, shape), channels],
      weights: [
        { role: 'depthwise_kernel', shape: filterShape, trainable },
        ...(useBias ? [{ role: 'bias' as WeightRole, shape: [channels], trainable }] : []),
      ],
      ops,
      symmetry: {
        role: 'kernel',
        kernelRole: 'depthwise_kernel',
        biasRole: useBias ? 'bias' : null,
        homogeneousActivation: homogeneous,
        units: channels,
        inputChannelAxis: 2,
        depthwise: true,
      },
    };
  },
};
