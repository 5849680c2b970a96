/**
 * Which data file analyses a model: data files next to it ranked by how likely they are meant for it,
 * and the remembered choice. The choice lives in the workspace state (nothing is written next to the
 * user's model); a `<model>.sharpness.json` sidecar the user writes and commits takes precedence, and
 * can set any analysis option that is about the model rather than the machine. Pure Node with async
 * file access (the extension host never blocks on a read), no vscode import.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { DATA_FILE_EXTENSIONS } from '../shared/data-files';
import type { AnalysisOptions } from '../shared/defaults';
import { OPTION_SPECS, OptionValueError, parseOption, type OptionKey } from '../shared/options';

/** How the data quick pick describes a candidate in the model's own folder (others show their workspace path). */
export const NEXT_TO_MODEL = 'next to the model';

/** Sidecars are a few lines; a bigger file is not one. */
const MAX_SIDECAR_BYTES = 64 * 1024;

export interface DataChoice {
  data: string;
  labels?: string;
}

export interface Sidecar extends Partial<DataChoice> {
  /** Analysis options for this model, over the settings. */
  options: Partial<AnalysisOptions>;
}

/** `<model>.sharpness.json` beside a model: `model.json` → `model.sharpness.json`. */
export function sidecarPath(modelPath: string): string {
  return join(dirname(modelPath), `${basename(modelPath, extname(modelPath))}.sharpness.json`);
}

/** The options a sidecar may set: those about the model and its data, not the machine's resources. */
export const SIDECAR_OPTIONS: readonly OptionKey[] = OPTION_SPECS.filter((spec) => !spec.machine).map((spec) => spec.key);

async function fileExists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Reads the sidecar (paths relative to the model's folder); null when there is none; throws a one-line message when malformed. */
export async function readSidecar(modelPath: string): Promise<Sidecar | null> {
  const path = sidecarPath(modelPath);
  let text: string;
  try {
    if ((await stat(path)).size > MAX_SIDECAR_BYTES)
      throw new Error(`${path}: over ${MAX_SIDECAR_BYTES / 1024} KiB, too large for a sidecar`);
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: not valid JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error(`${path}: expected an object like {"data": "data.npz"}`);
  const folder = dirname(modelPath);
  const sidecar: Sidecar = { options: {} };
  const options: Partial<Record<OptionKey, unknown>> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (key === 'data' || key === 'labels') {
      if (typeof value !== 'string' || value === '') throw new Error(`${path}: "${key}" must be a file path`);
      sidecar[key] = resolve(folder, value);
    } else if (SIDECAR_OPTIONS.includes(key as OptionKey)) {
      try {
        options[key as OptionKey] = parseOption(key as OptionKey, value, false);
      } catch (error) {
        if (error instanceof OptionValueError) throw new Error(`${path}: "${key}" ${error.message}`);
        throw error;
      }
    } else if (OPTION_SPECS.some((spec) => spec.key === key)) {
      throw new Error(`${path}: "${key}" is about the machine, not the model; set it in the settings (sharpnessLens.${key})`);
    } else {
      throw new Error(`${path}: unknown key "${key}" (known: data, labels, ${SIDECAR_OPTIONS.join(', ')})`);
    }
  }
  sidecar.options = options as Partial<AnalysisOptions>;
  return sidecar;
}

/**
 * Data files in the model's folder and its parent, best first: names that say data/train/test, the
 * model's own stem, .npz over the rest; never model.json files, sidecars or the model itself.
 */
export async function findDataCandidates(modelPath: string, isModelFile: (path: string) => Promise<boolean>): Promise<string[]> {
  const folder = dirname(modelPath);
  const stem = basename(modelPath, extname(modelPath)).toLowerCase();
  const scored: { path: string; score: number }[] = [];
  for (const [dir, distance] of [
    [folder, 0],
    [dirname(folder), 1],
  ] as const) {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      const path = join(dir, name);
      const extension = extname(name).toLowerCase();
      if (
        !(DATA_FILE_EXTENSIONS as readonly string[]).includes(extension) ||
        name.endsWith('.sharpness.json') ||
        resolve(path) === resolve(modelPath)
      )
        continue;
      if (!(await fileExists(path))) continue;
      if (extension === '.json' && (await isModelFile(path))) continue;
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
export async function guessLabels(dataPath: string): Promise<string | undefined> {
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
    if (name !== stem && (await fileExists(path))) return path;
  }
  return undefined;
}

/** Whether a remembered choice still points at files that exist. */
export async function choiceExists(choice: DataChoice): Promise<boolean> {
  return (await fileExists(choice.data)) && (!choice.labels || (await fileExists(choice.labels)));
}
