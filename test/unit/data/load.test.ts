import assert from 'node:assert/strict';
import { closeSync, mkdirSync, openSync, ftruncateSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadDataFile } from '../../../src/engine/data/load';
import { float32Npy, npyBytes, zipBytes } from '../../../scripts/lib/numpy-files';
import { assertFailsWithoutWriting, assertLoadFails, loadWritten, makeTempDir, writeFile } from './temp-dir';

const dir = makeTempDir();
const inputs = float32Npy([1, 2, 3, 4, 5, 6], [3, 2]);
const labels = npyBytes('|u1', [3], Uint8Array.from([2, 0, 1]));

test('.npz with x and y', () => {
  const path = join(dir, 'data.npz');
  const dataset = loadWritten(
    dir,
    'data.npz',
    zipBytes([
      { name: 'x.npy', contents: inputs },
      { name: 'y.npy', contents: labels, deflate: true },
    ]),
  );
  assert.deepEqual(dataset, {
    inputs: [{ name: 'x', label: 'x', array: { data: Float32Array.from([1, 2, 3, 4, 5, 6]), shape: [3, 2], dtype: 'float32' } }],
    targets: [{ name: 'y', label: 'y', array: { data: Int32Array.from([2, 0, 1]), shape: [3], dtype: 'int32' } }],
    source: path,
    labelsSource: path,
  });
});

test('.npz alternative array names, paired by convention', () => {
  const pairs: Array<[string, string]> = [
    ['x_train', 'y_train'],
    ['X', 'Y'],
    ['inputs', 'labels'],
    ['images', 'labels'],
  ];
  for (const [inputName, labelsName] of pairs) {
    const zip = zipBytes([
      { name: `${labelsName}.npy`, contents: labels },
      { name: `${inputName}.npy`, contents: inputs },
    ]);
    const dataset = loadWritten(dir, `${inputName}.npz`, zip);
    assert.deepEqual(dataset.inputs[0].array.shape, [3, 2], inputName);
    assert.deepEqual(Array.from(dataset.targets?.[0].array.data ?? []), [2, 0, 1], inputName);
  }
  const unlabelled = loadWritten(
    dir,
    'x-only.npz',
    zipBytes([
      { name: 'x.npy', contents: inputs },
      { name: 'labels.npy', contents: labels },
    ]),
  );
  assert.equal(unlabelled.targets, null);
  assert.equal(unlabelled.labelsSource, null);
});

test('.npz without an input array lists the arrays it has', () => {
  const zip = zipBytes([
    { name: 'features.npy', contents: inputs },
    { name: 'target.npy', contents: labels },
  ]);
  assertLoadFails(
    dir,
    'names.npz',
    zip,
    /no array for the input: expected one named "x", "x_train", "X", "inputs" or "images"; it has "features", "target"/,
  );
  assertLoadFails(dir, 'no-arrays.npz', zipBytes([{ name: 'notes.txt', contents: inputs }]), /it has no arrays/);
});

test('.npy inputs with a separate .npy of labels', () => {
  const labelsPath = writeFile(dir, 'labels.npy', labels);
  const dataset = loadWritten(dir, 'inputs.npy', inputs, { labelsPath });
  assert.equal(dataset.source, join(dir, 'inputs.npy'));
  assert.equal(dataset.labelsSource, labelsPath);
  assert.deepEqual(Array.from(dataset.targets?.[0].array.data ?? []), [2, 0, 1]);
  const alone = loadWritten(dir, 'inputs.npy', inputs);
  assert.equal(alone.targets, null);
  assert.equal(alone.labelsSource, null);
});

test('.json and .csv, extensions in any case; hasLabels false drops labels', () => {
  const json = loadWritten(dir, 'data.JSON', '{"x": [[1, 2], [3, 4]], "y": [1, 0]}');
  assert.deepEqual(Array.from(json.targets?.[0].array.data ?? []), [1, 0]);
  const csv = loadWritten(dir, 'data.csv', 'a,b,label\n1,2,1\n3,4,0\n');
  assert.deepEqual(csv.inputs[0].array.shape, [2, 2]);
  assert.equal(csv.labelsSource, join(dir, 'data.csv'));
  const unlabelled = loadWritten(dir, 'data.csv', 'a,b,label\n1,2,1\n3,4,0\n', { hasLabels: false });
  assert.deepEqual(unlabelled.inputs[0].array.shape, [2, 3]);
  assert.equal(unlabelled.targets, null);
  assert.equal(unlabelled.labelsSource, null);
});

test('refuses a missing file, a directory and an empty file', () => {
  const missing = join(dir, 'missing.npy');
  const error = assertFailsWithoutWriting(dir, () => loadDataFile(missing), /: no such file$/);
  assert.equal(error.file, missing);
  mkdirSync(join(dir, 'folder.npy'));
  assertFailsWithoutWriting(dir, () => loadDataFile(join(dir, 'folder.npy')), /folder\.npy: is a folder, not a data file$/);
  assertLoadFails(dir, 'empty.npz', '', /: the file is empty$/);
});

test('refuses a file over the 2 GiB data budget before reading it', () => {
  const path = join(dir, 'huge.npy');
  // Sparse: takes no disk space and no time.
  const descriptor = openSync(path, 'w');
  ftruncateSync(descriptor, 4.5 * 1024 ** 3);
  closeSync(descriptor);
  assertFailsWithoutWriting(
    dir,
    () => loadDataFile(path),
    /huge\.npy: too large to load \(4\.5 GiB; the memory budget for analysis data is 2\.0 GiB\)$/,
  );
});

test('refuses an unknown extension, listing the supported ones', () => {
  assertLoadFails(dir, 'data.txt', '1,2\n', /unsupported data file type \("\.txt"\); supported: \.npy, \.npz, \.json, \.csv/);
  assertLoadFails(dir, 'data', '1,2\n', /unsupported data file type \(no extension\)/);
});

test('refuses NaN and infinities, naming the array and the first sample', () => {
  const nan = new Float32Array(12);
  nan[7] = NaN;
  assertLoadFails(dir, 'nan.npy', npyBytes('<f4', [4, 3], nan), /x contains NaN \(first at sample 2\)$/);
  const infiniteLabels = float32Npy([0, 1, -Infinity, Infinity]);
  const zip = zipBytes([
    { name: 'x.npy', contents: float32Npy([1, 2, 3, 4]) },
    { name: 'y.npy', contents: infiniteLabels },
  ]);
  assertLoadFails(dir, 'inf.npz', zip, /y contains -Infinity \(first at sample 2\)$/);
  assertLoadFails(dir, 'inf.json', '{"x": [[1], [2]], "y": [1, 3.5e38]}', /y\[1\] = 3\.5e\+38 is outside the float32 range/);
  assertLoadFails(dir, 'posinf.csv', '1,inf,1\n', /x contains Infinity \(first at sample 0\)$/);
});

test('refuses x and y with different sample counts, naming both files when they differ', () => {
  const zip = zipBytes([
    { name: 'x.npy', contents: inputs },
    { name: 'y.npy', contents: float32Npy([1, 2]) },
  ]);
  assertLoadFails(dir, 'mismatch.npz', zip, /mismatch\.npz: x has 3 samples but y has 2$/);
  const labelsPath = writeFile(dir, 'four-labels.npy', float32Npy([1, 2, 3, 4]));
  const error = assertLoadFails(
    dir,
    'three-inputs.npy',
    inputs,
    /three-inputs\.npy: x has 3 samples but y \(in .*four-labels\.npy\) has 4$/,
    { labelsPath },
  );
  assert.ok(error.message.includes(labelsPath));
});

test('refuses zero samples and 0-d arrays', () => {
  assertLoadFails(dir, 'none.npy', npyBytes('<f4', [0, 3], new Float32Array(0)), /x has no samples$/);
  const zip = zipBytes([
    { name: 'x.npy', contents: inputs },
    { name: 'y.npy', contents: npyBytes('<i4', [], Int32Array.from([1])) },
  ]);
  assertLoadFails(dir, 'scalar-y.npz', zip, /y is a 0-d \(scalar\) array/);
});

test('problems with the labels file name the labels file', () => {
  const inputsPath = writeFile(dir, 'x.npy', inputs);
  const missing = join(dir, 'absent.npy');
  const error = assertFailsWithoutWriting(dir, () => loadDataFile(inputsPath, { labelsPath: missing }), /absent\.npy: no such file$/);
  assert.equal(error.file, missing);
  const corrupt = writeFile(dir, 'corrupt-labels.npy', inputs.subarray(0, 20));
  const truncated = assertFailsWithoutWriting(
    dir,
    () => loadDataFile(inputsPath, { labelsPath: corrupt }),
    /corrupt-labels\.npy: truncated \.npy header/,
  );
  assert.equal(truncated.file, corrupt);
  const csvLabels = writeFile(dir, 'labels.csv', '1\n2\n3\n');
  assertFailsWithoutWriting(
    dir,
    () => loadDataFile(inputsPath, { labelsPath: csvLabels }),
    /labels\.csv: a labels file must be a \.npy file$/,
  );
  assertLoadFails(dir, 'with-labels.csv', '1,2\n', /a separate labels file is only supported for \.npy inputs/, { labelsPath: missing });
});
