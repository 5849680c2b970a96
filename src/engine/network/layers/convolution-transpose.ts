/**
 * Conv2DTranspose (channels last), as Keras and TensorFlow compute it: the adjoint of the Conv2D that
 * maps the layer's output shape back to its input shape, y[p·s + i − pad] += x[p] · K[i] (the kernel
 * [kh, kw, filters, in] as Keras stores it), then the bias and the activation. The output length per
 * axis is Keras's: in·s + max(k − s, 0) for 'valid' and in·s for 'same' without output_padding, else
 * (in − 1)·s + k + output_padding ('valid') or (in − 1)·s + k mod 2 + output_padding ('same');
 * 'same' padding is TensorFlow's for that output (the odd element after).
 *
 * R-operator path: bilinear in (input, kernel) (ops.ts, `bilinearOp`) with TensorFlow's convolution
 * kernels in the other roles: the forward map is Conv2DBackpropInput (dy = x), its input adjoint the
 * forward Conv2D of the output-shaped cotangent, its kernel adjoint Conv2DBackpropFilter (input = the
 * cotangent, dy = x). wasm runs the project's versions of the backprop kernels (docs/tfjs-notes.md).
 *
 * Refused: dilation_rate > 1, output_padding ≥ strides (Keras refuses it too), and an output_padding
 * whose output the convolution cannot map back to the input's size.
 */
import * as tf from '@tensorflow/tfjs-core';
import { bilinearOp } from '../ops';
import { normalizeActivationName } from '../activations';
import { ACTIVATION_NODE, resolveActivation } from './activation-layers';
import { requireRank, windowOutputLength, type LayerConfig } from './config';
import type { BuiltLayer, LayerKind } from './kind';
import type { Tensor } from '../types';

/** Keras's output length of a transposed convolution along one axis. */
function transposedLength(input: number, kernel: number, stride: number, padding: 'valid' | 'same', outputPadding: number | null): number {
  if (outputPadding === null) return padding === 'valid' ? input * stride + Math.max(kernel - stride, 0) : input * stride;
  return (input - 1) * stride + (padding === 'valid' ? kernel : kernel % 2) + outputPadding;
}

function readOutputPadding(config: LayerConfig, strides: [number, number]): [number, number] | null {
  if (!config.has('output_padding')) return null;
  const raw = config.raw.output_padding;
  const value = typeof raw === 'number' ? [raw, raw] : raw;
  if (!Array.isArray(value) || value.length !== 2 || !value.every((v) => Number.isInteger(v) && v >= 0))
    config.fail(`"output_padding" must be a non-negative integer or a pair of them, not ${JSON.stringify(raw)}`);
  const pair = value as [number, number];
  if (pair[0] >= strides[0] || pair[1] >= strides[1])
    config.fail(`output_padding ${JSON.stringify(pair)} must be smaller than the strides ${JSON.stringify(strides)}`);
  return pair;
}

const conv2dTransposeLayer: LayerKind = {
  classNames: ['Conv2DTranspose', 'Convolution2DTranspose'],
  exactPath: `bilinear node (input, kernel) whose forward map is Conv2DBackpropInput (its adjoints conv2d and Conv2DBackpropFilter) + bias, then ${ACTIVATION_NODE}`,
  build({ config, inputShapes: [shape], trainable }): BuiltLayer {
    config.requireChannelsLast();
    requireRank(config, shape, 3, 'images [height, width, channels]');
    if (config.has('dilation_rate')) {
      const [a, b] = config.pair('dilation_rate');
      if (a !== 1 || b !== 1) config.fail('dilation_rate other than 1 is not supported for transposed convolutions');
    }
    const kernel = config.pair('kernel_size');
    const strides = config.pair('strides', [1, 1]);
    const padding = config.padding();
    const outputPadding = readOutputPadding(config, strides);
    const filters = config.positiveInteger('filters');
    const channels = shape[2];
    const out = [0, 1].map((a) => transposedLength(shape[a], kernel[a], strides[a], padding, outputPadding ? outputPadding[a] : null));
    if (out.some((length, a) => length < 1 || windowOutputLength(length, kernel[a], strides[a], padding) !== shape[a]))
      config.fail(
        `its ${out.join('×')} output does not convolve back to the ${shape[0]}×${shape[1]} input (output_padding ${JSON.stringify(outputPadding)})`,
      );
    const useBias = config.boolean('use_bias', true);
    const filterShape: [number, number, number, number] = [kernel[0], kernel[1], filters, channels];
    const convolution = { strides, pad: padding, dataFormat: 'NHWC' as const };
    const affine = bilinearOp({
      kernelRole: 'kernel',
      biasRole: useBias ? 'bias' : null,
      kernelTrainable: trainable,
      biasTrainable: trainable,
      inputDifferentiable: true,
      apply: (x, k) =>
        tf
          .engine()
          .runKernel(
            'Conv2DBackpropInput',
            { dy: x, filter: k },
            { ...convolution, inputShape: [x.shape[0], out[0], out[1], filters] },
          ) as Tensor,
      adjointInput: (dy, k) => tf.conv2d(dy as tf.Tensor4D, k as tf.Tensor4D, strides, padding),
      adjointKernel: (x, dy) => tf.engine().runKernel('Conv2DBackpropFilter', { x: dy, dy: x }, { ...convolution, filterShape }) as Tensor,
      biasReduce: (dy) => tf.sum(dy, [0, 1, 2]),
    });
    const activation = resolveActivation(normalizeActivationName(config.raw.activation), config);
    return {
      outputShape: [out[0], out[1], filters],
      weights: [{ role: 'kernel', shape: filterShape, trainable }, ...(useBias ? [{ role: 'bias', shape: [filters], trainable }] : [])],
      ops: activation.op ? [affine, activation.op] : [affine],
      symmetry: {
        role: 'kernel',
        kernelRole: 'kernel',
        biasRole: useBias ? 'bias' : null,
        homogeneousActivation: activation.positivelyHomogeneous,
        units: filters,
        inputChannelAxis: 3,
        depthwise: false,
        outputChannelAxis: 2,
      },
    };
  },
};

export const convolutionTransposeLayers: LayerKind[] = [conv2dTransposeLayer];
