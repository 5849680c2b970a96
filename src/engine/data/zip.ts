import { constants, inflateRawSync } from 'node:zlib';
import { Buffer } from 'node:buffer';
import { SharpnessError } from '../errors';
import { crc32 } from './crc32';

/** One file in a ZIP archive, as its central directory entry describes it. */
export interface ZipMember {
  name: string;
  method: number;
  flags: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

const END_OF_DIRECTORY_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const DIRECTORY_ENTRY_SIGNATURE = 0x02014b50;
const LOCAL_HEADER_SIGNATURE = 0x04034b50;
const END_OF_DIRECTORY_SIZE = 22;
const MAX_COMMENT_LENGTH = 0xffff;
const STORED = 0;
const DEFLATED = 8;
const ENCRYPTED_FLAG = 0x1;
const UTF8_NAME_FLAG = 0x800;

const METHOD_NAMES: Record<number, string> = { 9: 'deflate64', 12: 'bzip2', 14: 'LZMA', 93: 'Zstandard', 95: 'XZ' };

const ZIP64_UNSUPPORTED = "ZIP64 archives are not supported (they are only needed above 4 GiB, beyond the loader's limit)";

function corrupt(detail: string): SharpnessError {
  return new SharpnessError(`corrupt ZIP archive: ${detail}`);
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Lists the members from the central directory. Sizes and CRCs come from there, never from local headers, which
 * streamed writers leave zero (data descriptors) and NumPy fills with ZIP64 placeholders.
 */
export function readZipDirectory(bytes: Uint8Array): ZipMember[] {
  const view = viewOf(bytes);
  const endOffset = findEndOfDirectory(view);
  if (endOffset < 0) throw new SharpnessError('not a ZIP archive (no end-of-central-directory record)');
  if (endOffset >= 20 && view.getUint32(endOffset - 20, true) === ZIP64_LOCATOR_SIGNATURE) {
    throw new SharpnessError(ZIP64_UNSUPPORTED);
  }
  const entryCount = view.getUint16(endOffset + 10, true);
  const directorySize = view.getUint32(endOffset + 12, true);
  const directoryOffset = view.getUint32(endOffset + 16, true);
  if (entryCount === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
    throw new SharpnessError(ZIP64_UNSUPPORTED);
  }
  if (view.getUint16(endOffset + 4, true) !== 0 || view.getUint16(endOffset + 6, true) !== 0) {
    throw new SharpnessError('multi-volume ZIP archives are not supported');
  }
  if (directoryOffset + directorySize > endOffset) throw corrupt('the central directory lies outside the file');

  const members: ZipMember[] = [];
  let offset = directoryOffset;
  for (let index = 0; index < entryCount; index++) {
    if (offset + 46 > endOffset || view.getUint32(offset, true) !== DIRECTORY_ENTRY_SIGNATURE) {
      throw corrupt(`central directory entry ${index + 1} of ${entryCount} is missing`);
    }
    const flags = view.getUint16(offset + 8, true);
    const nameLength = view.getUint16(offset + 28, true);
    const extraLength = view.getUint16(offset + 30, true);
    const commentLength = view.getUint16(offset + 32, true);
    const nameEnd = offset + 46 + nameLength;
    if (nameEnd > endOffset) throw corrupt(`central directory entry ${index + 1} runs past the directory`);
    // Names without the UTF-8 flag are CP437 in theory; NumPy's names are ASCII, where latin-1 agrees with it.
    const name = Buffer.from(bytes.buffer, bytes.byteOffset + offset + 46, nameLength).toString(flags & UTF8_NAME_FLAG ? 'utf8' : 'latin1');
    const member: ZipMember = {
      name,
      method: view.getUint16(offset + 10, true),
      flags,
      crc32: view.getUint32(offset + 16, true),
      compressedSize: view.getUint32(offset + 20, true),
      uncompressedSize: view.getUint32(offset + 24, true),
      localHeaderOffset: view.getUint32(offset + 42, true),
    };
    if (member.compressedSize === 0xffffffff || member.uncompressedSize === 0xffffffff || member.localHeaderOffset === 0xffffffff) {
      throw new SharpnessError(ZIP64_UNSUPPORTED);
    }
    members.push(member);
    offset = nameEnd + extraLength + commentLength;
  }
  return members;
}

/** The end record sits in the last 22 bytes plus a comment of up to 64 KiB; scanning backwards finds the real one first. */
function findEndOfDirectory(view: DataView): number {
  const lowest = Math.max(0, view.byteLength - END_OF_DIRECTORY_SIZE - MAX_COMMENT_LENGTH);
  for (let offset = view.byteLength - END_OF_DIRECTORY_SIZE; offset >= lowest; offset--) {
    if (view.getUint32(offset, true) === END_OF_DIRECTORY_SIGNATURE) return offset;
  }
  return -1;
}

/** The member's stored (possibly compressed) bytes, after checking that it is a member this reader can extract. */
function storedBytes(bytes: Uint8Array, member: ZipMember, label: string): Uint8Array {
  if (member.flags & ENCRYPTED_FLAG) throw new SharpnessError(`${label} is encrypted; encrypted archives are not supported`);
  if (member.method !== STORED && member.method !== DEFLATED) {
    const methodName = METHOD_NAMES[member.method] ?? `method ${member.method}`;
    throw new SharpnessError(`${label} is compressed with ${methodName}; only stored and deflated members are supported`);
  }
  const view = viewOf(bytes);
  const headerOffset = member.localHeaderOffset;
  if (headerOffset + 30 > bytes.length || view.getUint32(headerOffset, true) !== LOCAL_HEADER_SIGNATURE) {
    throw corrupt(`${label} has no local header at offset ${headerOffset}`);
  }
  const dataStart = headerOffset + 30 + view.getUint16(headerOffset + 26, true) + view.getUint16(headerOffset + 28, true);
  const dataEnd = dataStart + member.compressedSize;
  if (dataEnd > bytes.length) {
    throw corrupt(`${label} is truncated: expected ${member.compressedSize} bytes, found ${Math.max(0, bytes.length - dataStart)}`);
  }
  return bytes.subarray(dataStart, dataEnd);
}

/** Compressed bytes a header peek inflates: a .npy header is a few hundred bytes, and this inflates to at most about 1 MiB. */
const PEEK_COMPRESSED_BYTES = 1024;
/** Deflate's largest expansion is about 1032:1 (a 258-byte match per 2 bits), plus a block's last match. */
const DEFLATE_MAX_RATIO = 1032;

/**
 * The first bytes of a member, inflated from at most PEEK_COMPRESSED_BYTES of its data, without the
 * rest: enough to read the header of what it holds before deciding to inflate all of it.
 */
export function readZipMemberPrefix(bytes: Uint8Array, member: ZipMember): Uint8Array {
  const label = `member "${member.name}"`;
  const stored = storedBytes(bytes, member, label);
  if (member.method === STORED) return stored;
  const prefix = stored.subarray(0, PEEK_COMPRESSED_BYTES);
  try {
    return inflateRawSync(prefix, {
      finishFlush: constants.Z_SYNC_FLUSH,
      maxOutputLength: Math.min(Math.max(1, member.uncompressedSize), DEFLATE_MAX_RATIO * prefix.length + 258),
    });
  } catch (error) {
    throw inflationFailure(error, member, label);
  }
}

/** Decompresses one member and checks its size and CRC-32 against the central directory. */
export function extractZipMember(bytes: Uint8Array, member: ZipMember): Uint8Array {
  const label = `member "${member.name}"`;
  const stored = storedBytes(bytes, member, label);
  const contents = member.method === STORED ? stored : inflate(stored, member, label);
  if (contents.length !== member.uncompressedSize) {
    throw corrupt(`${label} holds ${contents.length} bytes, but the directory says ${member.uncompressedSize}`);
  }
  const actualCrc = crc32(contents);
  if (actualCrc !== member.crc32) {
    throw corrupt(`${label} fails its CRC-32 check (stored ${hex(member.crc32)}, computed ${hex(actualCrc)})`);
  }
  return contents;
}

function inflate(compressed: Uint8Array, member: ZipMember, label: string): Uint8Array {
  try {
    // The cap stops a corrupt or malicious member at its declared size; one output chunk of exactly that
    // size spares zlib collecting chunks and copying them together, which doubled the memory.
    const size = Math.max(1, member.uncompressedSize);
    return inflateRawSync(compressed, { maxOutputLength: size, chunkSize: Math.max(constants.Z_MIN_CHUNK, size) });
  } catch (error) {
    throw inflationFailure(error, member, label);
  }
}

function inflationFailure(error: unknown, member: ZipMember, label: string): SharpnessError {
  const reason =
    error instanceof RangeError
      ? `it inflates to more than the declared ${member.uncompressedSize} bytes`
      : (error instanceof Error ? error.message : String(error)).split('\n')[0];
  return corrupt(`${label} cannot be decompressed: ${reason}`);
}

function hex(value: number): string {
  return value.toString(16).padStart(8, '0');
}
