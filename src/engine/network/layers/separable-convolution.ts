/**
 * SeparableConv2D and SeparableConv1D (channels last), as Keras computes them: a depthwise
 * convolution (depthwise_kernel [kh, kw, in, m], or [k, in, m] in 1-D; depth_multiplier m; strides,
 * padding, dilation_rate) with no bias, then a pointwise 1×1 convolution (pointwise_kernel
 * [1, 1, in·m, filters], or [1, in·m, filters]) with the bias and the activation. Depthwise output
 * channel c·m + j is input channel c under its j-th filter, as TensorFlow orders it.
 *
 * R-operator path: the DepthwiseConv2D node (dilated-convolution.ts for dilation_rate > 1) followed
 * by the Conv2D node of convolution.ts, each bilinear in its input and its own kernel: the layer is
 * bilinear in (depthwise, pointwise), and the R-operator's cross term between the two kernels comes
 * from the chain (the pointwise node's R{x} carries the depthwise direction). The 1-D layer is the 2-D
 * one over a height-1 image, its kernels read through reshapes (adapters.ts). Padding 'causal' is
 * taken in 1-D as Keras takes it for Conv1D.
 *
 * tfjs-layers leaves depth_multiplier out of the SeparableConv2D config it saves; such a file with a
 * multiplier above 1 fails on the depthwise kernel's manifest shape (docs/tfjs-notes.md, "Where
 * tfjs-layers and Keras disagree on convolutions").
 *
 * Refused: what the depthwise and pointwise layers refuse (channels_first, dilation with strides > 1).
 */
import { asSequenceLayer, viewWeight, withConfig } from './adapters';
import { requireRank } from './config';
import { conv2dLayer } from './convolution';
import { readSequenceWindow, withInputChannelAxis } from './convolution-1d';
import { dilatedDepthwiseConv2dLayer } from './dilated-convolution';
import type { BuiltLayer, LayerContext, LayerKind } from './kind';

function separable2d({ config, inputShapes: [shape], trainable }: LayerContext): BuiltLayer {
  config.requireChannelsLast();
  requireRank(config, shape, 3, 'images [height, width, channels]');
  const multiplier = config.positiveInteger('depth_multiplier', 1);
  const filters = config.positiveInteger('filters');
  const depthwise = dilatedDepthwiseConv2dLayer.build({
    config: withConfig(config, { use_bias: false, activation: 'linear' }),
    inputShapes: [shape],
    trainable,
  });
  const pointwiseConfig = withConfig(config, { kernel_size: [1, 1], strides: [1, 1], padding: 'valid', dilation_rate: undefined });
  const channels = depthwise.outputShape[2];
  const pointwise = viewWeight(conv2dLayer.build({ config: pointwiseConfig, inputShapes: [depthwise.outputShape], trainable }), 0, {
    role: 'pointwise_kernel',
    innerRole: 'kernel',
    shape: [1, 1, channels, filters],
  });
  return {
    outputShape: pointwise.outputShape,
    weights: [...depthwise.weights, ...pointwise.weights],
    ops: [...depthwise.ops, ...pointwise.ops],
    // A layer-wise factor on the pointwise kernel scales the output as on any kernel layer. A
    // per-channel scale of the input passes the depthwise stage channel by channel, so the pointwise
    // rows undo it directly only when each input channel owns one row (depth_multiplier 1).
    symmetry: withInputChannelAxis(pointwise.symmetry, multiplier === 1 ? 2 : null),
  };
}

const separableConv2dLayer: LayerKind = {
  classNames: ['SeparableConv2D', 'SeparableConvolution2D'],
  exactPath:
    "DepthwiseConv2D's bilinear node without bias, then Conv2D's 1×1 bilinear node + bias and the activation's node; the cross term of the two kernels comes from the chain",
  build: separable2d,
};

const separableConv1dLayer: LayerKind = {
  classNames: ['SeparableConv1D', 'SeparableConvolution1D'],
  exactPath: 'SeparableConv2D over the sequence as a height-1 image, both kernels reshaped by fixed linear maps (reparameterised nodes)',
  build({ config, inputShapes: [shape], trainable }): BuiltLayer {
    const window = readSequenceWindow(config, shape);
    const [steps, channels] = shape;
    const image = separable2d({ config: window.imageConfig, inputShapes: [[1, steps + window.before, channels]], trainable });
    const multiplier = config.positiveInteger('depth_multiplier', 1);
    const filters = image.outputShape[2];
    const depthwise = viewWeight(image, 0, { role: 'depthwise_kernel', shape: [window.kernel, channels, multiplier] });
    const built = asSequenceLayer(
      viewWeight(depthwise, 1, { role: 'pointwise_kernel', shape: [1, channels * multiplier, filters] }),
      window.before,
    );
    return { ...built, symmetry: withInputChannelAxis(built.symmetry, multiplier === 1 ? 1 : null) };
  },
};

export const separableConvolutionLayers: LayerKind[] = [separableConv2dLayer, separableConv1dLayer];
