// Weights holding NaN or ±Infinity make every curvature number meaningless; the weight is named.
import { openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { copyFixture } from '../cli/helpers';
import { assertCleanFailure } from './expect-failure';

/** Overwrites one float32 of weights.bin; the mlp's third tensor (dense_Dense2/kernel) starts at value 54. */
async function weightFails(valueIndex: number, value: number, problem: RegExp): Promise<void> {
  const fixture = copyFixture('mlp');
  const descriptor = openSync(join(fixture.folder, 'weights.bin'), 'r+');
  try {
    writeSync(descriptor, new Uint8Array(Float32Array.of(value).buffer), 0, 4, 4 * valueIndex);
  } finally {
    closeSync(descriptor);
  }
  await assertCleanFailure(['analyze', fixture.model, '--data', fixture.data], { folder: fixture.folder, file: fixture.model, problem });
}

test('a NaN weight', () => weightFails(3, NaN, /weight "dense_Dense1\/kernel" contains NaN \(first at element 3\)/));

test('an infinite weight', () => weightFails(56, Infinity, /weight "dense_Dense2\/kernel" contains Infinity \(first at element 2\)/));

test('a negative infinite bias', () =>
  weightFails(106, -Infinity, /weight "dense_Dense3\/bias" contains -Infinity \(first at element 2\)/));
