// `rescale` writes a function-preserving rescaled copy to a new folder: TF.js itself loads it and gets
// the original's outputs, the invariant sharpness stays while the Euclidean one moves, and the
// original folder is never touched.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { loadDataFile } from '../../../src/engine/data/load';
import { makeTempDir, snapshotDir } from '../data/temp-dir';
import { copyFixture, runCli } from './helpers';
import { parseReport } from './report-schema';

const FACTORS = '5,4,0.05';

/** Loads model.json and its shards from a folder with TF.js layers, independently of the engine. */
function loadWithTfjs(folder: string): Promise<tfl.LayersModel> {
  return tfl.loadLayersModel({
    load: async () => {
      const modelJson = JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8')) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const bytes = Buffer.concat(manifest.flatMap((group) => group.paths.map((path) => readFileSync(join(folder, path)))));
        return [
          manifest.flatMap((group) => group.weights),
          bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
        ];
      });
    },
  });
}

async function outputsOf(folder: string, data: string): Promise<Float32Array> {
  const x = loadDataFile(data).inputs[0].array;
  const model = await loadWithTfjs(folder);
  const output = tf.tidy(() => (model.predict(tf.tensor(x.data, x.shape)) as tf.Tensor).dataSync() as Float32Array);
  model.dispose();
  return output;
}

async function analyzeJson(model: string, data: string): Promise<ReturnType<typeof parseReport>> {
  const run = await runCli(['analyze', model, '--data', data, '--format', 'json']);
  assert.equal(run.status, 0, run.stderr);
  return parseReport(run.stdout);
}

function relativeDifference(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
}

test('rescale --factors writes a new folder with the same function and invariant sharpness', async () => {
  const parent = makeTempDir();
  const original = copyFixture('mlp', parent);
  const out = join(parent, 'rescaled');
  const before = snapshotDir(original.folder);

  const run = await runCli(['rescale', original.model, '--factors', FACTORS, '--out', out]);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout, `${join(out, 'model.json')}\n${join(out, 'group1-shard1of1.bin')}\n`);
  assert.match(run.stderr, /5, 4, 0\.05/);
  assert.deepEqual(snapshotDir(original.folder), before, 'the original folder is untouched');
  assert.deepEqual(readdirSync(parent).sort(), ['mlp', 'rescaled'], 'no staging folder is left behind');
  assert.deepEqual(readdirSync(out).sort(), ['group1-shard1of1.bin', 'model.json']);

  await tf.setBackend('cpu');
  const [expected, actual] = [await outputsOf(original.folder, original.data), await outputsOf(out, original.data)];
  const largest = expected.reduce((m, v, i) => Math.max(m, Math.abs(v - actual[i])), 0);
  assert.ok(largest < 1e-5, `outputs differ by up to ${largest}`);

  const [was, now] = [await analyzeJson(original.model, original.data), await analyzeJson(join(out, 'model.json'), original.data)];
  assert.ok(relativeDifference(now.loss, was.loss) < 1e-5, `loss ${was.loss} → ${now.loss}`);
  assert.ok(
    relativeDifference(now.invariant.sharpness, was.invariant.sharpness) < 1e-3,
    `invariant ${was.invariant.sharpness} → ${now.invariant.sharpness}`,
  );
  const euclideanRatio = now.euclidean.topEigenvalues[0] / was.euclidean.topEigenvalues[0];
  assert.ok(euclideanRatio < 0.5 || euclideanRatio > 2, `the Euclidean λ_max should move, ratio ${euclideanRatio}`);
});

test('rescale --quiet prints only the written files', async () => {
  const parent = makeTempDir();
  const original = copyFixture('mlp', parent);
  const run = await runCli(['rescale', original.model, '--factors', FACTORS, '--out', join(parent, 'quiet'), '--quiet']);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stderr, '');
  assert.equal(run.stdout.trim().split('\n').length, 2);
});
