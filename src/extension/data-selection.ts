/**
 * Which data file analyses a model: data files next to it ranked by how likely they are meant for it,
 * and the remembered choice. The choice lives in the workspace state (nothing is written next to the
 * user's model); a `<model>.sharpness.json` sidecar the user writes and commits takes precedence.
 * Pure Node, no vscode import.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';

export const DATA_EXTENSIONS = ['.npz', '.npy', '.json', '.csv'];

/** How the data quick pick describes a candidate in the model's own folder (others show their workspace path). */
export const NEXT_TO_MODEL = 'next to the model';

export interface DataChoice {
  data: string;
  labels?: string;
}

export interface Sidecar extends Partial<DataChoice> {
  samples?: number;
}

/** `<model>.sharpness.json` beside a model: `model.json` → `model.sharpness.json`. */
export function sidecarPath(modelPath: string): string {
  return join(dirname(modelPath), `${basename(modelPath, extname(modelPath))}.sharpness.json`);
}

/** Reads the sidecar (paths relative to the model's folder); null when there is none; throws a one-line message when malformed. */
export function readSidecar(modelPath: string): Sidecar | null {
  const path = sidecarPath(modelPath);
  if (!existsSync(path)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: not valid JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error(`${path}: expected an object like {"data": "data.npz"}`);
  const record = parsed as Record<string, unknown>;
  const folder = dirname(modelPath);
  const sidecar: Sidecar = {};
  for (const key of ['data', 'labels'] as const) {
    if (record[key] === undefined) continue;
    if (typeof record[key] !== 'string') throw new Error(`${path}: "${key}" must be a file path`);
    sidecar[key] = resolve(folder, record[key] as string);
  }
  if (record.samples !== undefined) {
    if (!Number.isInteger(record.samples) || (record.samples as number) < 1)
      throw new Error(`${path}: "samples" must be a positive integer`);
    sidecar.samples = record.samples as number;
  }
  return sidecar;
}

/**
 * Data files in the model's folder and its parent, best first: names that say data/train/test, the
 * model's own stem, .npz over the rest; never model.json files, sidecars or the model itself.
 */
export function findDataCandidates(modelPath: string, isModelFile: (path: string) => boolean): string[] {
  const folder = dirname(modelPath);
  const stem = basename(modelPath, extname(modelPath)).toLowerCase();
  const scored: { path: string; score: number }[] = [];
  for (const [dir, distance] of [
    [folder, 0],
    [dirname(folder), 1],
  ] as const) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      const path = join(dir, name);
      const extension = extname(name).toLowerCase();
      if (!DATA_EXTENSIONS.includes(extension) || name.endsWith('.sharpness.json') || resolve(path) === resolve(modelPath)) continue;
      try {
        if (!statSync(path).isFile()) continue;
      } catch {
        continue;
      }
      if (extension === '.json' && isModelFile(path)) continue;
      const lower = name.toLowerCase();
      let score = -distance * 10;
      if (/(^|[^a-z])(data|train|training|sample|samples|x)([^a-z]|$)/.test(lower)) score += 5;
      if (/(^|[^a-z])test([^a-z]|$)/.test(lower)) score += 2;
      if (lower.includes(stem) && stem !== 'model') score += 3;
      if (extension === '.npz') score += 2;
      if (/(^|[^a-z])(y|labels?)\.npy$/.test(lower)) score -= 8;
      scored.push({ path, score });
    }
  }
  return scored.sort((a, b) => b.score - a.score || a.path.localeCompare(b.path)).map((s) => s.path);
}

/** For x.npy inputs, the labels file beside it: y.npy, labels.npy, or <stem>_labels.npy / <stem>-y.npy. */
export function guessLabels(dataPath: string): string | undefined {
  if (extname(dataPath).toLowerCase() !== '.npy') return undefined;
  const folder = dirname(dataPath);
  const stem = basename(dataPath, '.npy');
  const candidates = [
    stem.replace(/(^|[_-])x($|[_-])/i, '$1y$2'),
    'y',
    'labels',
    `${stem}_labels`,
    `${stem}-labels`,
    `${stem}_y`,
    `${stem}-y`,
  ];
  for (const name of candidates) {
    const path = join(folder, `${name}.npy`);
    if (name !== stem && existsSync(path)) return path;
  }
  return undefined;
}
