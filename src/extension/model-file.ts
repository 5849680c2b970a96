/**
 * Recognising TF.js layers models without running the engine, and a light summary of their layers
 * for the sidebar. Pure Node with async reads (the extension host never waits on a file); no vscode
 * import, so it is unit tested.
 *
 * The cheap check reads the first bytes only: every writer of a layers model puts a "modelTopology"
 * near the top (tfjs-layers 1.x–4.x `model.save()` first of all; `tensorflowjs_converter` after
 * format/generatedBy/convertedBy; the Keras 2.1 converter with no "format" at all). A graph model
 * also has a "modelTopology", but a GraphDef, whose first key is "node" (and its "format" says so).
 * The summary parses the file with the engine's own model.json and topology readers (pure: they load
 * no TF.js), so the sidebar names layers exactly as the report does — nested ones by their path.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { SharpnessError } from '../engine/errors';
import { elementCount, modelJsonText, parseModelJson, type WeightEntry } from '../engine/model/manifest';
import { parseTopology, type TopologyLayer } from '../engine/model/topology';
import { normalizeWeightName } from '../engine/model/weight-names';
import { formatValue } from '../shared/report-format';
import { isStatisticWeight } from '../shared/weights';

/** How much of a file the cheap check reads. */
const HEAD_BYTES = 16 * 1024;
/** The engine's own limit for a model.json (docs/architecture.md, "Caching and memory budget"). */
const MAX_MODEL_JSON_BYTES = 64 * 2 ** 20;

/** A GraphDef's keys: a "modelTopology" starting with one of them is a graph model's. */
const GRAPH_TOPOLOGY = /"modelTopology"\s*:\s*\{\s*"(node|library|versions)"/;
const GRAPH_FORMAT = /"format"\s*:\s*"graph-model"/;

/**
 * The first `limit` bytes of a regular file (all of it when `whole`), or why not. Opened without
 * blocking and checked on the descriptor: a named pipe or a device in the workspace never hangs a scan.
 */
async function readRegular(path: string, limit: number, whole: boolean): Promise<Buffer | string> {
  let file;
  try {
    file = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder' : 'cannot be read';
  }
  try {
    const stats = await file.stat();
    if (!stats.isFile()) return 'is not a regular file';
    if (whole && stats.size > limit) return `is ${Math.round(stats.size / 2 ** 20)} MiB, too large for a model.json`;
    const length = Math.min(stats.size, limit);
    const buffer = Buffer.alloc(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await file.read(buffer, filled, length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buffer.subarray(0, filled);
  } catch {
    return 'cannot be read';
  } finally {
    await file.close();
  }
}

/** A `.json` file whose first bytes hold a layers model's "modelTopology" (not a graph model's). */
export async function looksLikeModelJson(path: string): Promise<boolean> {
  if (!path.toLowerCase().endsWith('.json')) return false;
  const head = await readRegular(path, HEAD_BYTES, false);
  if (typeof head === 'string') return false;
  const text = head.toString('utf8').replace(/^\uFEFF/, '');
  return /^\s*\{/.test(text) && text.includes('"modelTopology"') && !GRAPH_TOPOLOGY.test(text) && !GRAPH_FORMAT.test(text);
}

/** What the Inspector and Inspect Model say instead of analysing a file that is not a layers model: one line. */
export function notAModelMessage(fileName: string, problem: string): string {
  return `${fileName}: ${problem}; Sharpness Lens opens the model.json of a TF.js layers model, as model.save() or tensorflowjs_converter writes it`;
}

export interface LayerSummary {
  /** The layer's path, as the report names it: nested layers under their models' names (`model2/Conv1`). */
  name: string;
  /** Its own name, and the names of the nested models holding it, outermost first. */
  ownName: string;
  scopes: string[];
  className: string;
  /** The manifest's names of this layer's weights (trainable or not). */
  weights: string[];
  /** Values in those weights. */
  weightCount: number;
  /** False when the layer, or a model holding it, says `trainable: false`. */
  trainable: boolean;
  /** Not trainable and holding weights that are parameters (not only statistics): constants of the analysis. */
  frozen: boolean;
}

export interface ModelSummary {
  name: string;
  format: 'tfjs-layers' | 'keras-converter';
  layers: LayerSummary[];
  weightCount: number;
}

/** A summary, or the engine's one-line reason the file is not a model it can read. */
export type ModelRead = { summary: ModelSummary; problem: null } | { summary: null; problem: string };

/**
 * Which layer a manifest entry belongs to, for the sidebar's weight counts: the outermost name
 * segment that is a layer's own name, where that layer's nested-model path fits the segments before
 * it (Keras 3 prefixes the model's name; tfjs-layers writes none). Wrapped and recurrent weights
 * (`bidirectional/forward_lstm/lstm_cell/kernel`) thus count for the wrapper. Null when no layer, or
 * two, fit: a count is never given to a layer it may not belong to.
 */
function owningLayer(entry: WeightEntry, byName: Map<string, TopologyLayer[]>): TopologyLayer | null {
  const segments = normalizeWeightName(entry.name).split('/').slice(0, -1);
  const endsWith = (list: readonly string[], tail: readonly string[]) =>
    tail.length <= list.length && tail.every((s, i) => list[list.length - tail.length + i] === s);
  for (let j = 0; j < segments.length; j++) {
    const before = segments.slice(0, j);
    const fitting = (byName.get(segments[j]) ?? []).filter((l) => before.length === 0 || endsWith(before, l.scopes));
    if (fitting.length === 1) return fitting[0];
    if (fitting.length > 1) return null;
  }
  return null;
}

function summaryOf(bytes: Buffer, path: string): ModelSummary {
  const json = parseModelJson(modelJsonText(bytes, path), path);
  const topology = parseTopology(json.modelConfig, path);
  const byName = new Map<string, TopologyLayer[]>();
  for (const layer of topology.layers) {
    const same = byName.get(layer.name);
    if (same) same.push(layer);
    else byName.set(layer.name, [layer]);
  }
  const owned = new Map<TopologyLayer, WeightEntry[]>();
  let weightCount = 0;
  for (const entry of json.weightsManifest.flatMap((group) => group.weights)) {
    weightCount += elementCount(entry.shape);
    const layer = owningLayer(entry, byName);
    if (!layer) continue;
    const list = owned.get(layer);
    if (list) list.push(entry);
    else owned.set(layer, [entry]);
  }
  return {
    name: topology.name,
    format: json.format,
    layers: topology.layers.map((l) => {
      const weights = owned.get(l) ?? [];
      return {
        name: l.path,
        ownName: l.name,
        scopes: l.scopes,
        className: l.className,
        weights: weights.map((w) => w.name),
        weightCount: weights.reduce((sum, w) => sum + elementCount(w.shape), 0),
        trainable: l.trainable,
        frozen: !l.trainable && weights.some((w) => !isStatisticWeight(w.name)),
      };
    }),
    weightCount,
  };
}

/** The layers (by path, in the order the model computes them) with their weight counts and whether they are frozen. */
export async function summarizeModel(path: string, maxBytes = MAX_MODEL_JSON_BYTES): Promise<ModelRead> {
  const bytes = await readRegular(path, maxBytes, true);
  if (typeof bytes === 'string') return { summary: null, problem: bytes };
  try {
    return { summary: summaryOf(bytes, path), problem: null };
  } catch (error) {
    // The engine's own words for what is wrong; anything else is a bug, named as unreadable.
    return { summary: null, problem: error instanceof SharpnessError ? error.problem.message : 'cannot be read' };
  }
}

/**
 * Null when `path` is a layers model (the cheap check, else a full read: a topology may start past the
 * first bytes), else the engine's reason it is not one.
 */
export async function modelFileProblem(path: string): Promise<string | null> {
  if (await looksLikeModelJson(path)) return null;
  return (await summarizeModel(path)).problem;
}

/** A layer as the sidebar shows it: its latest invariant sharpness and class, and "frozen" when it is. */
export function layerText(layer: LayerSummary, sharpness: number | undefined): { description: string; tooltip: string } {
  const { frozen } = layer;
  const description = [sharpness !== undefined ? formatValue(sharpness) : null, layer.className, frozen ? 'frozen' : null]
    .filter((part) => part !== null)
    .join(' · ');
  const weights = layer.weightCount ? `, ${layer.weightCount.toLocaleString('en-US')} weights` : '';
  const lines = [
    `${layer.name} (${layer.className})${weights}`,
    frozen ? 'frozen (trainable: false): its weights are constants of the analysis, not part of θ' : null,
    sharpness !== undefined ? `λ_max(D_l H_ll D_l) = ${sharpness}` : null,
  ];
  return { description, tooltip: lines.filter((line) => line !== null).join('\n') };
}

/** A nested model in the sidebar, holding its layers and the models nested in it, in the order the model computes them. */
export interface ScopeEntry {
  kind: 'scope';
  name: string;
  /** The nested model's path (`sequential_1/model2`). */
  path: string;
  children: TreeEntry[];
  /** Layers anywhere below, and how many of them are frozen. */
  layerCount: number;
  frozenCount: number;
}

export type TreeEntry = ScopeEntry | { kind: 'layer'; layer: LayerSummary };

/**
 * The layers as a tree of the nested models holding them, so a path reads from the root down (a
 * Teachable Machine export: sequential_1 ▸ model1 ▸ its 150 layers; sequential_3 ▸ the head) and no
 * label is a long path cut short. A flat model's layers are the top level.
 */
export function layerTree(layers: readonly LayerSummary[]): TreeEntry[] {
  const root: TreeEntry[] = [];
  const scopes = new Map<string, ScopeEntry>();
  for (const layer of layers) {
    let children = root;
    const chain: ScopeEntry[] = [];
    layer.scopes.forEach((name, depth) => {
      const path = layer.scopes.slice(0, depth + 1).join('/');
      let scope = scopes.get(path);
      if (!scope) {
        scope = { kind: 'scope', name, path, children: [], layerCount: 0, frozenCount: 0 };
        scopes.set(path, scope);
        children.push(scope);
      }
      chain.push(scope);
      children = scope.children;
    });
    children.push({ kind: 'layer', layer });
    for (const scope of chain) {
      scope.layerCount++;
      if (layer.frozen) scope.frozenCount++;
    }
  }
  return root;
}
