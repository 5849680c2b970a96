/**
 * Values derived from a cached chunk's forward records that stay fixed while θ is fixed (a transposed
 * activation, im2col patches, a max-pool mask), kept across Hessian-vector products — but only
 * within the cache's memory budget, which the cached records share: a value that would exceed it is
 * used once and recomputed next time (docs/architecture.md, "Caching and memory budget").
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from './types';

/** Bytes of backend memory a cache may hold, and what it holds now. */
export interface MemoryBudget {
  limit: number;
  used: number;
}

/**
 * Keys of values one Hessian-vector product reads more than once from the same record (an
 * activation's σ' and log-softmax's probabilities, each read by the backward pass, R{x} and R{dx}):
 * kept for the length of one product on a chunk that is not cached, where every other derived value
 * (a transpose, a pooling mask) is read once and is better freed as the sweep goes.
 */
export const REUSED_WITHIN_A_PRODUCT: ReadonlySet<string> = new Set(['derivative', 'probabilities']);

export class Memo {
  private readonly values = new Map<object, Map<string, Tensor>>();
  private bytes = 0;

  /**
   * `transient`: the memo of a chunk that is not cached, alive for one product; it keeps only the
   * values in REUSED_WITHIN_A_PRODUCT, and layers that pay a read-back to prepare a cached chunk
   * (Dense's compaction) do not see it as a cache.
   */
  constructor(
    private readonly budget: MemoryBudget,
    readonly transient = false,
  ) {}

  get(owner: object, key: string): Tensor | undefined {
    return this.values.get(owner)?.get(key);
  }

  /** Keeps `value` for (owner, key) if the budget allows; otherwise the caller's scope frees it. */
  admit(owner: object, key: string, value: Tensor): void {
    if (this.transient && !REUSED_WITHIN_A_PRODUCT.has(key)) return;
    const size = value.size * bytesPerElement(value);
    if (this.budget.used + size > this.budget.limit) return;
    tf.keep(value);
    let map = this.values.get(owner);
    if (!map) this.values.set(owner, (map = new Map()));
    map.set(key, value);
    this.bytes += size;
    this.budget.used += size;
  }

  dispose(): void {
    for (const map of this.values.values()) for (const t of map.values()) t.dispose();
    this.values.clear();
    this.budget.used -= this.bytes;
    this.bytes = 0;
  }
}

export function bytesPerElement(t: Tensor): number {
  return t.dtype === 'bool' ? 1 : 4;
}
