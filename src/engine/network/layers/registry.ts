/** Every Keras layer class the engine supports, by class name. */
import { activationLayers } from './activation-layers';
import { batchNormalizationLayer } from './batch-normalization';
import { conv2dLayer, depthwiseConv2dLayer } from './convolution';
import { denseLayer } from './dense';
import { embeddingLayer } from './embedding';
import type { LayerKind } from './kind';
import { mergeLayers } from './merge';
import { poolingLayers } from './pooling';
import { structuralLayers } from './structural';

const kinds: LayerKind[] = [
  denseLayer,
  conv2dLayer,
  depthwiseConv2dLayer,
  embeddingLayer,
  batchNormalizationLayer,
  ...activationLayers,
  ...poolingLayers,
  ...structuralLayers,
  ...mergeLayers,
];

const byClassName = new Map<string, LayerKind>(kinds.flatMap((kind) => kind.classNames.map((name) => [name, kind] as const)));

export function layerKind(className: string): LayerKind | undefined {
  return byClassName.get(className);
}

export function supportedLayerClasses(): string[] {
  return kinds.map((kind) => kind.classNames[0]);
}
