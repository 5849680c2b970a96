import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { test } from 'node:test';
import { crc32 } from '../../../src/engine/data/crc32';
import { openNpz, parseNpz } from '../../../src/engine/data/npz';
import { centralDirectoryOffset, endOfDirectoryOffset, float32Npy, npyBytes, zipBytes } from '../../../scripts/lib/numpy-files';
import { assertLoadFails, makeTempDir } from './temp-dir';

const dir = makeTempDir();
const x = float32Npy([1, 2, 3, 4, 5, 6], [3, 2]);
const y = npyBytes('<i8', [3], BigInt64Array.from([0n, 1n, 0n]));

test('crc32 gives the standard check value', () => {
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
});

test('reads stored, deflated and data-descriptor members by name without .npy', () => {
  const zip = zipBytes(
    [
      { name: 'x.npy', contents: x },
      { name: 'y.npy', contents: y, deflate: true, dataDescriptor: true },
      { name: 'nested/z.npy', contents: float32Npy([9]), dataDescriptor: true },
      { name: 'README.txt', contents: Buffer.from('not an array') },
    ],
    'an archive comment',
  );
  const arrays = parseNpz(zip);
  assert.deepEqual([...arrays.keys()], ['x', 'y', 'nested/z']);
  assert.deepEqual(arrays.get('x'), { data: Float32Array.from([1, 2, 3, 4, 5, 6]), shape: [3, 2], dtype: 'float32' });
  assert.deepEqual(arrays.get('y'), { data: Int32Array.from([0, 1, 0]), shape: [3], dtype: 'int32' });
  assert.deepEqual(Array.from(arrays.get('nested/z')?.data ?? []), [9]);
});

test('openNpz decodes only the arrays asked for', () => {
  const unsupported = npyBytes('<c8', [1], new Uint8Array(8));
  const archive = openNpz(
    zipBytes([
      { name: 'x.npy', contents: x },
      { name: 'meta.npy', contents: unsupported },
    ]),
  );
  assert.deepEqual(archive.names, ['x', 'meta']);
  assert.deepEqual(archive.read('x').shape, [3, 2]);
  assert.throws(() => archive.read('meta'), /array "meta": unsupported dtype '<c8'/);
});

test('refuses files that are not ZIP archives', () => {
  assertLoadFails(dir, 'plain.npz', x, /not a ZIP archive \(no end-of-central-directory record\)/);
});

test('refuses a member whose CRC-32 does not match', () => {
  const zip = zipBytes([{ name: 'x.npy', contents: x }]);
  zip[30 + 'x.npy'.length + x.length - 1] ^= 0xff;
  assertLoadFails(dir, 'crc.npz', zip, /member "x\.npy" fails its CRC-32 check \(stored [0-9a-f]{8}, computed [0-9a-f]{8}\)/);
});

test('refuses ZIP64 archives with a clear message', () => {
  const huge = zipBytes([{ name: 'x.npy', contents: x }]);
  huge.writeUInt32LE(0xffffffff, centralDirectoryOffset(huge) + 24);
  assertLoadFails(dir, 'zip64-entry.npz', huge, /ZIP64 archives are not supported/);

  const many = zipBytes([{ name: 'x.npy', contents: x }]);
  many.writeUInt16LE(0xffff, endOfDirectoryOffset(many) + 10);
  assertLoadFails(dir, 'zip64-count.npz', many, /ZIP64 archives are not supported/);

  const plain = zipBytes([{ name: 'x.npy', contents: x }]);
  const end = endOfDirectoryOffset(plain);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  const withLocator = Buffer.concat([plain.subarray(0, end), locator, plain.subarray(end)]);
  assertLoadFails(dir, 'zip64-locator.npz', withLocator, /ZIP64 archives are not supported/);
});

test('refuses unsupported compression, encryption and corrupt members', () => {
  const bzip2 = zipBytes([{ name: 'x.npy', contents: x }]);
  bzip2.writeUInt16LE(12, centralDirectoryOffset(bzip2) + 10);
  assertLoadFails(dir, 'bzip2.npz', bzip2, /member "x\.npy" is compressed with bzip2; only stored and deflated members are supported/);

  const encrypted = zipBytes([{ name: 'x.npy', contents: x }]);
  encrypted.writeUInt16LE(1, centralDirectoryOffset(encrypted) + 8);
  assertLoadFails(dir, 'encrypted.npz', encrypted, /member "x\.npy" is encrypted/);

  const garbled = zipBytes([{ name: 'x.npy', contents: x, deflate: true }]);
  garbled.fill(0xff, 35, 45);
  assertLoadFails(dir, 'garbled.npz', garbled, /corrupt ZIP archive: member "x\.npy" cannot be decompressed: invalid block type/);

  const bomb = zipBytes([{ name: 'x.npy', contents: Buffer.concat([x, Buffer.alloc(100000)]), deflate: true }]);
  bomb.writeUInt32LE(x.length, centralDirectoryOffset(bomb) + 24);
  const bombError = assertLoadFails(dir, 'bomb.npz', bomb, /member "x\.npy" cannot be decompressed: it inflates to more than the declared/);
  assert.match(bombError.message, new RegExp(`declared ${x.length} bytes$`));

  const cut = zipBytes([{ name: 'x.npy', contents: x }]);
  cut.writeUInt32LE(100000, centralDirectoryOffset(cut) + 20);
  assertLoadFails(dir, 'cut.npz', cut, /member "x\.npy" is truncated: expected 100000 bytes/);

  const misplaced = zipBytes([{ name: 'x.npy', contents: x }]);
  misplaced.writeUInt32LE(7, centralDirectoryOffset(misplaced) + 42);
  assertLoadFails(dir, 'misplaced.npz', misplaced, /member "x\.npy" has no local header at offset 7/);

  const noDirectory = zipBytes([{ name: 'x.npy', contents: x }]);
  noDirectory.writeUInt32LE(0, endOfDirectoryOffset(noDirectory) + 16);
  assertLoadFails(dir, 'no-directory.npz', noDirectory, /corrupt ZIP archive: central directory entry 1 of 1 is missing/);
});

test('names the array whose .npy data is bad', () => {
  const zip = zipBytes([{ name: 'x.npy', contents: x.subarray(0, x.length - 4) }]);
  assertLoadFails(dir, 'bad-member.npz', zip, /array "x": truncated data: shape \(3, 2\) of '<f4' needs 24 bytes, found 20/);
});

test('refuses duplicate member names', () => {
  const zip = zipBytes([
    { name: 'x.npy', contents: x },
    { name: 'x.npy', contents: x },
  ]);
  assertLoadFails(dir, 'duplicate.npz', zip, /two members named "x\.npy"/);
});
