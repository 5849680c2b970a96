/**
 * Conv2D and DepthwiseConv2D with any dilation_rate. Keras's dilated convolution (TensorFlow's atrous
 * convolution) reads the input at taps d apart: y[p] = Σ_i x[p·s + i·d − pad] · K[i]. That is the
 * undilated convolution with the kernel K′ = dilate(K), of size (k − 1)·d + 1, holding K's taps d apart
 * and zeros between them ('same' padding is computed from that effective size in both). dilate is a
 * fixed linear map, so the layer is the undilated node of convolution.ts reading K through it
 * (ops.ts, `reparameterizedOp`): exact on every backend that runs the undilated node, including the
 * wasm kernels the project provides (docs/tfjs-notes.md). Dilation 1 is the undilated layer itself.
 *
 * tfjs-layers' own DepthwiseConv2D saves dilation_rate but convolves undilated; the engine computes what
 * the file says, as Keras does (docs/tfjs-notes.md, "Where tfjs-layers and Keras disagree on convolutions").
 *
 * Refused: dilation_rate > 1 together with strides > 1 (Keras refuses that combination too).
 */
import * as tf from '@tensorflow/tfjs-core';
import { withConfig, viewWeight } from './adapters';
import { conv2dLayer, depthwiseConv2dLayer } from './convolution';
import type { BuiltLayer, LayerKind } from './kind';
import type { Tensor, WeightRole } from '../types';

/** [kh, kw, a, b] → [(kh − 1)·dh + 1, (kw − 1)·dw + 1, a, b] with the taps dh rows and dw columns apart. */
export function dilateKernel(kernel: Tensor, [dh, dw]: [number, number]): Tensor {
  const [kh, kw, a, b] = kernel.shape;
  const spread = tf.pad(tf.reshape(kernel, [kh, 1, kw, 1, a, b]), [
    [0, 0],
    [0, dh - 1],
    [0, 0],
    [0, dw - 1],
    [0, 0],
    [0, 0],
  ]);
  return tf.slice(tf.reshape(spread, [kh * dh, kw * dw, a, b]), [0, 0, 0, 0], [(kh - 1) * dh + 1, (kw - 1) * dw + 1, a, b]);
}

/** The adjoint of `dilateKernel`: the taps of a dilated-kernel gradient. */
export function undilateKernel(gradient: Tensor, [dh, dw]: [number, number]): Tensor {
  return tf.stridedSlice(gradient, [0, 0, 0, 0], gradient.shape, [dh, dw, 1, 1]);
}

/** A 2-D convolution kind that also takes dilation_rate > 1, by viewing its kernel through `dilateKernel`. */
function dilatable(kind: LayerKind, kernelRole: WeightRole): LayerKind {
  return {
    classNames: kind.classNames,
    exactPath: `${kind.exactPath}; with dilation_rate > 1 the undilated node reads the kernel through a fixed dilation map (reparameterised node)`,
    build(context): BuiltLayer {
      const { config } = context;
      const dilation = config.pair('dilation_rate', [1, 1]);
      if (dilation[0] === 1 && dilation[1] === 1) return kind.build(context);
      const strides = config.pair('strides', [1, 1]);
      if (strides[0] > 1 || strides[1] > 1)
        config.fail('dilation_rate > 1 together with strides > 1 is not supported (Keras refuses it too)');
      const kernel = config.pair('kernel_size');
      const effective = [(kernel[0] - 1) * dilation[0] + 1, (kernel[1] - 1) * dilation[1] + 1];
      const undilated = kind.build({ ...context, config: withConfig(config, { kernel_size: effective, dilation_rate: undefined }) });
      const slot = undilated.weights.find((w) => w.role === kernelRole)!;
      return viewWeight(undilated, 0, {
        role: kernelRole,
        shape: [...kernel, ...slot.shape.slice(2)],
        map: (w) => dilateKernel(w, dilation),
        adjoint: (dw) => undilateKernel(dw, dilation),
      });
    },
  };
}

export const dilatedConv2dLayer = dilatable(conv2dLayer, 'kernel');
export const dilatedDepthwiseConv2dLayer = dilatable(depthwiseConv2dLayer, 'depthwise_kernel');
