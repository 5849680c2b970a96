/**
 * Rewrites of a saved tfjs-layers model into Keras options tfjs-layers cannot build (docs/testing.md,
 * "The model corpus"); the corpus case then has no tfjs-layers predictions, and the PyTorch reading
 * (itself checked against torch.nn where PyTorch has the cell) is the forward reference.
 */
import type { SeededRandom } from '../../src/engine/linalg/random';
import type { SavedArtifacts } from './formats';

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every `{class_name, config}` object of a topology, nested models and wrapped layers included. */
function layerObjects(value: unknown, found: Json[] = []): Json[] {
  if (Array.isArray(value)) value.forEach((v) => layerObjects(v, found));
  else if (isRecord(value)) {
    if (typeof value.class_name === 'string' && isRecord(value.config)) found.push(value);
    Object.values(value).forEach((v) => layerObjects(v, found));
  }
  return found;
}

/**
 * Keras 2.3+ and Keras 3's default GRU, reset_after=true (tfjs-layers refuses it): the config says so,
 * and the bias [3u] becomes [2, 3u], the trained bias as the input row and seeded values in ±0.2 as
 * the recurrent row. The kernels keep their trained values.
 */
export function gruResetAfter(artifacts: SavedArtifacts, random: SeededRandom): SavedArtifacts {
  const topology = structuredClone(artifacts.modelTopology);
  const grus = layerObjects(topology).filter((l) => l.class_name === 'GRU');
  if (grus.length === 0) throw new Error('gruResetAfter: the model has no GRU layer');
  const names = new Set(grus.map((l) => (l.config as Json).name as string));
  for (const gru of grus) (gru.config as Json).reset_after = true;
  const source = new Float32Array(artifacts.weightData);
  const values: number[] = [];
  let offset = 0;
  const weightSpecs = artifacts.weightSpecs.map((spec) => {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const stored = source.subarray(offset, offset + size);
    offset += size;
    const segments = spec.name.split('/');
    if (segments[segments.length - 1] !== 'bias' || !segments.slice(0, -1).some((s) => names.has(s))) {
      values.push(...stored);
      return spec;
    }
    values.push(...stored, ...Array.from({ length: size }, () => 0.4 * random.uniform() - 0.2));
    return { ...spec, shape: [2, size] };
  });
  return { modelTopology: topology, weightSpecs, weightData: Float32Array.from(values).buffer };
}
