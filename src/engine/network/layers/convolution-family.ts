/**
 * The classes built on convolution.ts and pooling.ts: the convolutions (Conv2D and DepthwiseConv2D
 * with any dilation, Conv1D, the separable and transposed convolutions), which registry.ts lists as
 * one family, and with them up-sampling, cropping, 1-D padding and 1-D pooling, which it lists with
 * their own families. test/unit/backend/convolution-family.test.ts checks every class of this family
 * has a backend case and a corpus case.
 */
import { conv1dLayer } from './convolution-1d';
import { convolutionTransposeLayers } from './convolution-transpose';
import { dilatedConv2dLayer, dilatedDepthwiseConv2dLayer } from './dilated-convolution';
import type { LayerKind } from './kind';
import { pooling1dLayers } from './pooling-1d';
import { resamplingLayers } from './resampling';
import { separableConvolutionLayers } from './separable-convolution';

export const convolutionLayers: LayerKind[] = [
  dilatedConv2dLayer,
  dilatedDepthwiseConv2dLayer,
  conv1dLayer,
  ...separableConvolutionLayers,
  ...convolutionTransposeLayers,
];

export const convolutionFamilyLayers: LayerKind[] = [...convolutionLayers, ...resamplingLayers, ...pooling1dLayers];
