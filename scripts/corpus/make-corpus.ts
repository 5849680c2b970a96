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
import { corpusOutputs, seedData, seedWeights, type CorpusCase, type CorpusLoss } from './corpus-case';
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
  const outputs = corpusOutputs(spec);
  const inputs = spec.inputs.map((input, k) => tf.tensor(data.inputs[k], [n, ...input.shape], input.vocabulary ? 'int32' : 'float32'));
  const isClasses = (loss: CorpusLoss) => loss === 'categoricalCrossentropy' || loss === 'sparseCategoricalCrossentropy';
  const targets = outputs.map(({ classes, loss }, m) => {
    const { labels, labelShape } = data.targets[m];
    return loss === 'categoricalCrossentropy'
      ? tf.oneHot(tf.tensor1d(labels, 'int32'), classes).toFloat()
      : tf.tensor(labels, [n, ...labelShape]);
  });
  const one = <T>(list: T[]): T | T[] => (list.length === 1 ? list[0] : list);
  if (spec.trainSteps) {
    model.compile({ optimizer: tf.train.adam(0.01), loss: one(outputs.map((output) => output.loss)) });
    await model.fit(one(inputs), one(targets), {
      epochs: spec.trainSteps,
      batchSize: n,
      shuffle: false,
      verbose: 0,
    });
  }
  for (const name of spec.frozen ?? []) model.getLayer(name).trainable = false;
  const predicted = model.predict(one(inputs)) as tf.Tensor | tf.Tensor[];
  const predictions = Array.isArray(predicted) ? predicted : [predicted];
  const folder = join(CORPUS_ROOT, spec.name);
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  const saved = await saveArtifacts(model);
  let artifacts = spec.keras ? applyKerasEdit(saved, spec.keras) : saved;
  if (spec.kerasOnly) artifacts = spec.kerasOnly(artifacts, random);
  const several = spec.multiOutput;
  const weights = outputs.map((_, m) => several?.weights?.[m] ?? 1);
  const training = several ? { form: several.lossConfig, outputNames: model.outputNames, weights: several.weights ?? null } : null;
  const files = writeModel(folder, artifacts, spec.format, outputs, training);
  const arrays: Record<string, { values: Float32Array | Int32Array; shape: number[] }> = {};
  spec.inputs.forEach((input, k) => {
    const name = spec.arrays?.inputs[k] ?? (spec.inputs.length === 1 ? 'x' : `x${k}`);
    arrays[name] = { values: data.inputs[k], shape: [n, ...input.shape] };
  });
  outputs.forEach(({ loss }, m) => {
    const { labels, labelShape } = data.targets[m];
    const name = spec.arrays?.targets[m] ?? (several ? `y${m}` : 'y');
    arrays[name] = isClasses(loss) ? { values: Int32Array.from(labels), shape: [n] } : { values: labels, shape: [n, ...labelShape] };
  });
  // A hand-written Keras layer or option that tfjs-layers does not compute leaves PyTorch as the only forward reference.
  if (spec.keras?.sameFunction !== false && !spec.kerasOnly)
    predictions.forEach(
      (o, k) =>
        (arrays[predictions.length === 1 ? 'tfjs_outputs' : `tfjs_outputs${k}`] = { values: o.dataSync() as Float32Array, shape: o.shape }),
    );
  writeFileSync(join(folder, 'data.npz'), encodeNpz(arrays));
  // What the reference reads: the loss (one output) or every output's loss and weight, and the array names when they are not x/x0…, y/y0….
  const described = {
    ...(several ? { outputs: outputs.map(({ loss }, m) => ({ loss, weight: weights[m] })) } : { loss: spec.loss }),
    ...(spec.arrays ? { arrays: spec.arrays } : {}),
  };
  writeFileSync(
    join(folder, 'case.json'),
    JSON.stringify(
      { case: spec.name, description: spec.description, format: spec.format, ...described, files: [...files, 'data.npz'] },
      null,
      1,
    ) + '\n',
  );
  process.stdout.write(`  ${spec.name}: ${spec.format}, ${model.countParams()} parameters\n`);
  tf.dispose([...inputs, ...targets, ...predictions]);
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
