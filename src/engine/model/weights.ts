/**
 * Reads a model's weight shards from disk. Every path, size and value is checked before use: a shard
 * path must stay inside the model's folder, the shard sizes must add up to exactly what the manifest
 * describes (checked on file sizes, before anything is read or allocated), and no weight may hold
 * NaN or Infinity.
 */
import { closeSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { SharpnessError } from '../errors';
import { formatBytes, openRegularFile, readInto, type RegularFile } from '../input-file';
import { elementCount, weightByteLength, type WeightEntry, type WeightGroup } from './manifest';

export interface WeightValues {
  name: string;
  shape: number[];
  values: Float32Array | Int32Array;
}

/** Resolves a manifest path against the model's folder, refusing anything that leaves the folder. */
export function resolveShardPath(modelFile: string, shardPath: string): string {
  const folder = dirname(resolve(modelFile));
  const escapes = () =>
    new SharpnessError(
      `weight shard path "${shardPath}" leaves the model's folder; shard paths must be relative names inside it`,
      modelFile,
    );
  if (shardPath.includes('\0') || isAbsolute(shardPath) || /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(shardPath) || shardPath.startsWith('\\')) {
    throw escapes();
  }
  const target = resolve(folder, shardPath);
  // By path segments: "..weights.bin" is a file inside the folder, "../weights.bin" is not.
  const inside = (root: string, path: string) => {
    const rel = relative(root, path);
    return rel !== '' && rel.split(sep)[0] !== '..' && !isAbsolute(rel);
  };
  if (!inside(folder, target)) throw escapes();
  let realTarget: string;
  try {
    realTarget = realpathSync(target);
  } catch {
    return target; // a missing shard is reported, with its name, by the size check
  }
  if (!inside(realpathSync(folder), realTarget)) {
    throw new SharpnessError(
      `weight shard path "${shardPath}" leads through a link to ${realTarget}, outside the model's folder; shards must be files inside it`,
      modelFile,
    );
  }
  return target;
}

/** A shard named by the manifest: a regular file (a device or a pipe would be read without end). */
function openShard(modelFile: string, shard: string, listed: string): RegularFile {
  return openRegularFile(shard, 'a file', (problem) =>
    problem === 'no such file'
      ? new SharpnessError(`weight shard "${listed}" listed in the manifest is missing`, modelFile)
      : new SharpnessError(`weight shard "${listed}" ${problem}`, modelFile),
  );
}

interface ShardPlan {
  modelFile: string;
  group: WeightGroup;
  shardFiles: string[];
  shardSizes: number[];
}

/**
 * Checks every shard's existence and size against the manifest, then the total against the memory
 * limit; reads nothing. Sizes come first: a manifest claiming more than its shards hold is a broken
 * model, which a message about memory would hide.
 */
export function planShards(modelFile: string, manifest: WeightGroup[], maxBytes: number): ShardPlan[] {
  const plans = manifest.map((group) => {
    const shardFiles = group.paths.map((p) => resolveShardPath(modelFile, p));
    const shardSizes = shardFiles.map((shard, i) => {
      const file = openShard(modelFile, shard, group.paths[i]);
      closeSync(file.descriptor);
      return file.size;
    });
    const needed = groupByteLength(group);
    const held = shardSizes.reduce((a, b) => a + b, 0);
    if (held < needed) {
      const last = shardFiles[shardFiles.length - 1] ?? modelFile;
      throw new SharpnessError(
        `truncated weight shard: the manifest needs ${needed} bytes in ${describeShards(group)}, the shards hold ${held}`,
        last,
      );
    }
    if (held > needed) {
      const last = shardFiles[shardFiles.length - 1] ?? modelFile;
      throw new SharpnessError(
        `weight shard has ${held - needed} bytes more than the manifest describes (${needed} bytes in ${describeShards(group)}): the shards do not belong to this model.json`,
        last,
      );
    }
    return { modelFile, group, shardFiles, shardSizes };
  });
  const total = manifest.reduce((sum, group) => sum + groupByteLength(group), 0);
  if (total > maxBytes) {
    throw new SharpnessError(
      `the weights take ${formatBytes(total)}, over the ${formatBytes(maxBytes)} limit for an analysis on this machine (raise it with --max-parameters, or analyse a smaller model)`,
      modelFile,
    );
  }
  return plans;
}

function groupByteLength(group: WeightGroup): number {
  return group.weights.reduce((sum, w) => sum + weightByteLength(w), 0);
}

function describeShards(group: WeightGroup): string {
  return group.paths.length === 1 ? basename(group.paths[0]) : `${group.paths.length} shards`;
}

/** Reads and decodes every weight of the manifest (after `planShards` has vetted the files). */
export function readWeights(plans: ShardPlan[]): Map<string, WeightValues> {
  const out = new Map<string, WeightValues>();
  for (const { modelFile, group, shardFiles, shardSizes } of plans) {
    const buffer = Buffer.alloc(shardSizes.reduce((a, b) => a + b, 0));
    let offset = 0;
    shardFiles.forEach((shard, i) => {
      const file = openShard(modelFile, shard, group.paths[i]);
      try {
        const read = file.size === shardSizes[i] ? readInto(file, buffer, offset, shardSizes[i], shard) : -1;
        if (read !== shardSizes[i])
          throw new SharpnessError(`changed while being read (${shardSizes[i]} bytes when checked, ${file.size} now)`, shard);
      } finally {
        closeSync(file.descriptor);
      }
      offset += shardSizes[i];
    });
    offset = 0;
    for (const entry of group.weights) {
      const length = weightByteLength(entry);
      const values = decodeWeight(entry, buffer.subarray(offset, offset + length));
      offset += length;
      if (out.has(entry.name)) throw new SharpnessError(`the manifest lists weight "${entry.name}" twice`, shardFiles[0]);
      out.set(entry.name, { name: entry.name, shape: entry.shape, values });
    }
  }
  return out;
}

function decodeWeight(entry: WeightEntry, bytes: Buffer): Float32Array | Int32Array {
  const count = elementCount(entry.shape);
  const q = entry.quantization;
  if (!q) {
    // Used in place where aligned: a manifest of a million small weights would otherwise make a million buffers.
    const aligned = bytes.byteOffset % 4 === 0 ? bytes : new Uint8Array(bytes);
    return entry.dtype === 'int32'
      ? new Int32Array(aligned.buffer, aligned.byteOffset, count)
      : new Float32Array(aligned.buffer, aligned.byteOffset, count);
  }
  const out = entry.dtype === 'int32' ? new Int32Array(count) : new Float32Array(count);
  if (q.dtype === 'float16') {
    for (let i = 0; i < count; i++) out[i] = halfToFloat(bytes.readUInt16LE(2 * i));
    return out;
  }
  const scale = q.scale ?? 1;
  const min = q.min ?? 0;
  for (let i = 0; i < count; i++) {
    const stored = q.dtype === 'uint8' ? bytes[i] : bytes.readUInt16LE(2 * i);
    const value = stored * scale + min;
    out[i] = entry.dtype === 'int32' ? Math.round(value) : value;
  }
  return out;
}

/** IEEE 754 binary16 → number. */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

export function firstNonFinite(values: ArrayLike<number>): { index: number; kind: 'NaN' | 'Infinity' | '-Infinity' } | null {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) return { index: i, kind: Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity' };
  }
  return null;
}
