/**
 * The convolution, pooling, resampling and padding classes built on convolution.ts and pooling.ts —
 * Conv2D and DepthwiseConv2D with any dilation, Conv1D, the separable and transposed convolutions,
 * up-sampling, cropping, 1-D padding and 1-D pooling — as the one list registry.ts takes.
 */
import { conv1dLayer } from './convolution-1d';
import { convolutionTransposeLayers } from './convolution-transpose';
import { dilatedConv2dLayer, dilatedDepthwiseConv2dLayer } from './dilated-convolution';
import type { LayerKind } from './kind';
import { pooling1dLayers } from './pooling-1d';
import { resamplingLayers } from './resampling';
import { separableConvolutionLayers } from './separable-convolution';

export const convolutionFamilyLayers: LayerKind[] = [
  dilatedConv2dLayer,
  dilatedDepthwiseConv2dLayer,
  conv1dLayer,
  ...separableConvolutionLayers,
  ...convolutionTransposeLayers,
  ...resamplingLayers,
  ...pooling1dLayers,
];
