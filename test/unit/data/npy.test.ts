import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { test } from 'node:test';
import { parseNpy } from '../../../src/engine/data/npy';
import { float32Npy, npyBytes } from '../../../scripts/lib/numpy-files';
import { assertLoadFails, makeTempDir } from './temp-dir';

const dir = makeTempDir();

function int64Bytes(values: readonly bigint[]): BigInt64Array {
  return BigInt64Array.from(values);
}

test('float32, float64 and float16 all become float32', () => {
  assert.deepEqual(parseNpy(float32Npy([1.5, -2, 0.25, 8], [2, 2])), {
    data: Float32Array.from([1.5, -2, 0.25, 8]),
    shape: [2, 2],
    dtype: 'float32',
  });
  const fromDouble = parseNpy(npyBytes('<f8', [3], Float64Array.from([0.1, -1e30, 3])));
  assert.equal(fromDouble.dtype, 'float32');
  assert.deepEqual(Array.from(fromDouble.data), [Math.fround(0.1), Math.fround(-1e30), 3]);
  // 1.0, -2.0, 65504 (max), smallest subnormal, -0, +Inf, NaN
  const halfBits = Uint16Array.from([0x3c00, 0xc000, 0x7bff, 0x0001, 0x8000, 0x7c00, 0x7e00]);
  const fromHalf = parseNpy(npyBytes('<f2', [7], halfBits));
  assert.deepEqual(Array.from(fromHalf.data), [1, -2, 65504, 2 ** -24, -0, Infinity, NaN]);
});

test('integer and bool dtypes become int32', () => {
  const cases: Array<[string, ArrayBufferView, number[]]> = [
    ['|u1', Uint8Array.from([0, 200, 255]), [0, 200, 255]],
    ['|i1', Int8Array.from([-128, 0, 127]), [-128, 0, 127]],
    ['<i2', Int16Array.from([-32768, 5, 32767]), [-32768, 5, 32767]],
    ['<u2', Uint16Array.from([0, 40000, 65535]), [0, 40000, 65535]],
    ['<i4', Int32Array.from([-2147483648, 0, 2147483647]), [-2147483648, 0, 2147483647]],
    ['<u4', Uint32Array.from([0, 7, 2147483647]), [0, 7, 2147483647]],
    ['<i8', int64Bytes([-2147483648n, -1n, 2147483647n]), [-2147483648, -1, 2147483647]],
    ['<u8', BigUint64Array.from([0n, 9n, 2147483647n]), [0, 9, 2147483647]],
    // Any non-zero byte is True to NumPy.
    ['|b1', Uint8Array.from([0, 1, 2]), [0, 1, 1]],
  ];
  for (const [descr, data, expected] of cases) {
    const array = parseNpy(npyBytes(descr, [3], data));
    assert.equal(array.dtype, 'int32', descr);
    assert.ok(array.data instanceof Int32Array, descr);
    assert.deepEqual(Array.from(array.data), expected, descr);
  }
});

test("native '=' order and any order on single bytes are accepted", () => {
  assert.deepEqual(Array.from(parseNpy(npyBytes('=f4', [2], Float32Array.from([1, 2]))).data), [1, 2]);
  assert.deepEqual(Array.from(parseNpy(npyBytes('<u1', [2], Uint8Array.from([3, 4]))).data), [3, 4]);
  assert.deepEqual(Array.from(parseNpy(npyBytes('>i1', [2], Int8Array.from([-3, 4]))).data), [-3, 4]);
});

test('format versions 1.0, 2.0 and 3.0 read the same', () => {
  for (const version of [1, 2, 3] as const) {
    const array = parseNpy(npyBytes('<f4', [2, 1], Float32Array.from([4, 5]), { version }));
    assert.deepEqual(array, { data: Float32Array.from([4, 5]), shape: [2, 1], dtype: 'float32' }, `version ${version}`);
  }
});

test('header variants NumPy has written: Python 2 longs, double quotes, no trailing comma', () => {
  const header = `{"descr": "<f4", "shape": (2L, 1L), "fortran_order": False}`;
  const array = parseNpy(npyBytes('<f4', [2, 1], Float32Array.from([1, 2]), { header }));
  assert.deepEqual(array.shape, [2, 1]);
});

test('a 0-d array parses but is refused as data', () => {
  assert.deepEqual(parseNpy(npyBytes('<f4', [], Float32Array.from([7]))).shape, []);
  assertLoadFails(dir, 'scalar.npy', npyBytes('<f4', [], Float32Array.from([7])), /x is a 0-d \(scalar\) array/);
});

test('refuses files that are not .npy or use another format version', () => {
  assertLoadFails(dir, 'text.npy', 'hello, this is not numpy', /not a NumPy \.npy file/);
  const future = npyBytes('<f4', [1], Float32Array.from([1]));
  future[6] = 4;
  assertLoadFails(dir, 'future.npy', future, /unsupported \.npy format version 4\.0/);
  const cutHeader = npyBytes('<f4', [1], Float32Array.from([1])).subarray(0, 40);
  assertLoadFails(dir, 'cut-header.npy', cutHeader, /truncated \.npy header: expected 118 header bytes, found 30/);
});

test('refuses malformed header dicts', () => {
  const data = Float32Array.from([1]);
  const cases: Array<[string, RegExp]> = [
    [`{'descr': '<f4', 'shape': (1,), }`, /malformed \.npy header: it needs the keys 'descr', 'fortran_order' and 'shape'/],
    [`{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }`, /'shape' is not a tuple of non-negative integers/],
    [`{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }`, /'fortran_order' is not True or False/],
    [`{'descr': '<f4', 'fortran_order': False, 'shape': (1,)`, /malformed \.npy header: expected "}"/],
    [`{'descr': '<f4 , 'fortran_order': False}`, /malformed \.npy header/],
    [`['<f4']`, /malformed \.npy header: it is not a dict/],
  ];
  for (const [header, pattern] of cases) assertLoadFails(dir, 'bad-header.npy', npyBytes('<f4', [1], data, { header }), pattern);
});

test('refuses unsupported dtypes, naming them', () => {
  const eight = new Uint8Array(8);
  const cases: Array<[string, RegExp]> = [
    ['>f4', /dtype '>f4' is big-endian; only little-endian data is supported/],
    ['>i8', /dtype '>i8' is big-endian/],
    ['|f4', /dtype '\|f4' has no byte order/],
    ['<c8', /unsupported dtype '<c8' \(complex\)/],
    ['|O', /unsupported dtype '\|O' \(Python object\)/],
    ['<U2', /unsupported dtype '<U2' \(unicode string\)/],
    ['|S8', /unsupported dtype '\|S8' \(byte string\)/],
    ['<M8[ns]', /unsupported dtype '<M8\[ns\]'/],
    ['<f16', /unsupported dtype '<f16'/],
    ['|V8', /unsupported dtype '\|V8' \(raw bytes/],
  ];
  for (const [descr, pattern] of cases) assertLoadFails(dir, 'dtype.npy', npyBytes(descr, [1], eight), pattern);
  const structured = `{'descr': [('a', '<f4'), ('b', '<i4')], 'fortran_order': False, 'shape': (1,), }`;
  assertLoadFails(
    dir,
    'structured.npy',
    npyBytes('', [1], eight, { header: structured }),
    /structured \(record\) dtypes are not supported/,
  );
});

test('refuses Fortran-order arrays', () => {
  const fortran = npyBytes('<f4', [2, 2], Float32Array.from([1, 2, 3, 4]), { fortranOrder: true });
  assertLoadFails(dir, 'fortran.npy', fortran, /Fortran \(column-major\) order/);
});

test('checks the data length against the header', () => {
  const full = npyBytes('<f4', [3, 4], new Float32Array(12));
  assertLoadFails(dir, 'short.npy', full.subarray(0, full.length - 8), /truncated data: shape \(3, 4\) of '<f4' needs 48 bytes, found 40/);
  assertLoadFails(
    dir,
    'long.npy',
    Buffer.concat([full, Buffer.alloc(3)]),
    /3 unexpected bytes after the data: .* needs 48 bytes, found 51/,
  );
});

test('refuses integers outside int32 and doubles outside float32, with the exact value', () => {
  assertLoadFails(
    dir,
    'i8.npy',
    npyBytes('<i8', [2], int64Bytes([1n, 9007199254740993n])),
    /'<i8' value 9007199254740993 at flat index 1 is outside the int32 range/,
  );
  assertLoadFails(dir, 'i8neg.npy', npyBytes('<i8', [1], int64Bytes([-2147483649n])), /value -2147483649 at flat index 0/);
  assertLoadFails(
    dir,
    'u8.npy',
    npyBytes('<u8', [1], BigUint64Array.from([18446744073709551615n])),
    /'<u8' value 18446744073709551615 at flat index 0/,
  );
  assertLoadFails(
    dir,
    'u4.npy',
    npyBytes('<u4', [2], Uint32Array.from([0, 2147483648])),
    /'<u4' value 2147483648 at flat index 1 is outside the int32 range/,
  );
  assertLoadFails(
    dir,
    'f8.npy',
    npyBytes('<f8', [2], Float64Array.from([1, -1e300])),
    /'<f8' value -1e\+300 at flat index 1 is outside the float32 range/,
  );
});

test('Fortran order is harmless when at most one axis is longer than 1', () => {
  const column = npyBytes('<f4', [3, 1], Float32Array.from([1, 2, 3]), { fortranOrder: true });
  assert.deepEqual(Array.from(parseNpy(column).data), [1, 2, 3]);
});
