// Readable data that does not fit the model: sample shape, label width, class range, sample counts,
// missing labels, and open input dimensions the data does not fill.
import { test } from 'node:test';
import { editJson } from '../cli/helpers';
import { float32Npy } from '../../../scripts/lib/numpy-files';
import { analysisFails, mlpFixture, rows, writeData, writeInputsNpy, writeJsonData } from './data-input';

test('samples whose shape does not fit the model input', async () => {
  const fixture = mlpFixture();
  const data = writeJsonData(fixture, 'data.json', { x: rows(4, 5), y: [0, 1, 2, 0] });
  await analysisFails(fixture, ['--data', data], data, /each sample has shape \[5\], but the model takes \[8\]/);
});

test('one-hot labels wider than the model output', async () => {
  const fixture = mlpFixture();
  const oneHot = [0, 1, 2, 3].map((label) => [0, 1, 2, 3].map((c) => (c === label ? 1 : 0)));
  const data = writeJsonData(fixture, 'data.json', { x: rows(4), y: oneHot });
  await analysisFails(fixture, ['--data', data], data, /labels have 4 values per sample, but the model outputs 3 classes/);
});

test("a class label beyond the model's classes", async () => {
  const fixture = mlpFixture();
  const data = writeJsonData(fixture, 'data.json', { x: rows(4), y: [0, 1, 3, 0] });
  await analysisFails(fixture, ['--data', data], data, /label 3 \(sample 2\) is not one of the model's 3 classes/);
});

test('a negative class label', async () => {
  const fixture = mlpFixture();
  const data = writeJsonData(fixture, 'data.json', { x: rows(4), y: [0, -1, 2, 0] });
  await analysisFails(fixture, ['--data', data], data, /label -1 \(sample 1\) is not one of the model's 3 classes/);
});

test('fewer labels than inputs in one file', async () => {
  const fixture = mlpFixture();
  const data = writeJsonData(fixture, 'data.json', { x: rows(4), y: [0, 1, 2] });
  await analysisFails(fixture, ['--data', data], data, /x has 4 samples but y has 3/);
});

test('a separate labels file with a different count', async () => {
  const fixture = mlpFixture();
  const inputs = writeInputsNpy(fixture, 'x.npy', rows(4).flat());
  const labels = writeData(fixture, 'y.npy', float32Npy([0, 1, 2, 0, 1]));
  await analysisFails(fixture, ['--data', inputs, '--labels', labels], inputs, /x has 4 samples but y \(in .*y\.npy\) has 5/);
});

test('inputs without labels', async () => {
  const fixture = mlpFixture();
  const inputs = writeInputsNpy(fixture, 'x.npy', rows(4).flat());
  await analysisFails(fixture, ['--data', inputs], inputs, /has no labels.*--labels/);
});

test('open input dimensions that the data does not fill', async () => {
  const fixture = mlpFixture();
  editJson(fixture.model, (json) => {
    const [first] = (json.modelTopology as { config: { layers: { config: Record<string, unknown> }[] } }).config.layers;
    first.config.batch_input_shape = [null, null, 8];
  });
  await analysisFails(
    fixture,
    ['--data', fixture.data],
    fixture.model,
    /input shape \[\?, 8\] has open dimensions, which the analysis data cannot fill: its samples have shape \[8\], not 2 axes/,
  );
});
