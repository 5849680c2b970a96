/**
 * BatchNormalization in inference mode: y = γ·(x − μ)/√(σ² + ε) + β with the moving statistics μ, σ²
 * fixed (they are not part of θ). A fixed affine normalisation x̂, then bilinear in (x̂, γ).
 */
import * as tf from '@tensorflow/tfjs-core';
import { fixedAffineOp } from '../ops';
import type { LayerKind } from './kind';
import { affineSlots, channelAffineOps, type ChannelAffineSpec } from './normalization-layers';
import type { Tensor } from '../types';

export const batchNormalizationLayer: LayerKind = {
  classNames: ['BatchNormalization'],
  exactPath:
    'fixed affine node (the moving mean and variance, constants, not in θ), then bilinear node x̂ × γ + β (a shift node when there is no γ)',
  build({ config, inputShapes: [shape], trainable }) {
    const rawAxis = Array.isArray(config.raw.axis) && config.raw.axis.length === 1 ? config.raw.axis[0] : (config.raw.axis ?? -1);
    if (rawAxis !== -1 && rawAxis !== shape.length)
      config.fail(`normalising over axis ${JSON.stringify(config.raw.axis)} is not supported (only the last, channels axis)`);
    const channels = shape[shape.length - 1];
    const epsilon = config.number('epsilon', 1e-3);
    const affine: ChannelAffineSpec = {
      scale: config.boolean('scale', true),
      center: config.boolean('center', true),
      trainable,
      paramShape: [channels],
      broadcastShape: [channels],
    };
    const normalize = fixedAffineOp((w) => ({
      center: w.moving_mean as Tensor,
      scale: tf.rsqrt(tf.add(w.moving_variance as Tensor, epsilon)),
      offset: null,
    }));
    return {
      outputShape: shape,
      weights: [
        ...affineSlots(affine),
        { role: 'moving_mean', shape: [channels], trainable: false },
        { role: 'moving_variance', shape: [channels], trainable: false, nonNegative: true },
      ],
      ops: [normalize, ...channelAffineOps(affine)],
      symmetry: { role: 'batchnorm' },
    };
  },
};
