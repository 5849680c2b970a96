import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { Buffer } from 'node:buffer';
import { SharpnessError } from '../errors';

/** The most a data file may hold: Node's Buffer limit, and far more than a sharpness analysis needs. */
const MAX_DATA_FILE_BYTES = 4 * 1024 ** 3;

const GIB = 1024 ** 3;

/**
 * Reads a whole data file, read-only. Errors carry the path as their file. Reads in a loop because
 * fs.readFileSync refuses files over 2 GiB.
 */
export function readDataFile(path: string): Buffer {
  const size = dataFileSize(path);
  const bytes = allocate(size, path);
  let descriptor: number | undefined;
  try {
    descriptor = openSync(path, 'r');
    let filled = 0;
    while (filled < size) {
      const read = readSync(descriptor, bytes, filled, Math.min(size - filled, 1 << 30), filled);
      if (read === 0) break;
      filled += read;
    }
    // The file shrank while being read; what was read is parsed as is and its parser reports the truncation.
    return filled === size ? bytes : bytes.subarray(0, filled);
  } catch (error) {
    throw new SharpnessError(`cannot be read: ${systemReason(error)}`, path);
  } finally {
    if (descriptor !== undefined) closeSync(descriptor);
  }
}

function dataFileSize(path: string): number {
  let stats;
  try {
    stats = statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new SharpnessError('no such file', path);
    throw new SharpnessError(`cannot be read: ${systemReason(error)}`, path);
  }
  if (stats.isDirectory()) throw new SharpnessError('is a directory, not a data file', path);
  if (!stats.isFile()) throw new SharpnessError('is not a regular file', path);
  if (stats.size === 0) throw new SharpnessError('the file is empty', path);
  if (stats.size > MAX_DATA_FILE_BYTES) {
    throw new SharpnessError(`too large to load (${gibibytes(stats.size)} GiB; the limit is ${MAX_DATA_FILE_BYTES / GIB} GiB)`, path);
  }
  return stats.size;
}

function allocate(size: number, path: string): Buffer {
  try {
    return Buffer.allocUnsafe(size);
  } catch {
    throw new SharpnessError(`not enough memory to load it (${gibibytes(size)} GiB)`, path);
  }
}

/** Rounded up, so a file just over the limit does not read as exactly at it. */
function gibibytes(size: number): string {
  return (Math.ceil((size / GIB) * 10) / 10).toFixed(1);
}

function systemReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}
