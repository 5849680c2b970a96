import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { LoadDataOptions, loadDataFile, RawDataset } from '../../../src/engine/data/load';
import { SharpnessError } from '../../../src/engine/errors';

/** A fresh directory for one test file, removed when the file's tests finish. */
export function makeTempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sharpness-data-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function writeFile(dir: string, name: string, contents: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, contents);
  return path;
}

const HASHED_SIZE_LIMIT = 1 << 20;

/** Paths, sizes, modification times and (for small files) content hashes of everything under dir. */
export function snapshotDir(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    const stats = statSync(path);
    if (stats.isDirectory()) return [`${path}/`, ...snapshotDir(path)];
    const hash = stats.size <= HASHED_SIZE_LIMIT ? createHash('sha256').update(readFileSync(path)).digest('hex') : '';
    return [`${path} ${stats.size} ${stats.mtimeMs} ${hash}`];
  });
}

/** Runs `action`, expecting a one-line SharpnessError matching `pattern`, and checks that dir was left untouched. */
export function assertFailsWithoutWriting(dir: string, action: () => unknown, pattern: RegExp): SharpnessError {
  const before = snapshotDir(dir);
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof SharpnessError, `expected a SharpnessError, got ${String(caught)}`);
  assert.match(caught.message, pattern);
  assert.doesNotMatch(caught.message, /\n/);
  assert.deepEqual(snapshotDir(dir), before);
  return caught;
}

/** Writes `contents` as dir/name, loads it, and expects the failure; the message must start with the path. */
export function assertLoadFails(
  dir: string,
  name: string,
  contents: string | Uint8Array,
  pattern: RegExp,
  options?: LoadDataOptions,
): SharpnessError {
  const path = writeFile(dir, name, contents);
  const error = assertFailsWithoutWriting(dir, () => loadDataFile(path, options), pattern);
  assert.equal(error.file, path);
  assert.ok(error.message.startsWith(`${path}: `), error.message);
  return error;
}

/** Writes `contents` as dir/name and loads it, checking that nothing on disk changed. */
export function loadWritten(dir: string, name: string, contents: string | Uint8Array, options?: LoadDataOptions): RawDataset {
  const path = writeFile(dir, name, contents);
  const before = snapshotDir(dir);
  const dataset = loadDataFile(path, options);
  assert.deepEqual(snapshotDir(dir), before);
  return dataset;
}
