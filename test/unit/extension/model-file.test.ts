// Recognising TF.js models without the engine, with async reads (the explorer menu, the sidebar and
// the Inspector rely on it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { looksLikeModelJson, notAModelMessage, summarizeModel } from '../../../src/extension/model-file';
import { temporaryDirectory } from '../../helpers/model-writer';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'reference');

test('model.json files of both formats are recognised; other JSON is not', async () => {
  for (const name of ['mlp', 'cnn', 'functional', 'mlp-quantized'])
    assert.ok(await looksLikeModelJson(join(FIXTURES, name, 'model.json')), name);
  assert.equal(await looksLikeModelJson(join(FIXTURES, 'mlp', 'expected.json')), false);
  assert.equal(await looksLikeModelJson(join(__dirname, '..', '..', '..', 'package.json')), false);
  assert.equal(await looksLikeModelJson(join(FIXTURES, 'embedding', 'data.json')), false);
  assert.equal(await looksLikeModelJson(join(FIXTURES, 'mlp', 'weights.bin')), false);
  assert.equal(await looksLikeModelJson(join(FIXTURES, 'missing.json')), false);
});

test('a renamed model file is recognised by its content, a JSON array is not', async () => {
  const dir = temporaryDirectory();
  writeFileSync(join(dir, 'classifier.json'), JSON.stringify({ format: 'layers-model', modelTopology: { class_name: 'Sequential' } }));
  writeFileSync(join(dir, 'list.json'), JSON.stringify([{ modelTopology: 1 }]));
  assert.ok(await looksLikeModelJson(join(dir, 'classifier.json')));
  assert.equal(await looksLikeModelJson(join(dir, 'list.json')), false);
});

test('the summary lists layers (not the input layer) with their weight counts', async () => {
  const mlp = (await summarizeModel(join(FIXTURES, 'mlp', 'model.json')))!;
  assert.equal(mlp.format, 'tfjs-layers');
  assert.deepEqual(
    mlp.layers.map((l) => [l.className, l.weightCount]),
    [
      ['Dense', 54],
      ['Dense', 35],
      ['Dense', 18],
    ],
  );
  const functional = (await summarizeModel(join(FIXTURES, 'functional', 'model.json')))!;
  assert.equal(functional.format, 'keras-converter');
  assert.ok(functional.layers.some((l) => l.className === 'Add'));
  assert.ok(!functional.layers.some((l) => l.className === 'InputLayer'));
  const batchnorm = (await summarizeModel(join(FIXTURES, 'batchnorm', 'model.json')))!;
  // γ, β and the two moving statistics of 6 channels.
  assert.equal(batchnorm.layers.find((l) => l.className === 'BatchNormalization')!.weightCount, 24);
  assert.equal(await summarizeModel(join(FIXTURES, 'mlp', 'expected.json')), null);
});

test("the Inspector's message for a JSON file that is not a model names the file and what a model is", () => {
  const message = notAModelMessage('package.json');
  assert.match(message, /^package\.json is not a TF\.js layers model: /);
  assert.match(message, /model\.save\(\) or tensorflowjs_converter/);
  assert.doesNotMatch(message, /\n/);
});
