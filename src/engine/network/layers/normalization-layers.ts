/**
 * LayerNormalization, and the learned affine map γ⊙x̂ + β it shares with BatchNormalization.
 *
 * Keras semantics (Keras 2, Keras 3 and tfjs-layers agree): over the normalised axes A of each sample
 * (`axis`, an int or a list, batch axis excluded; default −1), μ and σ² are the mean and the biased
 * variance, x̂ = (x − μ)/√(σ² + ε) with ε = `epsilon` (default 1e-3), and y = γ⊙x̂ + β with γ
 * (`scale`) and β (`center`) of shape [input dims at A], broadcast over the other axes.
 *
 * R-operator path: x̂ is one `normalizationOp` node (ops.ts), whose R-operator is derived in closed
 * form from the normalisation itself (the curvature of the centring and the 1/√(σ² + ε) factor); the
 * affine part is `bilinearOp` in (x̂, γ) with β as its bias (or a shift node when β alone, or when γ
 * and β need a reshape to broadcast).
 *
 * Refused: the batch axis, repeated axes, and Keras 3's deprecated `rms_scaling: true` (which Keras
 * itself warns scales by the variance, not the root mean square).
 *
 * Symmetry: a barrier for a scale crossing it, but the layer absorbs any common positive scale of its
 * input (exactly as ε → 0), so the weights feeding it are scale-invariant; no per-unit scale passes.
 */
import * as tf from '@tensorflow/tfjs-core';
import { bilinearOp, normalizationOp } from '../ops';
import type { LayerConfig } from './config';
import type { LayerKind } from './kind';
import type { NodeOp, Shape, Tensor, WeightRole, WeightSlot } from '../types';

export interface ChannelAffineSpec {
  scale: boolean;
  center: boolean;
  trainable: boolean;
  /** The shape of γ and β as stored. */
  paramShape: Shape;
  /** γ's and β's broadcast shape against one sample: 1 on the axes they are shared over. */
  broadcastShape: Shape;
}

/** The slots of γ (`gamma`) and β (`beta`), in Keras's order. */
export function affineSlots(spec: ChannelAffineSpec): WeightSlot[] {
  const slots: WeightSlot[] = [];
  if (spec.scale) slots.push({ role: 'gamma', shape: spec.paramShape, trainable: spec.trainable });
  if (spec.center) slots.push({ role: 'beta', shape: spec.paramShape, trainable: spec.trainable });
  return slots;
}

/** y = γ⊙x + β with γ, β broadcast over the axes they are shared over (either may be absent). */
export function channelAffineOps(spec: ChannelAffineSpec): NodeOp[] {
  const { paramShape, broadcastShape, trainable } = spec;
  // Tensor axes (batch first) summed to reduce dy to γ's shape: the batch axis and the shared axes.
  const reduceAxes = (rank: number) => {
    const lead = rank - broadcastShape.length;
    return [...Array(rank).keys()].filter((a) => a < lead || broadcastShape[a - lead] === 1);
  };
  const reduce = (t: Tensor) => tf.reshape(tf.sum(t, reduceAxes(t.rank)), paramShape);
  const trailing = broadcastShape.slice(broadcastShape.findIndex((d) => d !== 1));
  const direct = trailing.join(',') === paramShape.join(',');
  const broadcast = (p: Tensor) => (direct ? p : tf.reshape(p, broadcastShape));
  const ops: NodeOp[] = [];
  if (spec.scale) {
    ops.push(
      bilinearOp({
        kernelRole: 'gamma',
        biasRole: spec.center && direct ? ('beta' as WeightRole) : null,
        kernelTrainable: trainable,
        biasTrainable: trainable,
        inputDifferentiable: true,
        apply: (x, gamma) => tf.mul(x, broadcast(gamma)),
        adjointInput: (dy, gamma) => tf.mul(dy, broadcast(gamma)),
        adjointKernel: (x, dy) => reduce(tf.mul(x, dy)),
        biasReduce: reduce,
      }),
    );
  }
  if (spec.center && !(spec.scale && direct)) ops.push(shiftOp(trainable, broadcast, reduce));
  return ops;
}

/** y = x + β: no curvature; dβ sums dy over the shared axes. */
function shiftOp(trainable: boolean, broadcast: (beta: Tensor) => Tensor, reduce: (t: Tensor) => Tensor): NodeOp {
  return {
    trainableRoles: trainable ? ['beta'] : [],
    forward: ([x], w) => ({ output: tf.add(x, broadcast(w.beta as Tensor)) }),
    backward: (dy, _record, _w, needInputs) => ({
      dInputs: [needInputs ? dy : null],
      dWeights: trainable ? { beta: reduce(dy) } : {},
    }),
    rForward: ([rx], v, record) => {
      if (!v.beta) return rx;
      return tf.add(rx ?? tf.zerosLike(record.output), broadcast(v.beta));
    },
    rBackward: (_dy, rdy, _rx, _v, _record, _w, needInputs) => ({
      dInputs: [needInputs ? rdy : null],
      dWeights: trainable && rdy ? { beta: reduce(rdy) } : {},
    }),
  };
}

/**
 * Keras's `axis` (an int or a list, counting the batch axis as 0, negatives from the end) as sorted
 * sample axes (0-based, batch excluded).
 */
export function sampleAxes(config: LayerConfig, raw: unknown, rank: number): number[] {
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0 || !list.every((a) => Number.isInteger(a)))
    config.fail(`"axis" must be an integer or a list of them, not ${JSON.stringify(raw)}`);
  const axes = (list as number[]).map((a) => (a < 0 ? rank + 1 + a : a));
  for (const [i, a] of axes.entries()) {
    if (a === 0) config.fail(`normalising over the batch axis (axis ${list[i]}) is not supported`);
    if (a < 0 || a > rank) config.fail(`axis ${list[i]} is out of range for inputs of rank ${rank + 1}`);
  }
  if (new Set(axes).size !== axes.length) config.fail(`"axis" ${JSON.stringify(raw)} repeats an axis`);
  return axes.map((a) => a - 1).sort((a, b) => a - b);
}

const layerNormalization: LayerKind = {
  classNames: ['LayerNormalization'],
  exactPath:
    'normalisation node over the axes (centring and 1/√(σ² + ε), R-operator in closed form), then bilinear node x̂ × γ + β (β a shift node when there is no γ or γ is reshaped)',
  build({ config, inputShapes: [shape], trainable }) {
    if (config.boolean('rms_scaling', false))
      config.fail('rms_scaling: true is not supported (Keras deprecates it: it scales by the variance, not the root mean square)');
    const axes = sampleAxes(config, config.raw.axis ?? -1, shape.length);
    const epsilon = config.number('epsilon', 1e-3);
    if (epsilon < 0) config.fail(`epsilon must not be negative, not ${epsilon}`);
    const groupSize = axes.reduce((n, a) => n * shape[a], 1);
    const affine: ChannelAffineSpec = {
      scale: config.boolean('scale', true),
      center: config.boolean('center', true),
      trainable,
      paramShape: axes.map((a) => shape[a]),
      broadcastShape: shape.map((d, a) => (axes.includes(a) ? d : 1)),
    };
    return {
      outputShape: shape,
      weights: affineSlots(affine),
      ops: [
        normalizationOp({ axes: axes.map((a) => a + 1), center: true, weight: 1 / groupSize, epsilon, floor: 0 }),
        ...channelAffineOps(affine),
      ],
      symmetry: {
        role: 'barrier',
        reason: 'layer normalization absorbs a common scale of its input (the weights feeding it are scale-invariant), no per-unit scale',
        absorbsCommonScale: true,
      },
    };
  },
};

export const normalizationLayers: LayerKind[] = [layerNormalization];
