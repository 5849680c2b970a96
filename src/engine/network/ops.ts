/**
 * The node patterns every layer is built from. Each pattern writes its forward pass once and derives
 * the backward pass and the R-operator from the structure of the map:
 * - bilinear in (input, kernel) plus a bias — Dense, Conv2D, DepthwiseConv2D, BN's scale, Embedding;
 * - linear (or affine) without weights — Flatten, pooling by averaging, padding, Add, Concatenate;
 * - locally linear with a Jacobian fixed by the forward pass — max pooling;
 * - element-wise activations and softmax, whose second derivatives give the only curvature terms
 *   that do not come from products of weights.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ElementwiseActivation } from './activations';
import type { BackwardResult, ForwardRecord, NodeOp, Tensor, WeightMap, WeightRole } from './types';

type MaybeTensor = Tensor | null;

/** Sum of the non-null terms; null when all are null (a zero tensor). */
export function sumTerms(...terms: MaybeTensor[]): MaybeTensor {
  const present = terms.filter((t): t is Tensor => t !== null);
  if (present.length === 0) return null;
  if (present.length === 1) return present[0];
  return tf.addN(present);
}

/**
 * Values that stay fixed while θ and the chunk are fixed (a transposed activation, an argmax), kept
 * on the record when the engine caches it across Hessian-vector products.
 */
export function memoized(record: ForwardRecord, key: string, make: () => Tensor): Tensor {
  const memo = (record as ForwardRecord & { memo?: Map<string, Tensor> }).memo;
  if (!memo) return make();
  let value = memo.get(key);
  if (!value) {
    value = tf.keep(make());
    memo.set(key, value);
  }
  return value;
}

export interface BilinearSpec {
  kernelRole: WeightRole;
  biasRole: WeightRole | null;
  kernelTrainable: boolean;
  biasTrainable: boolean;
  /** False for Embedding, whose input is a list of indices. */
  inputDifferentiable: boolean;
  apply(x: Tensor, kernel: Tensor, record: ForwardRecord | null): Tensor;
  /** B_xᵀ(dy; K); `kernelIsWeight` says K is the layer's weight, not a direction (so it may be memoised). */
  adjointInput(dy: Tensor, kernel: Tensor, record: ForwardRecord, inputShape: number[], kernelIsWeight: boolean): Tensor;
  /**
   * ∂⟨dy, B(x, K)⟩/∂K. `fixed` says which operand is fixed for the chunk, so values derived from it
   * may be memoised: the recorded input x (with dy = a direction's R{dy}), or the recorded adjoint dy
   * (with x = a direction's R{x}).
   */
  adjointKernel(x: Tensor, dy: Tensor, record: ForwardRecord, fixed: 'input' | 'adjoint'): Tensor;
  biasReduce(dy: Tensor): Tensor;
}

/** y = B(x, K) + b with B bilinear: R{y} = B(R{x}, K) + B(x, V_K) + V_b and the matching adjoints. */
export function bilinearOp(spec: BilinearSpec): NodeOp {
  const trainableRoles: WeightRole[] = [];
  if (spec.kernelTrainable) trainableRoles.push(spec.kernelRole);
  if (spec.biasRole && spec.biasTrainable) trainableRoles.push(spec.biasRole);
  const kernelOf = (w: WeightMap) => w[spec.kernelRole] as Tensor;
  const addBias = (y: Tensor, bias: Tensor | undefined) => (bias ? tf.add(y, bias) : y);
  return {
    trainableRoles,
    forward([x], w) {
      const y = spec.apply(x, kernelOf(w), null);
      return { output: addBias(y, spec.biasRole ? w[spec.biasRole] : undefined) };
    },
    backward(dy, record, w, needInputs) {
      const dWeights: BackwardResult['dWeights'] = {};
      if (spec.kernelTrainable) dWeights[spec.kernelRole] = spec.adjointKernel(record.inputs[0], dy, record, 'input');
      if (spec.biasRole && spec.biasTrainable) dWeights[spec.biasRole] = spec.biasReduce(dy);
      const dx = needInputs && spec.inputDifferentiable ? spec.adjointInput(dy, kernelOf(w), record, record.inputs[0].shape, true) : null;
      return { dInputs: [dx], dWeights };
    },
    rForward([rx], v, record, w) {
      const x = record.inputs[0];
      const vKernel = v[spec.kernelRole];
      const vBias = spec.biasRole ? v[spec.biasRole] : undefined;
      const terms: MaybeTensor[] = [
        rx && spec.inputDifferentiable ? spec.apply(rx, kernelOf(w), record) : null,
        vKernel ? spec.apply(x, vKernel, record) : null,
      ];
      const linear = sumTerms(...terms);
      if (!vBias) return linear;
      return linear ? tf.add(linear, vBias) : tf.add(tf.zerosLike(record.output), vBias);
    },
    rBackward(dy, rdy, [rx], v, record, w, needInputs) {
      const x = record.inputs[0];
      const dWeights: BackwardResult['dWeights'] = {};
      if (spec.kernelTrainable) {
        const term = sumTerms(
          rdy ? spec.adjointKernel(x, rdy, record, 'input') : null,
          rx && spec.inputDifferentiable ? spec.adjointKernel(rx, dy, record, 'adjoint') : null,
        );
        if (term) dWeights[spec.kernelRole] = term;
      }
      if (spec.biasRole && spec.biasTrainable && rdy) dWeights[spec.biasRole] = spec.biasReduce(rdy);
      let rdx: MaybeTensor = null;
      if (needInputs && spec.inputDifferentiable) {
        const vKernel = v[spec.kernelRole];
        rdx = sumTerms(
          rdy ? spec.adjointInput(rdy, kernelOf(w), record, x.shape, true) : null,
          vKernel ? spec.adjointInput(dy, vKernel, record, x.shape, false) : null,
        );
      }
      return { dInputs: [rdx], dWeights };
    },
  };
}

export interface LinearSpec {
  /** The forward map (may be affine: y = A x + c). */
  forward(inputs: Tensor[]): Tensor;
  /** The linear part A, for R{y} = A·R{x}; defaults to `forward`. */
  linear?(rInputs: Tensor[], record: ForwardRecord): Tensor;
  /** Aᵀ dy, one adjoint per input. */
  adjoint(dy: Tensor, record: ForwardRecord): Tensor[];
}

/** A weightless linear map: no curvature of its own, so R{dx} = Aᵀ R{dy}. */
export function linearOp(spec: LinearSpec): NodeOp {
  const linear = spec.linear ?? ((rInputs: Tensor[]) => spec.forward(rInputs));
  return {
    trainableRoles: [],
    forward: (inputs) => ({ output: spec.forward(inputs) }),
    backward: (dy, record, _w, needInputs) => ({
      dInputs: needInputs ? spec.adjoint(dy, record) : record.inputs.map(() => null),
      dWeights: {},
    }),
    rForward(rInputs, _v, record) {
      if (rInputs.every((r) => r === null)) return null;
      return linear(
        rInputs.map((r, i) => r ?? tf.zerosLike(record.inputs[i])),
        record,
      );
    },
    rBackward: (_dy, rdy, _rInputs, _v, record, _w, needInputs) => ({
      dInputs: needInputs && rdy ? spec.adjoint(rdy, record) : record.inputs.map(() => null),
      dWeights: {},
    }),
  };
}

/** y = σ(x) element-wise. */
export function activationOp(activation: ElementwiseActivation): NodeOp {
  const derivative = (record: ForwardRecord) =>
    memoized(record, 'derivative', () => activation.derivative(record.inputs[0], record.output));
  return {
    trainableRoles: [],
    activation: activation.name,
    forward: ([x]) => ({ output: activation.apply(x) }),
    backward: (dy, record, _w, needInputs) => ({ dInputs: [needInputs ? tf.mul(dy, derivative(record)) : null], dWeights: {} }),
    rForward: ([rx], _v, record) => (rx ? tf.mul(rx, derivative(record)) : null),
    rBackward(dy, rdy, [rx], _v, record, _w, needInputs) {
      if (!needInputs) return { dInputs: [null], dWeights: {} };
      const second = activation.secondDerivative;
      const curvature =
        second && rx
          ? tf.mul(
              tf.mul(
                dy,
                memoized(record, 'second', () => second(record.inputs[0], record.output)),
              ),
              rx,
            )
          : null;
      return { dInputs: [sumTerms(rdy ? tf.mul(rdy, derivative(record)) : null, curvature)], dWeights: {} };
    },
  };
}

/**
 * Softmax over the last axis. With s = softmax(x): J u = s⊙u − s⟨s,u⟩ (J symmetric), and the
 * derivative of J along R{x} gives R{dx} = J R{dy} + R{s}⊙(dy − ⟨s,dy⟩) − s⟨R{s}, dy⟩.
 */
export function softmaxOp(): NodeOp {
  const jacobian = (s: Tensor, u: Tensor) => tf.sub(tf.mul(s, u), tf.mul(s, tf.sum(tf.mul(s, u), -1, true)));
  return {
    trainableRoles: [],
    activation: 'softmax',
    forward: ([x]) => ({ output: tf.softmax(x) }),
    backward: (dy, record, _w, needInputs) => ({ dInputs: [needInputs ? jacobian(record.output, dy) : null], dWeights: {} }),
    rForward: ([rx], _v, record) => (rx ? jacobian(record.output, rx) : null),
    rBackward(dy, rdy, [rx], _v, record, _w, needInputs) {
      if (!needInputs) return { dInputs: [null], dWeights: {} };
      const s = record.output;
      let curvature: MaybeTensor = null;
      if (rx) {
        const rs = jacobian(s, rx);
        curvature = tf.sub(tf.mul(rs, tf.sub(dy, tf.sum(tf.mul(s, dy), -1, true))), tf.mul(s, tf.sum(tf.mul(rs, dy), -1, true)));
      }
      return { dInputs: [sumTerms(rdy ? jacobian(s, rdy) : null, curvature)], dWeights: {} };
    },
  };
}

/**
 * A map that is linear with a Jacobian chosen by the forward pass (max pooling picks one input per
 * window): R{y} = J R{x}, dx = Jᵀ dy. Both directions use the same recorded choice, so the Hessian
 * stays symmetric even where the backend breaks ties differently.
 */
export function selectionOp(spec: {
  forward(x: Tensor): { output: Tensor; selection: Tensor };
  /** J u: the values of u at the selected positions (the record allows memoising a mask). */
  gather(u: Tensor, selection: Tensor, inputShape: number[], record: ForwardRecord): Tensor;
  /** Jᵀ dy: dy summed into the selected positions of an input-shaped tensor. */
  scatter(dy: Tensor, selection: Tensor, inputShape: number[], record: ForwardRecord): Tensor;
}): NodeOp {
  const selectionOf = (record: ForwardRecord) => record.saved[0];
  return {
    trainableRoles: [],
    forward([x]) {
      const { output, selection } = spec.forward(x);
      return { output, saved: [selection] };
    },
    backward: (dy, record, _w, needInputs) => ({
      dInputs: [needInputs ? spec.scatter(dy, selectionOf(record), record.inputs[0].shape, record) : null],
      dWeights: {},
    }),
    rForward: ([rx], _v, record) => (rx ? spec.gather(rx, selectionOf(record), record.inputs[0].shape, record) : null),
    rBackward: (_dy, rdy, _rx, _v, record, _w, needInputs) => ({
      dInputs: [needInputs && rdy ? spec.scatter(rdy, selectionOf(record), record.inputs[0].shape, record) : null],
      dWeights: {},
    }),
  };
}

/**
 * y = a ⊙ b, the element-wise product of two node outputs of one shape (a recurrent gate times a
 * state or a candidate). The map is bilinear in (a, b) and has no weights, so its R-operator is
 *   R{y} = R{a}⊙b + a⊙R{b},
 * its backward pass da = dy⊙b, db = dy⊙a, and the R-operator of that backward pass
 *   R{da} = R{dy}⊙b + dy⊙R{b},  R{db} = R{dy}⊙a + dy⊙R{a},
 * where the terms dy⊙R{·} are the product's own curvature (the cross block ∂²⟨dy, a⊙b⟩/∂a∂b).
 */
export function productOp(): NodeOp {
  const cross = (d: MaybeTensor, other: Tensor) => (d ? tf.mul(d, other) : null);
  return {
    trainableRoles: [],
    forward: ([a, b]) => ({ output: tf.mul(a, b) }),
    backward(dy, record, _w, needInputs) {
      if (!needInputs) return { dInputs: [null, null], dWeights: {} };
      const [a, b] = record.inputs;
      return { dInputs: [tf.mul(dy, b), tf.mul(dy, a)], dWeights: {} };
    },
    rForward([ra, rb], _v, record) {
      const [a, b] = record.inputs;
      return sumTerms(cross(ra, b), cross(rb, a));
    },
    rBackward(dy, rdy, [ra, rb], _v, record, _w, needInputs) {
      if (!needInputs) return { dInputs: [null, null], dWeights: {} };
      const [a, b] = record.inputs;
      return { dInputs: [sumTerms(cross(rdy, b), cross(rb, dy)), sumTerms(cross(rdy, a), cross(ra, dy))], dWeights: {} };
    },
  };
}
