/**
 * Loss, gradient and exact Hessian-vector products over a set of samples, in fixed-size chunks.
 *
 * An HVP is Pearlmutter's R-operator applied to the backward pass: a forward sweep of R{·} through
 * the network, the loss Hessian with respect to the output, and a backward sweep of R{·}. Forward
 * values and adjoints depend only on θ and the data, so chunks whose records fit the cache budget
 * keep them across HVPs; the rest are recomputed each time, and memory stays bounded either way.
 * Directions supported on a subset of θ blocks (one layer's, for per-layer sharpness) skip the R{·}
 * sweep before the first touched node and the backward sweep past the last node that needs it.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LossFunction } from '../loss/losses';
import { MODEL_INPUT, type Network } from '../network/network';
import type { ForwardRecord, Tensor, WeightMap, WeightRole } from '../network/types';
import { scoped } from '../backend/scope';

export interface SampleSet {
  inputs: Float32Array | Int32Array;
  /** Shape of one sample. */
  inputShape: number[];
  inputDtype: 'float32' | 'int32';
  targets: Float32Array;
  targetShape: number[];
  count: number;
}

export interface CurvatureOptions {
  chunkSize: number;
  /** Bytes of backend memory the cached forward records and adjoints may use. */
  cacheBytes: number;
  /** Sample count the loss is averaged over (all shards together). */
  totalSamples: number;
}

export interface Evaluation {
  /** This set's share of the mean loss (Σ per-sample loss / totalSamples). */
  loss: number;
  /** Correctly classified samples in this set, or null for regression. */
  correct: number | null;
  /** This set's share of ∇L. */
  gradient: Float64Array;
}

type CachedRecord = ForwardRecord & { memo?: Map<string, Tensor> };

interface ChunkState {
  x: Tensor;
  target: Tensor;
  records: CachedRecord[];
  adjoints: (Tensor | null)[];
  z: Tensor;
}

export class CurvatureEngine {
  /** The node whose output the loss takes (the logits when the loss absorbs the final activation). */
  private readonly lossNode: number;
  /** Nodes the loss depends on, in topological order. */
  private readonly active: number[];
  /** Node i (or one of its ancestors) reads a θ block, so the backward pass must reach it. */
  private readonly reachesTheta: boolean[];
  private readonly cache = new Map<number, ChunkState>();
  private readonly chunkCount: number;
  /** Backend memory before any chunk was cached: the budget counts what the cache adds to it. */
  private readonly baselineBytes = tf.memory().numBytes;

  constructor(
    readonly network: Network,
    readonly loss: LossFunction,
    private readonly samples: SampleSet,
    private readonly options: CurvatureOptions,
  ) {
    const output = network.nodes[network.outputNode];
    this.lossNode = loss.fusedActivation && output?.op.activation === loss.fusedActivation ? output.inputs[0] : network.outputNode;
    this.active = this.ancestors(this.lossNode);
    this.reachesTheta = this.mark((i) => Object.keys(network.nodes[i].blocks).length > 0);
    this.chunkCount = Math.ceil(samples.count / options.chunkSize);
  }

  private ancestors(node: number): number[] {
    const seen = new Set<number>();
    const visit = (i: number) => {
      if (i === MODEL_INPUT || seen.has(i)) return;
      seen.add(i);
      for (const j of this.network.nodes[i].inputs) visit(j);
    };
    visit(node);
    return [...seen].sort((a, b) => a - b);
  }

  /** Marks nodes for which `own(i)` holds for the node or any ancestor. */
  private mark(own: (i: number) => boolean): boolean[] {
    const marks = new Array<boolean>(this.network.nodes.length).fill(false);
    for (const i of this.active) marks[i] = own(i) || this.network.nodes[i].inputs.some((j) => j !== MODEL_INPUT && marks[j]);
    return marks;
  }

  private chunkTensors(c: number): { x: Tensor; target: Tensor } {
    const { inputs, inputShape, inputDtype, targets, targetShape, count } = this.samples;
    const start = c * this.options.chunkSize;
    const end = Math.min(count, start + this.options.chunkSize);
    const perInput = inputShape.reduce((a, b) => a * b, 1);
    const perTarget = targetShape.reduce((a, b) => a * b, 1);
    return {
      x: tf.tensor(inputs.subarray(start * perInput, end * perInput), [end - start, ...inputShape], inputDtype),
      target: tf.tensor(targets.subarray(start * perTarget, end * perTarget), [end - start, ...targetShape], 'float32'),
    };
  }

  /** Forward records of every active node and the adjoints dL/d(output) of each, for one chunk. */
  private computeChunk(c: number): ChunkState {
    const { x, target } = this.chunkTensors(c);
    const nodes = this.network.nodes;
    const records: CachedRecord[] = [];
    for (const i of this.active) {
      const node = nodes[i];
      const inputs = node.inputs.map((j) => (j === MODEL_INPUT ? x : records[j].output));
      const { output, saved } = node.op.forward(inputs, this.network.weightsOf(node.layer));
      records[i] = { inputs, output, saved: saved ?? [] };
    }
    const z = records[this.lossNode].output;
    const adjoints: (Tensor | null)[] = [];
    adjoints[this.lossNode] = tf.mul(this.loss.gradient(z, target), 1 / this.options.totalSamples);
    for (let k = this.active.length - 1; k >= 0; k--) {
      const i = this.active[k];
      const dy = adjoints[i];
      if (!dy) continue;
      const node = nodes[i];
      const needInputs = node.inputs.some((j) => j !== MODEL_INPUT && this.reachesTheta[j]);
      const { dInputs } = node.op.backward(dy, records[i], this.network.weightsOf(node.layer), needInputs);
      node.inputs.forEach((j, n) => {
        const d = dInputs[n];
        if (j === MODEL_INPUT || !d || !this.reachesTheta[j]) return;
        adjoints[j] = adjoints[j] ? tf.add(adjoints[j]!, d) : d;
      });
    }
    return { x, target, records, adjoints, z };
  }

  private keepChunk(state: ChunkState): ChunkState {
    const kept = new Set<Tensor>([state.x, state.target, state.z]);
    for (const r of state.records) if (r) [r.output, ...r.inputs, ...r.saved].forEach((t) => kept.add(t));
    for (const a of state.adjoints) if (a) kept.add(a);
    for (const t of kept) tf.keep(t);
    for (const r of state.records) if (r) r.memo = new Map();
    return state;
  }

  private static bytes(state: ChunkState): number {
    const seen = new Set<Tensor>([state.x, state.target]);
    for (const r of state.records) if (r) [r.output, ...r.saved].forEach((t) => seen.add(t));
    for (const a of state.adjoints) if (a) seen.add(a);
    let total = 0;
    for (const t of seen) total += t.size * 4;
    // The memo (transposed activations, derivative masks) roughly doubles what a record holds.
    return 2 * total;
  }

  /** Runs `use` on chunk c's state, from the cache or computed afresh (and then freed). */
  private withChunk<T>(c: number, use: (state: ChunkState) => T): T {
    const cached = this.cache.get(c);
    return scoped(() => use(cached ?? this.computeChunk(c)));
  }

  /** Loss, accuracy and gradient; also fills the cache, chunk by chunk, up to the budget. */
  evaluate(): Evaluation {
    const gradient = new Float64Array(this.network.dimension);
    let loss = 0;
    let correct: number | null = 0;
    let used = 0;
    for (let c = 0; c < this.chunkCount; c++) {
      const stateOut = scoped(() => {
        const state = this.cache.get(c) ?? this.computeChunk(c);
        const parts = this.backwardWeights(state);
        loss += tf.sum(this.loss.value(state.z, state.target)).dataSync()[0] / this.options.totalSamples;
        const hits = this.loss.correct(state.z, state.target);
        correct = hits === null || correct === null ? null : correct + hits.dataSync()[0];
        this.accumulate(gradient, parts);
        if (!this.cache.has(c)) {
          const bytes = CurvatureEngine.bytes(state);
          if (used + bytes <= this.options.cacheBytes) {
            used += bytes;
            return this.keepChunk(state);
          }
        }
        return null;
      });
      if (stateOut) this.cache.set(c, stateOut);
    }
    return { loss, correct, gradient };
  }

  /** dθ for one chunk from its adjoints: (block index, tensor) pairs. */
  private backwardWeights(state: ChunkState): Map<number, Tensor> {
    const parts = new Map<number, Tensor>();
    for (const i of this.active) {
      const node = this.network.nodes[i];
      const dy = state.adjoints[i];
      if (!dy || node.op.trainableRoles.length === 0) continue;
      const { dWeights } = node.op.backward(dy, state.records[i], this.network.weightsOf(node.layer), false);
      for (const role of node.op.trainableRoles) {
        const block = node.blocks[role];
        const d = dWeights[role];
        if (block && d) parts.set(block.index, parts.has(block.index) ? tf.add(parts.get(block.index)!, d) : d);
      }
    }
    return parts;
  }

  /** Adds the per-block tensors into the flat vector `out` with one read-back. */
  private accumulate(out: Float64Array, parts: Map<number, Tensor>): void {
    if (parts.size === 0) return;
    const order = [...parts.keys()].sort((a, b) => a - b);
    const flat = tf.concat(order.map((b) => tf.reshape(parts.get(b)!, [-1]))).dataSync();
    let k = 0;
    for (const b of order) {
      const block = this.network.blocks[b];
      for (let e = 0; e < block.size; e++) out[block.offset + e] += flat[k++];
    }
  }

  /**
   * This set's share of H·v. With `blocks`, v is read only on those θ blocks (zero elsewhere) and
   * only those blocks of the product are computed; the rest of the result is zero.
   */
  hvp(v: Float64Array, blocks?: readonly number[]): Float64Array {
    const wanted = new Set(blocks ?? this.network.blocks.map((b) => b.index));
    const reaches = this.mark((i) => Object.values(this.network.nodes[i].blocks).some((b) => b && wanted.has(b.index)));
    const directions = new Map<string, WeightMap>();
    for (const block of this.network.blocks) {
      if (!wanted.has(block.index)) continue;
      const map = directions.get(block.layer) ?? {};
      map[block.role] = tf.keep(tf.tensor(new Float32Array(v.subarray(block.offset, block.offset + block.size)), block.shape, 'float32'));
      directions.set(block.layer, map);
    }
    const out = new Float64Array(this.network.dimension);
    // The chunks' products add up on the backend; one read-back per HVP instead of one per chunk.
    const sums = new Map<number, Tensor>();
    try {
      for (let c = 0; c < this.chunkCount; c++) {
        this.withChunk(c, (state) => {
          for (const [block, part] of this.rSweep(state, directions, wanted, reaches)) {
            const previous = sums.get(block);
            sums.set(block, tf.keep(previous ? tf.add(previous, part) : tf.clone(part)));
            previous?.dispose();
          }
        });
      }
      scoped(() => this.accumulate(out, sums));
    } finally {
      for (const map of directions.values()) for (const t of Object.values(map)) t?.dispose();
      for (const t of sums.values()) t.dispose();
    }
    this.enforceCacheBudget();
    return out;
  }

  /**
   * The first HVP memoises values derived from the records (transposes, im2col patches), which the
   * estimate made while filling the cache could not see: drop cached chunks, last first, until the
   * cache fits its budget again. Those chunks are recomputed on each HVP from then on.
   */
  private enforceCacheBudget(): void {
    while (this.cache.size > 0 && tf.memory().numBytes - this.baselineBytes > this.options.cacheBytes) {
      const last = Math.max(...this.cache.keys());
      CurvatureEngine.release(this.cache.get(last)!);
      this.cache.delete(last);
    }
  }

  private static release(state: ChunkState): void {
    const all = new Set<Tensor>([state.x, state.target, state.z]);
    for (const r of state.records) {
      if (!r) continue;
      [r.output, ...r.inputs, ...r.saved, ...(r.memo?.values() ?? [])].forEach((t) => all.add(t));
    }
    for (const a of state.adjoints) if (a) all.add(a);
    for (const t of all) t.dispose();
  }

  private rSweep(state: ChunkState, directions: Map<string, WeightMap>, wanted: Set<number>, reaches: boolean[]): Map<number, Tensor> {
    const nodes = this.network.nodes;
    const none: WeightMap = {};
    const rOut: (Tensor | null)[] = [];
    const rInputsOf = (i: number) => nodes[i].inputs.map((j) => (j === MODEL_INPUT ? null : (rOut[j] ?? null)));
    for (const i of this.active) {
      const node = nodes[i];
      rOut[i] = node.op.rForward(rInputsOf(i), directions.get(node.layer) ?? none, state.records[i], this.network.weightsOf(node.layer));
    }
    const rz = rOut[this.lossNode];
    const rAdjoint: (Tensor | null)[] = [];
    rAdjoint[this.lossNode] = rz ? tf.mul(this.loss.rGradient(state.z, rz, state.target), 1 / this.options.totalSamples) : null;
    const parts = new Map<number, Tensor>();
    for (let k = this.active.length - 1; k >= 0; k--) {
      const i = this.active[k];
      if (!reaches[i]) continue;
      const node = nodes[i];
      const v = directions.get(node.layer) ?? none;
      const rInputs = rInputsOf(i);
      const rdy = rAdjoint[i] ?? null;
      const ownsWanted = node.op.trainableRoles.some((role) => wanted.has(node.blocks[role]!.index));
      if (!rdy && rInputs.every((r) => r === null) && Object.keys(v).length === 0) continue;
      const needInputs = node.inputs.some((j) => j !== MODEL_INPUT && reaches[j]);
      if (!needInputs && !ownsWanted) continue;
      const dy = state.adjoints[i];
      if (!dy) continue;
      const { dInputs, dWeights } = node.op.rBackward(
        dy,
        rdy,
        rInputs,
        v,
        state.records[i],
        this.network.weightsOf(node.layer),
        needInputs,
      );
      for (const role of node.op.trainableRoles as WeightRole[]) {
        const block = node.blocks[role]!;
        const d = dWeights[role];
        if (d && wanted.has(block.index)) parts.set(block.index, parts.has(block.index) ? tf.add(parts.get(block.index)!, d) : d);
      }
      node.inputs.forEach((j, n) => {
        const d = dInputs[n];
        if (j === MODEL_INPUT || !d || !reaches[j]) return;
        rAdjoint[j] = rAdjoint[j] ? tf.add(rAdjoint[j]!, d) : d;
      });
    }
    return parts;
  }

  /** Model predictions (after the output activation) for samples [start, start + count) of this set. */
  predictions(): Float32Array {
    const parts: Float32Array[] = [];
    for (let c = 0; c < this.chunkCount; c++) {
      parts.push(this.withChunk(c, (state) => this.loss.prediction(state.z).dataSync() as Float32Array));
    }
    const total = parts.reduce((s, p) => s + p.length, 0);
    const out = new Float32Array(total);
    let offset = 0;
    for (const p of parts) {
      out.set(p, offset);
      offset += p.length;
    }
    return out;
  }

  dispose(): void {
    for (const state of this.cache.values()) CurvatureEngine.release(state);
    this.cache.clear();
  }
}
