// Finding and remembering a model's analysis data (pure logic; the quick pick itself is in the e2e test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findDataCandidates, guessLabels, readSidecar, sidecarPath } from '../../../src/extension/data-selection';
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

test('data files beside the model come first, best names first; models, sidecars and labels files are left out', () => {
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
  const candidates = findDataCandidates(join(dir, 'run', 'model.json'), looksLikeModelJson).map((p) => p.slice(dir.length + 1));
  // Training-looking data first: the curvature of the training loss is what is measured.
  assert.deepEqual(candidates.slice(0, 3), ['run/data.npz', 'run/x.npy', 'run/test.npz']);
  assert.ok(candidates.includes('run/notes.csv'));
  assert.ok(candidates.indexOf('shared.npz') > candidates.indexOf('run/notes.csv'), 'the parent folder ranks below the model folder');
  for (const excluded of ['run/model.json', 'run/other-model.json', 'run/model.sharpness.json'])
    assert.ok(!candidates.includes(excluded), excluded);
  assert.ok(candidates.indexOf('run/y.npy') > candidates.indexOf('run/x.npy'), 'a labels file ranks below its inputs');
});

test('labels for .npy inputs are found by name', () => {
  const dir = workspace({ 'x_train.npy': '', 'y_train.npy': '', 'inputs.npy': '', 'labels.npy': '', 'lonely.npy': '' });
  assert.equal(guessLabels(join(dir, 'x_train.npy')), join(dir, 'y_train.npy'));
  assert.equal(guessLabels(join(dir, 'inputs.npy')), join(dir, 'labels.npy'));
  assert.equal(guessLabels(join(dir, 'data.npz')), undefined);
  const alone = workspace({ 'lonely.npy': '' });
  assert.equal(guessLabels(join(alone, 'lonely.npy')), undefined);
});

test('the sidecar is optional, resolved against the model folder, and malformed ones are named', () => {
  const dir = workspace({ 'model.json': MODEL });
  const model = join(dir, 'model.json');
  assert.equal(sidecarPath(model), join(dir, 'model.sharpness.json'));
  assert.equal(readSidecar(model), null);
  writeFileSync(sidecarPath(model), JSON.stringify({ data: 'sub/data.npz', samples: 500 }));
  assert.deepEqual(readSidecar(model), { data: join(dir, 'sub', 'data.npz'), samples: 500 });
  writeFileSync(sidecarPath(model), '{ not json');
  assert.throws(() => readSidecar(model), /model\.sharpness\.json: not valid JSON/);
  writeFileSync(sidecarPath(model), JSON.stringify({ samples: -3 }));
  assert.throws(() => readSidecar(model), /"samples" must be a positive integer/);
  writeFileSync(sidecarPath(model), JSON.stringify({ data: 7 }));
  assert.throws(() => readSidecar(model), /"data" must be a file path/);
});
