// The demo writes files only where --out-dir says: by default it prints its table and leaves the
// working folder (a checkout, usually) and the examples as they were. Run in-process on two tiny
// models laid out like examples/, so the check costs a second, not the MNIST pair's minute.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeNpz } from '../../../scripts/lib/numpy-files';
import { runDemo } from '../../../src/demo/run-demo';
import { SeededRandom } from '../../../src/engine/linalg/random';
import { dense, temporaryDirectory, writeSequentialModel } from '../../helpers/model-writer';
import { snapshotDir } from '../data/temp-dir';

let examples: string;

function samples(seed: number, count: number): Buffer {
  const random = new SeededRandom(seed);
  const x = Float32Array.from({ length: count * 4 }, () => random.normal());
  const y = Int32Array.from({ length: count }, (_, i) => (x[4 * i] + x[4 * i + 1] > 0 ? 1 : x[4 * i + 2] > 0 ? 2 : 0));
  return encodeNpz({ x: { values: x, shape: [count, 4] }, y: { values: y, shape: [count] } });
}

before(() => {
  examples = temporaryDirectory();
  for (const [folder, seed] of [
    ['mnist-small-batch', 1],
    ['mnist-large-batch', 2],
  ] as const) {
    writeSequentialModel(join(examples, folder), [4], [dense(5, 4, 'relu'), dense(3, 5, 'softmax')], {
      seed,
      loss: 'sparse_categorical_crossentropy',
    });
    writeFileSync(join(examples, folder, 'data.npz'), samples(seed, 32));
  }
  writeFileSync(join(examples, 'mnist-test.npz'), samples(3, 16));
});

test('without --out-dir the demo writes nothing, neither where it runs nor beside the examples', async () => {
  const cwd = temporaryDirectory();
  const examplesBefore = snapshotDir(examples);
  const previous = process.cwd();
  process.chdir(cwd);
  try {
    const result = await runDemo({ examplesDir: examples, quiet: true });
    assert.equal(result.models.length, 2, 'the demo ran');
  } finally {
    process.chdir(previous);
  }
  assert.deepEqual(readdirSync(cwd), []);
  assert.deepEqual(snapshotDir(examples), examplesBefore);
});

test('with --out-dir it writes demo.md and demo.json there, and only there', async () => {
  const out = join(temporaryDirectory(), 'nested', 'out');
  const examplesBefore = snapshotDir(examples);
  await runDemo({ examplesDir: examples, outDir: out, quiet: true });
  assert.deepEqual(readdirSync(out).sort(), ['demo.json', 'demo.md']);
  assert.deepEqual(snapshotDir(examples), examplesBefore);
});
