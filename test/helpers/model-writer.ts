/**
 * Writes small TF.js layers models (model.json + one float32 shard) and data files for tests, in
 * the format tfjs-layers' model.save() produces. Weights are seeded Gaussian (He-scaled) unless given.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeededRandom } from '../../src/engine/linalg/random';

export interface LayerSpec {
  className: string;
  config: Record<string, unknown>;
  /** Weight roles and shapes, in manifest order. */
  weights?: { role: string; shape: number[]; values?: Float32Array }[];
}

export interface WrittenModel {
  dir: string;
  modelPath: string;
}

export function temporaryDirectory(prefix = 'sharpness-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeSequentialModel(
  dir: string,
  inputShape: number[],
  layers: LayerSpec[],
  options: { seed?: number; loss?: string } = {},
): WrittenModel {
  mkdirSync(dir, { recursive: true });
  const random = new SeededRandom(options.seed ?? 1);
  const manifest: { name: string; shape: number[]; dtype: 'float32' }[] = [];
  const buffers: Buffer[] = [];
  const topologyLayers = layers.map((layer, i) => {
    const name = (layer.config.name as string | undefined) ?? `${layer.className.toLowerCase()}_${i + 1}`;
    for (const w of layer.weights ?? []) {
      const size = w.shape.reduce((a, b) => a * b, 1);
      const fanIn = w.shape.length > 1 ? w.shape.slice(0, -1).reduce((a, b) => a * b, 1) : 1;
      const values =
        w.values ??
        Float32Array.from({ length: size }, () =>
          w.role.includes('variance') ? 0.5 + random.uniform() : random.normal() * Math.sqrt(2 / fanIn) * (w.shape.length > 1 ? 1 : 0.1),
        );
      manifest.push({ name: `${name}/${w.role}`, shape: w.shape, dtype: 'float32' });
      buffers.push(Buffer.from(values.buffer, values.byteOffset, values.byteLength));
    }
    const config: Record<string, unknown> = { name, trainable: true, dtype: 'float32', ...layer.config };
    if (i === 0) config.batch_input_shape = [null, ...inputShape];
    return { class_name: layer.className, config };
  });
  const json = {
    format: 'layers-model',
    generatedBy: 'TensorFlow.js tfjs-layers v4.22.0',
    convertedBy: null,
    modelTopology: {
      class_name: 'Sequential',
      config: { name: 'sequential_1', layers: topologyLayers },
      keras_version: 'tfjs-layers 4.22.0',
      backend: 'tensor_flow.js',
    },
    ...(options.loss
      ? {
          trainingConfig: {
            loss: options.loss,
            metrics: ['accuracy'],
            optimizer_config: { class_name: 'SGD', config: { learningRate: 0.1 } },
          },
        }
      : {}),
    weightsManifest: [{ paths: ['weights.bin'], weights: manifest }],
  };
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json, null, 1));
  writeFileSync(join(dir, 'weights.bin'), Buffer.concat(buffers));
  return { dir, modelPath: join(dir, 'model.json') };
}

/** Dense layer spec with kernel and bias. */
export function dense(units: number, inputs: number, activation: string, extra: Record<string, unknown> = {}): LayerSpec {
  return {
    className: 'Dense',
    config: { units, activation, use_bias: true, ...extra },
    weights: [
      { role: 'kernel', shape: [inputs, units] },
      { role: 'bias', shape: [units] },
    ],
  };
}

/** Gaussian inputs and labels from a random linear teacher, as JSON {x, y}. */
export function writeTeacherData(path: string, samples: number, features: number, classes: number, seed = 2): void {
  const random = new SeededRandom(seed);
  const teacher = Array.from({ length: features * classes }, () => random.normal());
  const x: number[][] = [];
  const y: number[] = [];
  for (let s = 0; s < samples; s++) {
    const row = Array.from({ length: features }, () => Math.fround(random.normal()));
    const scores = Array.from({ length: classes }, (_, c) => row.reduce((sum, v, f) => sum + v * teacher[f * classes + c], 0));
    x.push(row);
    y.push(scores.indexOf(Math.max(...scores)));
  }
  writeFileSync(path, JSON.stringify({ x, y }));
}
