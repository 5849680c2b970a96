// Recognising TF.js models without the engine, with async reads (the explorer menu, the sidebar and
// the Inspector rely on it), over every layout of the corpus; and the sidebar's layer summaries,
// checked against the corpus generator's own record of which layer holds which parameter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  layerText,
  layerTree,
  looksLikeModelJson,
  modelFileProblem,
  notAModelMessage,
  summarizeModel,
  type ModelSummary,
  type TreeEntry,
} from '../../../src/extension/model-file';
import { temporaryDirectory } from '../../helpers/model-writer';

const FIXTURES = join(__dirname, '..', '..', 'fixtures');
const REFERENCE = join(FIXTURES, 'reference');
const CORPUS = join(FIXTURES, 'corpus');
const CORPUS_CASES = readdirSync(CORPUS);

interface CorpusExpectation {
  format: string;
  frozenParameterCount: number;
  /** The trainable parameters, each with the manifest name and the layer path the generator gave it. */
  parameters: { name: string; layer: string; shape: number[] }[];
}

async function summary(path: string): Promise<ModelSummary> {
  const read = await summarizeModel(path);
  assert.ok(read.summary, `${path}: ${read.problem}`);
  return read.summary;
}

test('every layout of the corpus is recognised as a model; the other JSON beside it is not', async () => {
  const formats = new Set<string>();
  for (const name of CORPUS_CASES) {
    const folder = join(CORPUS, name);
    assert.ok(await looksLikeModelJson(join(folder, 'model.json')), name);
    formats.add((JSON.parse(readFileSync(join(folder, 'expected.json'), 'utf8')) as CorpusExpectation).format);
    for (const other of ['case.json', 'expected.json'])
      assert.equal(await looksLikeModelJson(join(folder, other)), false, `${name}/${other}`);
  }
  // tfjs-layers 1.x (no generatedBy) and 4.x, the Keras 2.1 converter (a layer list, no "format"), Keras 2 and 3.
  assert.deepEqual([...formats].sort(), ['keras2', 'keras2.1', 'keras3', 'tfjs-layers', 'tfjs-layers-1']);
  for (const name of ['mlp', 'cnn', 'functional', 'mlp-quantized'])
    assert.ok(await looksLikeModelJson(join(REFERENCE, name, 'model.json')), name);
  assert.equal(await looksLikeModelJson(join(REFERENCE, 'mlp', 'expected.json')), false);
  assert.equal(await looksLikeModelJson(join(__dirname, '..', '..', '..', 'package.json')), false);
  assert.equal(await looksLikeModelJson(join(REFERENCE, 'embedding', 'data.json')), false);
  assert.equal(await looksLikeModelJson(join(REFERENCE, 'mlp', 'weights.bin')), false);
  assert.equal(await looksLikeModelJson(join(REFERENCE, 'missing.json')), false);
});

test('graph models are refused, whether "format" comes first or after the topology', async () => {
  const dir = temporaryDirectory();
  const graph = { node: [{ name: 'x', op: 'Placeholder', attr: {} }], library: {}, versions: { producer: 1 } };
  writeFileSync(
    join(dir, 'converter.json'),
    JSON.stringify({ format: 'graph-model', generatedBy: '2.15', modelTopology: graph, weightsManifest: [] }),
  );
  writeFileSync(join(dir, 'late-format.json'), JSON.stringify({ modelTopology: graph, weightsManifest: [], format: 'graph-model' }));
  writeFileSync(join(dir, 'no-format.json'), JSON.stringify({ modelTopology: graph, weightsManifest: [] }));
  for (const name of ['converter.json', 'late-format.json', 'no-format.json']) {
    assert.equal(await looksLikeModelJson(join(dir, name)), false, name);
    assert.match((await modelFileProblem(join(dir, name)))!, /this is a TF\.js graph model; Sharpness Lens needs a layers model/, name);
  }
});

test('a renamed model file is recognised by its content, with or without a byte-order mark; a JSON array is not', async () => {
  const dir = temporaryDirectory();
  const model = JSON.stringify({ format: 'layers-model', modelTopology: { class_name: 'Sequential' } });
  writeFileSync(join(dir, 'classifier.json'), model);
  writeFileSync(join(dir, 'bom.json'), `\uFEFF${model}`);
  writeFileSync(join(dir, 'list.json'), JSON.stringify([{ modelTopology: 1 }]));
  assert.ok(await looksLikeModelJson(join(dir, 'classifier.json')));
  assert.ok(await looksLikeModelJson(join(dir, 'bom.json')));
  assert.equal(await looksLikeModelJson(join(dir, 'list.json')), false);
});

test('a topology that starts past the first bytes is a model all the same once the whole file is read', async () => {
  const corpus = JSON.parse(readFileSync(join(CORPUS, 'keras21-mlp', 'model.json'), 'utf8')) as Record<string, unknown>;
  const dir = temporaryDirectory();
  const path = join(dir, 'model.json');
  writeFileSync(path, JSON.stringify({ userDefinedMetadata: { notes: 'x'.repeat(20_000) }, ...corpus }));
  assert.equal(await looksLikeModelJson(path), false, 'the cheap check reads only the first bytes');
  assert.equal(await modelFileProblem(path), null);
  assert.deepEqual(
    (await summary(path)).layers.map((l) => l.name),
    ['dense_1', 'dense_2', 'dense_3'],
  );
});

test('named pipes, devices and folders named *.json are refused without blocking', async () => {
  const dir = temporaryDirectory();
  const pipe = join(dir, 'pipe.json');
  assert.equal(spawnSync('mkfifo', [pipe]).status, 0);
  const device = join(dir, 'zero.json');
  symlinkSync('/dev/zero', device);
  mkdirSync(join(dir, 'folder.json'));
  for (const name of ['pipe.json', 'zero.json', 'folder.json']) {
    assert.equal(await looksLikeModelJson(join(dir, name)), false, name);
    assert.match((await summarizeModel(join(dir, name))).problem!, /is not a regular file|is a folder/, name);
  }
});

test('the summary of every corpus model: layers by path, each parameter under the layer the generator says, frozen layers marked', async () => {
  for (const name of CORPUS_CASES) {
    const folder = join(CORPUS, name);
    const expected = JSON.parse(readFileSync(join(folder, 'expected.json'), 'utf8')) as CorpusExpectation;
    const manifest = (
      JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8')) as { weightsManifest: { weights: { shape: number[] }[] }[] }
    ).weightsManifest;
    const s = await summary(join(folder, 'model.json'));
    assert.equal(s.format, expected.format.startsWith('tfjs') ? 'tfjs-layers' : 'keras-converter', name);
    assert.ok(!s.layers.some((l) => l.className === 'InputLayer'), `${name}: no input layer`);
    const byName = new Map(s.layers.map((l) => [l.name, l]));
    assert.equal(byName.size, s.layers.length, `${name}: layer paths are unique`);
    for (const p of expected.parameters) {
      const layer = byName.get(p.layer);
      assert.ok(layer, `${name}: the summary has the layer ${p.layer} (has ${[...byName.keys()].join(', ')})`);
      // The generator names weights without TensorFlow's ":0" output suffix (Keras 2.1 writes it).
      const weights = layer.weights.map((w) => w.replace(/:0$/, ''));
      assert.ok(weights.includes(p.name), `${name}: ${p.name} counted for ${p.layer} (it has ${layer.weights.join(', ')})`);
      assert.ok(layer.trainable, `${name}: ${p.layer} holds trainable parameters`);
    }
    const total = manifest.flatMap((g) => g.weights).reduce((sum, w) => sum + w.shape.reduce((a, b) => a * b, 1), 0);
    assert.equal(s.weightCount, total, `${name}: every manifest value counted`);
    assert.equal(
      s.layers.reduce((sum, l) => sum + l.weightCount, 0),
      total,
      `${name}: every manifest weight found its layer (statistics and frozen weights too)`,
    );
    const frozen = s.layers.filter((l) => l.frozen);
    assert.equal(
      frozen.length > 0,
      expected.frozenParameterCount > 0,
      `${name}: frozen layers marked exactly when the model has frozen parameters`,
    );
    assert.equal(
      frozen.reduce((sum, l) => sum + l.weightCount, 0),
      expected.frozenParameterCount,
      `${name}: the frozen layers hold the frozen parameters`,
    );
  }
});

test('nested, wrapped and frozen layers as the sidebar shows them', async () => {
  const tm = await summary(join(CORPUS, 'tm-nested', 'model.json'));
  assert.deepEqual(
    tm.layers.slice(0, 3).map((l) => [l.name, l.className, l.weightCount]),
    [
      ['sequential_1/model2/Conv1_pad', 'ZeroPadding2D', 0],
      ['sequential_1/model2/Conv1', 'Conv2D', 108],
      // γ, β and the two moving statistics of 4 channels.
      ['sequential_1/model2/bn_Conv1', 'BatchNormalization', 16],
    ],
  );
  assert.deepEqual(
    tm.layers.slice(-2).map((l) => l.name),
    ['sequential_3/dense_Dense1', 'sequential_3/dense_Dense2'],
  );

  const frozen = await summary(join(CORPUS, 'keras3-frozen-base', 'model.json'));
  const base = frozen.layers.find((l) => l.name === 'base/dense')!;
  assert.deepEqual(base.weights, ['sequential/base/dense/kernel', 'sequential/base/dense/bias']);
  const text = layerText(base, undefined);
  assert.equal(text.description, 'Dense · frozen');
  assert.match(text.tooltip, /^base\/dense \(Dense\), 56 weights\nfrozen \(trainable: false\)/);
  const head = layerText(
    frozen.layers.find((l) => l.name === 'dense_1')!,
    2.5,
  );
  assert.equal(frozen.layers.find((l) => l.name === 'dense_1')!.frozen, false);
  assert.equal(head.description, '2.5 · Dense');
  assert.match(head.tooltip, /λ_max\(D_l H_ll D_l\) = 2\.5$/);

  // Both directions of a Bidirectional LSTM (with Keras's lstm_cell segment) count for the wrapper.
  const bidirectional = await summary(join(CORPUS, 'keras2-bidirectional-states', 'model.json'));
  const wrapper = bidirectional.layers.find((l) => l.className === 'Bidirectional')!;
  assert.equal(wrapper.weights.length, 6);
  assert.equal(wrapper.weightCount, 2 * (3 * 8 + 2 * 8 + 8));
});

test('the summary of the reference fixtures lists layers (not the input layer) with their weight counts', async () => {
  const mlp = await summary(join(REFERENCE, 'mlp', 'model.json'));
  assert.equal(mlp.format, 'tfjs-layers');
  assert.deepEqual(
    mlp.layers.map((l) => [l.className, l.weightCount]),
    [
      ['Dense', 54],
      ['Dense', 35],
      ['Dense', 18],
    ],
  );
  const functional = await summary(join(REFERENCE, 'functional', 'model.json'));
  assert.equal(functional.format, 'keras-converter');
  assert.ok(functional.layers.some((l) => l.className === 'Add'));
  const batchnorm = await summary(join(REFERENCE, 'batchnorm', 'model.json'));
  // γ, β and the two moving statistics of 6 channels.
  assert.equal(batchnorm.layers.find((l) => l.className === 'BatchNormalization')!.weightCount, 24);
  assert.match((await summarizeModel(join(REFERENCE, 'mlp', 'expected.json'))).problem!, /not a TF\.js layers-model model\.json/);
});

test("the Inspector's message for a file that is not a model names the file, the engine's reason and what a model is", async () => {
  const problem = (await modelFileProblem(join(__dirname, '..', '..', '..', 'package.json')))!;
  const message = notAModelMessage('package.json', problem);
  assert.match(message, /^package\.json: not a TF\.js layers-model model\.json \(no "modelTopology"\); /);
  assert.match(message, /model\.save\(\) or tensorflowjs_converter/);
  assert.doesNotMatch(message, /\n/);
});

test('the sidebar shows nested models as nodes holding their layers, in the order the model computes them', async () => {
  const shape = (entries: TreeEntry[]): unknown[] =>
    entries.map((e) =>
      e.kind === 'scope' ? { [e.name]: shape(e.children), layers: e.layerCount, frozen: e.frozenCount } : e.layer.ownName,
    );
  const tm = await summary(join(CORPUS, 'tm-nested', 'model.json'));
  assert.deepEqual(shape(layerTree(tm.layers)), [
    {
      sequential_1: [
        {
          model2: [
            'Conv1_pad',
            'Conv1',
            'bn_Conv1',
            'Conv1_relu',
            'expanded_conv_depthwise',
            'expanded_conv_depthwise_BN',
            'expanded_conv_depthwise_relu',
            'expanded_conv_project',
            'expanded_conv_project_BN',
            'expanded_conv_add',
          ],
          layers: 10,
          frozen: 0,
        },
        'global_average_pooling2d_GlobalAveragePooling2D1',
      ],
      layers: 11,
      frozen: 0,
    },
    { sequential_3: ['dense_Dense1', 'dense_Dense2'], layers: 2, frozen: 0 },
  ]);
  const frozen = await summary(join(CORPUS, 'keras3-frozen-base', 'model.json'));
  assert.deepEqual(shape(layerTree(frozen.layers)), [{ base: ['dense'], layers: 1, frozen: 1 }, 'dense_1', 'dense_2']);
  const mlp = await summary(join(REFERENCE, 'mlp', 'model.json'));
  assert.deepEqual(shape(layerTree(mlp.layers)), ['dense_Dense1', 'dense_Dense2', 'dense_Dense3']);
});
