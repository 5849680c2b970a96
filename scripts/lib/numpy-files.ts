/**
 * Writes NumPy .npy files and ZIP archives (.npz) byte by byte, as np.save and np.savez lay them out:
 * the scripts write their data samples with it, and the tests build every layout the loaders in
 * src/engine/data must read (and the malformed ones they must refuse). Outside the engine, which only
 * reads these formats.
 */
import { Buffer } from 'node:buffer';
import { deflateRawSync } from 'node:zlib';
import { crc32 } from '../../src/engine/data/crc32';

export interface NpyBuildOptions {
  version?: 1 | 2 | 3;
  fortranOrder?: boolean;
  /** Replaces the whole header dict, for malformed-header cases. */
  header?: string;
}

/** The header dict exactly as NumPy's repr writes it. */
export function npyHeaderDict(descr: string, shape: readonly number[], fortranOrder = false): string {
  const shapeText = `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
  return `{'descr': '${descr}', 'fortran_order': ${fortranOrder ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
}

/** A .npy file as np.save lays it out: magic, version, header length, header padded to 64 bytes with a final newline. */
export function npyBytes(descr: string, shape: readonly number[], data: ArrayBufferView, options: NpyBuildOptions = {}): Buffer {
  const version = options.version ?? 1;
  const lengthFieldSize = version === 1 ? 2 : 4;
  const dict = options.header ?? npyHeaderDict(descr, shape, options.fortranOrder);
  const unpadded = 8 + lengthFieldSize + Buffer.byteLength(dict, 'latin1') + 1;
  const header = Buffer.from(dict + ' '.repeat((64 - (unpadded % 64)) % 64) + '\n', version === 3 ? 'utf8' : 'latin1');
  const prefix = Buffer.alloc(8 + lengthFieldSize);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]).copy(prefix);
  if (version === 1) prefix.writeUInt16LE(header.length, 8);
  else prefix.writeUInt32LE(header.length, 8);
  return Buffer.concat([prefix, header, Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

export function float32Npy(values: readonly number[], shape: readonly number[] = [values.length]): Buffer {
  return npyBytes('<f4', shape, Float32Array.from(values));
}

export interface ZipEntrySpec {
  name: string;
  contents: Uint8Array;
  deflate?: boolean;
  /** Streamed-writer layout: zero CRC and sizes in the local header, a data descriptor after the data. */
  dataDescriptor?: boolean;
}

const DATA_DESCRIPTOR_FLAG = 0x8;

/** A minimal ZIP writer, enough to lay out every case the reader must handle. */
export function zipBytes(entries: readonly ZipEntrySpec[], comment = ''): Buffer {
  const localParts: Buffer[] = [];
  const directoryParts: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const stored = entry.deflate ? deflateRawSync(entry.contents) : Buffer.from(entry.contents);
    const checksum = crc32(entry.contents);
    const flags = entry.dataDescriptor ? DATA_DESCRIPTOR_FLAG : 0;
    const method = entry.deflate ? 8 : 0;

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    if (!entry.dataDescriptor) {
      local.writeUInt32LE(checksum, 14);
      local.writeUInt32LE(stored.length, 18);
      local.writeUInt32LE(entry.contents.length, 22);
    }
    local.writeUInt16LE(name.length, 26);
    const parts = [local, name, stored];
    if (entry.dataDescriptor) {
      const descriptor = Buffer.alloc(16);
      descriptor.writeUInt32LE(0x08074b50, 0);
      descriptor.writeUInt32LE(checksum, 4);
      descriptor.writeUInt32LE(stored.length, 8);
      descriptor.writeUInt32LE(entry.contents.length, 12);
      parts.push(descriptor);
    }
    localParts.push(...parts);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(checksum, 16);
    central.writeUInt32LE(stored.length, 20);
    central.writeUInt32LE(entry.contents.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    directoryParts.push(central, name);
    offset += parts.reduce((sum, part) => sum + part.length, 0);
  }
  const directory = Buffer.concat(directoryParts);
  const commentBytes = Buffer.from(comment, 'utf8');
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(commentBytes.length, 20);
  return Buffer.concat([...localParts, directory, end, commentBytes]);
}

/** Offset of the first central directory entry, for tests that corrupt one of its fields. */
export function centralDirectoryOffset(zip: Buffer): number {
  return zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
}

/** Offset of the end-of-central-directory record. */
export function endOfDirectoryOffset(zip: Buffer): number {
  return zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
}

export type NpyValues = Float32Array | Int32Array | Uint8Array;

const DESCR: Record<string, string> = { Float32Array: '<f4', Int32Array: '<i4', Uint8Array: '|u1' };

/** An .npz as np.savez_compressed writes it: one deflated `<name>.npy` member per array. */
export function encodeNpz(arrays: Record<string, { values: NpyValues; shape: number[] }>): Buffer {
  return zipBytes(
    Object.entries(arrays).map(([name, { values, shape }]) => ({
      name: `${name}.npy`,
      contents: npyBytes(DESCR[values.constructor.name], shape, values),
      deflate: true,
    })),
  );
}
