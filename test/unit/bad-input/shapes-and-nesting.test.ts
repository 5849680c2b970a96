// Inputs that once reached a kernel or the stack: zero-size axes (XNNPACK printed its own errors and
// the analysis went on), JSON nested 100,000 deep (a stack overflow), a fractional class label
// (reported as a width mismatch), and rescaling a model whose metadata analyze accepts.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { npyBytes } from '../../../scripts/lib/numpy-files';
import { zipBytes } from '../../../scripts/lib/numpy-files';
import { copyFixture, editJson, runCli } from '../cli/helpers';
import { analysisFails, mlpFixture, rows, writeData, writeJsonData } from './data-input';
import { assertCleanFailure } from './expect-failure';

const DEEP = 100_000;

/** Nested arrays DEEP levels deep, written as text (building them as values would recurse too). */
function deepArrays(): string {
  return '['.repeat(DEEP) + ']'.repeat(DEEP);
}

test('data with a zero-size axis is refused before any kernel runs', async () => {
  const fixture = mlpFixture();
  // The model's input axis is left open, so only the data decides its size.
  editJson(fixture.model, (json) => {
    const layers = (json.modelTopology as { config: { layers: { config: Record<string, unknown> }[] } }).config.layers;
    layers[0].config.batch_input_shape = [null, null];
  });
  const npz = zipBytes([
    { name: 'x.npy', contents: npyBytes('<f4', [4, 0], new Float32Array(0)) },
    { name: 'y.npy', contents: npyBytes('<i8', [4], new BigInt64Array([0n, 1n, 2n, 0n])) },
  ]);
  const data = writeData(fixture, 'empty-features.npz', npz);
  for (const backend of ['wasm', 'cpu']) {
    await assertCleanFailure(['analyze', fixture.model, '--data', data, '--backend', backend], {
      folder: fixture.folder,
      file: data,
      problem: /^x has a zero-size axis: its shape is \(4, 0\)$/,
    });
  }
});

test('a model input or weight with a zero-size axis is refused', async () => {
  const input = copyFixture('mlp');
  editJson(input.model, (json) => {
    const layers = (json.modelTopology as { config: { layers: { config: Record<string, unknown> }[] } }).config.layers;
    layers[0].config.batch_input_shape = [null, 0];
  });
  await assertCleanFailure(['analyze', input.model, '--data', input.data], {
    folder: input.folder,
    file: input.model,
    problem: /^the model's input shape \[0\] has a zero-size axis$/,
  });
  const weight = copyFixture('mlp');
  editJson(weight.model, (json) => {
    (json.weightsManifest as { weights: { shape: number[] }[] }[])[0].weights[1].shape = [0];
  });
  await assertCleanFailure(['analyze', weight.model, '--data', weight.data], {
    folder: weight.folder,
    file: weight.model,
    problem: /^weight "dense_Dense1\/bias" has a zero-size axis in its shape \[0\]$/,
  });
});

test('JSON data nested 100,000 deep is refused by its depth', async () => {
  const fixture = mlpFixture();
  const data = writeData(fixture, 'deep.json', `{"x": ${deepArrays()}, "y": [0]}`);
  await analysisFails(fixture, ['--data', data], data, /^"x" nests arrays more than 64 deep; an array has at most 64 axes$/);
});

test('a fractional label with a sparse loss names the label and its sample', async () => {
  const fixture = mlpFixture();
  const labels = [0, 1, 2, 0, 1, 2, 0, 2.5, 1];
  const data = writeJsonData(fixture, 'data.json', { x: rows(labels.length), y: labels });
  await analysisFails(
    fixture,
    ['--data', data, '--loss', 'sparse_categorical_crossentropy'],
    data,
    /^label 2\.5 at sample 7 is not a class index \(0–2\)$/,
  );
  // With the loss inferred from the softmax output the labels are read the same way.
  await analysisFails(fixture, ['--data', data, '--loss', 'auto'], data, /^label 2\.5 at sample 7 is not a class index/);
});

test('a label error names the sample in the file, not in the subsample', async () => {
  const fixture = mlpFixture();
  const labels = Array.from({ length: 50 }, (_, i) => (i === 37 ? 0.1 : i % 3));
  const data = writeJsonData(fixture, 'data.json', { x: rows(labels.length), y: labels });
  await analysisFails(fixture, ['--data', data, '--samples', '49'], data, /^label 0\.1 at sample 37 is not a class index/);
});

test('rescale --out under a path whose parent is a file', async () => {
  const fixture = copyFixture('mlp');
  const parent = dirname(fixture.folder);
  const file = join(parent, 'notes.txt');
  writeFileSync(file, 'keep me');
  const out = join(file, 'sub', 'out');
  await assertCleanFailure(['rescale', fixture.model, '--factors', '5,4,0.05', '--out', out], {
    folder: parent,
    file: out,
    problem: new RegExp(`^--out lies under ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}, which is a file, not a folder$`),
  });
});

test('rescale keeps metadata nested 100,000 deep, which analyze accepts', async () => {
  const fixture = copyFixture('mlp');
  const text = readFileSync(fixture.model, 'utf8');
  writeFileSync(fixture.model, `${text.slice(0, -1)}, "userDefinedMetadata": {"deep": ${deepArrays()}}}`);
  const analyzed = await runCli(['analyze', fixture.model, '--data', fixture.data, '--format', 'json', '--quiet']);
  assert.equal(analyzed.status, 0, analyzed.stderr);
  const out = join(dirname(fixture.folder), 'rescaled');
  const rescaled = await runCli(['rescale', fixture.model, '--factors', '5,4,0.05', '--out', out, '--quiet']);
  assert.equal(rescaled.status, 0, rescaled.stderr);
  const written = readFileSync(join(out, 'model.json'), 'utf8');
  assert.ok(written.includes(`"deep":${deepArrays()}`), 'the nested metadata was not kept');
  const again = await runCli(['analyze', join(out, 'model.json'), '--data', fixture.data, '--format', 'json', '--quiet']);
  assert.equal(again.status, 0, again.stderr);
  const [before, after] = [analyzed, again].map((run) => JSON.parse(run.stdout) as { loss: number });
  assert.ok(Math.abs(before.loss - after.loss) < 1e-5 * before.loss, `${before.loss} vs ${after.loss}`);
});
