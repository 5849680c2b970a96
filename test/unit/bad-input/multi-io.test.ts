// Data for models of several inputs and outputs that does not fit: a missing array, arrays whose
// sample counts disagree, two names that could be one array (test/unit/data/multi-io.test.ts has one
// array that could be two), files that hold one input and one target (.npy with --labels, .csv),
// arrays that do not fit their input or output, and training configs whose losses or weights do not
// fit the outputs. Every failure is one line naming the file, the array and the input or output
// (docs/architecture.md, "Loading a model").
import { test } from 'node:test';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeNpz, float32Npy, npyBytes } from '../../../scripts/lib/numpy-files';
import { parseNpz } from '../../../src/engine/data/npz';
import type { NdArray } from '../../../src/engine/data/ndarray';
import { editJson, type FixtureCopy } from '../cli/helpers';
import { makeTempDir } from '../data/temp-dir';
import { analysisFails, writeData } from './data-input';

const CORPUS = join(__dirname, '..', '..', 'fixtures', 'corpus');

/**
 * A copy of a corpus case and its data's arrays. multi-io-shared-dense: inputs input_a, input_b [4];
 * outputs class_head (3 classes) and reg_block/reg_head (2 values); 32 samples.
 */
function corpusCase(name: string): FixtureCopy & { arrays: Map<string, NdArray> } {
  const folder = join(makeTempDir(), name);
  cpSync(join(CORPUS, name), folder, { recursive: true });
  const data = join(folder, 'data.npz');
  return { folder, model: join(folder, 'model.json'), data, arrays: parseNpz(readFileSync(data)) };
}

/** Writes an .npz of the given arrays (by name: a fixture array, or an array of its own) beside the model. */
function writeArrays(
  fixture: FixtureCopy & { arrays: Map<string, NdArray> },
  file: string,
  arrays: Record<string, string | NdArray>,
): string {
  const entries = Object.entries(arrays).map(([name, from]) => {
    const array = typeof from === 'string' ? fixture.arrays.get(from)! : from;
    return [name, { values: array.data, shape: array.shape }] as const;
  });
  return writeData(fixture, file, encodeNpz(Object.fromEntries(entries)));
}

/** The first `count` samples of an array. */
function head(array: NdArray, count: number): NdArray {
  const per = array.data.length / array.shape[0];
  return { ...array, data: array.data.slice(0, count * per), shape: [count, ...array.shape.slice(1)] };
}

const SHARED = 'multi-io-shared-dense';
const BY_POSITION = { x0: 'input_a', x1: 'input_b', y0: 'class_head', y1: 'reg_head' };

test('a missing input array names the input and the names it takes', async () => {
  const fixture = corpusCase(SHARED);
  const data = writeArrays(fixture, 'data.npz', { input_a: 'input_a', class_head: 'class_head', reg_head: 'reg_head' });
  await analysisFails(
    fixture,
    ['--data', data],
    data,
    /^no array for input "input_b" \(2 of 2\): expected one named "input_b" or "x1"; it has "input_a", "class_head", "reg_head"$/,
  );
});

test('x and y for a model of two inputs: the inputs need an array each', async () => {
  const fixture = corpusCase(SHARED);
  const data = writeArrays(fixture, 'data.npz', { x: 'input_a', y: 'class_head' });
  await analysisFails(
    fixture,
    ['--data', data],
    data,
    /^no array for input "input_a" \(1 of 2\): expected one named "input_a" or "x0"; it has "x", "y"$/,
  );
});

test('a missing target array names the output by its path and every name it takes', async () => {
  const fixture = corpusCase(SHARED);
  const data = writeArrays(fixture, 'data.npz', { x0: 'input_a', x1: 'input_b', y0: 'class_head' });
  await analysisFails(
    fixture,
    ['--data', data],
    data,
    /^no array for output "reg_block\/reg_head" \(2 of 2\): expected one named "reg_block\/reg_head", "reg_block", "reg_head" or "y1"; it has "x0", "x1", "y0"$/,
  );
});

test('no targets at all for a model of two outputs (a single y is not enough)', async () => {
  const fixture = corpusCase(SHARED);
  const data = writeArrays(fixture, 'data.npz', { x0: 'input_a', x1: 'input_b', y: 'class_head' });
  await analysisFails(
    fixture,
    ['--data', data],
    data,
    /^no targets for the model's 2 outputs: expected one array per output, named by the output \("class_head", "reg_block\/reg_head"\) or by its position \(y0, y1\); it has "x0", "x1", "y"$/,
  );
});

test('arrays whose sample counts disagree name both arrays and their inputs or outputs', async () => {
  const fixture = corpusCase(SHARED);
  const shortInput = writeArrays(fixture, 'short-input.npz', { ...BY_POSITION, x1: head(fixture.arrays.get('input_b')!, 30) });
  await analysisFails(
    fixture,
    ['--data', shortInput],
    shortInput,
    /^array "x0" for input "input_a" has 32 samples but array "x1" for input "input_b" has 30$/,
  );
  const shortTarget = writeArrays(fixture, 'short-target.npz', { ...BY_POSITION, y1: head(fixture.arrays.get('reg_head')!, 31) });
  await analysisFails(
    fixture,
    ['--data', shortTarget],
    shortTarget,
    /^array "x0" for input "input_a" has 32 samples but array "y1" for output "reg_block\/reg_head" has 31$/,
  );
});

test('two arrays that could both be one input or output are refused, never guessed', async () => {
  const fixture = corpusCase(SHARED);
  const inputs = writeArrays(fixture, 'inputs.npz', { ...BY_POSITION, input_a: 'input_a' });
  await analysisFails(
    fixture,
    ['--data', inputs],
    inputs,
    /^input "input_a" \(1 of 2\) could be any of the arrays "input_a", "x0": keep one$/,
  );
  const targets = writeArrays(fixture, 'targets.npz', { ...BY_POSITION, reg_block: 'reg_head' });
  await analysisFails(
    fixture,
    ['--data', targets],
    targets,
    /^output "reg_block\/reg_head" \(2 of 2\) could be any of the arrays "reg_block", "y1": keep one$/,
  );
});

test('.npy with --labels and .csv hold one input and one target: refused for several', async () => {
  const fixture = corpusCase(SHARED);
  const inputs = writeData(
    fixture,
    'x.npy',
    float32Npy(
      Array.from({ length: 8 }, (_, i) => i),
      [2, 4],
    ),
  );
  const labels = writeData(fixture, 'y.npy', npyBytes('<i4', [2], Int32Array.from([0, 1])));
  await analysisFails(
    fixture,
    ['--data', inputs, '--labels', labels],
    inputs,
    /^a \.npy file \(with a separate labels file\) holds one input array and one target array, but the model has 2 inputs \("input_a", "input_b"\) and 2 outputs \("class_head", "reg_block\/reg_head"\); use a \.npz or \.json file with one array per input and per output, named by the model's layers or x0, x1, … and y0, y1, …$/,
  );
  const csv = writeData(fixture, 'data.csv', '1,2,3,4,0\n5,6,7,8,1\n');
  await analysisFails(
    fixture,
    ['--data', csv],
    csv,
    /^a \.csv file holds one input table and one label column, but the model has 2 inputs/,
  );

  // One input, two outputs: the labels file is the part that cannot be.
  const nested = corpusCase('keras2-multi-output-nested-head');
  const single = writeData(
    nested,
    'x.npy',
    float32Npy(
      Array.from({ length: 10 }, (_, i) => i),
      [2, 5],
    ),
  );
  const singleLabels = writeData(nested, 'y.npy', npyBytes('<i4', [2], Int32Array.from([0, 1])));
  await analysisFails(
    nested,
    ['--data', single, '--labels', singleLabels],
    single,
    /^a \.npy file \(with a separate labels file\) holds one input array and one target array, but the model has 2 outputs \("dense_1", "head\/dense_3"\);/,
  );
});

test('an array that does not fit its input or output names the array and the input or output', async () => {
  const fixture = corpusCase(SHARED);
  const wide = fixture.arrays.get('input_b')!;
  const widened: NdArray = { ...wide, data: Float32Array.from({ length: 32 * 5 }, (_, i) => (i % 7) / 7), shape: [32, 5] };
  const shape = writeArrays(fixture, 'shape.npz', { ...BY_POSITION, x1: widened });
  await analysisFails(
    fixture,
    ['--data', shape],
    shape,
    /^array "x1" for input "input_b": each sample has shape \[5\], but the model takes \[4\]$/,
  );
  const classes = Int32Array.from(fixture.arrays.get('class_head')!.data);
  classes[6] = 3;
  const label = writeArrays(fixture, 'label.npz', { ...BY_POSITION, y0: { data: classes, shape: [32], dtype: 'int32' } });
  await analysisFails(
    fixture,
    ['--data', label],
    label,
    /^array "y0" for output "class_head": label 3 \(sample 6\) is not one of the model's 3 classes \(0–2\)$/,
  );
  const regression: NdArray = { data: new Float32Array(32 * 3), shape: [32, 3], dtype: 'float32' };
  const width = writeArrays(fixture, 'width.npz', { ...BY_POSITION, y1: regression });
  await analysisFails(
    fixture,
    ['--data', width],
    width,
    /^array "y1" for output "reg_block\/reg_head": labels have 3 values per sample, but the model outputs 2 \(\[2\]\)$/,
  );
});

test('an index beyond the vocabulary of the Embedding an input feeds names the array and the input', async () => {
  const fixture = corpusCase('keras3-multi-io-embedding-series');
  const tokens = Int32Array.from(fixture.arrays.get('x0')!.data);
  tokens[12] = 7;
  const data = writeArrays(fixture, 'data.npz', { x0: { data: tokens, shape: [24, 5], dtype: 'int32' }, x1: 'x1', y0: 'y0', y1: 'y1' });
  await analysisFails(
    fixture,
    ['--data', data],
    data,
    /^array "x0" for input "input_1": the input feeds an Embedding of 7 entries, but input value 7 \(sample 2\) is not an index in \[0, 7\)$/,
  );
});

test("training configs whose losses or weights do not fit the model's outputs", async () => {
  const cases: [edit: (config: Record<string, unknown>) => void, problem: RegExp][] = [
    [
      (config) => (config.loss = ['sparseCategoricalCrossentropy', 'meanSquaredError', 'meanSquaredError']),
      /^the training config lists 3 losses, but the model has 2 outputs \("class_head", "reg_block\/reg_head"\)$/,
    ],
    [
      (config) => (config.loss = { class_head: 'sparseCategoricalCrossentropy' }),
      /^the training config gives no loss for output "reg_block\/reg_head"; every output needs one$/,
    ],
    [
      (config) => (config.loss = { class_head: 'sparseCategoricalCrossentropy', reg_block: 'meanSquaredError', other: 'meanSquaredError' }),
      /^the training config gives losses for "other", which is not an output of the model \(its outputs: "class_head", "reg_block\/reg_head"\)$/,
    ],
    [
      (config) =>
        (config.loss = { class_head: 'sparseCategoricalCrossentropy', reg_block: 'meanSquaredError', reg_head: 'meanSquaredError' }),
      /^the training config gives losses for output "reg_block\/reg_head" twice \(as "reg_block", "reg_head"\)$/,
    ],
    [
      (config) => (config.loss_weights = { class_head: 1, reg_block: -1 }),
      /^the training config's loss weight for output "reg_block\/reg_head" is -1, not a number ≥ 0$/,
    ],
    [(config) => (config.loss_weights = [1]), /^the training config lists 1 loss weights, but the model has 2 outputs/],
    [(config) => (config.loss_weights = 2), /^the training config's loss_weights must be a list or a map by output name$/],
    [
      (config) => (config.loss = ['categoricalCrossentropy', 'binaryCrossentropy']),
      /^output "reg_block\/reg_head": binary_crossentropy needs a sigmoid output \(or a loss with from_logits\), but the output layer applies no activation$/,
    ],
  ];
  for (const [edit, problem] of cases) {
    const fixture = corpusCase(SHARED);
    editJson(fixture.model, (json) => edit(json.trainingConfig as Record<string, unknown>));
    await analysisFails(fixture, ['--data', fixture.data], fixture.model, problem);
  }
});
