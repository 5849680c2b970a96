import { Buffer } from 'node:buffer';

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
