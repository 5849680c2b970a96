/**
 * Building a layer's graph (docs/architecture.md, "Layers as graphs") node by node: recurrent layers
 * unrolled over time, wrappers that run another layer's graph. The weightless maps here are
 * `linearOp`s (slices, sums, stacks, reshapes), so a graph built from them, bilinear nodes,
 * activations and products is exact by construction.
 */
import * as tf from '@tensorflow/tfjs-core';
import { linearOp } from '../ops';
import type { GraphRef, LayerGraph, LayerGraphNode } from './kind';
import type { NodeOp, Tensor } from '../types';

export class GraphBuilder {
  readonly nodes: LayerGraphNode[] = [];

  add(op: NodeOp, ...inputs: GraphRef[]): GraphRef {
    this.nodes.push({ op, inputs });
    return { node: this.nodes.length - 1 };
  }

  /** Appends another layer's graph with its inputs bound to `inputs` (and each op passed through `wrap`); returns its outputs. */
  embed(graph: LayerGraph, inputs: GraphRef[], wrap: (op: NodeOp) => NodeOp = (op) => op): GraphRef[] {
    const offset = this.nodes.length;
    const map = (ref: GraphRef): GraphRef => ('input' in ref ? inputs[ref.input] : { node: ref.node + offset });
    for (const node of graph.nodes) this.nodes.push({ op: wrap(node.op), inputs: node.inputs.map(map) });
    return graph.outputs.map(map);
  }

  graph(outputs: GraphRef[]): LayerGraph {
    return { nodes: this.nodes, outputs };
  }
}

/** One term of a column combination: `sign` times columns [start, start + size) of a [batch, width] node output. */
export interface ColumnTerm {
  ref: GraphRef;
  start: number;
  size: number;
  width: number;
  sign?: 1 | -1;
}

const columnsOf = (x: Tensor, term: ColumnTerm) => (term.size === term.width ? x : tf.slice(x, [0, term.start], [-1, term.size]));

/**
 * y = Σ_k sign_k · x_k[:, start_k : start_k + size_k] over [batch, width] inputs (all terms of one size):
 * the gate slices and sums of a recurrent cell. The adjoint pads sign_k·dy back into each input's columns.
 * A single full-width positive term is the input itself, and no node is added.
 */
export function combineColumns(builder: GraphBuilder, terms: ColumnTerm[]): GraphRef {
  if (terms.length === 1 && terms[0].size === terms[0].width && terms[0].sign !== -1) return terms[0].ref;
  const op = linearOp({
    forward(inputs) {
      const parts = inputs.map((x, k) => columnsOf(x, terms[k]));
      const plus = parts.filter((_, k) => terms[k].sign !== -1);
      const minus = parts.filter((_, k) => terms[k].sign === -1);
      const sum = (list: Tensor[]) => (list.length === 1 ? list[0] : tf.addN(list));
      if (minus.length === 0) return sum(plus);
      return plus.length === 0 ? tf.neg(sum(minus)) : tf.sub(sum(plus), sum(minus));
    },
    adjoint: (dy) =>
      terms.map((term) => {
        const signed = term.sign === -1 ? tf.neg(dy) : dy;
        return term.size === term.width
          ? signed
          : tf.pad(signed, [
              [0, 0],
              [term.start, term.width - term.start - term.size],
            ]);
      }),
  });
  return builder.add(op, ...terms.map((t) => t.ref));
}

/** Columns [start, start + size) of a [batch, width] node output. */
export function columns(builder: GraphBuilder, ref: GraphRef, start: number, size: number, width: number): GraphRef {
  return combineColumns(builder, [{ ref, start, size, width }]);
}

/** Steps [start, start + size) of a [batch, steps, features] sequence (`size` 0: the one step `start`, without its time axis). */
function timeSliceOp(start: number, size: number, steps: number): NodeOp {
  const length = Math.max(size, 1);
  return linearOp({
    forward: ([x]) => {
      const slice = tf.slice(x, [0, start, 0], [-1, length, -1]);
      return size === 0 ? tf.squeeze(slice, [1]) : slice;
    },
    adjoint: (dy) => [
      tf.pad(size === 0 ? tf.expandDims(dy, 1) : dy, [
        [0, 0],
        [start, steps - start - length],
        [0, 0],
      ]),
    ],
  });
}

/**
 * The time steps of a [batch, steps, features] sequence as [batch, features] nodes, in time order,
 * cut by halving: each step's adjoint is padded back only to its parent range, so a backward pass
 * into the sequence costs batch·steps·features·log₂(steps) instead of batch·steps²·features.
 */
export function timeSteps(builder: GraphBuilder, sequence: GraphRef, steps: number): GraphRef[] {
  const split = (ref: GraphRef, length: number): GraphRef[] => {
    if (length === 1) return [builder.add(timeSliceOp(0, 0, 1), ref)];
    const half = Math.ceil(length / 2);
    return [
      [0, half],
      [half, length - half],
    ].flatMap(([start, size]) =>
      size === 1 ? [builder.add(timeSliceOp(start, 0, length), ref)] : split(builder.add(timeSliceOp(start, size, length), ref), size),
    );
  };
  return split(sequence, steps);
}

/** [batch, features] step outputs stacked into a [batch, steps, features] sequence. */
export function stackStepsOp(): NodeOp {
  return linearOp({ forward: (inputs) => tf.stack(inputs, 1), adjoint: (dy) => tf.unstack(dy, 1) });
}

/** A sequence with its time axis (axis 1) reversed: its own adjoint. */
export function reverseTimeOp(): NodeOp {
  return linearOp({ forward: ([x]) => tf.reverse(x, 1), adjoint: (dy) => [tf.reverse(dy, 1)] });
}

/** A reshape to `shape` (one axis may be −1: inferred, e.g. the batch when time is folded into it). */
export function reshapeOp(shape: number[]): NodeOp {
  return linearOp({
    forward: ([x]) => tf.reshape(x, shape),
    adjoint: (dy, record) => [tf.reshape(dy, record.inputs[0].shape)],
  });
}
