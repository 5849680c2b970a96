/**
 * Builds the model corpus under test/fixtures/corpus/<case>/: for every case (scripts/corpus/cases/),
 * a model built and saved with tfjs-layers' own API in the case's file layout, its data.npz (inputs,
 * labels, and `tfjs_outputs`, the predictions tfjs-layers itself computes), and case.json (what the
 * case covers). Then `/usr/bin/python3 scripts/reference/corpus_reference.py` adds expected.json, the
 * exact float64 reference (docs/testing.md, "The model corpus").
 *
 *   node --import tsx scripts/corpus/make-corpus.ts [--only name,name]
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { encodeNpz } from '../lib/numpy-files';
import { SeededRandom } from '../../src/engine/linalg/random';
import { CORPUS_CASES } from './cases';
import { seedData, seedWeights, type CorpusCase } from './corpus-case';
import { writeModel, type SavedArtifacts } from './formats';
import { applyKerasEdit } from './keras-placeholders';

export const CORPUS_ROOT = join(__dirname, '..', '..', 'test', 'fixtures', 'corpus');

async function saveArtifacts(model: tfl.LayersModel): Promise<SavedArtifacts> {
  let saved: SavedArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = {
        modelTopology: artifacts.modelTopology as Record<string, unknown>,
        weightSpecs: artifacts.weightSpecs!,
        weightData: artifacts.weightData as ArrayBuffer,
      };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return saved!;
}

async function makeCase(spec: CorpusCase): Promise<void> {
  const random = new SeededRandom(spec.seed ?? 1);
  const model = spec.build(tfl);
  seedWeights(model, random, spec.weightScale ?? 1);
  const data = seedData(spec, random);
  const n = spec.samples;
  const inputs = spec.inputs.map((input, k) => tf.tensor(data.inputs[k], [n, ...input.shape], input.vocabulary ? 'int32' : 'float32'));
  const oneHot = spec.loss === 'categoricalCrossentropy';
  const target = oneHot
    ? tf.oneHot(tf.tensor1d(data.labels, 'int32'), spec.classes).toFloat()
    : tf.tensor(data.labels, [n, ...data.labelShape]);
  if (spec.trainSteps) {
    model.compile({ optimizer: tf.train.adam(0.01), loss: spec.loss });
    await model.fit(inputs.length === 1 ? inputs[0] : inputs, target, {
      epochs: spec.trainSteps,
      batchSize: n,
      shuffle: false,
      verbose: 0,
    });
  }
  for (const name of spec.frozen ?? []) model.getLayer(name).trainable = false;
  const predicted = model.predict(inputs.length === 1 ? inputs[0] : inputs) as tf.Tensor | tf.Tensor[];
  const outputs = Array.isArray(predicted) ? predicted : [predicted];
  const folder = join(CORPUS_ROOT, spec.name);
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  const saved = await saveArtifacts(model);
  let artifacts = spec.keras ? applyKerasEdit(saved, spec.keras) : saved;
  if (spec.kerasOnly) artifacts = spec.kerasOnly(artifacts, random);
  const files = writeModel(folder, artifacts, spec.format, spec.loss);
  const arrays: Record<string, { values: Float32Array | Int32Array; shape: number[] }> = {};
  spec.inputs.forEach(
    (input, k) => (arrays[spec.inputs.length === 1 ? 'x' : `x${k}`] = { values: data.inputs[k], shape: [n, ...input.shape] }),
  );
  const labels = spec.loss === 'sparseCategoricalCrossentropy' || oneHot ? Int32Array.from(data.labels) : data.labels;
  arrays.y = { values: labels, shape: oneHot || spec.loss === 'sparseCategoricalCrossentropy' ? [n] : [n, ...data.labelShape] };
  // A hand-written Keras layer or option that tfjs-layers does not compute leaves PyTorch as the only forward reference.
  if (spec.keras?.sameFunction !== false && !spec.kerasOnly)
    outputs.forEach(
      (o, k) =>
        (arrays[outputs.length === 1 ? 'tfjs_outputs' : `tfjs_outputs${k}`] = { values: o.dataSync() as Float32Array, shape: o.shape }),
    );
  writeFileSync(join(folder, 'data.npz'), encodeNpz(arrays));
  writeFileSync(
    join(folder, 'case.json'),
    JSON.stringify(
      { case: spec.name, description: spec.description, format: spec.format, loss: spec.loss, files: [...files, 'data.npz'] },
      null,
      1,
    ) + '\n',
  );
  process.stdout.write(`  ${spec.name}: ${spec.format}, ${model.countParams()} parameters\n`);
  tf.dispose([...inputs, target, ...outputs]);
  model.dispose();
}

async function main(): Promise<void> {
  await tf.setBackend('cpu');
  const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1].split(',') : null;
  const cases = CORPUS_CASES.filter((c) => !only || only.includes(c.name));
  if (only && cases.length !== only.length) throw new Error(`unknown case in --only ${only.join(',')}`);
  const seen = new Set<string>();
  for (const spec of cases) {
    if (seen.has(spec.name)) throw new Error(`two corpus cases are named ${spec.name}`);
    seen.add(spec.name);
    await makeCase(spec);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
