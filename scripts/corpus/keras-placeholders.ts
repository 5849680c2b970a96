/**
 * Keras layers that tfjs-layers cannot build, written into a corpus case by hand (docs/testing.md,
 * "The model corpus"): the case builds its model with tfjs-layers, with a placeholder layer where the
 * Keras layer goes, and this writer turns each placeholder, after `model.save()`, into the Keras
 * class with its Keras config (Normalization, the random augmentation layers, ReLU's threshold and
 * negative_slope, Subtract, …). The placeholder keeps its name, its place in the graph and its
 * weights, which can be renamed (BatchNormalization's moving_mean → Normalization's mean), moved into
 * the config as constants, or joined by weights tfjs-layers has no use for (Normalization's int count).
 *
 * Where every placeholder computes what its Keras layer computes (a linear Activation for an
 * augmentation layer, a frozen BatchNormalization with a tiny ε for Normalization), tfjs-layers'
 * predictions still prove the PyTorch reading; otherwise the case says so and PyTorch alone is the
 * reference for the forward pass.
 */
import type { SavedArtifacts } from './formats';

type Json = Record<string, unknown>;

export interface KerasLayerEdit {
  /** The placeholder layer of the tfjs-layers model, by name. */
  layer: string;
  className: string;
  /** The Keras config (the placeholder's name, trainable, dtype and batch_input_shape are kept). */
  config: Json;
  /** Placeholder weight role → Keras role. */
  renameWeights?: Record<string, string>;
  /** Placeholder weight role → config key: the weight leaves the manifest and becomes a constant list. */
  weightsToConfig?: Record<string, string>;
  /** Weights added after the layer's own. */
  extraWeights?: { role: string; shape: number[]; dtype: 'float32' | 'int32'; values: number[] }[];
}

export interface KerasEdit {
  layers: KerasLayerEdit[];
  /**
   * Every placeholder computes what its Keras layer computes, so tfjs-layers' predictions are kept as
   * `tfjs_outputs`; false: the case has none, and the PyTorch reading is the forward reference.
   */
  sameFunction: boolean;
}

const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every layer entry of a topology, nested models included. */
function layerEntries(value: unknown, found: Json[] = []): Json[] {
  if (Array.isArray(value)) value.forEach((v) => layerEntries(v, found));
  else if (isRecord(value)) {
    if (typeof value.class_name === 'string' && isRecord(value.config) && typeof value.config.name === 'string') found.push(value);
    Object.values(value).forEach((v) => layerEntries(v, found));
  }
  return found;
}

const KEPT_KEYS = ['name', 'trainable', 'dtype', 'batch_input_shape'];

/** The saved artifacts with every placeholder replaced by its Keras layer. */
export function applyKerasEdit(artifacts: SavedArtifacts, edit: KerasEdit): SavedArtifacts {
  const topology = structuredClone(artifacts.modelTopology);
  const entries = layerEntries(topology);
  // Weights as (spec, bytes) pairs, so some can be removed and others added.
  let offset = 0;
  let weights = artifacts.weightSpecs.map((spec) => {
    const bytes = 4 * spec.shape.reduce((a, b) => a * b, 1);
    const data = new Uint8Array(artifacts.weightData.slice(offset, offset + bytes));
    offset += bytes;
    return { spec: { ...spec }, data };
  });
  for (const change of edit.layers) {
    const entry = entries.find((e) => (e.config as Json).name === change.layer);
    if (!entry) throw new Error(`no placeholder layer "${change.layer}"`);
    const old = entry.config as Json;
    const kept = Object.fromEntries(KEPT_KEYS.filter((k) => k in old).map((k) => [k, old[k]]));
    entry.class_name = change.className;
    entry.config = { ...kept, ...change.config };
    const prefix = `${change.layer}/`;
    for (const [role, key] of Object.entries(change.weightsToConfig ?? {})) {
      const index = weights.findIndex((w) => w.spec.name === prefix + role);
      if (index < 0) throw new Error(`no weight ${prefix}${role}`);
      (entry.config as Json)[key] = Array.from(new Float32Array(weights[index].data.slice().buffer));
      weights.splice(index, 1);
    }
    for (const w of weights) {
      const role = w.spec.name.startsWith(prefix) ? w.spec.name.slice(prefix.length) : null;
      if (role && change.renameWeights?.[role]) w.spec.name = prefix + change.renameWeights[role];
    }
    const last = weights.map((w) => w.spec.name.startsWith(prefix)).lastIndexOf(true);
    const at = last < 0 ? weights.length : last + 1;
    const added = (change.extraWeights ?? []).map((w) => ({
      spec: { name: prefix + w.role, shape: w.shape, dtype: w.dtype },
      data: new Uint8Array((w.dtype === 'int32' ? Int32Array.from(w.values) : Float32Array.from(w.values)).buffer),
    }));
    weights = [...weights.slice(0, at), ...added, ...weights.slice(at)];
  }
  const data = new Uint8Array(weights.reduce((s, w) => s + w.data.length, 0));
  let position = 0;
  for (const w of weights) {
    data.set(w.data, position);
    position += w.data.length;
  }
  return { modelTopology: topology, weightSpecs: weights.map((w) => w.spec), weightData: data.buffer };
}
