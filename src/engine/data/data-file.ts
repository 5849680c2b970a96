import { closeSync } from 'node:fs';
import { Buffer } from 'node:buffer';
import { SharpnessError } from '../errors';
import { formatBytes, openRegularFile, readOpenFile } from '../input-file';

const GIB = 1024 ** 3;

/**
 * The most memory loading analysis data may take: the files' bytes, every inflated archive member and
 * every decoded array, together. Sizes come from the file system and from what the files declare,
 * and are checked before anything is read, inflated or decoded, so a small archive that claims
 * gigabytes costs nothing. Far more than an analysis needs: it uses a few thousand samples.
 */
export const DATA_MEMORY_BUDGET = 2 * GIB;

/** Memory set aside while one data set (inputs and labels) loads, against DATA_MEMORY_BUDGET. */
export class DataBudget {
  private used = 0;

  constructor(readonly limit = DATA_MEMORY_BUDGET) {}

  /** Sets aside `bytes` for `what` ("array \"x\" (inflated and decoded)"), or refuses it with the budget in the message. */
  reserve(bytes: number, what: string): void {
    if (this.used + bytes > this.limit) {
      const before = this.used > 0 ? ` on top of ${formatBytes(this.used)} already loaded` : '';
      throw new SharpnessError(
        `${what} would take ${formatBytes(bytes)} of memory${before}, over the ${formatBytes(this.limit)} budget for analysis data; save a subsample of the samples (an analysis uses a few thousand)`,
      );
    }
    this.used += bytes;
  }

  /** Returns memory that was set aside but is no longer held (an inflated member once it is decoded). */
  release(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }
}

/**
 * Reads a whole data file, read-only; only regular files are read (a device or a pipe never ends).
 * Errors carry the path as their file. The file's size counts against the budget before it is read.
 */
export function readDataFile(path: string, budget = new DataBudget()): Buffer {
  const file = openRegularFile(path, 'a data file', (problem) => new SharpnessError(problem, path));
  try {
    if (file.size === 0) throw new SharpnessError('the file is empty', path);
    if (file.size > budget.limit) {
      throw new SharpnessError(
        `too large to load (${formatBytes(file.size)}; the memory budget for analysis data is ${formatBytes(budget.limit)})`,
        path,
      );
    }
    try {
      budget.reserve(file.size, 'the file');
    } catch (error) {
      throw error instanceof SharpnessError ? new SharpnessError(error.message, path) : error;
    }
    return readOpenFile(file, file.size, path);
  } finally {
    closeSync(file.descriptor);
  }
}
