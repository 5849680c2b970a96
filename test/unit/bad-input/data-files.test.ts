// Data files that cannot be read as analysis data: missing, of an unknown type, empty, malformed,
// corrupt, or holding NaN/Infinity. The message names the data (or labels) file, not the model.
import { mkdirSync, readFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { analysisFails, FEATURES, mlpFixture, rows, writeData, writeInputsNpy, writeJsonData } from './data-input';
import { float32Npy } from '../../../scripts/lib/numpy-files';

test('a missing data file', async () => {
  const fixture = mlpFixture();
  const data = join(fixture.folder, 'absent.npz');
  await analysisFails(fixture, ['--data', data], data, /no such file/);
});

test('a missing labels file', async () => {
  const fixture = mlpFixture();
  const inputs = writeInputsNpy(fixture, 'x.npy', rows(4).flat());
  const labels = join(fixture.folder, 'absent.npy');
  await analysisFails(fixture, ['--data', inputs, '--labels', labels], labels, /no such file/);
});

test('an unsupported data extension', async () => {
  const fixture = mlpFixture();
  const data = writeData(fixture, 'data.txt', '1 2 3\n');
  await analysisFails(fixture, ['--data', data], data, /unsupported data file type \("\.txt"\)/);
});

test('a data file without an extension', async () => {
  const fixture = mlpFixture();
  const data = writeData(fixture, 'data', '1,2,3\n');
  await analysisFails(fixture, ['--data', data], data, /unsupported data file type \(no extension\)/);
});

test('a folder given as the data', async () => {
  const fixture = mlpFixture();
  const data = join(fixture.folder, 'data.npy');
  mkdirSync(data);
  await analysisFails(fixture, ['--data', data], data, /is a folder, not a data file/);
});

test('a data file over the 2 GiB data budget, refused from its size', async () => {
  const fixture = mlpFixture();
  const data = writeData(fixture, 'huge.npy', '');
  // Sparse: it occupies no disk, and the loader must not try to read it.
  truncateSync(data, 4 * 2 ** 30 + 1);
  await analysisFails(fixture, ['--data', data], data, /too large to load \(4\.1 GiB; the memory budget for analysis data is 2\.0 GiB\)/);
});

test('an empty data file', async () => {
  const fixture = mlpFixture();
  const data = writeData(fixture, 'data.json', '');
  await analysisFails(fixture, ['--data', data], data, /empty/);
});

test('malformed JSON data', async () => {
  const fixture = mlpFixture();
  const data = writeData(fixture, 'data.json', '{"x": [[1, 2,');
  await analysisFails(fixture, ['--data', data], data, /invalid JSON/);
});

test('JSON data with a ragged x', async () => {
  const fixture = mlpFixture();
  const data = writeJsonData(fixture, 'data.json', { x: [rows(1)[0], [1, 2]], y: [0, 1] });
  await analysisFails(fixture, ['--data', data], data, /x\[1\] has length 2, expected 8/);
});

test('a truncated .npz archive', async () => {
  const fixture = mlpFixture();
  const data = writeData(fixture, 'cut.npz', readFileSync(fixture.data).subarray(0, 500));
  await analysisFails(fixture, ['--data', data], data, /ZIP archive/);
});

test('a labels file that is not .npy', async () => {
  const fixture = mlpFixture();
  const inputs = writeInputsNpy(fixture, 'x.npy', rows(4).flat());
  const labels = writeData(fixture, 'y.csv', '0\n1\n2\n0\n');
  await analysisFails(fixture, ['--data', inputs, '--labels', labels], labels, /must be a \.npy file/);
});

test('a labels file given for data that holds its own labels', async () => {
  const fixture = mlpFixture();
  const labels = writeData(fixture, 'y.npy', float32Npy([0, 1, 2, 0]));
  await analysisFails(
    fixture,
    ['--data', fixture.data, '--labels', labels],
    fixture.data,
    /a separate labels file is only supported for \.npy inputs/,
  );
});

test('a label column given for data that is not CSV', async () => {
  const fixture = mlpFixture();
  await analysisFails(
    fixture,
    ['--data', fixture.data, '--label-column', '2'],
    fixture.data,
    /a label column only applies to \.csv data, not to this \.npz file/,
  );
});

test('NaN in the inputs', async () => {
  const fixture = mlpFixture();
  const values = rows(4).flat();
  values[2 * FEATURES + 3] = NaN;
  const inputs = writeInputsNpy(fixture, 'x.npy', values);
  const labels = writeData(fixture, 'y.npy', float32Npy([0, 1, 2, 0]));
  await analysisFails(fixture, ['--data', inputs, '--labels', labels], inputs, /x contains NaN \(first at sample 2\)/);
});

test('Infinity in the inputs of a CSV file', async () => {
  const fixture = mlpFixture();
  const lines = rows(3).map((row, s) => [...row, s].join(','));
  lines[1] = lines[1].replace(/^[^,]+/, 'inf');
  const data = writeData(fixture, 'data.csv', lines.join('\n') + '\n');
  await analysisFails(fixture, ['--data', data], data, /x contains Infinity \(first at sample 1\)/);
});

test('NaN in the labels', async () => {
  const fixture = mlpFixture();
  const inputs = writeInputsNpy(fixture, 'x.npy', rows(4).flat());
  const labels = writeData(fixture, 'y.npy', float32Npy([0, NaN, 2, 0]));
  await analysisFails(fixture, ['--data', inputs, '--labels', labels], labels, /y contains NaN \(first at sample 1\)/);
});
