import { Buffer } from 'node:buffer';
import { endianness } from 'node:os';
import { SharpnessError } from '../errors';
import { DataBudget } from './data-file';
import { describeShape, elementCount, isInt32, NdArray, overflowsFloat32 } from './ndarray';
import { parseNpyHeader } from './npy-header';
import { NpyDtype, parseNpyDescr } from './npy-dtype';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/** Where a .npy file's data lies and what it holds, from its magic string and header. */
export interface NpyLayout {
  shape: number[];
  dtype: NpyDtype;
  /** Offset of the first data byte. */
  dataStart: number;
  /** Bytes the data takes: the element count times the item size. */
  dataBytes: number;
}

/**
 * Reads the magic string, version and header of a .npy file. With `prefix`, `bytes` may be only the
 * file's first bytes, and null means they end before the header does.
 */
export function readNpyLayout(bytes: Uint8Array, prefix = false): NpyLayout | null {
  const short = (message: string) => {
    if (prefix) return null;
    throw new SharpnessError(message);
  };
  if (bytes.length < 10 && prefix && MAGIC.slice(0, bytes.length).every((byte, i) => bytes[i] === byte)) return null;
  if (bytes.length < 10 || MAGIC.some((byte, i) => bytes[i] !== byte)) {
    throw new SharpnessError('not a NumPy .npy file (it does not start with the \\x93NUMPY magic string)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  if (major !== 1 && major !== 2 && major !== 3) {
    throw new SharpnessError(`unsupported .npy format version ${major}.${bytes[7]} (supported: 1.0, 2.0, 3.0)`);
  }
  const lengthFieldSize = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthFieldSize) return short('truncated .npy header');
  const headerStart = 8 + lengthFieldSize;
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.length) {
    return short(`truncated .npy header: expected ${headerLength} header bytes, found ${bytes.length - headerStart}`);
  }
  // Version 3.0 exists only to allow UTF-8 field names; earlier versions are latin-1.
  const headerText = Buffer.from(bytes.buffer, bytes.byteOffset + headerStart, headerLength).toString(major === 3 ? 'utf8' : 'latin1');
  const header = parseNpyHeader(headerText);
  const dtype = parseNpyDescr(header.descr);
  // With at most one axis longer than 1, Fortran and C order lay the bytes out identically.
  if (header.fortranOrder && header.shape.filter((size) => size > 1).length > 1) {
    throw new SharpnessError('the array is stored in Fortran (column-major) order; save np.ascontiguousarray(arr) instead');
  }
  return { shape: header.shape, dtype, dataStart, dataBytes: elementCount(header.shape) * dtype.itemSize };
}

/** Refuses data bytes that are not what the header declares: `found` is what the file (or archive member) holds after the header. */
export function checkDataSize(layout: NpyLayout, found: number): void {
  const { dataBytes } = layout;
  const described = `shape ${describeShape(layout.shape)} of '${layout.dtype.descr}'`;
  if (found < dataBytes) throw new SharpnessError(`truncated data: ${described} needs ${dataBytes} bytes, found ${found}`);
  if (found > dataBytes) {
    throw new SharpnessError(`${found - dataBytes} unexpected bytes after the data: ${described} needs ${dataBytes} bytes, found ${found}`);
  }
}

/**
 * Parses a NumPy .npy file (format 1.0, 2.0 or 3.0). Floats become float32 (float64 values beyond float32's range
 * are refused); integers and booleans become int32 (values outside the int32 range are refused). The decoded
 * array counts against `budget` before it is allocated; little-endian float32 and int32 data is used in place.
 */
export function parseNpy(bytes: Uint8Array, budget = new DataBudget(), what = 'the array'): NdArray {
  const layout = readNpyLayout(bytes)!;
  const { shape, dtype, dataStart } = layout;
  checkDataSize(layout, bytes.length - dataStart);
  const count = elementCount(shape);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const inPlace = dtype.itemSize === 4 && dtype.kind !== 'unsigned' && (bytes.byteOffset + dataStart) % 4 === 0 && LITTLE_ENDIAN_HOST;
  if (inPlace) {
    const data =
      dtype.kind === 'float'
        ? new Float32Array(bytes.buffer, bytes.byteOffset + dataStart, count)
        : new Int32Array(bytes.buffer, bytes.byteOffset + dataStart, count);
    return { data, shape, dtype: data instanceof Float32Array ? 'float32' : 'int32' };
  }
  budget.reserve(count * 4, `${what} (decoded as ${data32(dtype)}, shape ${describeShape(shape)})`);
  const data = dtype.kind === 'float' ? readFloats(view, dataStart, count, dtype) : readIntegers(view, dataStart, count, dtype);
  return { data, shape, dtype: data instanceof Float32Array ? 'float32' : 'int32' };
}

function data32(dtype: NpyDtype): string {
  return dtype.kind === 'float' ? 'float32' : 'int32';
}

function readFloats(view: DataView, start: number, count: number, dtype: NpyDtype): Float32Array {
  const values = new Float32Array(count);
  if (dtype.itemSize === 2) {
    for (let i = 0; i < count; i++) values[i] = halfToNumber(view.getUint16(start + 2 * i, true));
  } else if (dtype.itemSize === 4) {
    for (let i = 0; i < count; i++) values[i] = view.getFloat32(start + 4 * i, true);
  } else {
    for (let i = 0; i < count; i++) {
      const value = view.getFloat64(start + 8 * i, true);
      if (overflowsFloat32(value)) {
        throw new SharpnessError(`'${dtype.descr}' value ${value} at flat index ${i} is outside the float32 range`);
      }
      values[i] = value;
    }
  }
  return values;
}

function readIntegers(view: DataView, start: number, count: number, dtype: NpyDtype): Int32Array {
  const values = new Int32Array(count);
  const readElement = integerReader(view, dtype);
  for (let i = 0; i < count; i++) {
    const offset = start + dtype.itemSize * i;
    const value = readElement(offset);
    if (!isInt32(value)) {
      throw new SharpnessError(`'${dtype.descr}' value ${exactInteger(view, offset, dtype)} at flat index ${i} is outside the int32 range`);
    }
    values[i] = value;
  }
  return values;
}

/** Reads one element as a number; 64-bit values outside ±2^53 come back inexact, but those are refused anyway. */
function integerReader(view: DataView, dtype: NpyDtype): (offset: number) => number {
  const signed = dtype.kind === 'signed';
  switch (dtype.itemSize) {
    case 1:
      if (dtype.kind === 'bool') return (offset) => (view.getUint8(offset) === 0 ? 0 : 1);
      return signed ? (offset) => view.getInt8(offset) : (offset) => view.getUint8(offset);
    case 2:
      return signed ? (offset) => view.getInt16(offset, true) : (offset) => view.getUint16(offset, true);
    case 4:
      return signed ? (offset) => view.getInt32(offset, true) : (offset) => view.getUint32(offset, true);
    default:
      // Two 32-bit halves avoid a BigInt per element.
      return signed
        ? (offset) => view.getInt32(offset + 4, true) * 2 ** 32 + view.getUint32(offset, true)
        : (offset) => view.getUint32(offset + 4, true) * 2 ** 32 + view.getUint32(offset, true);
  }
}

/** The exact value for an error message, where a 64-bit integer may not fit a double. */
function exactInteger(view: DataView, offset: number, dtype: NpyDtype): string {
  if (dtype.itemSize !== 8) return String(integerReader(view, dtype)(offset));
  return String(dtype.kind === 'signed' ? view.getBigInt64(offset, true) : view.getBigUint64(offset, true));
}

/** IEEE 754 binary16 to a number; Node 20 has no Float16Array. */
function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}
