/**
 * Writes a copy of a model with new weight values (a rescaled θ) to a new folder: the original
 * model.json with a fresh single-shard float32 manifest, written to a temporary folder and renamed
 * into place, so a failure leaves nothing half-written. It never writes into the model's folder.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { SharpnessError } from '../errors';
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
  mkdirSync(dirname(target), { recursive: true });
  const staging = mkdtempSync(join(dirname(target), `.${basename(target)}.partial-`));
  try {
    writeFileSync(join(staging, SHARD_NAME), Buffer.concat(arrays.map((a) => a.bytes)));
    writeFileSync(join(staging, 'model.json'), JSON.stringify(json, null, 1) + '\n');
    if (existsSync(target)) rmdirSync(target);
    renameSync(staging, target);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    if (error instanceof SharpnessError) throw error;
    throw new SharpnessError(`could not write the rescaled model (${(error as Error).message})`, outDir);
  }
  return [join(target, 'model.json'), join(target, SHARD_NAME)];
}
