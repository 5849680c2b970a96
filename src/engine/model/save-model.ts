/**
 * Writes a copy of a model with new weight values (a rescaled θ) to a new folder: the original
 * model.json with a fresh single-shard float32 manifest, written to a temporary folder and renamed
 * into place, so a failure leaves nothing half-written. It never writes into the model's folder.
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { SharpnessError } from '../errors';
import { systemReason } from '../input-file';
import type { LoadedModel } from './load-model';

const SHARD_NAME = 'group1-shard1of1.bin';

export function writeModelCopy(
  model: LoadedModel,
  values: ReadonlyMap<string, Float32Array | Int32Array>,
  outDir: string,
  metadata: Record<string, unknown>,
): string[] {
  const target = resolve(outDir);
  const modelFolder = dirname(resolve(model.path));
  const rel = relative(modelFolder, target);
  if (rel === '') throw new SharpnessError("--out is the model's own folder; choose a new folder so the original stays untouched", outDir);
  if (existsSync(target)) {
    if (!statSync(target).isDirectory()) throw new SharpnessError('--out exists and is not a folder', outDir);
    if (readdirSync(target).length > 0)
      throw new SharpnessError('--out exists and is not empty; choose a new folder (nothing is overwritten)', outDir);
  }
  const entries = model.json.weightsManifest.flatMap((g) => g.weights);
  const arrays = entries.map((entry) => {
    const name = entry.name.replace(/:\d+$/, '');
    const stored = values.get(name) ?? model.weights.get(name)?.values;
    if (!stored) throw new SharpnessError(`weight "${entry.name}" has no values`, model.path);
    return { entry, bytes: Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength) };
  });
  const raw = model.json.raw;
  const previous = typeof raw.userDefinedMetadata === 'object' && raw.userDefinedMetadata !== null ? raw.userDefinedMetadata : {};
  const json = {
    ...raw,
    weightsManifest: [
      { paths: [SHARD_NAME], weights: arrays.map(({ entry }) => ({ name: entry.name, shape: entry.shape, dtype: entry.dtype })) },
    ],
    userDefinedMetadata: { ...previous, sharpnessLens: { derivedFrom: basename(model.path), ...metadata } },
  };
  const staging = makeStagingFolder(target, outDir);
  try {
    writeFileSync(join(staging, SHARD_NAME), Buffer.concat(arrays.map((a) => a.bytes)));
    writeJson(join(staging, 'model.json'), json);
    if (existsSync(target)) rmdirSync(target);
    renameSync(staging, target);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    if (error instanceof SharpnessError) throw error;
    throw new SharpnessError(`could not write the rescaled model (${systemReason(error)})`, outDir);
  }
  return [join(target, 'model.json'), join(target, SHARD_NAME)];
}

/** Creates the parent folders of --out and a temporary folder beside it, refusing a path that runs through a file. */
function makeStagingFolder(target: string, outDir: string): string {
  for (let ancestor = dirname(target); ; ancestor = dirname(ancestor)) {
    // Under a file, stat fails with ENOTDIR: climb until something exists.
    let stats;
    try {
      stats = statSync(ancestor);
    } catch {
      stats = undefined;
    }
    if (stats && !stats.isDirectory()) throw new SharpnessError(`--out lies under ${ancestor}, which is a file, not a folder`, outDir);
    if (stats || dirname(ancestor) === ancestor) break;
  }
  try {
    mkdirSync(dirname(target), { recursive: true });
    return mkdtempSync(join(dirname(target), `.${basename(target)}.partial-`));
  } catch (error) {
    throw new SharpnessError(`cannot create the output folder (${systemReason(error)})`, outDir);
  }
}

/** Values JSON leaves out of objects (and writes as null in arrays). */
function omitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

/**
 * Writes `root` as compact JSON, as TF.js's model.save() does, the same text JSON.stringify gives but
 * without recursion and in pieces: JSON.parse accepts metadata nested 100,000 deep, on which
 * JSON.stringify overflows the stack (and indentation would grow with the square of the depth).
 */
function writeJson(path: string, root: unknown): void {
  const descriptor = openSync(path, 'wx');
  try {
    let parts: string[] = [];
    const flush = () => {
      writeSync(descriptor, parts.join(''));
      parts = [];
    };
    const stack: { container: unknown[] | Record<string, unknown>; keys: string[] | null; index: number }[] = [];
    const write = (value: unknown) => {
      if (Array.isArray(value)) {
        parts.push('[');
        stack.push({ container: value, keys: null, index: 0 });
      } else if (typeof value === 'object' && value !== null) {
        const record = value as Record<string, unknown>;
        parts.push('{');
        stack.push({ container: record, keys: Object.keys(record).filter((key) => !omitted(record[key])), index: 0 });
      } else {
        parts.push(omitted(value) ? 'null' : JSON.stringify(value));
      }
    };
    write(root);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1];
      const length = frame.keys ? frame.keys.length : (frame.container as unknown[]).length;
      if (frame.index === length) {
        parts.push(frame.keys ? '}' : ']');
        stack.pop();
        continue;
      }
      if (frame.index > 0) parts.push(',');
      let value: unknown;
      if (frame.keys) {
        const key = frame.keys[frame.index];
        parts.push(JSON.stringify(key), ':');
        value = (frame.container as Record<string, unknown>)[key];
      } else {
        value = (frame.container as unknown[])[frame.index];
      }
      frame.index++;
      write(value);
      if (parts.length >= 1 << 14) flush();
    }
    parts.push('\n');
    flush();
  } finally {
    closeSync(descriptor);
  }
}
