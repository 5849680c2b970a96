// Finding and remembering a model's analysis data, and the sidecar (pure logic with async reads; the
// quick pick itself is in the e2e test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  choiceExists,
  findDataCandidates,
  guessLabels,
  readSidecar,
  sidecarPath,
  SIDECAR_OPTIONS,
} from '../../../src/extension/data-selection';
import { looksLikeModelJson } from '../../../src/extension/model-file';
import { temporaryDirectory } from '../../helpers/model-writer';

function workspace(files: Record<string, string>): string {
  const dir = temporaryDirectory();
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

const MODEL = JSON.stringify({ modelTopology: { class_name: 'Sequential' }, weightsManifest: [] });

test('data files beside the model come first, best names first; models, sidecars and labels files are left out', async () => {
  const dir = workspace({
    'run/model.json': MODEL,
    'run/other-model.json': MODEL,
    'run/data.npz': '',
    'run/notes.csv': '',
    'run/model.sharpness.json': '{}',
    'run/y.npy': '',
    'run/x.npy': '',
    'run/test.npz': '',
    'shared.npz': '',
  });
  const candidates = (await findDataCandidates(join(dir, 'run', 'model.json'), looksLikeModelJson)).map((p) => p.slice(dir.length + 1));
  // Training-looking data first: the curvature of the training loss is what is measured.
  assert.deepEqual(candidates.slice(0, 3), ['run/data.npz', 'run/x.npy', 'run/test.npz']);
  assert.ok(candidates.includes('run/notes.csv'));
  assert.ok(candidates.indexOf('shared.npz') > candidates.indexOf('run/notes.csv'), 'the parent folder ranks below the model folder');
  for (const excluded of ['run/model.json', 'run/other-model.json', 'run/model.sharpness.json'])
    assert.ok(!candidates.includes(excluded), excluded);
  assert.ok(candidates.indexOf('run/y.npy') > candidates.indexOf('run/x.npy'), 'a labels file ranks below its inputs');
});

test('labels for .npy inputs are found by name; a remembered choice counts only while its files exist', async () => {
  const dir = workspace({ 'x_train.npy': '', 'y_train.npy': '', 'inputs.npy': '', 'labels.npy': '', 'lonely.npy': '' });
  assert.equal(await guessLabels(join(dir, 'x_train.npy')), join(dir, 'y_train.npy'));
  assert.equal(await guessLabels(join(dir, 'inputs.npy')), join(dir, 'labels.npy'));
  assert.equal(await guessLabels(join(dir, 'data.npz')), undefined);
  const alone = workspace({ 'lonely.npy': '' });
  assert.equal(await guessLabels(join(alone, 'lonely.npy')), undefined);
  assert.equal(await choiceExists({ data: join(dir, 'x_train.npy'), labels: join(dir, 'y_train.npy') }), true);
  assert.equal(await choiceExists({ data: join(dir, 'x_train.npy'), labels: join(dir, 'gone.npy') }), false);
  assert.equal(await choiceExists({ data: join(dir, 'gone.npz') }), false);
  assert.equal(await choiceExists({ data: dir }), false, 'a folder is not a data file');
});

test('the sidecar is optional, resolved against the model folder, and sets the options about the model', async () => {
  const dir = workspace({ 'model.json': MODEL });
  const model = join(dir, 'model.json');
  assert.equal(sidecarPath(model), join(dir, 'model.sharpness.json'));
  assert.equal(await readSidecar(model), null);
  writeFileSync(
    sidecarPath(model),
    JSON.stringify({
      data: 'sub/data.csv',
      samples: 500,
      labelColumn: 'species',
      loss: 'mse',
      traceSamples: 80,
      includeRegularizers: true,
    }),
  );
  assert.deepEqual(await readSidecar(model), {
    data: join(dir, 'sub', 'data.csv'),
    options: { samples: 500, labelColumn: 'species', loss: 'mean_squared_error', traceSamples: 80, includeRegularizers: true },
  });
  // What a model's sidecar cannot set: the machine's resources and backend.
  assert.deepEqual(
    ['backend', 'threads', 'batchSize', 'cacheMb', 'workingMb', 'maxParameters'].filter((key) => SIDECAR_OPTIONS.includes(key as never)),
    [],
  );
});

test('a malformed sidecar is one line naming the file, the key and what it must be', async () => {
  const dir = workspace({ 'model.json': MODEL });
  const model = join(dir, 'model.json');
  const fails = async (content: string, problem: RegExp) => {
    writeFileSync(sidecarPath(model), content);
    await assert.rejects(readSidecar(model), (error: Error) => {
      assert.match(error.message, problem);
      assert.ok(error.message.startsWith(sidecarPath(model)), error.message);
      assert.doesNotMatch(error.message, /\n/);
      return true;
    });
  };
  await fails('{ not json', /model\.sharpness\.json: not valid JSON/);
  await fails('[1]', /expected an object like \{"data": "data\.npz"\}/);
  await fails(JSON.stringify({ samples: -3 }), /"samples" must be an integer ≥ 1, got -3$/);
  await fails(JSON.stringify({ samples: '500' }), /"samples" must be an integer ≥ 1, got "500"$/);
  await fails(JSON.stringify({ normalization: 'row' }), /"normalization" must be one of layer, element, got "row"$/);
  await fails(JSON.stringify({ data: 7 }), /"data" must be a file path/);
  await fails(
    JSON.stringify({ maxParameters: 1e9 }),
    /"maxParameters" is about the machine, not the model; set it in the settings \(sharpnessLens\.maxParameters\)/,
  );
  await fails(JSON.stringify({ sample: 5 }), /unknown key "sample" \(known: data, labels, labelColumn, samples, /);
});
