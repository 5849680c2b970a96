/**
 * Subtract, Multiply, Maximum, Minimum and Dot: merges of several inputs beyond sums and concatenation.
 *
 * Keras semantics: Subtract takes exactly two inputs, a − b. Multiply, Maximum and Minimum take two
 * or more inputs of one shape (broadcasting merges are refused, as for Add) and combine them element
 * by element. Dot(axes, normalize) takes two inputs and sums their product over one axis of each
 * (`axes`: an int for both, or a pair; counted with the batch axis as 0, negatives from the end):
 * two vectors [n] give [1]; two matrices give [free axis of a, free axis of b] (a batched matrix
 * product). With `normalize`, each input is first L2-normalised along its dot axis, x/√max(‖x‖², floor):
 * floor 1e-12 in Keras 2, ε² = 1e-14 in Keras 3, 1e-7 (tfjs's epsilon) in tfjs-layers.
 *
 * R-operator paths: Subtract is `linearOp`; Multiply is a chain of `inputBilinearOp` products (the
 * cross terms of a product of activations); Maximum and Minimum are linear maps that pick, element by
 * element, the first extreme input, a choice fixed by the forward pass (ties are kinks: the reference
 * drops samples near them); Dot is `inputBilinearOp` after optional `normalizationOp` nodes.
 *
 * Refused: inputs of different shapes (Subtract, Multiply, Maximum, Minimum), Dot on inputs other
 * than two vectors or two matrices per sample.
 *
 * Symmetry: Subtract, Maximum and Minimum are homogeneous when both branches carry the same scale
 * (merge); Multiply and Dot multiply scales together, so no scale crosses them (barrier).
 */
import * as tf from '@tensorflow/tfjs-core';
import { inputBilinearOp, linearOp, memoized, normalizationOp } from '../ops';
import type { LayerConfig } from './config';
import type { BuiltLayer, GraphRef, LayerGraphNode, LayerKind } from './kind';
import { requireEqualShapes } from './merge';
import type { ForwardRecord, NodeOp, Shape, Tensor } from '../types';

const subtract: LayerKind = {
  classNames: ['Subtract'],
  exactPath: 'linear node: a − b',
  build({ config, inputShapes }): BuiltLayer {
    if (inputShapes.length !== 2) config.fail(`takes exactly two inputs, not ${inputShapes.length}`);
    requireEqualShapes((p) => config.fail(p), inputShapes);
    return {
      outputShape: inputShapes[0],
      weights: [],
      ops: [linearOp({ forward: ([a, b]) => tf.sub(a, b), adjoint: (dy) => [dy, tf.neg(dy)] })],
      symmetry: { role: 'merge' },
    };
  },
};

const elementwiseProduct = () =>
  inputBilinearOp({ apply: (a, b) => tf.mul(a, b), adjointFirst: (dy, b) => tf.mul(dy, b), adjointSecond: (dy, a) => tf.mul(dy, a) });

const multiply: LayerKind = {
  classNames: ['Multiply'],
  exactPath: 'a chain of element-wise products, each a two-input bilinear node (its cross terms are the curvature of the product)',
  build({ config, inputShapes }): BuiltLayer {
    requireEqualShapes((p) => config.fail(p), inputShapes);
    // x₀ ⊙ x₁ ⊙ … as a chain of two-input products.
    const nodes: LayerGraphNode[] = inputShapes.slice(1).map((_, k) => ({
      op: elementwiseProduct(),
      inputs: [k === 0 ? { input: 0 } : { node: k - 1 }, { input: k + 1 }],
    }));
    return {
      outputShape: inputShapes[0],
      weights: [],
      ops: [],
      graph: { nodes, outputs: [{ node: nodes.length - 1 }] },
      symmetry: { role: 'barrier', reason: 'multiplies its inputs, so their scales multiply' },
    };
  },
};

/** Maximum or Minimum: each output element is the first input holding the extreme value there. */
function extremum(className: string, beats: (a: Tensor, b: Tensor) => Tensor): LayerKind {
  const choice = (record: ForwardRecord) =>
    memoized(record, 'choice', () =>
      tf.tidy(() => {
        let best = record.inputs[0];
        let index: Tensor = tf.zerosLike(best);
        record.inputs.slice(1).forEach((x, k) => {
          const wins = beats(x, best);
          best = tf.where(wins, x, best);
          index = tf.where(wins, tf.fill(x.shape, k + 1), index);
        });
        return index;
      }),
    );
  const mask = (record: ForwardRecord, k: number) => memoized(record, `mask${k}`, () => tf.cast(tf.equal(choice(record), k), 'float32'));
  return {
    classNames: [className],
    exactPath:
      'linear node with masks fixed by the forward pass: each element from the first input holding the extreme value, the same choice in both directions',
    build({ config, inputShapes }): BuiltLayer {
      requireEqualShapes((p) => config.fail(p), inputShapes);
      return {
        outputShape: inputShapes[0],
        weights: [],
        ops: [
          linearOp({
            forward: (inputs) => inputs.slice(1).reduce((y, x) => tf.where(beats(x, y), x, y), inputs[0]),
            linear: (rInputs, record) => tf.addN(rInputs.map((r, k) => tf.mul(r, mask(record, k)))),
            adjoint: (dy, record) => record.inputs.map((_, k) => tf.mul(dy, mask(record, k))),
          }),
        ],
        symmetry: { role: 'merge' },
      };
    },
  };
}

/** Keras's Dot axes as 1-based sample axes of each input. */
function dotAxes(config: LayerConfig, shapes: Shape[]): [number, number] {
  const raw = config.raw.axes;
  const pair = typeof raw === 'number' ? [raw, raw] : raw;
  if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((a) => Number.isInteger(a)))
    config.fail(`"axes" must be an integer or a pair of them, not ${JSON.stringify(raw)}`);
  return pair.map((a: number, i) => {
    const rank = shapes[i].length + 1;
    const axis = a < 0 ? a + rank : a;
    if (axis < 1 || axis >= rank) config.fail(`axis ${a} of input ${i} is not one of its sample axes`);
    return axis;
  }) as [number, number];
}

/** The floor of ‖x‖² in Dot's L2 normalisation, as the file's writer applies it. */
function normalizeFloor(config: LayerConfig): number {
  if (config.kerasVersion.writer === 'tfjs-layers') return 1e-7;
  if (config.kerasVersion.writer === 'unknown')
    config.fail('normalize: true clamps ‖x‖² differently in Keras 2, Keras 3 and tfjs-layers, and the file has no keras_version');
  return config.keras3 ? 1e-14 : 1e-12;
}

const swapLast = (t: Tensor) => tf.transpose(t, [0, 2, 1]);

const dot: LayerKind = {
  classNames: ['Dot'],
  exactPath:
    'two-input bilinear node (a batched dot or matrix product), after one normalisation node per input with normalize (L2, floored)',
  build({ config, inputShapes }): BuiltLayer {
    if (inputShapes.length !== 2) config.fail(`takes exactly two inputs, not ${inputShapes.length}`);
    const [sa, sb] = inputShapes;
    if (sa.length !== sb.length || sa.length > 2)
      config.fail(
        `is supported on two vectors or two matrices per sample, not on inputs of shapes [${sa.join(', ')}] and [${sb.join(', ')}]`,
      );
    const [p, q] = dotAxes(config, inputShapes);
    if (sa[p - 1] !== sb[q - 1])
      config.fail(`the dot axes have different lengths (${sa[p - 1]} at axis ${p} vs ${sb[q - 1]} at axis ${q})`);
    let product: NodeOp;
    let outputShape: Shape;
    if (sa.length === 1) {
      outputShape = [1];
      product = inputBilinearOp({
        apply: (a, b) => tf.sum(tf.mul(a, b), 1, true),
        adjointFirst: (dy, b) => tf.mul(dy, b),
        adjointSecond: (dy, a) => tf.mul(dy, a),
      });
    } else {
      // A' = [batch, free of a, k], B' = [batch, k, free of b], y = A'B'; explicit transposes
      // (docs/tfjs-notes.md, "Transposed matmuls are slow on wasm").
      const left = (a: Tensor) => (p === 2 ? a : swapLast(a));
      const right = (b: Tensor) => (q === 1 ? b : swapLast(b));
      outputShape = [sa[2 - p], sb[2 - q]];
      product = inputBilinearOp({
        apply: (a, b) => tf.matMul(left(a) as tf.Tensor3D, right(b) as tf.Tensor3D),
        adjointFirst: (dy, b) => left(tf.matMul(dy as tf.Tensor3D, swapLast(right(b)) as tf.Tensor3D)),
        adjointSecond: (dy, a) => right(tf.matMul(swapLast(left(a)) as tf.Tensor3D, dy as tf.Tensor3D)),
      });
    }
    const nodes: LayerGraphNode[] = [];
    const inputs: GraphRef[] = [{ input: 0 }, { input: 1 }];
    if (config.boolean('normalize', false)) {
      const floor = normalizeFloor(config);
      [p, q].forEach((axis, i) => {
        nodes.push({ op: normalizationOp({ axes: [axis], center: false, weight: 1, epsilon: 0, floor }), inputs: [{ input: i }] });
        inputs[i] = { node: nodes.length - 1 };
      });
    }
    nodes.push({ op: product, inputs });
    return {
      outputShape,
      weights: [],
      ops: [],
      graph: { nodes, outputs: [{ node: nodes.length - 1 }] },
      symmetry: { role: 'barrier', reason: 'a product of its inputs, so their scales multiply' },
    };
  },
};

export const mergeExtraLayers: LayerKind[] = [subtract, multiply, extremum('Maximum', tf.greater), extremum('Minimum', tf.less), dot];
