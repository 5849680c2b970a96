/**
 * Every Keras layer class the engine supports, by family and class name, and why each known class it
 * refuses is refused (with what the user can do). This is the one list the loader, the layer-class
 * test (test/unit/engine/layer-classes.test.ts) and the generated tables of docs/layers.md and the
 * README (scripts/docs/layer-tables.ts, checked by test/unit/engine/layer-docs.test.ts) read.
 */
import { activationLayers } from './activation-layers';
import { batchNormalizationLayer } from './batch-normalization';
import { convolutionLayers } from './convolution-family';
import { denseLayer } from './dense';
import { embeddingLayer } from './embedding';
import type { LayerKind } from './kind';
import { mergeLayers } from './merge';
import { mergeExtraLayers } from './merge-extra';
import { normalizationLayers } from './normalization-layers';
import { poolingLayers } from './pooling';
import { pooling1dLayers } from './pooling-1d';
import { preprocessingLayers } from './preprocessing';
import { recurrentLayers } from './recurrent';
import { resamplingLayers } from './resampling';
import { reshapingLayers } from './reshaping';
import { flattenLayer, inferenceIdentityLayer, reshapeLayer, zeroPadding2dLayer } from './structural';
import { wrapperLayers } from './wrappers';

export interface LayerFamily {
  name: string;
  kinds: readonly LayerKind[];
}

/** The supported layer kinds by family, in the order the docs list them. */
export const LAYER_FAMILIES: readonly LayerFamily[] = [
  { name: 'core', kinds: [denseLayer, embeddingLayer] },
  { name: 'convolutions', kinds: convolutionLayers },
  { name: 'pooling', kinds: [...poolingLayers, ...pooling1dLayers] },
  { name: 'normalisation', kinds: [batchNormalizationLayer, ...normalizationLayers] },
  { name: 'activations', kinds: activationLayers },
  { name: 'merges', kinds: [...mergeLayers, ...mergeExtraLayers] },
  { name: 'reshaping', kinds: [flattenLayer, reshapeLayer, ...reshapingLayers] },
  { name: 'padding, cropping and resampling', kinds: [zeroPadding2dLayer, ...resamplingLayers] },
  { name: 'dropout and noise', kinds: [inferenceIdentityLayer] },
  { name: 'preprocessing', kinds: preprocessingLayers },
  { name: 'recurrent', kinds: recurrentLayers },
  { name: 'wrappers', kinds: wrapperLayers(layerKind) },
];

const kinds: LayerKind[] = LAYER_FAMILIES.flatMap((family) => family.kinds);

const byClassName = new Map<string, LayerKind>(kinds.flatMap((kind) => kind.classNames.map((name) => [name, kind] as const)));

export function layerKind(className: string): LayerKind | undefined {
  return byClassName.get(className);
}

/** Every supported class name, aliases included. */
export function supportedLayerClasses(): string[] {
  return kinds.flatMap((kind) => kind.classNames);
}

const CONVERT_TO_LAYERS = 'rebuild that part of the model from Keras layers before converting';

/** Classes real files contain that the engine refuses, with the reason and what to do. */
export const REFUSED_LAYER_CLASSES: Readonly<Record<string, string>> = {
  TensorFlowOpLayer: `a raw TensorFlow op the converter recorded, with no Keras semantics; ${CONVERT_TO_LAYERS}`,
  TFOpLambda: `a TensorFlow function call (tf.* on a Keras tensor) recorded by Keras, with no layer semantics; ${CONVERT_TO_LAYERS}`,
  SlicingOpLambda: `a tensor slice recorded by Keras, with no layer semantics; ${CONVERT_TO_LAYERS} (e.g. Cropping or Reshape)`,
  Lambda: 'runs Python code that the file does not contain; replace it with Keras layers, or analyse the model up to it',
  Conv3D: '3-D convolutions are not supported yet',
  Conv3DTranspose: '3-D convolutions are not supported yet',
  MaxPooling3D: '3-D pooling is not supported yet',
  AveragePooling3D: '3-D pooling is not supported yet',
  GlobalMaxPooling3D: '3-D pooling is not supported yet',
  GlobalAveragePooling3D: '3-D pooling is not supported yet',
  UpSampling3D: '3-D resampling is not supported yet',
  Cropping3D: '3-D cropping is not supported yet',
  ZeroPadding3D: '3-D padding is not supported yet',
  Conv1DTranspose: 'transposed 1-D convolutions are not supported yet (Conv2DTranspose is)',
  DepthwiseConv1D: 'depthwise 1-D convolutions are not supported yet (DepthwiseConv2D and SeparableConv1D are)',
  ConvLSTM2D: 'convolutional recurrent layers are not supported yet',
  ConvLSTM2DCell: 'convolutional recurrent layers are not supported yet',
  RNN: 'a generic RNN over a custom or stacked cell is not supported; use SimpleRNN, LSTM or GRU layers',
  SimpleRNNCell: 'a bare recurrent cell is not a layer of a model; use SimpleRNN',
  LSTMCell: 'a bare recurrent cell is not a layer of a model; use LSTM',
  GRUCell: 'a bare recurrent cell is not a layer of a model; use GRU',
  StackedRNNCells: 'stacked cells in one RNN are not supported; stack SimpleRNN/LSTM/GRU layers instead',
  Masking: 'masks change what later layers compute, which the engine does not model; remove the Masking layer or pad with real values',
  CategoryEncoding: 'turns integers into one-hot vectors with no derivative to take; encode the data before the model',
  Discretization: 'turns numbers into bucket indices, with no derivative to take; apply it to the data before the model',
  Hashing: 'turns values into hashed indices, with no derivative to take; apply it to the data before the model',
  HashedCrossing: 'turns feature crosses into hashed indices, with no derivative to take; apply it to the data before the model',
  IntegerLookup: 'turns integers into vocabulary indices, with no derivative to take; apply it to the data before the model',
  StringLookup: 'turns strings into vocabulary indices, with no derivative to take; apply it to the data before the model',
  TextVectorization: 'turns text into token indices, with no derivative to take; apply it to the data before the model',
  Resizing: 'image resizing inside the model is not supported; resize the analysis data beforehand',
};

/** Why a class that is neither supported nor in REFUSED_LAYER_CLASSES is refused. */
export const UNKNOWN_LAYER_CLASS_REASON =
  'not a layer class Sharpness Lens knows (a custom layer?): its computation is in code the file does not contain; replace it with built-in Keras layers, or analyse the model up to it';

/** Why a class is refused: its known reason, or that it is a custom class TF.js files cannot describe. */
export function refusalOf(className: string): string {
  return REFUSED_LAYER_CLASSES[className] ?? UNKNOWN_LAYER_CLASS_REASON;
}
