import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseJsonData } from '../../../src/engine/data/json';
import { assertLoadFails, loadWritten, makeTempDir } from './temp-dir';

const dir = makeTempDir();

test('nested x keeps its shape; integer y becomes int32', () => {
  const data = parseJsonData(
    JSON.stringify({
      x: [
        [
          [1, 2],
          [3, 4],
        ],
        [
          [5, 6],
          [7, 8.5],
        ],
      ],
      y: [1, 0],
    }),
  );
  assert.deepEqual(data.read('x', 'input'), { data: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8.5]), shape: [2, 2, 2], dtype: 'float32' });
  assert.deepEqual(data.read('y', 'target'), { data: Int32Array.from([1, 0]), shape: [2], dtype: 'int32' });
  // An integer input stays float32: the model decides per input whether it takes indices (prepare.ts).
  assert.equal(data.read('y', 'input').dtype, 'float32');
});

test('fractional or nested y, and no y at all', () => {
  assert.deepEqual(parseJsonData('{"x": [[1], [2]], "y": [0.5, 2]}').read('y', 'target'), {
    data: Float32Array.from([0.5, 2]),
    shape: [2],
    dtype: 'float32',
  });
  assert.deepEqual(parseJsonData('{"x": [[1], [2]], "y": [[0, 1], [1, 0]]}').read('y', 'target').shape, [2, 2]);
  assert.equal(loadWritten(dir, 'no-y.json', '{"x": [1, 2], "note": "ignored"}').targets, null);
});

test('refuses text that is not a JSON object with an x array', () => {
  assertLoadFails(dir, 'syntax.json', '{"x": [1, 2,]}', /invalid JSON: /);
  assertLoadFails(
    dir,
    'array.json',
    '[[1, 2]]',
    /expected an object of arrays such as \{"x": \[\.\.\.\], "y": \[\.\.\.\]\}, found an array/,
  );
  assertLoadFails(dir, 'no-x.json', '{"inputs": [1], "y": [1]}', /no array for the input: expected one named "x"; it has "inputs", "y"/);
  assertLoadFails(dir, 'scalar.json', '{"x": 3}', /"x" must be an array, found a number/);
  assertLoadFails(dir, 'null-y.json', '{"x": [1], "y": null}', /"y" must be an array, found null/);
});

test('refuses ragged arrays, naming the path', () => {
  const ragged = {
    x: [
      [1, 2, 3, 4, 5],
      [1, 2, 3, 4, 5],
      [1, 2, 3, 4, 5],
      [1, 2, 3, 4],
    ],
  };
  assertLoadFails(dir, 'ragged.json', JSON.stringify(ragged), /x\[3\] has length 4, expected 5/);
  assertLoadFails(dir, 'deeper.json', '{"x": [[1, 2], [3, [4]]]}', /x\[1\]\[1\] is an array, expected a number/);
  assertLoadFails(dir, 'shallower.json', '{"x": [[1, 2], 3]}', /x\[1\] is a number, expected an array of length 2/);
  assertLoadFails(dir, 'ragged-y.json', '{"x": [1, 2], "y": [[1], []]}', /y\[1\] has length 0, expected 1/);
});

test('refuses anything but numbers', () => {
  assertLoadFails(dir, 'string.json', '{"x": [[1, "2"]]}', /x\[0\]\[1\] is a string \("2"\), expected a number/);
  assertLoadFails(dir, 'null.json', '{"x": [[1, null]]}', /x\[0\]\[1\] is null, expected a number/);
  assertLoadFails(dir, 'bool.json', '{"x": [1], "y": [true]}', /y\[0\] is a boolean, expected a number/);
  assertLoadFails(dir, 'object.json', '{"x": [{}]}', /x\[0\] is an object, expected a number/);
  assertLoadFails(dir, 'overflow.json', '{"x": [[1e39]]}', /x\[0\]\[0\] = 1e\+39 is outside the float32 range/);
});

test('empty x is refused as having no samples', () => {
  assertLoadFails(dir, 'empty.json', '{"x": [], "y": []}', /x has no samples/);
});
