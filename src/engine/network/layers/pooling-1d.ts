/**
 * MaxPooling1D, AveragePooling1D (padding 'valid' or 'same'; 'same' averages only the steps a window
 * really holds, as TensorFlow does) and GlobalMaxPooling1D (with Keras's keepdims) over sequences
 * [steps, channels], channels last.
 *
 * R-operator path: the 2-D pooling nodes of pooling.ts over the sequence as a height-1 image (a
 * reshape, adapters.ts) with a 1×k window: max pooling is a selection fixed by the forward pass
 * (ops.ts, `selectionOp`), average pooling a weightless linear map with its corrected adjoint. All
 * are positively homogeneous, channel by channel.
 */
import { asSequenceLayer, readLength, reshapeOp, withConfig } from './adapters';
import { requireRank, windowOutputLength } from './config';
import type { BuiltLayer, LayerKind } from './kind';
import { averagePooling2d, globalMaxPooling2d, maxPooling2d } from './pooling';

function pooling1d(classNames: string[], pooling2d: LayerKind): LayerKind {
  return {
    classNames,
    exactPath: `${pooling2d.classNames[0]} with a 1×k window over the sequence as a height-1 image (linear reshape nodes around it)`,
    build({ config, inputShapes: [shape], trainable }): BuiltLayer {
      config.requireChannelsLast();
      requireRank(config, shape, 2, 'sequences [steps, channels]');
      const window = readLength(config, 'pool_size', 2);
      const strides = config.has('strides') ? readLength(config, 'strides') : window;
      const padding = config.padding();
      if (windowOutputLength(shape[0], window, strides, padding) < 1)
        config.fail(`a window of ${window} steps does not fit the input's ${shape[0]} steps`);
      const imageConfig = withConfig(config, { pool_size: [1, window], strides: [1, strides] });
      return asSequenceLayer(pooling2d.build({ config: imageConfig, inputShapes: [[1, ...shape]], trainable }));
    },
  };
}

const globalMaxPooling1d: LayerKind = {
  classNames: ['GlobalMaxPooling1D', 'GlobalMaxPool1D'],
  exactPath: `${globalMaxPooling2d.classNames[0]} over the sequence as a height-1 image (linear reshape nodes around it)`,
  build({ config, inputShapes: [shape], trainable }): BuiltLayer {
    config.requireChannelsLast();
    requireRank(config, shape, 2, 'sequences [steps, channels]');
    const keepDims = config.boolean('keepdims', false);
    const channels = shape[1];
    const image = globalMaxPooling2d.build({
      config: withConfig(config, { keepdims: undefined }),
      inputShapes: [[1, ...shape]],
      trainable,
    });
    return {
      ...image,
      outputShape: keepDims ? [1, channels] : [channels],
      ops: [reshapeOp([1, ...shape]), ...image.ops, ...(keepDims ? [reshapeOp([1, channels])] : [])],
    };
  },
};

export const pooling1dLayers: LayerKind[] = [
  pooling1d(['MaxPooling1D', 'MaxPool1D'], maxPooling2d),
  pooling1d(['AveragePooling1D', 'AvgPool1D'], averagePooling2d),
  globalMaxPooling1d,
];
