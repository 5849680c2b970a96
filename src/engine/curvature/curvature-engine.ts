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
import { sliceSamples, type SampleArray, type SampleSet } from '../data/samples';
import { inputNodeIndex, isInputNode, type Network } from '../network/network';
import type { ForwardRecord, Tensor, WeightMap, WeightRole } from '../network/types';
import { scoped } from '../backend/scope';
import { Memo, type MemoryBudget } from '../network/memo';

export { sliceSamples, type SampleArray, type SampleSet };

export interface CurvatureOptions {
  chunkSize: number;
  /** Bytes of backend memory the cached forward records and adjoints may use. */
  cacheBytes: number;
  /** Sample count the loss is averaged over (all shards together). */
  totalSamples: number;
}

export interface Evaluation {
  /** This set's share of the mean loss (Σ over outputs of weight × Σ per-sample loss / totalSamples). */
  loss: number;
  /** Per output: this set's share of the output's own mean loss, before its weight. */
  outputLosses: number[];
  /** Per output: correctly classified samples in this set (fractional for multi-label), or null for regression. */
  correct: (number | null)[];
  /** This set's share of ∇L. */
  gradient: Float64Array;
}

type CachedRecord = ForwardRecord & { memo?: Memo };

interface ChunkState {
  /** Values derived from the records and kept with them (cached chunks only). */
  memo: Memo | null;
  inputs: Tensor[];
  targets: Tensor[];
  records: CachedRecord[];
  adjoints: (Tensor | null)[];
  /** Nodes the loss's adjoint reaches (their adjoint may have been dropped: see `trimAdjoints`). */
  reached: boolean[];
  /** Adjoints no HVP reads were dropped, so dθ can no longer be formed from this state. */
  trimmed: boolean;
  /** The loss's view of each output (the logits before a fused activation). */
  z: Tensor[];
}

/**
 * Runs one node's op in its own scope: the temporaries it makes are freed at once, not at the end of
 * the chunk, so a chunk's working set is its records and results rather than every intermediate.
 */
function tidyNode<T>(work: () => T): T {
  return tf.tidy(work as () => tf.TensorContainer) as T;
}

export class CurvatureEngine {
  /** Per output, the node whose output the loss takes (the logits when the loss absorbs the final activation). */
  private readonly lossNodes: number[];
  /** Nodes the loss depends on, in topological order. */
  private readonly active: number[];
  /** Node i (or one of its ancestors) reads a θ block, so the backward pass must reach it. */
  private readonly reachesTheta: boolean[];
  private readonly cache = new Map<number, ChunkState>();
  private readonly chunkCount: number;
  /** What cached chunks and their memoised values use, against options.cacheBytes. */
  private readonly budget: MemoryBudget = { limit: 0, used: 0 };
  /** The most backend memory one chunk's work has added so far (its transient working set). */
  peakChunkBytes = 0;
  /** Backend bytes before the current chunk's work began (the base of peakChunkBytes). */
  private chunkBase = 0;
  /** Per active node, the first (lowest) active node that reads its output: past it, R{y} is not needed. */
  private readonly lastReader: number[] = [];
  /** Per active node, whether its R-backward step reads its adjoint dy in some HVP. */
  private readonly readsAdjoint: boolean[] = [];
  /** What rBackward gets for a dropped adjoint (ops that do not read it). */
  private placeholder: Tensor | null = null;

  constructor(
    readonly network: Network,
    /** One loss per model output; the model's loss is their sum. */
    readonly losses: readonly LossFunction[],
    private readonly samples: SampleSet,
    private readonly options: CurvatureOptions,
  ) {
    this.lossNodes = network.outputNodes.map((outputNode, k) => {
      const output = network.nodes[outputNode];
      return losses[k].fusedActivation && output?.op.activation === losses[k].fusedActivation ? output.inputs[0] : outputNode;
    });
    this.active = this.ancestors(this.lossNodes);
    this.reachesTheta = this.mark((i) => Object.keys(network.nodes[i].blocks).length > 0);
    for (const i of this.active) for (const j of network.nodes[i].inputs) if (!isInputNode(j)) this.lastReader[j] ??= i;
    for (const i of this.active) {
      const node = network.nodes[i];
      const rInputs = node.inputs.map((j) => !isInputNode(j) && this.reachesTheta[j]);
      this.readsAdjoint[i] = node.op.readsAdjoint?.({ rInputs, needInputs: rInputs.some(Boolean) }) ?? true;
    }
    this.chunkCount = Math.ceil(samples.count / options.chunkSize);
    this.budget.limit = options.cacheBytes;
  }

  /** Chunks whose records are kept across HVPs (the others are recomputed for each). */
  get cachedChunks(): number {
    return this.cache.size;
  }

  get chunks(): number {
    return this.chunkCount;
  }

  /** The nodes the given ones depend on (themselves included), in topological order; no recursion. */
  private ancestors(nodes: readonly number[]): number[] {
    const seen = new Set<number>();
    const stack = nodes.filter((i) => !isInputNode(i));
    while (stack.length > 0) {
      const i = stack.pop()!;
      if (seen.has(i)) continue;
      seen.add(i);
      for (const j of this.network.nodes[i].inputs) if (!isInputNode(j) && !seen.has(j)) stack.push(j);
    }
    return [...seen].sort((a, b) => a - b);
  }

  /** Marks nodes for which `own(i)` holds for the node or any ancestor. */
  private mark(own: (i: number) => boolean): boolean[] {
    const marks = new Array<boolean>(this.network.nodes.length).fill(false);
    for (const i of this.active) marks[i] = own(i) || this.network.nodes[i].inputs.some((j) => !isInputNode(j) && marks[j]);
    return marks;
  }

  private chunkTensors(c: number): { inputs: Tensor[]; targets: Tensor[] } {
    const start = c * this.options.chunkSize;
    const end = Math.min(this.samples.count, start + this.options.chunkSize);
    const tensor = (array: SampleArray) => tf.tensor(sliceSamples(array, start, end).values, [end - start, ...array.shape], array.dtype);
    return { inputs: this.samples.inputs.map(tensor), targets: this.samples.targets.map(tensor) };
  }

  /**
   * Forward records of every active node and the adjoints dL/d(output) of each, for one chunk;
   * `memo` (a transient one) is attached to the records from the start, so that the backward pass
   * here and the product after it share what they both derive.
   */
  private computeChunk(c: number, memo: Memo | null = null): ChunkState {
    const { inputs: x, targets } = this.chunkTensors(c);
    const nodes = this.network.nodes;
    const records: CachedRecord[] = [];
    for (const i of this.active) {
      const node = nodes[i];
      const inputs = node.inputs.map((j) => (isInputNode(j) ? x[inputNodeIndex(j)] : records[j].output));
      const { output, saved } = tidyNode(() => node.op.forward(inputs, this.network.weightsOf(node.layer)));
      records[i] = { inputs, output, saved: saved ?? [], memo: memo ?? undefined };
    }
    const z = this.lossNodes.map((node) => records[node].output);
    const adjoints: (Tensor | null)[] = [];
    this.lossNodes.forEach((node, k) => {
      const d = tf.mul(this.losses[k].gradient(z[k], targets[k]), this.losses[k].weight / this.options.totalSamples);
      adjoints[node] = adjoints[node] ? tf.add(adjoints[node]!, d) : d;
    });
    for (let k = this.active.length - 1; k >= 0; k--) {
      const i = this.active[k];
      const dy = adjoints[i];
      if (!dy) continue;
      const node = nodes[i];
      const needInputs = node.inputs.some((j) => !isInputNode(j) && this.reachesTheta[j]);
      // Only the adjoints are wanted here: backwardWeights computes dθ from them where it is needed.
      const { dInputs } = tidyNode(() => node.op.backward(dy, records[i], this.network.weightsOf(node.layer), needInputs, false));
      node.inputs.forEach((j, n) => {
        const d = dInputs[n];
        if (isInputNode(j) || !d || !this.reachesTheta[j]) return;
        adjoints[j] = adjoints[j] ? tf.add(adjoints[j]!, d) : d;
      });
    }
    const reached = adjoints.map((a) => a !== null && a !== undefined);
    return { memo: null, inputs: x, targets, records, adjoints, reached, trimmed: false, z };
  }

  /**
   * Drops the adjoints no HVP reads (those of ReLUs, poolings, reshapes, a first layer's), once dθ has
   * been formed: a cached chunk then holds about half the activations it did. A tensor still held
   * elsewhere in the state (an op may pass dy through as dx) is kept.
   */
  private trimAdjoints(state: ChunkState): void {
    const dropped = new Set<Tensor>();
    for (const i of this.active) {
      const a = state.adjoints[i];
      if (a && !this.readsAdjoint[i]) {
        dropped.add(a);
        state.adjoints[i] = null;
      }
    }
    state.trimmed = true;
    const held = CurvatureEngine.tensorsOf(state);
    for (const t of dropped) if (!held.has(t)) t.dispose();
  }

  private keepChunk(state: ChunkState): ChunkState {
    for (const t of CurvatureEngine.tensorsOf(state)) tf.keep(t);
    state.memo = new Memo(this.budget);
    for (const r of state.records) if (r) r.memo = state.memo;
    return state;
  }

  /** Every tensor a chunk's state holds (records, adjoints, inputs, targets), each once. */
  private static tensorsOf(state: ChunkState): Set<Tensor> {
    const all = new Set<Tensor>([...state.inputs, ...state.targets, ...state.z]);
    for (const r of state.records) if (r) [r.output, ...r.inputs, ...r.saved].forEach((t) => all.add(t));
    for (const a of state.adjoints) if (a) all.add(a);
    return all;
  }

  private static bytes(state: ChunkState): number {
    let total = 0;
    for (const t of CurvatureEngine.tensorsOf(state)) total += t.size * 4;
    return total;
  }

  /**
   * Runs `use` on chunk c's state, from the cache or computed afresh (and then freed, with the
   * transient memo of the values the product reads more than once: REUSED_WITHIN_A_PRODUCT).
   */
  private withChunk<T>(c: number, use: (state: ChunkState) => T): T {
    const cached = this.cache.get(c);
    this.chunkBase = tf.memory().numBytes;
    const transient = cached ? null : new Memo({ limit: Number.POSITIVE_INFINITY, used: 0 }, true);
    try {
      return scoped(() => {
        let state = cached;
        if (!state) {
          state = this.computeChunk(c, transient);
          this.notePeak();
          this.trimAdjoints(state);
        }
        const result = use(state);
        this.notePeak();
        return result;
      });
    } finally {
      transient?.dispose();
    }
  }

  /** Loss, accuracy and gradient; also fills the cache, chunk by chunk, up to the budget. */
  evaluate(): Evaluation {
    const gradient = new Float64Array(this.network.dimension);
    let loss = 0;
    const outputLosses = this.losses.map(() => 0);
    const correct: (number | null)[] = this.losses.map(() => 0);
    for (let c = 0; c < this.chunkCount; c++) {
      this.chunkBase = tf.memory().numBytes;
      const stateOut = scoped(() => {
        // A cached chunk has dropped the adjoints dθ needs: recomputed here.
        const cached = this.cache.get(c);
        const state = cached && !cached.trimmed ? cached : this.computeChunk(c);
        const parts = this.backwardWeights(state);
        this.losses.forEach((lossFunction, k) => {
          const value = tf.sum(lossFunction.value(state.z[k], state.targets[k])).dataSync()[0] / this.options.totalSamples;
          outputLosses[k] += value;
          loss += lossFunction.weight * value;
          const hits = lossFunction.correct(state.z[k], state.targets[k]);
          correct[k] = hits === null || correct[k] === null ? null : correct[k]! + hits.dataSync()[0];
        });
        this.accumulate(gradient, parts);
        this.notePeak();
        if (!this.cache.has(c)) {
          this.trimAdjoints(state);
          const bytes = CurvatureEngine.bytes(state);
          if (this.budget.used + bytes <= this.budget.limit) {
            this.budget.used += bytes;
            return this.keepChunk(state);
          }
        }
        return null;
      });
      if (stateOut) this.cache.set(c, stateOut);
    }
    return { loss, outputLosses, correct, gradient };
  }

  /** dθ for one chunk from its adjoints: (block index, tensor) pairs. */
  private backwardWeights(state: ChunkState): Map<number, Tensor> {
    const parts = new Map<number, Tensor>();
    for (const i of this.active) {
      const node = this.network.nodes[i];
      const dy = state.adjoints[i];
      if (!dy || node.op.trainableRoles.length === 0) continue;
      const { dWeights } = tidyNode(() => node.op.backward(dy, state.records[i], this.network.weightsOf(node.layer), false));
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
    return out;
  }

  private release(state: ChunkState): void {
    state.memo?.dispose();
    for (const t of CurvatureEngine.tensorsOf(state)) t.dispose();
    this.budget.used -= CurvatureEngine.bytes(state);
  }

  /** Records the chunk's working set so far (a sweep frees as it goes, so its end is not its peak). */
  private notePeak(): void {
    this.peakChunkBytes = Math.max(this.peakChunkBytes, tf.memory().numBytes - this.chunkBase);
  }

  private rSweep(state: ChunkState, directions: Map<string, WeightMap>, wanted: Set<number>, reaches: boolean[]): Map<number, Tensor> {
    const nodes = this.network.nodes;
    const none: WeightMap = {};
    const rOut: (Tensor | null)[] = [];
    const rInputsOf = (i: number) => nodes[i].inputs.map((j) => (isInputNode(j) ? null : (rOut[j] ?? null)));
    for (const i of this.active) {
      const node = nodes[i];
      rOut[i] = tidyNode(() =>
        node.op.rForward(rInputsOf(i), directions.get(node.layer) ?? none, state.records[i], this.network.weightsOf(node.layer)),
      );
    }
    this.notePeak();
    // The backward sweep frees each R{y} after its last reader and each R{dy} once its node is done,
    // so the chunk holds a frontier of them, not all. A tensor is freed only when nothing still holds
    // it: an op may return its input, a direction or a record as its result.
    const fixed = new Set<Tensor>(CurvatureEngine.tensorsOf(state));
    for (const map of directions.values()) for (const t of Object.values(map)) if (t) fixed.add(t);
    const release = (t: Tensor | null | undefined) => {
      if (!t || fixed.has(t) || t.isDisposed) return;
      if (rOut.includes(t) || rAdjoint.includes(t) || [...parts.values()].includes(t)) return;
      t.dispose();
    };
    const rAdjoint: (Tensor | null)[] = [];
    this.lossNodes.forEach((node, k) => {
      const rz = rOut[node];
      if (!rz) return;
      const d = tf.mul(this.losses[k].rGradient(state.z[k], rz, state.targets[k]), this.losses[k].weight / this.options.totalSamples);
      rAdjoint[node] = rAdjoint[node] ? tf.add(rAdjoint[node]!, d) : d;
    });
    const parts = new Map<number, Tensor>();
    for (let k = this.active.length - 1; k >= 0; k--) {
      const i = this.active[k];
      this.rBackwardNode(i, state, directions, wanted, reaches, rOut, rAdjoint, parts, release);
      const done = rAdjoint[i];
      rAdjoint[i] = null;
      release(done);
      for (const j of nodes[i].inputs) {
        if (isInputNode(j) || this.lastReader[j] !== i) continue;
        const value = rOut[j];
        rOut[j] = null;
        release(value);
      }
      this.notePeak();
    }
    return parts;
  }

  /** One node of the backward R-sweep: adds its R{dθ} into `parts` and its R{dx} into its inputs' R{dy}. */
  private rBackwardNode(
    i: number,
    state: ChunkState,
    directions: Map<string, WeightMap>,
    wanted: Set<number>,
    reaches: boolean[],
    rOut: (Tensor | null)[],
    rAdjoint: (Tensor | null)[],
    parts: Map<number, Tensor>,
    release: (t: Tensor | null | undefined) => void,
  ): void {
    const nodes = this.network.nodes;
    const none: WeightMap = {};
    const rInputsOf = (n: number) => nodes[n].inputs.map((j) => (isInputNode(j) ? null : (rOut[j] ?? null)));
    if (!reaches[i]) return;
    const node = nodes[i];
    const v = directions.get(node.layer) ?? none;
    const rInputs = rInputsOf(i);
    const rdy = rAdjoint[i] ?? null;
    const ownsWanted = node.op.trainableRoles.some((role) => wanted.has(node.blocks[role]!.index));
    if (!rdy && rInputs.every((r) => r === null) && Object.keys(v).length === 0) return;
    const needInputs = node.inputs.some((j) => !isInputNode(j) && reaches[j]);
    if (!needInputs && !ownsWanted) return;
    if (!state.reached[i]) return;
    const dy = state.adjoints[i] ?? this.placeholderTensor();
    const { dInputs, dWeights } = tidyNode(() =>
      node.op.rBackward(dy, rdy, rInputs, v, state.records[i], this.network.weightsOf(node.layer), needInputs),
    );
    for (const role of node.op.trainableRoles as WeightRole[]) {
      const block = node.blocks[role]!;
      const d = dWeights[role];
      if (!d || !wanted.has(block.index)) continue;
      const previous = parts.get(block.index);
      parts.set(block.index, previous ? tf.add(previous, d) : d);
      if (previous) [previous, d].forEach(release);
    }
    node.inputs.forEach((j, n) => {
      const d = dInputs[n];
      if (isInputNode(j) || !d || !reaches[j]) return;
      const previous = rAdjoint[j];
      rAdjoint[j] = previous ? tf.add(previous, d) : d;
      if (previous) [previous, d].forEach(release);
    });
    // What the node returned and nothing took (an R{dx} towards an input that does not reach θ).
    for (const d of dInputs) release(d);
    for (const d of Object.values(dWeights)) release(d);
  }

  private placeholderTensor(): Tensor {
    this.placeholder ??= tf.keep(tf.scalar(0));
    return this.placeholder;
  }

  /** The model's predictions (after each output's activation) for every sample of this set, one array per output. */
  predictions(): Float32Array[] {
    const parts: Float32Array[][] = this.losses.map(() => []);
    for (let c = 0; c < this.chunkCount; c++) {
      this.withChunk(c, (state) => this.losses.forEach((loss, k) => parts[k].push(loss.prediction(state.z[k]).dataSync() as Float32Array)));
    }
    return parts.map((list) => {
      const out = new Float32Array(list.reduce((s, p) => s + p.length, 0));
      let offset = 0;
      for (const p of list) {
        out.set(p, offset);
        offset += p.length;
      }
      return out;
    });
  }

  dispose(): void {
    for (const state of this.cache.values()) this.release(state);
    this.cache.clear();
    this.placeholder?.dispose();
    this.placeholder = null;
  }
}
