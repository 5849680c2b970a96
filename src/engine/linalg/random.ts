/**
 * A seeded pseudo-random generator, so that every estimate is reproducible from its seed.
 *
 * Generator: xoshiro128** (Blackman & Vigna, "Scrambled linear pseudorandom number generators",
 * 2018), 128 bits of state in four 32-bit words. All of its arithmetic is 32-bit integer
 * arithmetic (Math.imul, shifts), so the integer, uniform and Rademacher streams are identical on
 * every platform. `normal()` also uses Math.log/Math.cos/Math.sin, which V8 computes with its own
 * portable fdlibm port, so under Node it is identical across platforms too.
 */

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

/** The seed every estimator uses unless given one: results are reproducible by default. */
export const DEFAULT_SEED = 0;

/** MurmurHash3's 32-bit finaliser: a bijective avalanche mix, used to spread the seed over the state. */
function mix32(x: number): number {
  let z = x | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

function rotateLeft(x: number, bits: number): number {
  return ((x << bits) | (x >>> (32 - bits))) >>> 0;
}

export class SeededRandom {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  /** Box–Muller makes normals in pairs; the second waits here for the next call. */
  private spareNormal: number | undefined;

  /** @param seed any safe integer (negative and above 2³² included); equal seeds give equal streams. */
  constructor(seed: number = DEFAULT_SEED) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
    const low = seed >>> 0;
    const high = Math.floor(seed / TWO_POW_32) >>> 0;
    // Two Weyl sequences (golden-ratio increments) over the seed's halves, hashed: nearby seeds
    // give unrelated states, as xoshiro's authors recommend instead of seeding it directly.
    const words: number[] = [];
    let a = low;
    let b = high ^ 0x6a09e667;
    for (let i = 0; i < 4; i++) {
      a = (a + 0x9e3779b9) | 0;
      b = (b + 0x7f4a7c15) | 0;
      words.push(mix32(a ^ mix32(b)));
    }
    [this.s0, this.s1, this.s2, this.s3] = words;
    // The all-zero state is xoshiro's one fixed point.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
    this.spareNormal = undefined;
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotateLeft(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotateLeft(this.s3, 11);
    return result;
  }

  /** Uniform on [0, 1) with the full 53-bit double resolution (27 + 26 random bits). */
  uniform(): number {
    const high = this.nextUint32() >>> 5;
    const low = this.nextUint32() >>> 6;
    return (high * 67108864 + low) / TWO_POW_53;
  }

  /** Uniform integer in [0, bound), exactly unbiased (rejection of the incomplete last block). */
  integer(bound: number): number {
    if (!Number.isInteger(bound) || bound < 1 || bound > TWO_POW_32) {
      throw new RangeError(`bound must be an integer in [1, 2^32], got ${bound}`);
    }
    const limit = TWO_POW_32 - (TWO_POW_32 % bound);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % bound;
  }

  /** Standard normal, by the Box–Muller transform. */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const spare = this.spareNormal;
      this.spareNormal = undefined;
      return spare;
    }
    const radius = Math.sqrt(-2 * Math.log(1 - this.uniform())); // 1 − u ∈ (0, 1]: log never sees 0
    const angle = 2 * Math.PI * this.uniform();
    this.spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  /** Entries ±1 with probability ½ each: the variance-minimising Hutchinson probe. */
  rademacherVector(n: number): Float64Array {
    const v = new Float64Array(n);
    for (let start = 0; start < n; start += 32) {
      const bits = this.nextUint32();
      const end = Math.min(n, start + 32);
      for (let i = start; i < end; i++) v[i] = (bits >>> (i - start)) & 1 ? 1 : -1;
    }
    return v;
  }

  /** Independent standard normal entries: a start vector with, almost surely, a component along every eigenvector. */
  normalVector(n: number): Float64Array {
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = this.normal();
    return v;
  }

  /** Fisher–Yates shuffle, in place; returns its argument. */
  shuffle<T extends { length: number; [index: number]: unknown }>(items: T): T {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.integer(i + 1);
      const held = items[i];
      items[i] = items[j];
      items[j] = held;
    }
    return items;
  }

  /**
   * `count` distinct indices from [0, n), uniformly, sorted ascending. Floyd's algorithm
   * (Bentley & Floyd, CACM 1987): O(count) draws and memory however large n is.
   */
  sampleIndices(n: number, count: number): number[] {
    if (!Number.isInteger(n) || n < 0 || n > TWO_POW_32) throw new RangeError(`n must be an integer in [0, 2^32], got ${n}`);
    if (!Number.isInteger(count) || count < 0 || count > n) throw new RangeError(`count must be an integer in [0, ${n}], got ${count}`);
    const chosen = new Set<number>();
    for (let j = n - count; j < n; j++) {
      const candidate = this.integer(j + 1);
      chosen.add(chosen.has(candidate) ? j : candidate);
    }
    return [...chosen].sort((a, b) => a - b);
  }
}
