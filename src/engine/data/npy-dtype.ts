import { SharpnessError } from '../errors';

/** How one element of a .npy array is stored; every supported kind is read as little-endian. */
export interface NpyDtype {
  /** The dtype as the header spells it, e.g. `<f8`, for messages. */
  descr: string;
  kind: 'float' | 'signed' | 'unsigned' | 'bool';
  itemSize: number;
}

const SUPPORTED_SIZES: Record<NpyDtype['kind'], readonly number[]> = {
  float: [2, 4, 8],
  signed: [1, 2, 4, 8],
  unsigned: [1, 2, 4, 8],
  bool: [1],
};

const KIND_BY_CODE: Record<string, NpyDtype['kind']> = { f: 'float', i: 'signed', u: 'unsigned', b: 'bool' };

const UNSUPPORTED_KIND_NAMES: Record<string, string> = {
  c: 'complex',
  O: 'Python object',
  S: 'byte string',
  a: 'byte string',
  U: 'unicode string',
  V: 'raw bytes (void)',
  M: 'datetime',
  m: 'timedelta',
};

const CONVERT_HINT = "convert it with arr.astype('<f4') or to an integer type first";

/** Parses a simple dtype descriptor such as `<f4` or `|u1`; structured dtypes never reach here. */
export function parseNpyDescr(descr: string): NpyDtype {
  const match = /^([<>|=]?)([a-zA-Z])(\d*)$/.exec(descr);
  if (!match) throw new SharpnessError(`unsupported dtype '${descr}'; ${CONVERT_HINT}`);
  const [, byteOrder, code, sizeText] = match;
  const unsupportedName = UNSUPPORTED_KIND_NAMES[code];
  if (unsupportedName) throw new SharpnessError(`unsupported dtype '${descr}' (${unsupportedName}); ${CONVERT_HINT}`);
  const kind = KIND_BY_CODE[code];
  const itemSize = Number(sizeText);
  if (!kind || !SUPPORTED_SIZES[kind].includes(itemSize)) {
    throw new SharpnessError(`unsupported dtype '${descr}'; ${CONVERT_HINT}`);
  }
  // Byte order only matters for multi-byte elements; NumPy writes '|' for single bytes.
  if (itemSize > 1 && byteOrder === '>') {
    const littleEndian = `<${code}${itemSize}`;
    throw new SharpnessError(`dtype '${descr}' is big-endian; only little-endian data is supported (save arr.astype('${littleEndian}'))`);
  }
  if (itemSize > 1 && byteOrder === '|') {
    throw new SharpnessError(`dtype '${descr}' has no byte order, which is invalid for a ${itemSize}-byte type`);
  }
  // '=' (native order of the writing machine) is taken as little-endian: NumPy itself always writes '<' or '>'.
  return { descr, kind, itemSize };
}
