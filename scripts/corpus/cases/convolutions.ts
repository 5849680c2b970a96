/**
 * Convolutions, pooling, resampling and padding beyond Conv2D/pooling 2-D: Conv1D (valid, same,
 * causal, strides, dilation), SeparableConv2D/1D, Conv2DTranspose (valid, same, a kernel shorter than
 * the stride, output_padding), Conv2D/DepthwiseConv2D with dilation, UpSampling2D/1D, Cropping2D/1D,
 * ZeroPadding1D, MaxPooling1D, AveragePooling1D and the 1-D global poolings (keepdims). Layers and
 * options tfjs-layers lacks come from scripts/corpus/keras-subclasses.ts and are saved in Keras converter
 * layouts only. tfjs-layers has no gradient for dilated convolutions, so the dilated cases keep their
 * seeded weights (no training steps).
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import type { CorpusCase } from '../corpus-case';
import { kerasLayers as K } from '../keras-subclasses';

type Layers = typeof tfl;
type Symbolic = tfl.SymbolicTensor;

function conv1dPooling(L: Layers): tfl.LayersModel {
  return L.sequential({
    layers: [
      L.layers.conv1d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', inputShape: [12, 2] }),
      L.layers.maxPooling1d({ poolSize: 2, padding: 'same' }),
      L.layers.conv1d({ filters: 3, kernelSize: 2, activation: 'tanh' }),
      L.layers.flatten(),
      L.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
}

function conv1dDilated(L: Layers): tfl.LayersModel {
  return L.sequential({
    layers: [
      L.layers.conv1d({ filters: 3, kernelSize: 3, dilationRate: 2, activation: 'tanh', inputShape: [12, 2] }),
      L.layers.conv1d({ filters: 3, kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'tanh' }),
      K.causalConv1d({ filters: 3, kernelSize: 2, dilationRate: 3, activation: 'relu' }),
      L.layers.averagePooling1d({ poolSize: 3, strides: 2, padding: 'same' }),
      L.layers.globalMaxPooling1d({}),
      L.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
}

/** A causal Conv1D into two branches: average then max pooled with keepdims, concatenated. */
function conv1dCausal(L: Layers): tfl.LayersModel {
  const input = L.input({ shape: [9, 2] });
  const features = K.causalConv1d({ filters: 4, kernelSize: 3, activation: 'relu' }).apply(input) as Symbolic;
  const mean = K.globalAveragePooling1d(true).apply(features) as Symbolic;
  const pooled = L.layers.averagePooling1d({ poolSize: 2 }).apply(features) as Symbolic;
  const max = K.globalMaxPooling1d(true).apply(pooled) as Symbolic;
  const merged = L.layers.concatenate().apply([mean, max]) as Symbolic;
  const flat = L.layers.flatten().apply(merged) as Symbolic;
  const output = L.layers.dense({ units: 3, activation: 'softmax' }).apply(flat) as Symbolic;
  return L.model({ inputs: input, outputs: output });
}

function separable2d(L: Layers): tfl.LayersModel {
  return L.sequential({
    layers: [
      K.separableConv2d({
        filters: 4,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        depthMultiplier: 2,
        activation: 'relu',
        inputShape: [7, 6, 2],
      }),
      L.layers.separableConv2d({ filters: 3, kernelSize: 2, activation: 'tanh', useBias: false }),
      L.layers.flatten(),
      L.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
}

function dilated2d(L: Layers): tfl.LayersModel {
  return L.sequential({
    layers: [
      L.layers.conv2d({ filters: 3, kernelSize: [3, 2], dilationRate: [2, 1], padding: 'same', activation: 'tanh', inputShape: [7, 7, 2] }),
      K.dilatedDepthwiseConv2d({ kernelSize: [2, 2], dilationRate: [2, 2], depthMultiplier: 1, activation: 'relu' }),
      K.separableConv2d({ filters: 2, kernelSize: 2, dilationRate: 2, depthMultiplier: 2, activation: 'tanh' }),
      L.layers.flatten(),
      L.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
}

function separable1d(L: Layers): tfl.LayersModel {
  return L.sequential({
    layers: [
      K.separableConv1d({
        filters: 4,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        depthMultiplier: 2,
        activation: 'relu',
        inputShape: [10, 3],
      }),
      K.separableConv1d({ filters: 3, kernelSize: 2, padding: 'causal', depthMultiplier: 1, activation: 'tanh' }),
      L.layers.globalAveragePooling1d({}),
      L.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
}

function transposed(L: Layers): tfl.LayersModel {
  return L.sequential({
    layers: [
      L.layers.conv2dTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', inputShape: [3, 4, 2] }),
      L.layers.maxPooling2d({ poolSize: 2 }),
      L.layers.separableConv2d({ filters: 3, kernelSize: 2, activation: 'relu' }),
      L.layers.conv2dTranspose({ filters: 2, kernelSize: [2, 3], strides: [3, 2], activation: 'tanh' }),
      L.layers.globalAveragePooling2d({}),
      L.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
}

function transposedOutputPadding(L: Layers): tfl.LayersModel {
  return L.sequential({
    layers: [
      K.conv2dTranspose({
        filters: 3,
        kernelSize: [3, 3],
        strides: [2, 2],
        padding: 'same',
        outputPadding: [1, 1],
        activation: 'relu',
        inputShape: [3, 3, 2],
      }),
      K.conv2dTranspose({ filters: 2, kernelSize: [2, 2], strides: [2, 2], padding: 'valid', outputPadding: [1, 0], activation: 'tanh' }),
      L.layers.globalAveragePooling2d({}),
      L.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
}

function upSamplingCropping(L: Layers): tfl.LayersModel {
  return L.sequential({
    layers: [
      L.layers.upSampling2d({ size: [2, 3], inputShape: [4, 3, 2] }),
      L.layers.cropping2D({
        cropping: [
          [1, 2],
          [0, 3],
        ],
      }),
      L.layers.conv2d({ filters: 3, kernelSize: 3, strides: 2, activation: 'relu' }),
      L.layers.upSampling2d({}),
      L.layers.cropping2D({ cropping: 1 }),
      L.layers.flatten(),
      L.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
}

function sequenceResampling(L: Layers): tfl.LayersModel {
  return L.sequential({
    layers: [
      K.zeroPadding1d([2, 1], { inputShape: [6, 2] }),
      L.layers.conv1d({ filters: 3, kernelSize: 3, activation: 'relu' }),
      L.layers.maxPooling1d({ poolSize: 2 }),
      K.upSampling1d(2),
      K.cropping1d([1, 2]),
      K.zeroPadding1d([1, 1]),
      L.layers.flatten(),
      L.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
}

const KERAS_ONLY =
  'Keras-only layers from scripts/corpus/keras-subclasses.ts (the PyTorch reading is the reference for their forward pass)';

export const convolutionCases: CorpusCase[] = [
  {
    name: 'conv1d-pooling',
    description: 'Conv1D same with strides 2 and valid, MaxPooling1D same (odd length), Flatten; tfjs-layers save',
    format: 'tfjs-layers',
    build: conv1dPooling,
    inputs: [{ shape: [12, 2] }],
    classes: 3,
    loss: 'categoricalCrossentropy',
    samples: 32,
    trainSteps: 60,
  },
  {
    name: 'keras2-conv1d-dilated',
    description: `Conv1D with dilation_rate 2 (valid and same) and causal with dilation 3, AveragePooling1D same with strides 2 (partial windows), GlobalMaxPooling1D; Keras 2 layout, seeded weights; causal Conv1D: ${KERAS_ONLY}`,
    format: 'keras2',
    build: conv1dDilated,
    inputs: [{ shape: [12, 2] }],
    classes: 3,
    loss: 'sparseCategoricalCrossentropy',
    samples: 32,
    weightScale: 1.5,
  },
  {
    name: 'keras3-conv1d-causal',
    description: `functional: causal Conv1D into GlobalAveragePooling1D and AveragePooling1D → GlobalMaxPooling1D, both keepdims, Concatenate; Keras 3 layout; ${KERAS_ONLY}`,
    format: 'keras3',
    build: conv1dCausal,
    inputs: [{ shape: [9, 2] }],
    classes: 3,
    loss: 'categoricalCrossentropy',
    samples: 32,
    trainSteps: 60,
  },
  {
    name: 'keras2-separable-conv2d',
    description:
      'SeparableConv2D same with strides 2 and depth_multiplier 2, then valid without bias; Keras 2 layout (tfjs-layers does not save depth_multiplier, Keras does)',
    format: 'keras2',
    build: separable2d,
    inputs: [{ shape: [7, 6, 2] }],
    classes: 3,
    loss: 'categoricalCrossentropy',
    samples: 32,
    trainSteps: 60,
  },
  {
    name: 'keras3-dilated-conv2d',
    description: `Conv2D same with dilation_rate [2, 1], DepthwiseConv2D and SeparableConv2D (depth_multiplier 2) with dilation_rate 2; Keras 3 layout, seeded weights; the dilated DepthwiseConv2D (tfjs-layers ignores its dilation): ${KERAS_ONLY}`,
    format: 'keras3',
    build: dilated2d,
    inputs: [{ shape: [7, 7, 2] }],
    classes: 3,
    loss: 'sparseCategoricalCrossentropy',
    samples: 32,
    weightScale: 1.5,
  },
  {
    name: 'keras2-separable-conv1d',
    description: `SeparableConv1D same with strides 2 and depth_multiplier 2, then causal; GlobalAveragePooling1D; Keras 2 layout; ${KERAS_ONLY}`,
    format: 'keras2',
    build: separable1d,
    inputs: [{ shape: [10, 3] }],
    classes: 3,
    loss: 'categoricalCrossentropy',
    samples: 32,
    trainSteps: 60,
  },
  {
    name: 'conv2d-transpose',
    description:
      'Conv2DTranspose same with strides 2, MaxPooling2D, Conv2DTranspose valid with a kernel shorter than its stride; tfjs-layers save',
    format: 'tfjs-layers',
    build: transposed,
    inputs: [{ shape: [3, 4, 2] }],
    classes: 3,
    loss: 'categoricalCrossentropy',
    samples: 32,
    trainSteps: 60,
  },
  {
    name: 'keras3-conv2d-transpose-output-padding',
    description: `Conv2DTranspose with output_padding, same and valid, strides 2; Keras 3 layout; ${KERAS_ONLY}`,
    format: 'keras3',
    build: transposedOutputPadding,
    inputs: [{ shape: [3, 3, 2] }],
    classes: 3,
    loss: 'sparseCategoricalCrossentropy',
    samples: 32,
    trainSteps: 60,
  },
  {
    name: 'upsampling-cropping',
    description: 'UpSampling2D 2×3 and default, Cropping2D asymmetric and symmetric, a strided Conv2D between; tfjs-layers 1.x save',
    format: 'tfjs-layers-1',
    build: upSamplingCropping,
    inputs: [{ shape: [4, 3, 2] }],
    classes: 3,
    loss: 'categoricalCrossentropy',
    samples: 32,
    trainSteps: 60,
  },
  {
    name: 'keras2-sequence-resampling',
    description: `ZeroPadding1D asymmetric and symmetric, Conv1D, MaxPooling1D valid, UpSampling1D, Cropping1D; Keras 2 layout; ${KERAS_ONLY}`,
    format: 'keras2',
    build: sequenceResampling,
    inputs: [{ shape: [6, 2] }],
    classes: 3,
    loss: 'categoricalCrossentropy',
    samples: 32,
    trainSteps: 60,
  },
];
