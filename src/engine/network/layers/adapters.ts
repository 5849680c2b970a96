/**
 * Building one layer class from another's build: a config with some options rewritten, a weight the
 * inner layer reads through a fixed linear map (ops.ts, `reparameterizedOp`), and the moves between a
 * sequence [steps, channels] and a height-1 image [1, steps, channels], so the 1-D convolutions and
 * poolings reuse the 2-D nodes (and their wasm kernels) unchanged.
 */
import * as tf from '@tensorflow/tfjs-core';
import { linearOp, reparameterizedOp } from '../ops';
import { LayerConfig } from './config';
import type { BuiltLayer } from './kind';
import type { NodeOp, Shape, Tensor, WeightRole } from '../types';

/** The same layer's config with `overrides` applied (an undefined value removes the key). */
export function withConfig(config: LayerConfig, overrides: Record<string, unknown>): LayerConfig {
  const raw: Record<string, unknown> = { ...config.raw, ...overrides };
  for (const [key, value] of Object.entries(overrides)) if (value === undefined) delete raw[key];
  return new LayerConfig(config.layerName, config.className, raw, config.kerasVersion);
}

export interface WeightView {
  /** The weight's role and shape in the file. */
  role: WeightRole;
  shape: Shape;
  /** What the inner layer calls it (default: `role`). */
  innerRole?: WeightRole;
  /** The fixed linear map from the file's weight to the inner layer's, and its adjoint (default: a reshape). */
  map?(w: Tensor): Tensor;
  adjoint?(dw: Tensor): Tensor;
}

/**
 * `built` with the weight it calls `view.innerRole` read from the file's `view.role` instead, through
 * `view.map`. Only `built.ops[opIndex]` reads that weight (the inner layer's own structure says which).
 */
export function viewWeight(built: BuiltLayer, opIndex: number, view: WeightView): BuiltLayer {
  const innerRole = view.innerRole ?? view.role;
  const slot = built.weights.find((w) => w.role === innerRole);
  if (!slot) throw new Error(`the inner layer has no weight ${innerRole}`);
  const innerShape = slot.shape;
  const size = (shape: Shape) => shape.reduce((a, b) => a * b, 1);
  const reshapes = !view.map && innerShape.join() !== view.shape.join();
  if (reshapes && size(innerShape) !== size(view.shape))
    throw new Error(`cannot view [${view.shape.join(', ')}] as [${innerShape.join(', ')}]`);
  const map = view.map ?? (reshapes ? (w: Tensor) => tf.reshape(w, innerShape) : undefined);
  const adjoint = view.adjoint ?? (reshapes ? (dw: Tensor) => tf.reshape(dw, view.shape) : undefined);
  const ops = built.ops.map((op, i) => (i === opIndex ? reparameterizedOp(op, { role: view.role, innerRole, map, adjoint }) : op));
  const weights = built.weights.map((w) => (w.role === innerRole ? { ...w, role: view.role, shape: view.shape } : w));
  const { symmetry } = built;
  const renamed = symmetry.role === 'kernel' && symmetry.kernelRole === innerRole ? { ...symmetry, kernelRole: view.role } : symmetry;
  return { ...built, weights, ops, symmetry: renamed };
}

/** A weightless reshape of each sample to `target`; its adjoint reshapes back. */
export function reshapeOp(target: Shape): NodeOp {
  return linearOp({
    forward: ([x]) => tf.reshape(x, [x.shape[0], ...target]),
    adjoint: (dy, record) => [tf.reshape(dy, record.inputs[0].shape)],
  });
}

/**
 * A sequence [steps, channels] as a height-1 image [1, before + steps, channels], with `before` zero
 * steps in front (causal padding); the adjoint drops them again.
 */
export function sequenceAsImage(before = 0): NodeOp {
  return linearOp({
    forward: ([x]) => {
      const [n, steps, channels] = x.shape;
      const padded =
        before > 0
          ? tf.pad(x, [
              [0, 0],
              [before, 0],
              [0, 0],
            ])
          : x;
      return tf.reshape(padded, [n, 1, steps + before, channels]);
    },
    adjoint: (dy, record) => {
      const [n, steps, channels] = record.inputs[0].shape;
      const sequence = tf.reshape(dy, [n, steps + before, channels]);
      return [before > 0 ? tf.slice(sequence, [0, before, 0], [n, steps, channels]) : sequence];
    },
  });
}

/** The exact path of the layers built on `zeroPaddingOp` (ZeroPadding1D, ZeroPadding2D). */
export const ZERO_PADDING_PATH = 'linear node: zeros before and after along each axis; its adjoint slices them off';

/** Zeros before and after each spatial axis (pads[a] for the axis after the batch's a-th); the adjoint slices them off. */
export function zeroPaddingOp(pads: [number, number][]): NodeOp {
  return linearOp({
    forward: ([x]) => tf.pad(x, [[0, 0], ...pads, [0, 0]]),
    adjoint: (dy, record) => [tf.slice(dy, [0, ...pads.map(([before]) => before), 0], record.inputs[0].shape)],
  });
}

/** A 1-D layer built as its 2-D form over a height-1 image: [steps, channels] in and out. */
export function asSequenceLayer(image: BuiltLayer, before = 0): BuiltLayer {
  const [height, steps, channels] = image.outputShape;
  if (height !== 1) throw new Error(`a height-1 image layer gave height ${height}`);
  return { ...image, outputShape: [steps, channels], ops: [sequenceAsImage(before), ...image.ops, reshapeOp([steps, channels])] };
}

/** A 1-D length option such as kernel_size or pool_size: a positive integer or a list of one. */
export function readLength(config: LayerConfig, key: string, fallback?: number): number {
  const value = config.raw[key] ?? fallback;
  const single = Array.isArray(value) && value.length === 1 ? value[0] : value;
  if (typeof single === 'number' && Number.isInteger(single) && single > 0) return single;
  return config.fail(`"${key}" must be a positive integer or a list of one, not ${JSON.stringify(value)}`);
}

/** Amounts before and after along one axis (padding, cropping): n for both, or [before, after]. */
export function readBoundary(config: LayerConfig, key: string, raw: unknown): [number, number] {
  const amount = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
  if (amount(raw)) return [raw as number, raw as number];
  if (Array.isArray(raw) && raw.length === 2 && raw.every(amount)) return [raw[0], raw[1]];
  return config.fail(`"${key}" must be a non-negative integer or a pair of them, not ${JSON.stringify(raw)}`);
}

/** Amounts for the two axes of an image: n, [n_h, n_w], or [[top, bottom], [left, right]] (Keras's three forms). */
export function readBoundaries(config: LayerConfig, key: string, fallback: number): [[number, number], [number, number]] {
  const raw = config.raw[key] ?? fallback;
  if (Array.isArray(raw) && raw.length === 2) return [readBoundary(config, key, raw[0]), readBoundary(config, key, raw[1])];
  if (typeof raw !== 'number') config.fail(`"${key}" must be n, [n_h, n_w] or [[top, bottom], [left, right]], not ${JSON.stringify(raw)}`);
  const both = readBoundary(config, key, raw);
  return [both, [...both]];
}
