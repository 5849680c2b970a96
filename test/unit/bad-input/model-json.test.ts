// A model path that is not a TF.js layers model.json: missing, a folder, empty, not JSON, some other
// JSON file, or a graph model.
import { mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { copyFixture, type FixtureCopy } from '../cli/helpers';
import { assertCleanFailure } from './expect-failure';

async function analyzeFails(fixture: FixtureCopy, model: string, problem: RegExp): Promise<void> {
  await assertCleanFailure(['analyze', model, '--data', fixture.data], { folder: fixture.folder, file: model, problem });
}

async function withModelJson(contents: string, problem: RegExp): Promise<void> {
  const fixture = copyFixture('mlp');
  writeFileSync(fixture.model, contents);
  await analyzeFails(fixture, fixture.model, problem);
}

test('a missing model.json', async () => {
  const fixture = copyFixture('mlp');
  await analyzeFails(fixture, join(fixture.folder, 'absent.json'), /no such file/);
});

test('a folder given as the model', async () => {
  const fixture = copyFixture('mlp');
  const folder = join(fixture.folder, 'model');
  mkdirSync(folder);
  await analyzeFails(fixture, folder, /is a folder/);
});

test('an empty model.json', () => withModelJson('', /empty/));

test('a model.json of only whitespace', () => withModelJson(' \n\t\n', /empty/));

test('a model.json too large to be one, refused from its size', async () => {
  const fixture = copyFixture('mlp');
  // Sparse, so the test writes nothing real; the loader must not try to read it.
  truncateSync(fixture.model, 65 * 2 ** 20);
  await analyzeFails(fixture, fixture.model, /is 65 MiB, too large for a model\.json/);
});

test('malformed JSON', () => withModelJson('{"modelTopology": {"class_name": "Sequential",', /not valid JSON/));

test('JSON that is not an object', () => withModelJson('[1, 2, 3]', /not a TF\.js model\.json/));

test('a package.json given as the model', async () => {
  const fixture = copyFixture('mlp');
  const packageJson = join(fixture.folder, 'package.json');
  writeFileSync(packageJson, JSON.stringify({ name: 'sharpness-lens', version: '0.1.0', scripts: {} }));
  await analyzeFails(fixture, packageJson, /not a TF\.js layers-model model\.json.*no "modelTopology"/);
});

test("a Keras architecture without weights (model.to_json(), Keras 2.0's plain layer list)", () =>
  withModelJson(
    JSON.stringify({
      class_name: 'Sequential',
      keras_version: '2.0.6',
      config: [{ class_name: 'Dense', config: { name: 'dense_1', units: 3, batch_input_shape: [null, 4] } }],
    }),
    /Keras architecture \(model\.to_json\(\)\) without weights.*tensorflowjs_converter --input_format keras/,
  ));

test('the expected.json of a fixture given as the model', async () => {
  const fixture = copyFixture('mlp');
  await analyzeFails(fixture, join(fixture.folder, 'expected.json'), /not a TF\.js layers-model model\.json/);
});

test('a TF.js graph model', () =>
  withModelJson(
    JSON.stringify({
      format: 'graph-model',
      modelTopology: { node: [{ name: 'x', op: 'Placeholder' }], library: {}, versions: {} },
      weightsManifest: [],
    }),
    /graph model.*layers model/,
  ));
