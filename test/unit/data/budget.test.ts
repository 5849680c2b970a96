// The data memory budget: files, inflated members and decoded arrays count against it from their
// declared sizes, before anything is read, inflated or decoded; arrays used in place cost nothing more.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DataBudget, readDataFile } from '../../../src/engine/data/data-file';
import { parseNpy } from '../../../src/engine/data/npy';
import { openNpz } from '../../../src/engine/data/npz';
import { SharpnessError } from '../../../src/engine/errors';
import { npyBytes } from '../../../scripts/lib/numpy-files';
import { makeTempDir, writeFile } from './temp-dir';
import { zipBytes } from '../../../scripts/lib/numpy-files';

function refuses(action: () => unknown, pattern: RegExp): void {
  assert.throws(action, (error: unknown) => error instanceof SharpnessError && pattern.test(error.message));
}

test('reservations add up, and the refusal states the budget and what is already held', () => {
  const budget = new DataBudget(10_000);
  budget.reserve(6000, 'the file');
  refuses(
    () => budget.reserve(5000, 'array "x"'),
    /^array "x" would take 4\.9 KiB of memory on top of 5\.9 KiB already loaded, over the 9\.8 KiB budget/,
  );
  budget.release(6000);
  budget.reserve(5000, 'array "x"');
});

test('little-endian float32 and int32 data are used in place; other dtypes are decoded against the budget', () => {
  const floats = npyBytes('<f4', [4, 2], Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]));
  const budget = new DataBudget(16);
  const inPlace = parseNpy(floats, budget);
  assert.equal(inPlace.data.buffer, floats.buffer, 'float32 data was copied');
  assert.deepEqual(Array.from(inPlace.data), [1, 2, 3, 4, 5, 6, 7, 8]);
  const doubles = npyBytes('<f8', [4, 2], Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8]));
  // 8 values decode to 32 bytes of float32: over a 16-byte budget, refused before decoding.
  refuses(
    () => parseNpy(doubles, budget, 'the inputs'),
    /^the inputs \(decoded as float32, shape \(4, 2\)\) would take 32 bytes of memory, over the 16 bytes budget/,
  );
  assert.deepEqual(Array.from(parseNpy(doubles, new DataBudget(32)).data), [1, 2, 3, 4, 5, 6, 7, 8]);
});

test('a deflated member counts its declared size before it is inflated', () => {
  const x = npyBytes('<f8', [100], new Float64Array(100));
  const zip = zipBytes([{ name: 'x.npy', contents: x, deflate: true }]);
  refuses(() => openNpz(zip, new DataBudget(x.length - 1)).read('x'), /^array "x": the inflated array would take .* over the .* budget/);
  // Inflated (928 bytes) and decoded (400 bytes) are held together while decoding.
  refuses(() => openNpz(zip, new DataBudget(x.length + 399)).read('x'), /^array "x": the array \(decoded as float32/);
  const budget = new DataBudget(x.length + 400);
  assert.equal(openNpz(zip, budget).read('x').data.length, 100);
  // Once decoded, the inflated bytes are given back.
  budget.reserve(x.length, 'more');
});

test('a labels file shares the budget with the inputs it belongs to', () => {
  const dir = makeTempDir();
  const inputs = writeFile(dir, 'x.npy', npyBytes('<f4', [10], new Float32Array(10)));
  const labels = writeFile(dir, 'y.npy', npyBytes('<f4', [10], new Float32Array(10)));
  const budget = new DataBudget(200);
  readDataFile(inputs, budget);
  refuses(
    () => readDataFile(labels, budget),
    /y\.npy: the file would take 168 bytes of memory on top of 168 bytes already loaded, over the 200 bytes budget/,
  );
});
