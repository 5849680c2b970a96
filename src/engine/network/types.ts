/**
 * The engine runs its own small executor over a Keras topology instead of TF.js autograd: each node
 * implements its forward pass, its backward pass and Pearlmutter's R-operator (the directional
 * derivative of both), which together give exact Hessian-vector products. Forward values and adjoints
 * do not change while θ is fixed, so they are computed once per data chunk and reused by every HVP.
 */
import type { Tensor } from '@tensorflow/tfjs-core';

export type { Tensor };

/** A tensor shape without the batch dimension. */
export type Shape = number[];

/**
 * A weight's key within its layer: the Keras weight name for plain layers (`kernel`, `bias`,
 * `recurrent_kernel`, `gamma`, `moving_mean`, …), prefixed for the weights of a wrapped layer
 * (`forward/kernel` in a Bidirectional).
 */
export type WeightRole = string;

export interface WeightSlot {
  role: WeightRole;
  shape: Shape;
  /** Part of θ (the analysed parameters): kernels, biases, γ, β, embeddings of trainable layers. */
  trainable: boolean;
  /**
   * How the weights manifest may name the weight after the layer's own name, as alternative lists of
   * name segments (default: `[[role]]`, i.e. `<layer>/<role>`). A wrapper names its inner layer's
   * weights, e.g. `[['forward_lstm', 'kernel']]`; a recurrent cell segment (`lstm_cell`) between them
   * is accepted by the loader wherever Keras writes one.
   */
  manifestPaths?: string[][];
  /** A variance: a negative value is a broken file, and its square root would be NaN everywhere. */
  nonNegative?: boolean;
}

/** The weights a node reads, by role; trainable ones are the current θ. */
export type WeightMap = Partial<Record<WeightRole, Tensor>>;

/** What a forward pass leaves for the backward pass and the R-operator (fixed while θ is fixed). */
export interface ForwardRecord {
  inputs: Tensor[];
  output: Tensor;
  saved: Tensor[];
}

export interface BackwardResult {
  dInputs: (Tensor | null)[];
  dWeights: Partial<Record<WeightRole, Tensor>>;
}

/** What rBackward will be asked for at one node, over every HVP of a chunk. */
export interface AdjointContext {
  /** Per input, whether an R{x} may arrive (an ancestor reads θ). */
  rInputs: boolean[];
  needInputs: boolean;
}

/**
 * One node of the executor. `rForward` returns R{y} = J_x·R{x} + J_θ·v, `rBackward` returns the
 * R-operator applied to the backward pass: R{dx} and R{dθ} given dy, R{dy}, R{x} and v.
 * Null stands for a zero tensor, so work outside a direction's support is skipped.
 */
export interface NodeOp {
  /** Roles of the trainable weights this node reads (θ blocks), in order. */
  readonly trainableRoles: readonly WeightRole[];
  /** Set on activation nodes, so a loss can take the logits before a final softmax or sigmoid. */
  readonly activation?: string;
  forward(inputs: Tensor[], weights: WeightMap): { output: Tensor; saved?: Tensor[] };
  /**
   * dx (when `needInputs`) and dθ (unless `needWeights` is false: a sweep that only carries adjoints
   * down, which may then leave dWeights empty).
   */
  backward(dy: Tensor, record: ForwardRecord, weights: WeightMap, needInputs: boolean, needWeights?: boolean): BackwardResult;
  rForward(rInputs: (Tensor | null)[], v: WeightMap, record: ForwardRecord, weights: WeightMap): Tensor | null;
  /**
   * Whether rBackward reads dy, given which inputs may carry an R{x} and whether R{dx} is wanted;
   * false lets the engine drop that adjoint from a cached chunk (and pass rBackward a placeholder).
   * Absent means it does.
   */
  readsAdjoint?(context: AdjointContext): boolean;
  rBackward(
    dy: Tensor,
    rdy: Tensor | null,
    rInputs: (Tensor | null)[],
    v: WeightMap,
    record: ForwardRecord,
    weights: WeightMap,
    needInputs: boolean,
  ): BackwardResult;
}
