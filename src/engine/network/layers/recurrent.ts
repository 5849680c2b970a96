/**
 * SimpleRNN, LSTM and GRU with Keras's semantics (tfjs-layers computes the same), unrolled over the
 * time steps of a [batch, steps, features] input into the layer's graph (docs/architecture.md, "Layers
 * as graphs"). With x_t the input at step t, h_0 = c_0 = 0, σ the `activation` (tanh by default) and
 * ρ the `recurrent_activation`:
 *
 *     SimpleRNN   h_t = σ(x_t·W + b + h_{t−1}·U)
 *     LSTM        [i f g o] = [ρ ρ σ ρ](x_t·W + b + h_{t−1}·U)      (W, U, b in Keras's gate order i, f, c, o)
 *                 c_t = f⊙c_{t−1} + i⊙g,   h_t = o⊙σ(c_t)
 *     GRU         (gate order z, r, h)   h_t = z⊙h_{t−1} + (1 − z)⊙ĥ
 *       reset_after=false, b [3u]:       [z r] = ρ(x_t·W_zr + b_zr + h_{t−1}·U_zr)
 *                                        ĥ = σ(x_t·W_h + b_h + (r⊙h_{t−1})·U_h)
 *       reset_after=true, b [2, 3u]:     m = h_{t−1}·U + b_rec (row 1), a = x_t·W + b_in (row 0)
 *                                        [z r] = ρ(a_zr + m_zr),  ĥ = σ(a_h + r⊙m_h)
 *
 * The output is h_T, or with return_sequences every h_t in processing order (go_backwards runs the
 * steps from last to first and, as Keras, does not reverse the output back); return_state adds h_T
 * (and c_T) as further outputs.
 *
 * R-operator path: per step, `bilinearOp` nodes for x_t·W (+ b) and h_{t−1}·U — the same weights at
 * every step, and the engine adds every node's contribution to one θ block — one `activationOp` over
 * the whole gate block (a per-column activation, so its derivatives are memoised once per step),
 * `productOp` for the gate products, and `linearOp` time slices, gate slices and sums
 * (graph-builder.ts); step 1 has no recurrent term. GRU's reset_after bias rows are one bilinear node
 * (linear in the bias) shared by all steps. Per step, an LSTM or a GRU is 13 nodes and a SimpleRNN 4,
 * plus about two slices of the input.
 * The steps are cut from the input by halving (`timeSteps`), so when the input sequence itself
 * depends on θ (an Embedding or another recurrent layer before it), the backward pass into it grows as
 * steps·log(steps), not steps².
 *
 * Ignored as Keras ignores them at inference: dropout, recurrent_dropout (training only); unroll and
 * implementation (the same function). Refused by name: stateful=true, time_major=true, a missing
 * recurrent_activation (its default differs between Keras versions), a non-element-wise activation.
 * A mask cannot reach these layers: Embedding(mask_zero=true) and Masking are refused.
 */
import * as tf from '@tensorflow/tfjs-core';
import { activationOp, bilinearOp, memoized, productOp } from '../ops';
import { elementwiseActivation, normalizeActivationName, type ElementwiseActivation } from '../activations';
import { requireRank, type LayerConfig } from './config';
import { GraphBuilder, columns, combineColumns, stackStepsOp, timeSteps, type ColumnTerm } from './graph-builder';
import type { BuiltLayer, GraphRef, LayerKind } from './kind';
import type { NodeOp, Shape, Tensor, WeightRole } from '../types';

/**
 * x·K[:, start : start + size] (+ b) for x [batch, in] and a kernel [in, width]: a whole kernel, or the
 * columns of some gates. Products are transposed explicitly (docs/tfjs-notes.md, "Transposed matmuls
 * are slow on wasm"), and the transposes of the weight and of the recorded input are memoised.
 */
function matmulOp(spec: {
  kernelRole: WeightRole;
  biasRole: WeightRole | null;
  trainable: boolean;
  width: number;
  start?: number;
  size?: number;
}): NodeOp {
  const start = spec.start ?? 0;
  const size = spec.size ?? spec.width;
  const part = (kernel: Tensor) => (size === spec.width ? kernel : tf.slice(kernel, [0, start], [-1, size]));
  return bilinearOp({
    kernelRole: spec.kernelRole,
    biasRole: spec.biasRole,
    kernelTrainable: spec.trainable,
    biasTrainable: spec.trainable,
    inputDifferentiable: true,
    apply: (x, kernel) => tf.matMul(x as tf.Tensor2D, part(kernel) as tf.Tensor2D),
    adjointInput(dy, kernel, record, _shape, kernelIsWeight) {
      const transposed = () => tf.transpose(part(kernel));
      return tf.matMul(dy as tf.Tensor2D, (kernelIsWeight ? memoized(record, 'kernelT', transposed) : transposed()) as tf.Tensor2D);
    },
    adjointKernel(x, dy, record, fixed) {
      const xT = fixed === 'input' ? memoized(record, 'inputT', () => tf.transpose(x)) : tf.transpose(x);
      const product = tf.matMul(xT as tf.Tensor2D, dy as tf.Tensor2D);
      return size === spec.width
        ? product
        : tf.pad(product, [
            [0, 0],
            [start, spec.width - start - size],
          ]);
    },
    biasReduce: (dy) => tf.sum(dy, 0),
  });
}

/**
 * GRU's reset_after bias [2, 3u] (input row, recurrent row) broadcast to [batch, 6u]: linear in the
 * bias, and its input (the layer's sequence) only gives the batch size, so it carries no derivative.
 */
function biasRowsOp(units: number, trainable: boolean): NodeOp {
  const noInputDerivative = () => {
    throw new Error('the bias rows do not depend on the input values');
  };
  return bilinearOp({
    kernelRole: 'bias',
    biasRole: null,
    kernelTrainable: trainable,
    biasTrainable: false,
    inputDifferentiable: false,
    apply: (x, bias) => tf.tile(tf.reshape(bias, [1, 6 * units]), [x.shape[0], 1]),
    adjointInput: noInputDerivative,
    adjointKernel: (_x, dy) => tf.reshape(tf.sum(dy, 0), [2, 3 * units]),
    biasReduce: noInputDerivative,
  });
}

/** Column blocks of a gate pre-activation, each with its own activation: element-wise, with element-wise derivatives. */
function blockActivation(blocks: [ElementwiseActivation, number][]): ElementwiseActivation {
  if (blocks.every(([a]) => a.name === blocks[0][0].name)) return blocks[0][0];
  const starts = blocks.map((_, k) => blocks.slice(0, k).reduce((s, [, n]) => s + n, 0));
  const each = (x: Tensor, y: Tensor | null, f: (a: ElementwiseActivation, x: Tensor, y: Tensor) => Tensor) =>
    tf.tidy(() =>
      tf.concat(
        blocks.map(([a, n], k) => {
          const xs = tf.slice(x, [0, starts[k]], [-1, n]);
          return f(a, xs, y ? tf.slice(y, [0, starts[k]], [-1, n]) : xs);
        }),
        1,
      ),
    );
  const hasSecond = blocks.some(([a]) => a.secondDerivative !== null);
  return {
    name: blocks.map(([a, n]) => `${a.name}×${n}`).join(' | '),
    positivelyHomogeneous: blocks.every(([a]) => a.positivelyHomogeneous),
    apply: (x) => each(x, null, (a, xs) => a.apply(xs)),
    derivative: (x, y) => each(x, y, (a, xs, ys) => a.derivative(xs, ys)),
    secondDerivative: hasSecond
      ? (x, y) => each(x, y, (a, xs, ys) => (a.secondDerivative ? a.secondDerivative(xs, ys) : tf.zerosLike(xs)))
      : null,
  };
}

/** The node for an activation, or null for the identity (which needs none). */
const activationNode = (activation: ElementwiseActivation): NodeOp | null =>
  activation.name === 'linear' ? null : activationOp(activation);

function activate(builder: GraphBuilder, op: NodeOp | null, ref: GraphRef): GraphRef {
  return op ? builder.add(op, ref) : ref;
}

const whole = (ref: GraphRef, width: number, sign?: 1 | -1): ColumnTerm => ({ ref, start: 0, size: width, width, sign });

function activationOf(config: LayerConfig, key: string, fallback: string | null): ElementwiseActivation {
  const raw = config.raw[key];
  if (raw === undefined && fallback === null) {
    config.fail(
      `"${key}" is missing; Keras writes it, and its default differs between versions (sigmoid in Keras 2.3 and later, hard_sigmoid in tfjs-layers and older Keras)`,
    );
  }
  return elementwiseActivation(raw === undefined ? fallback! : normalizeActivationName(raw), config.layerName, config.kerasVersion);
}

interface CellContext {
  config: LayerConfig;
  units: number;
  useBias: boolean;
  trainable: boolean;
  /** The layer's input sequence. */
  sequence: GraphRef;
}

interface Cell {
  /** Gate blocks in the kernels: [in, gates·units] and [units, gates·units]. */
  gates: number;
  biasShape: Shape;
  /** Adds one step's nodes; `state` is null at the first step (zero state). Returns the new state, h first. */
  step(builder: GraphBuilder, x: GraphRef, state: GraphRef[] | null): GraphRef[];
}

/** What each cell adds per time step, for the layers' exact paths. */
const STEP_PATHS = {
  SimpleRNN: 'per step one x·W (+ b) and one h·U bilinear node, summed by a linear node, then the activation node',
  LSTM: 'per step one x·W and one h·U bilinear node over all gates, one activation node over the gate block and one for σ(c_t), element-wise products (two-input bilinear nodes), linear gate slices and sums',
  GRU: 'per step one x·W bilinear node, h·U as one bilinear node over all gates (reset_after) or two (z and r, then (r⊙h)·U_h), gate and candidate activation nodes, element-wise products (two-input bilinear nodes), linear gate slices and sums; the reset_after bias rows one bilinear node for all steps',
};

function recurrentLayer(className: keyof typeof STEP_PATHS, makeCell: (context: CellContext) => Cell): LayerKind {
  return {
    classNames: [className],
    exactPath: `unrolled over time (linear time-slice nodes): ${STEP_PATHS[className]}; θ blocks shared by every step`,
    build({ config, inputShapes: [shape], trainable }): BuiltLayer {
      requireRank(config, shape, 2, 'sequences [time steps, features]');
      if (config.boolean('stateful', false))
        config.fail(
          'stateful=true is not supported (every analysed sample is its own sequence from a zero state); save the model with stateful=false, which keeps the same weights',
        );
      if (config.boolean('time_major', false)) config.fail('time_major=true is not supported; save the model with time_major=false');
      // Training-only or the same function: read so that a malformed value is still named.
      config.boolean('unroll', false);
      for (const key of ['dropout', 'recurrent_dropout']) {
        const rate = config.number(key, 0);
        if (rate < 0 || rate > 1) config.fail(`"${key}" must be between 0 and 1, not ${rate}`);
      }
      const [steps, features] = shape;
      const units = config.positiveInteger('units');
      const useBias = config.boolean('use_bias', true);
      const returnSequences = config.boolean('return_sequences', false);
      const returnState = config.boolean('return_state', false);
      const goBackwards = config.boolean('go_backwards', false);
      const cell = makeCell({ config, units, useBias, trainable, sequence: { input: 0 } });

      const builder = new GraphBuilder();
      const xs = timeSteps(builder, { input: 0 }, steps);
      let state: GraphRef[] | null = null;
      const outputs: GraphRef[] = [];
      for (const x of goBackwards ? xs.reverse() : xs) {
        state = cell.step(builder, x, state);
        outputs.push(state[0]);
      }
      const last = state!;
      const output = returnSequences ? builder.add(stackStepsOp(), ...outputs) : last[0];
      const outputShape = returnSequences ? [steps, units] : [units];
      const width = cell.gates * units;
      return {
        outputShape,
        ...(returnState ? { outputShapes: [outputShape, ...last.map(() => [units])] } : {}),
        weights: [
          { role: 'kernel', shape: [features, width], trainable },
          { role: 'recurrent_kernel', shape: [units, width], trainable },
          ...(useBias ? [{ role: 'bias', shape: cell.biasShape, trainable }] : []),
        ],
        ops: [],
        graph: builder.graph(returnState ? [output, ...last] : [output]),
        // The kernel absorbs a scale of the input (x·W), but the gates (or the recurrence through U) let none through.
        symmetry: {
          role: 'kernel',
          kernelRole: 'kernel',
          biasRole: useBias ? 'bias' : null,
          homogeneousActivation: false,
          units,
          inputChannelAxis: 0,
          depthwise: false,
        },
      };
    },
  };
}

/** x_t·W + b + h_{t−1}·U over all gates at once (one product each), without the recurrent term at the first step. */
function preActivation({ useBias, trainable }: CellContext, width: number) {
  const input = matmulOp({ kernelRole: 'kernel', biasRole: useBias ? 'bias' : null, trainable, width });
  const recurrent = matmulOp({ kernelRole: 'recurrent_kernel', biasRole: null, trainable, width });
  return (builder: GraphBuilder, x: GraphRef, state: GraphRef[] | null): GraphRef => {
    const a = builder.add(input, x);
    return state ? combineColumns(builder, [whole(a, width), whole(builder.add(recurrent, state[0]), width)]) : a;
  };
}

const simpleRnn = recurrentLayer('SimpleRNN', (context) => {
  const z = preActivation(context, context.units);
  const activation = activationNode(activationOf(context.config, 'activation', 'tanh'));
  return {
    gates: 1,
    biasShape: [context.units],
    step: (builder, x, state) => [activate(builder, activation, z(builder, x, state))],
  };
});

const lstm = recurrentLayer('LSTM', (context) => {
  const { config, units } = context;
  const width = 4 * units;
  const cellActivation = activationOf(config, 'activation', 'tanh');
  const gateActivation = activationOf(config, 'recurrent_activation', null);
  const z = preActivation(context, width);
  const gates = activationOp(
    blockActivation([
      [gateActivation, 2 * units],
      [cellActivation, units],
      [gateActivation, units],
    ]),
  );
  const output = activationNode(cellActivation);
  const product = productOp();
  return {
    gates: 4,
    biasShape: [width],
    step(builder, x, state) {
      const g = builder.add(gates, z(builder, x, state));
      const gate = (k: number) => columns(builder, g, k * units, units, width);
      const ig = builder.add(product, gate(0), gate(2));
      const c = state ? combineColumns(builder, [whole(ig, units), whole(builder.add(product, gate(1), state[1]), units)]) : ig;
      const h = builder.add(product, gate(3), activate(builder, output, c));
      return [h, c];
    },
  };
});

const gru = recurrentLayer('GRU', ({ config, units, useBias, trainable, sequence }) => {
  // Absent in files from before the option existed, which reset before the product (bias [3u]).
  const resetAfter = config.boolean('reset_after', false);
  const width = 3 * units;
  const candidateActivation = activationNode(activationOf(config, 'activation', 'tanh'));
  const gateActivation = activationNode(activationOf(config, 'recurrent_activation', null));
  const product = productOp();
  const input = matmulOp({ kernelRole: 'kernel', biasRole: useBias && !resetAfter ? 'bias' : null, trainable, width });
  const recurrentAll = matmulOp({ kernelRole: 'recurrent_kernel', biasRole: null, trainable, width });
  const recurrentZr = matmulOp({ kernelRole: 'recurrent_kernel', biasRole: null, trainable, width, start: 0, size: 2 * units });
  const recurrentH = matmulOp({ kernelRole: 'recurrent_kernel', biasRole: null, trainable, width, start: 2 * units, size: units });
  const biasRows = useBias && resetAfter ? biasRowsOp(units, trainable) : null;
  let bias: GraphRef | null = null;

  /** h_t = ĥ + z⊙(h_{t−1} − ĥ), or ĥ − z⊙ĥ from the zero state. */
  const mix = (builder: GraphBuilder, z: GraphRef, previous: GraphRef | null, candidate: GraphRef) => {
    const other = previous ? combineColumns(builder, [whole(previous, units), whole(candidate, units, -1)]) : candidate;
    const zd = builder.add(product, z, other);
    return combineColumns(builder, [whole(candidate, units), whole(zd, units, previous ? 1 : -1)]);
  };

  return {
    gates: 3,
    biasShape: resetAfter ? [2, width] : [width],
    step(builder, x, state) {
      const previous = state ? state[0] : null;
      const a = builder.add(input, x);
      if (biasRows && !bias) bias = builder.add(biasRows, sequence);
      // Columns [start, start + size) of the input part (x·W + b_in) and of the recurrent part (h·U + b_rec).
      const inputTerms = (start: number, size: number): ColumnTerm[] => [
        { ref: a, start, size, width },
        ...(bias ? [{ ref: bias, start, size, width: 2 * width }] : []),
      ];
      let zr: GraphRef;
      let recurrentHTerms: ColumnTerm[];
      if (resetAfter) {
        const m = previous ? builder.add(recurrentAll, previous) : null;
        const recurrentTerms = (start: number, size: number): ColumnTerm[] => [
          ...(m ? [{ ref: m, start, size, width }] : []),
          ...(bias ? [{ ref: bias, start: width + start, size, width: 2 * width }] : []),
        ];
        zr = combineColumns(builder, [...inputTerms(0, 2 * units), ...recurrentTerms(0, 2 * units)]);
        recurrentHTerms = recurrentTerms(2 * units, units);
      } else {
        const m = previous ? [whole(builder.add(recurrentZr, previous), 2 * units)] : [];
        zr = combineColumns(builder, [...inputTerms(0, 2 * units), ...m]);
        recurrentHTerms = previous ? [whole(previous, units)] : [];
      }
      const gates = activate(builder, gateActivation, zr);
      const z = columns(builder, gates, 0, units, 2 * units);
      const candidateTerms = inputTerms(2 * units, units);
      if (recurrentHTerms.length > 0) {
        const reset = builder.add(product, columns(builder, gates, units, units, 2 * units), combineColumns(builder, recurrentHTerms));
        candidateTerms.push(whole(resetAfter ? reset : builder.add(recurrentH, reset), units));
      }
      const candidate = activate(builder, candidateActivation, combineColumns(builder, candidateTerms));
      return [mix(builder, z, previous, candidate)];
    },
  };
});

export const recurrentLayers: LayerKind[] = [simpleRnn, lstm, gru];
