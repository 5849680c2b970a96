/**
 * Which manifest entry holds which layer weight. Real files name weights in several ways:
 * `dense_Dense1/kernel` (tfjs-layers), `dense/kernel:0` (Keras 2), `sequential/conv2d/kernel`
 * (Keras 3 prefixes the model's name), `lstm/lstm_cell/kernel` (a recurrent cell in between),
 * `bidirectional/forward_lstm/…` (a wrapped layer). The resolution is exact or provably unambiguous:
 * a weight whose name could refer to two entries is an error naming both, never a guess — taking the
 * wrong tensor gives plausible, silently wrong numbers (docs/architecture.md, "Loading a model").
 */
import { SharpnessError } from '../errors';
import type { WeightEntry } from './manifest';

/** A TensorFlow output suffix (":0") is not part of a weight's name. */
export function normalizeWeightName(name: string): string {
  return name.replace(/:\d+$/, '');
}

/** A recurrent cell's name segment, which Keras writes between a layer's name and its weight's. */
const CELL_SEGMENT = /(^|_)cell(_\d+)?$/;

export interface WeightQuery {
  /** The layer's own name. */
  layer: string;
  /** Names of the nested models holding it, outermost first. */
  scopes: readonly string[];
  /** Alternative name segments after the layer's name, e.g. [['kernel']]. */
  paths: readonly (readonly string[])[];
}

export class WeightIndex {
  private readonly entries = new Map<string, WeightEntry>();
  /**
   * Entries by (the segment their match hinges on, their last segment): the one before the last, and
   * the one before a cell segment. A lookup then touches only the few entries that can match, so a
   * manifest of tens of thousands of weights resolves in linear time.
   */
  private readonly byAnchor = new Map<string, string[]>();
  private readonly claimed = new Map<string, string>();

  constructor(
    manifest: readonly WeightEntry[],
    private readonly file: string,
  ) {
    for (const entry of manifest) {
      const name = normalizeWeightName(entry.name);
      const other = this.entries.get(name);
      if (other) {
        const what =
          other.name === entry.name
            ? `lists "${entry.name}" twice`
            : `has both "${other.name}" and "${entry.name}", which name the same weight`;
        throw new SharpnessError(`the weights manifest ${what}; remove one`, file);
      }
      this.entries.set(name, entry);
      const segments = name.split('/');
      const n = segments.length;
      if (n >= 2) this.index(segments[n - 2], segments[n - 1], name);
      if (n >= 3 && CELL_SEGMENT.test(segments[n - 2])) this.index(segments[n - 3], segments[n - 1], name);
    }
  }

  private index(anchor: string, last: string, name: string): void {
    const key = `${anchor}\u0000${last}`;
    const list = this.byAnchor.get(key);
    if (list) list.push(name);
    else this.byAnchor.set(key, [name]);
  }

  /**
   * The entry for one layer weight: the only one whose name ends with `<layer>/<path>` (with a cell
   * segment allowed before the path's last segment) after any prefix; where several do, the only one
   * whose prefix is exactly the layer's nested-model path (optionally under one more outer name).
   */
  find(query: WeightQuery, describe: string): WeightEntry {
    const matches = new Map<string, number>();
    for (const path of query.paths) {
      const last = path[path.length - 1];
      const anchor = path.length === 1 ? query.layer : path[path.length - 2];
      for (const name of this.byAnchor.get(`${anchor}\u0000${last}`) ?? []) {
        const prefix = matchedPrefix(name.split('/'), query.layer, path);
        if (prefix) matches.set(name, scopeFit(prefix, query.scopes));
      }
    }
    let names = [...matches.keys()];
    if (names.length > 1) names = names.filter((name) => matches.get(name) === 1);
    if (names.length === 1) {
      const name = names[0];
      const previous = this.claimed.get(name);
      if (previous && previous !== describe) {
        throw new SharpnessError(
          `the weight "${this.entries.get(name)!.name}" would serve both ${previous} and ${describe}; the manifest is ambiguous`,
          this.file,
        );
      }
      this.claimed.set(name, describe);
      return this.entries.get(name)!;
    }
    if (matches.size > 1) {
      const listed = [...matches.keys()].map((n) => `"${this.entries.get(n)!.name}"`).join(' and ');
      throw new SharpnessError(`the weights manifest is ambiguous for ${describe}: ${listed} could both be it`, this.file);
    }
    const wanted = `${query.layer}/${query.paths[0].join('/')}`;
    throw new SharpnessError(`the weights manifest has no "${wanted}" for ${describe}`, this.file);
  }

  /** Manifest entries no layer weight claimed (their raw names). */
  unclaimed(): string[] {
    return [...this.entries.keys()].filter((name) => !this.claimed.has(name)).map((name) => this.entries.get(name)!.name);
  }
}

/**
 * The segments before `<layer>/<path>` in `segments` (possibly none), or null when it does not end
 * so. A recurrent cell segment may stand right before the path's last segment: `lstm/lstm_cell/kernel`,
 * `bidirectional/forward_lstm/lstm_cell/kernel`.
 */
function matchedPrefix(segments: readonly string[], layer: string, path: readonly string[]): string[] | null {
  const n = segments.length;
  const head = path.slice(0, -1);
  const endsWith = (tail: readonly string[]) => tail.length <= n && tail.every((s, i) => segments[n - tail.length + i] === s);
  if (endsWith([layer, ...path])) return segments.slice(0, n - path.length - 1);
  const cell = n - 2;
  if (cell >= 0 && CELL_SEGMENT.test(segments[cell]) && segments[n - 1] === path[path.length - 1]) {
    const before = segments.slice(0, cell);
    const tail = [layer, ...head];
    if (tail.length <= before.length && tail.every((s, i) => before[before.length - tail.length + i] === s))
      return before.slice(0, before.length - tail.length);
  }
  return null;
}

/** 1 when the prefix is exactly the nested-model path, possibly under one outer name (the model's own); else 0. */
function scopeFit(prefix: string[], scopes: readonly string[]): number {
  const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((s, i) => s === b[i]);
  return same(prefix, scopes) || (prefix.length === scopes.length + 1 && same(prefix.slice(1), scopes)) ? 1 : 0;
}
