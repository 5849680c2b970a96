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
import type { Memo } from './memo';
import type { AdjointContext, BackwardResult, ForwardRecord, NodeOp, Tensor, WeightMap, WeightRole } from './types';

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
/** Whether the record keeps memoised values across products (its chunk is cached). */
export function hasMemo(record: ForwardRecord): boolean {
  const memo = (record as ForwardRecord & { memo?: Memo }).memo;
  return memo !== undefined && !memo.transient;
}

export function memoized(record: ForwardRecord, key: string, make: () => Tensor): Tensor {
  const memo = (record as ForwardRecord & { memo?: Memo }).memo;
  if (!memo) return make();
  const hit = memo.get(record, key);
  if (hit) return hit;
  const value = make();
  memo.admit(record, key, value);
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
    backward(dy, record, w, needInputs, needWeights = true) {
      const dWeights: BackwardResult['dWeights'] = {};
      if (needWeights && spec.kernelTrainable) dWeights[spec.kernelRole] = spec.adjointKernel(record.inputs[0], dy, record, 'input');
      if (needWeights && spec.biasRole && spec.biasTrainable) dWeights[spec.biasRole] = spec.biasReduce(dy);
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
    // dy meets R{x} in the kernel's term and a direction's kernel in R{dx}.
    readsAdjoint: ({ rInputs, needInputs }: AdjointContext) =>
      spec.inputDifferentiable && ((spec.kernelTrainable && rInputs[0]) || needInputs),
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
    readsAdjoint: () => false,
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
    // Only the curvature term σ''·dy·R{x} reads dy (none for ReLU, whose σ'' is zero).
    readsAdjoint: ({ rInputs, needInputs }: AdjointContext) => needInputs && rInputs[0] && activation.secondDerivative !== null,
  };
}

/**
 * Softmax over the last axis, or jointly over `axes` (tensor axes, batch included: Keras's Softmax
 * layer with an axis list). With s = softmax(x) and ⟨·,·⟩ summed over the softmax axes:
 * J u = s⊙u − s⟨s,u⟩ (J symmetric), and the derivative of J along R{x} gives
 * R{dx} = J R{dy} + R{s}⊙(dy − ⟨s,dy⟩) − s⟨R{s}, dy⟩. Only the last-axis softmax is marked as the
 * `softmax` activation a cross-entropy may fuse with.
 */
export function softmaxOp(axes: number[] | null = null): NodeOp {
  const reduce = (t: Tensor) => tf.sum(t, axes ?? -1, true);
  const jacobian = (s: Tensor, u: Tensor) => tf.sub(tf.mul(s, u), tf.mul(s, reduce(tf.mul(s, u))));
  return {
    trainableRoles: [],
    activation: axes ? `softmax over axes ${axes.join(', ')}` : 'softmax',
    forward: ([x]) => ({ output: axes ? tf.exp(tf.sub(x, tf.logSumExp(x, axes, true))) : tf.softmax(x) }),
    backward: (dy, record, _w, needInputs) => ({ dInputs: [needInputs ? jacobian(record.output, dy) : null], dWeights: {} }),
    rForward: ([rx], _v, record) => (rx ? jacobian(record.output, rx) : null),
    rBackward(dy, rdy, [rx], _v, record, _w, needInputs) {
      if (!needInputs) return { dInputs: [null], dWeights: {} };
      const s = record.output;
      let curvature: MaybeTensor = null;
      if (rx) {
        const rs = jacobian(s, rx);
        curvature = tf.sub(tf.mul(rs, tf.sub(dy, reduce(tf.mul(s, dy)))), tf.mul(s, reduce(tf.mul(rs, dy))));
      }
      return { dInputs: [sumTerms(rdy ? jacobian(s, rdy) : null, curvature)], dWeights: {} };
    },
  };
}

/**
 * Log-softmax over the last axis, y = x − log Σ eˣ (tfjs-layers' logSoftmax). With s = e^y:
 * J u = u − ⟨s, u⟩, Jᵀ dy = dy − s·Σdy, and as only s depends on x, R{dx} = Jᵀ R{dy} − R{s}·Σdy with
 * R{s} = s⊙R{x} − s⟨s, R{x}⟩.
 */
export function logSoftmaxOp(): NodeOp {
  const total = (t: Tensor) => tf.sum(t, -1, true);
  const probabilities = (record: ForwardRecord) => memoized(record, 'probabilities', () => tf.exp(record.output));
  const adjoint = (record: ForwardRecord, dy: Tensor) => tf.sub(dy, tf.mul(probabilities(record), total(dy)));
  return {
    trainableRoles: [],
    activation: 'log_softmax',
    forward: ([x]) => ({ output: tf.logSoftmax(x) }),
    backward: (dy, record, _w, needInputs) => ({ dInputs: [needInputs ? adjoint(record, dy) : null], dWeights: {} }),
    rForward: ([rx], _v, record) => (rx ? tf.sub(rx, total(tf.mul(probabilities(record), rx))) : null),
    rBackward(dy, rdy, [rx], _v, record, _w, needInputs) {
      if (!needInputs) return { dInputs: [null], dWeights: {} };
      let curvature: MaybeTensor = null;
      if (rx) {
        const s = probabilities(record);
        const rs = tf.sub(tf.mul(s, rx), tf.mul(s, total(tf.mul(s, rx))));
        curvature = tf.neg(
          tf.mul(
            rs,
            memoized(record, 'adjointTotal', () => total(dy)),
          ),
        );
      }
      return { dInputs: [sumTerms(rdy ? adjoint(record, rdy) : null, curvature)], dWeights: {} };
    },
  };
}

export interface InputBilinearSpec {
  /** y = B(a, b), bilinear in the node's two inputs (an element-wise product, a batched dot product). */
  apply(a: Tensor, b: Tensor): Tensor;
  /** ∂⟨dy, B(a, b)⟩/∂a = B_aᵀ(dy; b): linear in dy and in b. */
  adjointFirst(dy: Tensor, b: Tensor): Tensor;
  /** ∂⟨dy, B(a, b)⟩/∂b = B_bᵀ(dy; a). */
  adjointSecond(dy: Tensor, a: Tensor): Tensor;
}

/**
 * A product of two activations, y = B(a, b) with B bilinear (Multiply, Dot): R{y} = B(R{a}, b) +
 * B(a, R{b}); da = B_aᵀ(dy; b), so R{da} = B_aᵀ(R{dy}; b) + B_aᵀ(dy; R{b}) — the cross term is the
 * curvature the product contributes — and likewise R{db} = B_bᵀ(R{dy}; a) + B_bᵀ(dy; R{a}).
 */
export function inputBilinearOp(spec: InputBilinearSpec): NodeOp {
  return {
    trainableRoles: [],
    forward: ([a, b]) => ({ output: spec.apply(a, b) }),
    backward(dy, record, _w, needInputs) {
      if (!needInputs) return { dInputs: [null, null], dWeights: {} };
      const [a, b] = record.inputs;
      return { dInputs: [spec.adjointFirst(dy, b), spec.adjointSecond(dy, a)], dWeights: {} };
    },
    rForward([ra, rb], _v, record) {
      const [a, b] = record.inputs;
      return sumTerms(ra ? spec.apply(ra, b) : null, rb ? spec.apply(a, rb) : null);
    },
    rBackward(dy, rdy, [ra, rb], _v, record, _w, needInputs) {
      if (!needInputs) return { dInputs: [null, null], dWeights: {} };
      const [a, b] = record.inputs;
      return {
        dInputs: [
          sumTerms(rdy ? spec.adjointFirst(rdy, b) : null, rb ? spec.adjointFirst(dy, rb) : null),
          sumTerms(rdy ? spec.adjointSecond(rdy, a) : null, ra ? spec.adjointSecond(dy, ra) : null),
        ],
        dWeights: {},
      };
    },
  };
}

export interface NormalizationSpec {
  /** The tensor axes (batch included) that form one normalised group. */
  axes: number[];
  /** Subtract the group mean first (layer normalisation) or not (L2 normalisation). */
  center: boolean;
  /** κ, the weight of the squared norm: 1/n for a variance over n values, 1 for a squared length. */
  weight: number;
  /** Added under the root: q = κ‖c‖² + ε. */
  epsilon: number;
  /** q is clamped below at this (L2 normalisation's max(‖x‖², floor)), where r stops depending on x. */
  floor: number;
}

/**
 * y = c·r with c = P x (P centres each group, or is the identity), q = κ‖c‖² + ε and r = max(q, floor)^(−½):
 * a layer normalisation (P centres, κ = 1/n) or an L2 normalisation (P = I, κ = 1, ε = 0). With ⟨·,·⟩
 * summed over the group and m = 1 where q > floor (0 where the clamp holds r constant):
 * J u = r(P u − κm·y⟨y, u⟩), symmetric since P y = y; and as R{r} = −r²κm⟨y, R{x}⟩ and R{y} = J R{x},
 * R{dx} = J R{dy} − rκm(⟨y, R{x}⟩·J dy + R{y}⟨y, dy⟩ + y⟨R{y}, dy⟩).
 */
export function normalizationOp(spec: NormalizationSpec): NodeOp {
  const reduce = (t: Tensor) => tf.sum(t, spec.axes, true);
  const project = (u: Tensor) => (spec.center ? tf.sub(u, tf.mean(u, spec.axes, true)) : u);
  /** saved: [r, κm] per group. */
  const jacobian = (record: ForwardRecord, u: Tensor) => {
    const [r, km] = record.saved;
    return tf.mul(r, tf.sub(project(u), tf.mul(km, tf.mul(record.output, reduce(tf.mul(record.output, u))))));
  };
  return {
    trainableRoles: [],
    forward([x]) {
      const c = project(x);
      const q = tf.add(tf.mul(reduce(tf.square(c)), spec.weight), spec.epsilon);
      const r = tf.rsqrt(spec.floor > 0 ? tf.maximum(q, spec.floor) : q);
      const km = spec.floor > 0 ? tf.mul(tf.cast(tf.greater(q, spec.floor), 'float32'), spec.weight) : tf.fill(r.shape, spec.weight);
      return { output: tf.mul(c, r), saved: [r, km] };
    },
    backward: (dy, record, _w, needInputs) => ({ dInputs: [needInputs ? jacobian(record, dy) : null], dWeights: {} }),
    rForward: ([rx], _v, record) => (rx ? jacobian(record, rx) : null),
    rBackward(dy, rdy, [rx], _v, record, _w, needInputs) {
      if (!needInputs) return { dInputs: [null], dWeights: {} };
      let curvature: MaybeTensor = null;
      if (rx) {
        const y = record.output;
        const [r, km] = record.saved;
        const ry = jacobian(record, rx);
        const jdy = memoized(record, 'jacobianAdjoint', () => jacobian(record, dy));
        const ydy = memoized(record, 'outputAdjoint', () => reduce(tf.mul(y, dy)));
        const terms = tf.addN([tf.mul(reduce(tf.mul(y, rx)), jdy), tf.mul(ry, ydy), tf.mul(y, reduce(tf.mul(ry, dy)))]);
        curvature = tf.neg(tf.mul(tf.mul(r, km), terms));
      }
      return { dInputs: [sumTerms(rdy ? jacobian(record, rdy) : null, curvature)], dWeights: {} };
    },
  };
}

/** The coefficients of a fixed affine map y = (x − center)·scale + offset (each broadcast against x). */
export interface AffineCoefficients {
  center: Tensor | null;
  scale: Tensor;
  offset: Tensor | null;
}

/**
 * An affine map whose coefficients are fixed while θ is fixed: constants, or non-trainable weights
 * (batch-norm statistics, a Normalization layer's mean and variance). Its linear part is u·scale, so
 * it adds no curvature: R{y} = R{x}·scale, dx = dy·scale, R{dx} = R{dy}·scale.
 */
export function fixedAffineOp(coefficients: (w: WeightMap) => AffineCoefficients): NodeOp {
  const scaled = (u: Tensor, record: ForwardRecord, w: WeightMap) =>
    tf.mul(
      u,
      memoized(record, 'scale', () => coefficients(w).scale),
    );
  return {
    trainableRoles: [],
    forward([x], w) {
      const { center, scale, offset } = coefficients(w);
      const y = tf.mul(center ? tf.sub(x, center) : x, scale);
      return { output: offset ? tf.add(y, offset) : y };
    },
    backward: (dy, record, w, needInputs) => ({ dInputs: [needInputs ? scaled(dy, record, w) : null], dWeights: {} }),
    rForward: ([rx], _v, record, w) => (rx ? scaled(rx, record, w) : null),
    rBackward: (_dy, rdy, _rx, _v, record, w, needInputs) => ({
      dInputs: [needInputs && rdy ? scaled(rdy, record, w) : null],
      dWeights: {},
    }),
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
    readsAdjoint: () => false,
  };
}

/** Numbers the reparameterised nodes, whose memo keys must differ where one wraps another. */
let reparameterizedNodes = 0;

/**
 * A node that reads its weight `role` through a fixed linear map T: the inner node computes with
 * W′ = T(W) under the name `innerRole` (a 1-D kernel seen as a height-1 image kernel, a dilated kernel
 * with zeros between its taps, a weight renamed for a reused builder). T is linear, so the direction
 * of W′ is T(V) and the chain rule gives dW = Tᵀ(dW′); the same holds for the weight term of the
 * R-operator, R{dW} = Tᵀ(R{dW′}), since T does not depend on θ. The node stays exact (and its
 * Hessian block is Tᵀ H′ T) whatever the inner node is. Without `map`, T is the identity (a renaming).
 */
export function reparameterizedOp(
  inner: NodeOp,
  spec: { role: WeightRole; innerRole: WeightRole; map?(w: Tensor): Tensor; adjoint?(dw: Tensor): Tensor },
): NodeOp {
  const map = spec.map ?? ((w: Tensor) => w);
  const adjoint = spec.adjoint ?? ((dw: Tensor) => dw);
  // T(W) is fixed while θ is: kept on the record with the chunk, under a key of this node's own (views
  // may nest). A renaming is not kept: the record would hold, and at its release dispose, the weight itself.
  const key = `reparameterized/${reparameterizedNodes++}`;
  const weightsOf = (w: WeightMap, record: ForwardRecord | null): WeightMap => {
    const value = w[spec.role];
    if (!value) return w;
    const mapped = record && spec.map ? memoized(record, key, () => map(value)) : map(value);
    return { ...w, [spec.innerRole]: mapped };
  };
  const directionsOf = (v: WeightMap): WeightMap => {
    const { [spec.role]: value, ...rest } = v;
    return value ? { ...rest, [spec.innerRole]: map(value) } : rest;
  };
  const outer = (result: BackwardResult): BackwardResult => {
    const { [spec.innerRole]: d, ...rest } = result.dWeights;
    return { dInputs: result.dInputs, dWeights: d ? { ...rest, [spec.role]: adjoint(d) } : rest };
  };
  return {
    trainableRoles: inner.trainableRoles.map((role) => (role === spec.innerRole ? spec.role : role)),
    ...(inner.activation ? { activation: inner.activation } : {}),
    forward: (inputs, w) => inner.forward(inputs, weightsOf(w, null)),
    backward: (dy, record, w, needInputs, needWeights) => outer(inner.backward(dy, record, weightsOf(w, record), needInputs, needWeights)),
    rForward: (rInputs, v, record, w) => inner.rForward(rInputs, directionsOf(v), record, weightsOf(w, record)),
    rBackward: (dy, rdy, rInputs, v, record, w, needInputs) =>
      outer(inner.rBackward(dy, rdy, rInputs, directionsOf(v), record, weightsOf(w, record), needInputs)),
    ...(inner.readsAdjoint ? { readsAdjoint: inner.readsAdjoint } : {}),
  };
}

/**
 * y = a ⊙ b, the element-wise product of two node outputs of one shape (a recurrent gate times a
 * state or a candidate): the element-wise case of `inputBilinearOp`, whose cross terms dy⊙R{·} are
 * the product's own curvature (the block ∂²⟨dy, a⊙b⟩/∂a∂b).
 */
export function productOp(): NodeOp {
  return inputBilinearOp({
    apply: (a, b) => tf.mul(a, b),
    adjointFirst: (dy, b) => tf.mul(dy, b),
    adjointSecond: (dy, a) => tf.mul(dy, a),
  });
}
