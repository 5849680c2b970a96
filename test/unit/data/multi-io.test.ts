// Data and losses for models of several inputs and outputs: which array of a .npz or .json each input
// and output takes, each output's loss and weight from the training config, every input fitted to what
// the model takes (indices for an Embedding), the seeded subsample taking the same rows of every
// array, and the weighted loss reaching the worker threads (docs/architecture.md, "Loading a model").
import assert from 'node:assert/strict';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeNpz } from '../../../scripts/lib/numpy-files';
import { analyze } from '../../../src/engine/analysis/analyze';
import { openInputs } from '../../../src/engine/analysis/inputs';
import { initializeBackend } from '../../../src/engine/backend';
import { loadDataFile, type DataSignature, type RawDataset } from '../../../src/engine/data/load';
import type { NdArray } from '../../../src/engine/data/ndarray';
import { parseNpz } from '../../../src/engine/data/npz';
import { prepareData } from '../../../src/engine/data/prepare';
import { SeededRandom } from '../../../src/engine/linalg/random';
import { resolveLosses, type OutputFacts } from '../../../src/engine/loss/resolve-loss';
import { runCli } from '../cli/helpers';
import { parseReport } from '../cli/report-schema';
import { assertFailsWithoutWriting, loadWritten, makeTempDir, writeFile } from './temp-dir';

const dir = makeTempDir();
const CORPUS = join(__dirname, '..', '..', 'fixtures', 'corpus');

const rows = (count: number, width: number, offset = 0): NdArray => ({
  data: Float32Array.from({ length: count * width }, (_, i) => offset + i),
  shape: [count, width],
  dtype: 'float32',
});
const labels = (values: number[]): NdArray => ({ data: Int32Array.from(values), shape: [values.length], dtype: 'int32' });

function npz(arrays: Record<string, NdArray>): Buffer {
  return encodeNpz(Object.fromEntries(Object.entries(arrays).map(([name, a]) => [name, { values: a.data, shape: a.shape }])));
}

/** The array names each input and output took. */
const picked = (dataset: RawDataset) => [dataset.inputs.map((a) => a.name), dataset.targets?.map((a) => a.name) ?? null];

const TWO_BY_TWO: DataSignature = { inputs: ['a', 'b'], outputs: ['cls', 'head/reg'] };

test('each input takes the array named by its layer or by position, each output by its path, either end of it, or position', () => {
  const x = rows(3, 2);
  const y = labels([0, 1, 0]);
  const cases: [Record<string, NdArray>, (string[] | null)[]][] = [
    [
      { x0: x, x1: x, y0: y, y1: x },
      [
        ['x0', 'x1'],
        ['y0', 'y1'],
      ],
    ],
    [
      { a: x, b: x, cls: y, 'head/reg': x },
      [
        ['a', 'b'],
        ['cls', 'head/reg'],
      ],
    ],
    // Inside a nested model: the nested model's name (as Keras keys its outputs) or the layer's own name.
    [
      { a: x, x1: x, cls: y, head: x },
      [
        ['a', 'x1'],
        ['cls', 'head'],
      ],
    ],
    [
      { x0: x, b: x, y0: y, reg: x, tfjs_outputs0: x },
      [
        ['x0', 'b'],
        ['y0', 'reg'],
      ],
    ],
  ];
  for (const [k, [arrays, expected]] of cases.entries()) {
    const dataset = loadWritten(dir, `names-${k}.npz`, npz(arrays), { signature: TWO_BY_TWO });
    assert.deepEqual(picked(dataset), expected);
    assert.equal(dataset.inputs[1].label, `array "${expected[0]![1]}" for input "b"`);
  }
  // The same names in a .json; integer targets stay int32, inputs are float32.
  const json = loadWritten(dir, 'names.json', JSON.stringify({ x0: [[1], [2]], x1: [[3], [4]], y0: [0, 1], y1: [[0.5], [1]] }), {
    signature: TWO_BY_TWO,
  });
  assert.deepEqual(picked(json), [
    ['x0', 'x1'],
    ['y0', 'y1'],
  ]);
  assert.deepEqual(
    json.inputs.map((a) => a.array.dtype),
    ['float32', 'float32'],
  );
  assert.deepEqual(
    json.targets!.map((a) => a.array.dtype),
    ['int32', 'float32'],
  );
});

test('one input keeps the conventional names (x, x_train, …), and takes y0, y1 for several outputs', () => {
  const signature = { inputs: ['input_1'], outputs: ['cls', 'reg'] };
  const x = rows(2, 3);
  assert.deepEqual(picked(loadWritten(dir, 'one-in.npz', npz({ x, y0: labels([1, 0]), reg: x }), { signature })), [['x'], ['y0', 'reg']]);
  assert.deepEqual(picked(loadWritten(dir, 'one-in-train.npz', npz({ x_train: x, cls: labels([1, 0]), y1: x }), { signature })), [
    ['x_train'],
    ['cls', 'y1'],
  ]);
  // Without a conventional name, the input's own name or x0; a single output also takes y0 or its name.
  const single = { inputs: ['input_1'], outputs: ['dense'] };
  assert.deepEqual(picked(loadWritten(dir, 'own-names.npz', npz({ input_1: x, dense: labels([1, 0]) }), { signature: single })), [
    ['input_1'],
    ['dense'],
  ]);
  assert.deepEqual(picked(loadWritten(dir, 'positions.npz', npz({ x0: x, y0: labels([1, 0]) }), { signature: single })), [['x0'], ['y0']]);
  assert.deepEqual(picked(loadWritten(dir, 'pair.npz', npz({ x, y: labels([1, 0]), y0: labels([0, 0]) }), { signature: single })), [
    ['x'],
    ['y'],
  ]);
});

test("a layer's own name means that layer: an input named x1 does not make x1 ambiguous for the second input", () => {
  const signature = { inputs: ['x1', 'b'], outputs: ['out'] };
  const x = rows(2, 2);
  const y = labels([0, 1]);
  assert.deepEqual(picked(loadWritten(dir, 'x1-named.npz', npz({ x1: x, b: x, y }), { signature })), [['x1', 'b'], ['y']]);
  assert.deepEqual(picked(loadWritten(dir, 'x1-positional.npz', npz({ x0: x, b: x, y }), { signature })), [['x0', 'b'], ['y']]);
});

test('one array that could be two outputs (the same layer name in two nested models) is refused', () => {
  const path = writeFile(dir, 'two-heads.npz', npz({ x: rows(2, 2), dense: rows(2, 1) }));
  assertFailsWithoutWriting(
    dir,
    () => loadDataFile(path, { signature: { inputs: ['x'], outputs: ['a/dense', 'b/dense'] } }),
    /^.*two-heads\.npz: array "dense" could be output "a\/dense" \(1 of 2\) or output "b\/dense" \(2 of 2\); name them by position \(y0, y1\) instead$/,
  );
});

test('without labels (hasLabels false) a model of several outputs needs only its inputs', () => {
  const dataset = loadWritten(dir, 'inputs-only.npz', npz({ x0: rows(2, 2), x1: rows(2, 2) }), { signature: TWO_BY_TWO, hasLabels: false });
  assert.deepEqual(picked(dataset), [['x0', 'x1'], null]);
});

const facts = (name: string, activation: string | undefined, width: number, integral: boolean): OutputFacts => ({
  name,
  activation,
  width,
  labels: { integral, width: integral ? 1 : width },
});
const OUTPUTS = [facts('cls', 'softmax', 3, true), facts('head/reg', undefined, 2, false)];
const chosen = (config: Record<string, unknown> | null, requested: 'auto' | 'mean_squared_error' = 'auto') =>
  resolveLosses(requested, config, OUTPUTS, 'model.json').map(({ name, source, weight }) => [name, source, weight]);

test("each output's loss: one for all, a list, or a map by output name; loss_weights as a list or a map", () => {
  assert.deepEqual(chosen(null), [
    ['sparse_categorical_crossentropy', 'inferred', 1],
    ['mean_squared_error', 'inferred', 1],
  ]);
  assert.deepEqual(chosen({ loss: ['sparseCategoricalCrossentropy', 'mse'], loss_weights: [0.25, 4] }), [
    ['sparse_categorical_crossentropy', 'training config', 0.25],
    ['mean_squared_error', 'training config', 4],
  ]);
  // Keys: the output's path, the nested model's name (Keras's output name) or the layer's own name;
  // an output the weights leave out weighs 1, as in Keras.
  for (const key of ['head/reg', 'head', 'reg']) {
    assert.deepEqual(chosen({ loss: { [key]: 'mean_squared_error', cls: 'categorical_crossentropy' }, loss_weights: { [key]: 3 } }), [
      ['categorical_crossentropy', 'training config', 1],
      ['mean_squared_error', 'training config', 3],
    ]);
  }
  // An output's own path is never another's alias: "dense" is the top-level dense, "head" the nested one.
  const two = [facts('dense', 'softmax', 3, true), facts('head/dense', undefined, 2, false)];
  const keyed = resolveLosses('auto', { loss: { dense: 'sparse_categorical_crossentropy', head: 'mse' } }, two, 'm');
  assert.deepEqual(
    keyed.map((loss) => loss.name),
    ['sparse_categorical_crossentropy', 'mean_squared_error'],
  );
  // A key that could be either of two outputs (a nested model with two) is refused, not applied to both.
  const siblings = [facts('head/a', undefined, 2, false), facts('head/b', undefined, 2, false)];
  assert.throws(
    () => resolveLosses('auto', { loss: { head: 'mse' } }, siblings, 'm'),
    /^SharpnessError: m: the training config gives losses for "head", which could be any of the outputs "head\/a", "head\/b"$/,
  );
  // A single loss applies to every output; one asked for replaces the training config's, and keeps its weights.
  const mse = resolveLosses('auto', { loss: 'mean_squared_error' }, [facts('a', undefined, 2, false), facts('b', 'tanh', 1, false)], 'm');
  assert.deepEqual(
    mse.map((loss) => loss.name),
    ['mean_squared_error', 'mean_squared_error'],
  );
  assert.deepEqual(chosen({ loss: ['categorical_crossentropy', 'mse'], loss_weights: [2, 1] }, 'mean_squared_error'), [
    ['mean_squared_error', 'option', 2],
    ['mean_squared_error', 'option', 1],
  ]);
});

test('each input is fitted to what the model takes: indices for an Embedding, integers for an integer input, floats otherwise', () => {
  const raw: RawDataset = {
    inputs: [
      { name: 'x0', label: 'array "x0" for input "tokens"', array: rows(2, 3) },
      { name: 'x1', label: 'array "x1" for input "counts"', array: { ...rows(2, 2), data: Float32Array.from([1, 2, 3, 4.5]) } },
    ],
    targets: [{ name: 'y', label: 'array "y" for output "out"', array: labels([0, 1]) }],
    source: 'data.npz',
    labelsSource: 'data.npz',
  };
  const losses = [{ name: 'sparse_categorical_crossentropy' as const, fromLogits: false, source: 'inferred' as const }];
  const fit = (integral: boolean) =>
    prepareData(
      raw,
      {
        inputs: [
          { shape: [3], dtype: 'int32', embeddingVocabulary: 6, integral: false },
          { shape: [2], dtype: 'float32', embeddingVocabulary: null, integral },
        ],
        outputShapes: [[2]],
      },
      losses,
      { seed: 0 },
    );
  const data = fit(false);
  assert.deepEqual(
    data.inputs.map((input) => [input.dtype, input.values.constructor.name, Array.from(input.values)]),
    [
      ['int32', 'Int32Array', [0, 1, 2, 3, 4, 5]],
      ['float32', 'Float32Array', [1, 2, 3, 4.5]],
    ],
  );
  assert.throws(
    () => fit(true),
    /^SharpnessError: data\.npz: array "x1" for input "counts": the model's input takes integers, but value 4\.5 \(sample 1\) is not one$/,
  );
});

/** A copy of a corpus case. */
function corpusCopy(name: string): string {
  const folder = join(makeTempDir(), name);
  cpSync(join(CORPUS, name), folder, { recursive: true });
  return folder;
}

test('the Embedding input is fed int32 indices and the series input float32 [N, T, F], each decided from the model', async () => {
  await initializeBackend('cpu');
  const folder = corpusCopy('keras3-multi-io-embedding-series');
  const inputs = openInputs({ model: join(folder, 'model.json'), data: join(folder, 'data.npz'), seed: 0 });
  try {
    assert.deepEqual(
      inputs.data.inputs.map((input) => [input.dtype, input.shape]),
      [
        ['int32', [5]],
        ['float32', [5, 2]],
      ],
    );
    assert.deepEqual(
      inputs.losses.map((loss) => [loss.name, loss.weight]),
      [
        ['categorical_crossentropy', 0.7],
        ['binary_crossentropy', 1.3],
      ],
    );
  } finally {
    inputs.network.dispose();
  }
});

const analyzeOn = (folder: string, data: string, extra: { samples?: number; threads?: number } = {}) =>
  analyze({ model: join(folder, 'model.json'), data, backend: 'cpu', threads: 1, seed: 5, settings: { topK: 2 }, ...extra });

test('a .json with the arrays by position gives the numbers of the .npz with them by layer name', async () => {
  const folder = corpusCopy('multi-io-shared-dense');
  const arrays = parseNpz(readFileSync(join(folder, 'data.npz')));
  const nested = (a: NdArray) => {
    const per = a.data.length / a.shape[0];
    return Array.from({ length: a.shape[0] }, (_, i) => {
      const row = Array.from(a.data.subarray(i * per, (i + 1) * per));
      return a.shape.length === 1 ? row[0] : row;
    });
  };
  const json = writeFile(
    folder,
    'data.json',
    JSON.stringify({
      x0: nested(arrays.get('input_a')!),
      x1: nested(arrays.get('input_b')!),
      y0: nested(arrays.get('class_head')!),
      y1: nested(arrays.get('reg_head')!),
    }),
  );
  const [fromNpz, fromJson] = [await analyzeOn(folder, join(folder, 'data.npz')), await analyzeOn(folder, json)];
  assert.equal(fromJson.loss, fromNpz.loss);
  assert.equal(fromJson.euclidean.topEigenvalues[0], fromNpz.euclidean.topEigenvalues[0]);
  assert.deepEqual(
    fromJson.data.inputs.map((input) => input.array),
    ['x0', 'x1'],
  );
  assert.deepEqual(
    fromNpz.outputs.map((output) => [output.name, output.array, output.weight]),
    [
      ['class_head', 'class_head', 1],
      ['reg_block/reg_head', 'reg_head', 0.5],
    ],
  );
  // The report's loss is the weighted sum of the outputs' own; its accuracy the classifier's (the only one with one).
  const [classifier, regression] = fromNpz.outputs;
  assert.ok(Math.abs(fromNpz.loss - (classifier.lossValue + 0.5 * regression.lossValue)) < 1e-7 * fromNpz.loss);
  assert.equal(regression.accuracy, null);
  assert.equal(fromNpz.accuracy, classifier.accuracy);
});

test('the seeded subsample takes the same rows of every input and target array', async () => {
  const folder = corpusCopy('multi-io-shared-dense');
  const arrays = parseNpz(readFileSync(join(folder, 'data.npz')));
  // The rows the analysis's seeded subsample (seed 5, 10 of 32) takes, written out as a file of their own.
  const rowsAt = new SeededRandom(5).sampleIndices(32, 10);
  const subset = Object.fromEntries(
    [...arrays].map(([name, a]) => {
      const per = a.data.length / a.shape[0];
      const data = new (a.data.constructor as Float32ArrayConstructor)(rowsAt.length * per);
      rowsAt.forEach((row, k) => data.set(a.data.subarray(row * per, (row + 1) * per), k * per));
      return [name, { ...a, data, shape: [rowsAt.length, ...a.shape.slice(1)] }];
    }),
  );
  const picked10 = writeFile(folder, 'subset.npz', npz(subset));
  const [subsampled, written] = [await analyzeOn(folder, join(folder, 'data.npz'), { samples: 10 }), await analyzeOn(folder, picked10)];
  assert.equal(subsampled.data.sampleCount, 10);
  assert.equal(subsampled.data.availableCount, 32);
  assert.equal(subsampled.loss, written.loss);
  assert.deepEqual(subsampled.euclidean.topEigenvalues, written.euclidean.topEigenvalues);
  assert.deepEqual(
    subsampled.outputs.map((o) => o.accuracy),
    written.outputs.map((o) => o.accuracy),
  );
});

test('worker threads compute the same weighted loss and Hessian as one thread', async () => {
  const folder = corpusCopy('multi-io-shared-dense');
  const data = join(folder, 'data.npz');
  const [one, two] = [await analyzeOn(folder, data), await analyzeOn(folder, data, { threads: 2 })];
  assert.equal(two.threads, 2);
  assert.ok(Math.abs(two.loss - one.loss) < 1e-6 * one.loss, `${two.loss} vs ${one.loss}`);
  two.outputs.forEach((output, k) => assert.ok(Math.abs(output.lossValue - one.outputs[k].lossValue) < 1e-6 * one.outputs[k].lossValue));
  const [a, b] = [two.euclidean.topEigenvalues[0], one.euclidean.topEigenvalues[0]];
  assert.ok(Math.abs(a - b) < 1e-5 * b, `λ_max ${a} vs ${b}`);
});

test('the command line analyses a model of two inputs and two outputs from --data alone', async () => {
  const folder = corpusCopy('multi-io-shared-dense');
  const result = await runCli(['analyze', join(folder, 'model.json'), '--data', join(folder, 'data.npz'), '--format', 'json', '--quiet']);
  assert.equal(result.status, 0, result.stderr);
  const report = parseReport(result.stdout);
  assert.deepEqual(
    report.outputs.map((output) => [output.name, output.loss, output.weight]),
    [
      ['class_head', 'sparse_categorical_crossentropy', 1],
      ['reg_block/reg_head', 'mean_squared_error', 0.5],
    ],
  );
  assert.deepEqual(
    report.data.inputs.map((input) => [input.name, input.array, input.shape]),
    [
      ['input_a', 'input_a', [4]],
      ['input_b', 'input_b', [4]],
    ],
  );
  // The table gives each output's loss, weight and accuracy, and the loss they add up to.
  const table = await runCli(['analyze', join(folder, 'model.json'), '--data', join(folder, 'data.npz'), '--quiet']);
  assert.equal(table.status, 0, table.stderr);
  assert.match(table.stdout, /samples, the loss Σ weight × loss over 2 outputs\n/);
  assert.match(
    table.stdout,
    /\noutput    class_head: sparse_categorical_crossentropy \(training config\), weight 1, loss [\d.]+, accuracy [\d.]+%\n/,
  );
  assert.match(
    table.stdout,
    /\noutput    reg_block\/reg_head: mean_squared_error \(training config\), weight 0\.5, loss [\d.]+, accuracy —\n/,
  );
});
