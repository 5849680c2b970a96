import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCsv } from '../../../src/engine/data/csv';
import { detectDelimiter } from '../../../src/engine/data/csv-records';
import { assertLoadFails, loadWritten, makeTempDir } from './temp-dir';

const dir = makeTempDir();

test('header row, integer labels in the last column', () => {
  const table = parseCsv('a,b,label\n1,2,0\n3.5,-4e-1,1\n');
  assert.deepEqual(table.columnNames, ['a', 'b', 'label']);
  assert.deepEqual(table.x, { data: Float32Array.from([1, 2, 3.5, -0.4]), shape: [2, 2], dtype: 'float32' });
  assert.deepEqual(table.y, { data: Int32Array.from([0, 1]), shape: [2], dtype: 'int32' });
});

test('no header; integer-valued labels as np.savetxt writes them stay int32; fractional labels become float32', () => {
  const integral = parseCsv('1.0e+00,2.0e+00,3.0e+00\n4,5,-6.000\n');
  assert.equal(integral.columnNames, null);
  assert.deepEqual(integral.y, { data: Int32Array.from([3, -6]), shape: [2], dtype: 'int32' });
  const fractional = parseCsv('1,2,0.5\n4,5,6\n');
  assert.deepEqual(fractional.y, { data: Float32Array.from([0.5, 6]), shape: [2], dtype: 'float32' });
  const beyondInt32 = parseCsv('1,3000000000\n');
  assert.equal(beyondInt32.y?.dtype, 'float32');
});

test('quoted fields, CRLF, blank lines and whitespace', () => {
  const text = '"first, feature","say ""hi""\nagain",label\r\n\r\n "1" , 2 ,3\r\n   \r\n4,"5",6';
  const table = parseCsv(text);
  assert.deepEqual(table.columnNames, ['first, feature', 'say "hi"\nagain', 'label']);
  assert.deepEqual(Array.from(table.x.data), [1, 2, 4, 5]);
  assert.deepEqual(Array.from(table.y?.data ?? []), [3, 6]);
});

test('detects semicolon and tab delimiters from the first line', () => {
  assert.equal(detectDelimiter('a;b;c\n1;2;3'), ';');
  assert.equal(detectDelimiter('\n\na\tb\n'), '\t');
  assert.equal(detectDelimiter('"x;y",b,c'), ',');
  assert.deepEqual(Array.from(parseCsv('1;2;3\n4;5;6').x.data), [1, 2, 4, 5]);
  assert.deepEqual(Array.from(parseCsv('1\t2\t3\n4\t5\t6').y?.data ?? []), [3, 6]);
});

test('labelColumn by index, negative index and header name; hasLabels false', () => {
  const text = 'label,a,b\n7,1,2\n8,3,4\n';
  for (const labelColumn of [0, -3, 'label']) {
    const table = parseCsv(text, { labelColumn });
    assert.deepEqual(Array.from(table.y?.data ?? []), [7, 8], String(labelColumn));
    assert.deepEqual(Array.from(table.x.data), [1, 2, 3, 4], String(labelColumn));
  }
  const unlabelled = parseCsv(text, { hasLabels: false });
  assert.equal(unlabelled.y, null);
  assert.deepEqual(unlabelled.x.shape, [2, 3]);
});

test('nan and inf parse as numbers so that the loader can report where they are', () => {
  const table = parseCsv('nan,-inf,Infinity,1\n');
  assert.deepEqual(Array.from(table.x.data), [NaN, -Infinity, Infinity]);
  assertLoadFails(dir, 'nan.csv', '1,2,0\n3,nan,1\n', /x contains NaN \(first at sample 1\)/);
});

test('a byte-order mark does not become part of the header', () => {
  const dataset = loadWritten(dir, 'bom.csv', '\uFEFFa,label\n1,2\n', { labelColumn: 'label' });
  assert.deepEqual(Array.from(dataset.targets?.[0].array.data ?? []), [2]);
});

test('errors name the row (the line in the file) and the column', () => {
  assertLoadFails(dir, 'fields.csv', 'a,b,c\n1,2,3\n\n4,5\n', /row 4 has 2 fields, expected 3/);
  assertLoadFails(dir, 'multiline.csv', 'a,"b\r\nc"\r\n1,2\r3\n', /row 4 has 1 fields, expected 2/);
  assertLoadFails(dir, 'word.csv', 'a,b,c\n1,2,3\n4,abc,6\n', /row 3, column 2: "abc" is not a number/);
  assertLoadFails(dir, 'empty-field.csv', '1,2,3\n4,,6\n', /row 2, column 2 is empty/);
  assertLoadFails(
    dir,
    'decimal-comma.csv',
    'a;b\n1,5;2\n',
    /row 2, column 1: "1,5" is not a number \(use a point as the decimal separator\)/,
  );
  assertLoadFails(dir, 'overflow.csv', '1,1e39,0\n', /row 1, column 2: 1e39 is outside the float32 range/);
  assertLoadFails(dir, 'unclosed.csv', 'a,b\n1,"2\n3,4\n', /row 2, column 2: the quoted field opened on line 2 is never closed/);
});

test('errors about the table as a whole', () => {
  assertLoadFails(dir, 'blank.csv', '\n \r\n', /the file has no rows/);
  assertLoadFails(dir, 'header-only.csv', 'a,b,label\n', /has a header row but no data rows/);
  assertLoadFails(dir, 'one-column.csv', '1\n2\n', /at least one feature column is needed/);
  assertLoadFails(dir, 'no-such-column.csv', 'a,b\n1,2\n', /no column named "label"; the columns are "a", "b"/, { labelColumn: 'label' });
  assertLoadFails(dir, 'name-no-header.csv', '1,2\n', /labelColumn "label" is a column name, but the file has no header row/, {
    labelColumn: 'label',
  });
  assertLoadFails(dir, 'index.csv', '1,2\n', /labelColumn 2 does not name one of the 2 columns/, { labelColumn: 2 });
  assertLoadFails(dir, 'negative.csv', '1,2\n', /labelColumn -3 does not name one of the 2 columns/, { labelColumn: -3 });
});

test('a blank field in the first row is a missing value, not a header name', () => {
  assertLoadFails(dir, 'first-row-gap.csv', '1,,3\n4,5,6\n', /row 1, column 2 is empty/);
});
