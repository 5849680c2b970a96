/**
 * Conv1D (channels last): y[t] = σ(Σ_i x[t·s + i·d − pad] · K[i] + b) over sequences [steps, channels],
 * K of shape [k, in, filters] as Keras stores it. Padding 'valid', 'same' (TensorFlow's: the odd element
 * after) and 'causal' (Keras: (k − 1)·d zero steps before the sequence, then 'valid', so y[t] sees no
 * later step); any strides; any dilation_rate (not with strides > 1, which Keras refuses).
 *
 * R-operator path: the sequence becomes a height-1 image [1, steps, channels] (a reshape, with the
 * causal zeros in front: `sequenceAsImage`), the layer is Conv2D over it with a 1×k kernel, and K is
 * read through the reshape [k, in, f] → [1, k, in, f] (and the dilation, dilated-convolution.ts):
 * the bilinear node of convolution.ts and its wasm kernels, unchanged.
 */
import { asSequenceLayer, readLength, viewWeight, withConfig } from './adapters';
import { requireRank, windowOutputLength, type LayerConfig } from './config';
import { dilatedConv2dLayer } from './dilated-convolution';
import type { BuiltLayer, LayerKind, LayerSymmetry } from './kind';
import type { Shape } from '../types';

export interface SequenceWindow {
  kernel: number;
  strides: number;
  dilation: number;
  /** The padding of the 2-D layer: causal padding is 'valid' after `before` zero steps. */
  padding: 'valid' | 'same';
  before: number;
  /** The config of the same layer as a 2-D one over a height-1 image. */
  imageConfig: LayerConfig;
}

/** The geometry of a 1-D convolution (Conv1D, SeparableConv1D), checked against the input. */
export function readSequenceWindow(config: LayerConfig, shape: Shape): SequenceWindow {
  config.requireChannelsLast();
  requireRank(config, shape, 2, 'sequences [steps, channels]');
  const kernel = readLength(config, 'kernel_size');
  const strides = readLength(config, 'strides', 1);
  const dilation = readLength(config, 'dilation_rate', 1);
  const mode = config.string('padding', 'valid').toLowerCase();
  if (mode !== 'valid' && mode !== 'same' && mode !== 'causal') config.fail(`padding "${mode}" is not supported (valid, same or causal)`);
  const padding = mode === 'same' ? 'same' : 'valid';
  const span = (kernel - 1) * dilation + 1;
  const before = mode === 'causal' ? span - 1 : 0;
  if (windowOutputLength(shape[0] + before, span, strides, padding) < 1)
    config.fail(`a window of ${span} steps does not fit the input's ${shape[0]} steps`);
  const imageConfig = withConfig(config, {
    kernel_size: [1, kernel],
    strides: [1, strides],
    dilation_rate: [1, dilation],
    padding,
  });
  return { kernel, strides, dilation, padding, before, imageConfig };
}

/** A kernel layer's symmetry with the axis its 1-D kernel gives the input channels. */
export function withInputChannelAxis(symmetry: LayerSymmetry, axis: number | null): LayerSymmetry {
  return symmetry.role === 'kernel' ? { ...symmetry, inputChannelAxis: axis } : symmetry;
}

export const conv1dLayer: LayerKind = {
  classNames: ['Conv1D', 'Convolution1D'],
  exactPath:
    'Conv2D over the sequence as a height-1 image (linear reshape nodes; causal padding as zeros in front), the kernel [k, in, f] read as [1, k, in, f] by a fixed linear map (reparameterised node)',
  build({ config, inputShapes: [shape], trainable }): BuiltLayer {
    const window = readSequenceWindow(config, shape);
    const [steps, channels] = shape;
    const image = dilatedConv2dLayer.build({ config: window.imageConfig, inputShapes: [[1, steps + window.before, channels]], trainable });
    const filters = image.outputShape[2];
    const built = asSequenceLayer(viewWeight(image, 0, { role: 'kernel', shape: [window.kernel, channels, filters] }), window.before);
    return { ...built, symmetry: withInputChannelAxis(built.symmetry, 1) };
  },
};
