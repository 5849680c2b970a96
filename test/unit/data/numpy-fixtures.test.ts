import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadDataFile } from '../../../src/engine/data/load';
import { parseNpz } from '../../../src/engine/data/npz';
import { npyBytes } from '../../../scripts/lib/numpy-files';
import { assertFailsWithoutWriting } from './temp-dir';

// Files written by real NumPy (see test/fixtures/data/make.py), so the parsers are not only checked against our own builders.
const FIXTURES = join(__dirname, '../../fixtures/data');

interface ExpectedArray {
  dtype: 'float32' | 'int32';
  shape: number[];
  data: number[];
}

const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as Record<string, ExpectedArray>;

function assertArray(
  actual: { dtype: string; shape: number[]; data: Float32Array | Int32Array } | undefined,
  wanted: ExpectedArray,
  label: string,
): void {
  assert.ok(actual, label);
  assert.equal(actual.dtype, wanted.dtype, label);
  assert.deepEqual(actual.shape, wanted.shape, label);
  assert.deepEqual(Array.from(actual.data), wanted.data, label);
}

test('every .npy NumPy wrote loads to the expected values', () => {
  const npyNames = Object.keys(expected).filter((name) => name.endsWith('.npy'));
  assert.ok(npyNames.length >= 14);
  for (const name of npyNames) assertArray(loadDataFile(join(FIXTURES, name)).inputs[0].array, expected[name], name);
});

test('np.savez and np.savez_compressed archives load, arrays and all', () => {
  for (const file of ['stored.npz', 'compressed.npz']) {
    const arrays = parseNpz(readFileSync(join(FIXTURES, file)));
    for (const [name, array] of arrays) assertArray(array, expected[`${file}/${name}`], `${file}/${name}`);
    assert.equal(arrays.size, 2);
  }
  const dataset = loadDataFile(join(FIXTURES, 'compressed.npz'));
  assertArray(dataset.inputs[0].array, expected['compressed.npz/x_train'], 'x_train');
  assertArray(dataset.targets?.[0].array, expected['compressed.npz/y_train'], 'y_train');
});

test('arrays NumPy writes but the loader refuses', () => {
  const cases: Array<[string, RegExp]> = [
    ['fortran.npy', /Fortran \(column-major\) order/],
    ['bigendian.npy', /dtype '>f4' is big-endian/],
    ['int64_overflow.npy', /'<i8' value 1099511627776 at flat index 1 is outside the int32 range/],
  ];
  for (const [name, pattern] of cases) assertFailsWithoutWriting(FIXTURES, () => loadDataFile(join(FIXTURES, name)), pattern);
});

test('the test .npy builder writes byte-for-byte what np.save writes', () => {
  const values = Float32Array.from(expected['float32.npy'].data);
  assert.deepEqual(npyBytes('<f4', [2, 3], values), readFileSync(join(FIXTURES, 'float32.npy')));
});
