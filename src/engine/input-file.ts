/**
 * Opens input files (model.json, weight shards, data and label files) for reading. Only regular files
 * are read: a character device such as /dev/zero, a named pipe or a socket has no size and may never
 * end, so it is refused by its kind. The kind is checked on the open descriptor, since the path could
 * be replaced between a check and the open, and the open does not block on a named pipe.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { SharpnessError } from './errors';

export interface RegularFile {
  descriptor: number;
  size: number;
}

/** What the path is when it is not a regular file, in a user's words. */
function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isFIFO()) return 'a named pipe';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

export function systemReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}

/**
 * Opens `path` read-only when it is a regular file. `what` names what it should be ("a model.json"),
 * `file` is the file the error names (the path itself unless a manifest listed it). The caller closes it.
 */
export function openRegularFile(path: string, what: string, describe: (problem: string) => SharpnessError): RegularFile {
  let descriptor: number;
  try {
    // O_NONBLOCK: opening a named pipe would otherwise wait for a writer. It changes nothing for regular files.
    descriptor = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw describe('no such file');
    if (code === 'EISDIR') throw describe(`is a folder, not ${what}`);
    throw describe(`cannot be read: ${systemReason(error)}`);
  }
  const stats = fstatSync(descriptor);
  if (!stats.isFile()) {
    closeSync(descriptor);
    throw describe(`is ${kindOf(stats)}, not ${what}`);
  }
  return { descriptor, size: stats.size };
}

/**
 * Reads the first `length` bytes of an open file into `target` at `offset`, in a loop (one read is capped
 * at 2 GiB), and returns how many it read: fewer when the file shrank since it was opened.
 */
export function readInto(file: RegularFile, target: Uint8Array, offset: number, length: number, path: string): number {
  let filled = 0;
  try {
    while (filled < length) {
      const read = readSync(file.descriptor, target, offset + filled, Math.min(length - filled, 1 << 30), filled);
      if (read === 0) break;
      filled += read;
    }
  } catch (error) {
    throw new SharpnessError(`cannot be read: ${systemReason(error)}`, path);
  }
  return filled;
}

/** The first `length` bytes of an open file, in a new buffer (shorter when the file shrank; its parser reports that). */
export function readOpenFile(file: RegularFile, length: number, path: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = Buffer.allocUnsafe(length);
  } catch {
    throw new SharpnessError(`not enough memory to read its ${length} bytes`, path);
  }
  const filled = readInto(file, bytes, 0, length, path);
  return filled === length ? bytes : bytes.subarray(0, filled);
}

/** Opens, checks and reads a whole regular file; `check` sees its size before anything is read. */
export function readRegularFile(path: string, what: string, check: (size: number) => void = () => undefined): Buffer {
  const file = openRegularFile(path, what, (problem) => new SharpnessError(problem, path));
  try {
    check(file.size);
    return readOpenFile(file, file.size, path);
  } finally {
    closeSync(file.descriptor);
  }
}

/**
 * The text of a model.json, CSV or JSON data file. They are UTF-8 (a byte-order mark, which Excel and
 * Notepad write, is dropped); a file with a UTF-16 byte-order mark, as Excel's "Unicode text" and
 * PowerShell write, is read as UTF-16.
 */
export function decodeText(bytes: Uint8Array, path: string): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf16 = buffer[0] === 0xff && buffer[1] === 0xfe ? 'LE' : buffer[0] === 0xfe && buffer[1] === 0xff ? 'BE' : null;
  if (!utf16) return buffer.toString('utf8').replace(/^\uFEFF/, '');
  if (buffer.length % 2 !== 0)
    throw new SharpnessError(
      `starts with a UTF-16 (${utf16}) byte-order mark but has an odd number of bytes, so it is not UTF-16 text`,
      path,
    );
  // Node decodes only little-endian UTF-16; a big-endian copy is byte-swapped first.
  const little = utf16 === 'LE' ? buffer : Buffer.from(buffer).swap16();
  return little.toString('utf16le', 2);
}

/** Binary sizes for messages, rounded up, so a size just over a limit does not read as at it. */
export function formatBytes(bytes: number): string {
  const units: [string, number][] = [
    ['GiB', 2 ** 30],
    ['MiB', 2 ** 20],
    ['KiB', 2 ** 10],
  ];
  const [unit, size] = units.find(([, size]) => bytes >= size) ?? ['bytes', 1];
  return size === 1 ? `${bytes} bytes` : `${(Math.ceil((bytes / size) * 10) / 10).toFixed(1)} ${unit}`;
}
