/**
 * Recognising TF.js layers models cheaply, without the engine: a JSON file whose first bytes hold a
 * "modelTopology" key (model.save() and tensorflowjs_converter both write it near the top), and a
 * light summary of its layers for the sidebar. Pure Node with async reads (the extension host never
 * waits on a file); no vscode import, so it is unit tested.
 */
import { open, readFile, stat } from 'node:fs/promises';

/** How much of a file the cheap check reads. */
const HEAD_BYTES = 16 * 1024;

export async function looksLikeModelJson(path: string): Promise<boolean> {
  if (!path.toLowerCase().endsWith('.json')) return false;
  try {
    const file = await open(path, 'r');
    try {
      const { buffer, bytesRead } = await file.read(Buffer.alloc(HEAD_BYTES), 0, HEAD_BYTES, 0);
      const head = buffer.subarray(0, bytesRead).toString('utf8');
      return /^\s*\{/.test(head) && head.includes('"modelTopology"');
    } finally {
      await file.close();
    }
  } catch {
    return false;
  }
}

/** What the Inspector says instead of analysing a JSON file that is not a model. */
export function notAModelMessage(fileName: string): string {
  return `${fileName} is not a TF.js layers model: the Sharpness Inspector opens the model.json that model.save() or tensorflowjs_converter writes, which holds a "modelTopology".`;
}

export interface LayerSummary {
  name: string;
  className: string;
  /** Values in the manifest's weights for this layer (trainable or not). */
  weightCount: number;
}

export interface ModelSummary {
  name: string;
  format: 'tfjs-layers' | 'keras-converter';
  layers: LayerSummary[];
  weightCount: number;
}

interface KerasLayer {
  class_name?: string;
  name?: string;
  config?: { name?: string };
}

/** Layer names and classes from the topology, weight counts from the manifest; null if unreadable. */
export async function summarizeModel(path: string, maxBytes = 64 * 2 ** 20): Promise<ModelSummary | null> {
  try {
    if ((await stat(path)).size > maxBytes) return null;
    const json = JSON.parse(await readFile(path, 'utf8'));
    const topology = json?.modelTopology;
    if (!topology || typeof topology !== 'object') return null;
    const converter = 'model_config' in topology;
    const config = converter ? topology.model_config : topology;
    const layerList: KerasLayer[] = Array.isArray(config?.config)
      ? config.config
      : Array.isArray(config?.config?.layers)
        ? config.config.layers
        : [];
    const counts = new Map<string, number>();
    for (const group of Array.isArray(json.weightsManifest) ? json.weightsManifest : []) {
      for (const w of Array.isArray(group?.weights) ? group.weights : []) {
        if (typeof w?.name !== 'string' || !Array.isArray(w.shape)) continue;
        const layer = w.name.split('/').slice(-2, -1)[0] ?? w.name;
        counts.set(layer, (counts.get(layer) ?? 0) + w.shape.reduce((a: number, b: number) => a * b, 1));
      }
    }
    const layers = layerList
      .filter((l) => l.class_name !== 'InputLayer')
      .map((l) => {
        const name = l.config?.name ?? l.name ?? '?';
        return { name, className: l.class_name ?? '?', weightCount: counts.get(name) ?? 0 };
      });
    return {
      name: typeof config?.config?.name === 'string' ? config.config.name : 'model',
      format: converter ? 'keras-converter' : 'tfjs-layers',
      layers,
      weightCount: [...counts.values()].reduce((a, b) => a + b, 0),
    };
  } catch {
    return null;
  }
}
