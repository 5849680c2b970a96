// What the given paths are: only regular files are read (a character device or a named pipe never
// ends), Keras files are named with the conversion that makes a TF.js model of them, a byte-order mark
// or UTF-16 text is read, and a shard whose name merely starts with two dots is inside the folder.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeTempDir } from '../data/temp-dir';
import { copyFixture, editJson, runCli, type FixtureCopy } from '../cli/helpers';
import { rows, writeInputsNpy } from './data-input';
import { assertCleanFailure } from './expect-failure';

/** A path to /dev/zero outside the watched folder (reading the watched folder would read the device). */
function zeroDevice(name: string): string {
  const link = join(makeTempDir(), name);
  symlinkSync('/dev/zero', link);
  return link;
}

function mkfifo(path: string): void {
  const made = spawnSync('mkfifo', [path]);
  assert.equal(made.status, 0, `mkfifo: ${made.stderr}`);
}

async function refusedAsData(fixture: FixtureCopy, dataArgs: string[], file: string, kind: string): Promise<void> {
  await assertCleanFailure(['analyze', fixture.model, ...dataArgs], {
    folder: fixture.folder,
    file,
    problem: new RegExp(`^is ${kind}, not a data file$`),
  });
}

async function analyzeJson(args: string[]): Promise<{ loss: number; accuracy: number | null }> {
  const run = await runCli(['analyze', ...args, '--format', 'json', '--quiet']);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stderr, '');
  return JSON.parse(run.stdout) as { loss: number; accuracy: number | null };
}

test('a character device as the model.json is refused by its kind, not read', async () => {
  const fixture = copyFixture('mlp');
  const model = zeroDevice('model.json');
  await assertCleanFailure(['analyze', model, '--data', fixture.data], {
    folder: fixture.folder,
    file: model,
    problem: /^is a character device, not a model\.json$/,
  });
});

test('a character device as the data or the labels is refused by its kind', async () => {
  const fixture = copyFixture('mlp');
  const data = zeroDevice('data.npy');
  await refusedAsData(fixture, ['--data', data], data, 'a character device');
  const inputs = writeInputsNpy(fixture, 'x.npy', rows(4).flat());
  const labels = zeroDevice('y.npy');
  await refusedAsData(fixture, ['--data', inputs, '--labels', labels], labels, 'a character device');
});

test('a named pipe as the data is refused without waiting for a writer', async () => {
  const fixture = copyFixture('mlp');
  const pipe = join(makeTempDir(), 'data.csv');
  mkfifo(pipe);
  await refusedAsData(fixture, ['--data', pipe], pipe, 'a named pipe');
});

test('a named pipe as a weight shard is refused by its kind', async () => {
  const fixture = copyFixture('mlp');
  const data = join(makeTempDir(), 'data.npz');
  renameSync(fixture.data, data);
  const shard = join(fixture.folder, 'weights.bin');
  renameSync(shard, join(fixture.folder, 'weights.bak'));
  mkfifo(shard);
  const before = readFileSync(fixture.model);
  // The watched folder is the data's: reading the model's folder would block on the pipe.
  await assertCleanFailure(['analyze', fixture.model, '--data', data], {
    folder: join(data, '..'),
    file: fixture.model,
    problem: /^weight shard "weights\.bin" is a named pipe, not a file$/,
  });
  assert.ok(statSync(shard).isFIFO());
  assert.deepEqual(readFileSync(fixture.model), before);
});

test('a Keras HDF5 model is named, with the conversion command', async () => {
  const fixture = copyFixture('mlp');
  const h5 = join(fixture.folder, 'model.h5');
  writeFileSync(h5, Buffer.concat([Buffer.from('\x89HDF\r\n\x1a\n', 'latin1'), Buffer.alloc(64), Buffer.from('\x00\x01\x1b[31m')]));
  await assertCleanFailure(['analyze', h5, '--data', fixture.data], {
    folder: fixture.folder,
    file: h5,
    problem:
      /^is an HDF5 file \(a Keras \.h5 model\), not a TF\.js model\.json; convert it with: tensorflowjs_converter --input_format keras model\.h5 out_dir\/$/,
  });
});

test('a Keras 3 .keras archive is named, with the conversion command', async () => {
  const fixture = copyFixture('mlp');
  const keras = join(fixture.folder, 'model.keras');
  const member = (name: string) => Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(26), Buffer.from(name)]);
  writeFileSync(keras, Buffer.concat([member('metadata.json'), member('config.json'), member('model.weights.h5')]));
  await assertCleanFailure(['analyze', keras, '--data', fixture.data], {
    folder: fixture.folder,
    file: keras,
    problem:
      /^is a Keras \.keras archive, not a TF\.js model\.json; convert it with: tensorflowjs_converter --input_format keras_keras model\.keras out_dir\/$/,
  });
});

test('a binary file as the model.json is named as binary, its bytes never echoed', async () => {
  const fixture = copyFixture('mlp');
  const binary = join(fixture.folder, 'model.json');
  writeFileSync(binary, Buffer.from([0x7b, 0x00, 0x1b, 0x5b, 0x32, 0x4a, 0x07, 0x08]));
  await assertCleanFailure(['analyze', binary, '--data', fixture.data], {
    folder: fixture.folder,
    file: binary,
    problem: /^is a binary file, not a TF\.js model\.json$/,
  });
});

test('control characters quoted from an input are escaped in the message', async () => {
  const fixture = copyFixture('mlp');
  editJson(fixture.model, (json) => {
    const [group] = json.weightsManifest as { weights: { name: string; dtype: string }[] }[];
    group.weights[0].name = 'evil\x1b[2J\x07\r\nname\u202e';
    group.weights[0].dtype = 'complex64';
  });
  const run = await runCli(['analyze', fixture.model, '--data', fixture.data]);
  assert.equal(run.status, 1);
  assert.doesNotMatch(run.stderr.slice(0, -1), /[\p{Cc}\u202e]/u, 'raw control characters reached the terminal');
  assert.ok(run.stderr.includes('weight "evil\\u001b[2J\\u0007\\r\\nname\\u202e" has dtype "complex64"'), run.stderr);
});

test('a UTF-8 byte-order mark before model.json is accepted', async () => {
  const fixture = copyFixture('mlp');
  const plain = await analyzeJson([fixture.model, '--data', fixture.data]);
  writeFileSync(fixture.model, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), readFileSync(fixture.model)]));
  assert.deepEqual((await analyzeJson([fixture.model, '--data', fixture.data])).loss, plain.loss);
});

test('a UTF-16 CSV, little- or big-endian, is read as UTF-16', async () => {
  const fixture = copyFixture('batchnorm');
  const plain = await analyzeJson([fixture.model, '--data', fixture.data]);
  const text = readFileSync(fixture.data, 'utf8');
  const little = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  const big = Buffer.from(little).swap16();
  for (const [name, bytes] of [
    ['utf16le.csv', little],
    ['utf16be.csv', big],
  ] as const) {
    const data = join(fixture.folder, name);
    writeFileSync(data, bytes);
    const report = await analyzeJson([fixture.model, '--data', data]);
    assert.equal(report.loss, plain.loss, name);
    assert.equal(report.accuracy, plain.accuracy, name);
  }
  const odd = join(fixture.folder, 'odd.csv');
  writeFileSync(odd, Buffer.concat([little, Buffer.from([0x31])]));
  await assertCleanFailure(['analyze', fixture.model, '--data', odd], {
    folder: fixture.folder,
    file: odd,
    problem: /UTF-16 \(LE\) byte-order mark but has an odd number of bytes/,
  });
});

test('a shard whose name starts with two dots is a file inside the folder', async () => {
  const fixture = copyFixture('mlp');
  const plain = await analyzeJson([fixture.model, '--data', fixture.data]);
  renameSync(join(fixture.folder, 'weights.bin'), join(fixture.folder, '..weights.bin'));
  editJson(fixture.model, (json) => {
    (json.weightsManifest as { paths: string[] }[])[0].paths = ['..weights.bin'];
  });
  assert.equal((await analyzeJson([fixture.model, '--data', fixture.data])).loss, plain.loss);
  assert.ok(existsSync(join(fixture.folder, '..weights.bin')));
});
