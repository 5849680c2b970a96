// How many worker threads an analysis starts when none is asked for (src/engine/analysis/analyze.ts,
// chooseThreads): one for little work, where starting workers costs more than it saves; as many as
// the cores (up to 4, and no more than the chunks) when either the parameters or the activations
// make each product long. An explicit request is capped at the cores and the samples, and says so.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseThreads, PARALLEL_WORK_THRESHOLD } from '../../../src/engine/analysis/analyze';

const MB = 2 ** 20;

test('little work runs on one thread; many parameters on every core', () => {
  // 64 samples of a 1,000-parameter model with 4 KB of activations each: far below the threshold.
  assert.equal(chooseThreads('auto', 64, 1_000, 64, 4096, 2).threads, 1);
  // The bench's MLP: 2,048 digits × 269,322 parameters.
  assert.equal(chooseThreads('auto', 2048, 269_322, 256, 200_000, 2).threads, 2);
  assert.equal(chooseThreads(undefined, 2048, 269_322, 256, 200_000, 8).threads, 4, 'at most 4 workers');
});

test('large activations count as work: MobileNetV2 at 224×224 on 16 images runs on both cores', () => {
  // Half a million parameters × 16 images is below the threshold on its own ...
  assert.ok(16 * 524_528 < PARALLEL_WORK_THRESHOLD);
  // ... but each image needs 126 MB of working memory: 16 × 33M numbers is far above it.
  assert.equal(chooseThreads('auto', 16, 524_528, 4, 126 * MB, 2).threads, 2);
  // Never more workers than chunks: one chunk of all 16 images gives one thread.
  assert.equal(chooseThreads('auto', 16, 524_528, 16, 126 * MB, 2).threads, 1);
});

test('an explicit count is capped at the cores and the samples, with a note saying which', () => {
  const capped = chooseThreads(8, 1000, 10, 10, 0, 2);
  assert.equal(capped.threads, 2);
  assert.match(capped.note?.message ?? '', /capped at 2: one per available core \(2\)/);
  const few = chooseThreads(4, 3, 10, 1, 0, 8);
  assert.equal(few.threads, 3);
  assert.match(few.note?.message ?? '', /one per sample \(3\)/);
  assert.equal(chooseThreads(2, 1000, 10, 10, 0, 2).note, null);
  assert.throws(() => chooseThreads(0, 10, 10, 1, 0, 2), /positive integer/);
});
