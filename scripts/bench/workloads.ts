/**
 * The bench's two workloads, made once and cached under bench-results/workloads/: a ReLU MLP
 * 784-256-256-10 on 2,048 MNIST digits and a small CNN (conv 3×3×16 → max-pool → conv 3×3×32 →
 * dense 10) on 512, each trained for one epoch (a realistic, not a random, Hessian).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { encodeNpz } from '../lib/numpy-files';
import { SeededRandom } from '../../src/engine/linalg/random';
import { head, PIXELS, splitDigits, type DigitSet } from '../experiment/mnist-digits';
import { saveLayersModel } from '../experiment/save-layers-model';

export interface Workload {
  name: 'mlp' | 'cnn';
  description: string;
  folder: string;
  samples: number;
}

const VERSION = 1;

function mlp(): tfl.Sequential {
  const model = tfl.sequential();
  model.add(
    tfl.layers.dense({
      name: 'dense1',
      units: 256,
      activation: 'relu',
      inputShape: [PIXELS],
      kernelInitializer: tfl.initializers.heNormal({ seed: 1 }),
    }),
  );
  model.add(
    tfl.layers.dense({ name: 'dense2', units: 256, activation: 'relu', kernelInitializer: tfl.initializers.heNormal({ seed: 2 }) }),
  );
  model.add(
    tfl.layers.dense({ name: 'output', units: 10, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) }),
  );
  return model;
}

function cnn(): tfl.Sequential {
  const model = tfl.sequential();
  model.add(
    tfl.layers.conv2d({
      name: 'conv1',
      filters: 16,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      inputShape: [28, 28, 1],
      kernelInitializer: tfl.initializers.heNormal({ seed: 1 }),
    }),
  );
  model.add(tfl.layers.maxPooling2d({ name: 'pool1', poolSize: 2 }));
  model.add(
    tfl.layers.conv2d({
      name: 'conv2',
      filters: 32,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: tfl.initializers.heNormal({ seed: 2 }),
    }),
  );
  model.add(tfl.layers.flatten({ name: 'flatten' }));
  model.add(
    tfl.layers.dense({ name: 'output', units: 10, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) }),
  );
  return model;
}

async function trainOneEpoch(model: tfl.Sequential, train: DigitSet, inputShape: number[]): Promise<void> {
  model.compile({ optimizer: tf.train.momentum(0.05, 0.9), loss: 'sparseCategoricalCrossentropy' });
  const order = new SeededRandom(11).shuffle(Array.from({ length: train.count }, (_, i) => i));
  for (let start = 0; start < train.count; start += 64) {
    const batch = order.slice(start, start + 64);
    const x = new Float32Array(batch.length * PIXELS);
    batch.forEach((index, k) => x.set(train.x.subarray(index * PIXELS, (index + 1) * PIXELS), k * PIXELS));
    const xs = tf.tensor(x, [batch.length, ...inputShape]);
    const ys = tf.tensor1d(
      Int32Array.from(batch, (i) => train.y[i]),
      'float32',
    );
    await model.trainOnBatch(xs, ys);
    xs.dispose();
    ys.dispose();
  }
}

export async function ensureWorkloads(root: string, log: (line: string) => void): Promise<Workload[]> {
  const workloads: Workload[] = [
    { name: 'mlp', description: 'ReLU MLP 784-256-256-10, 2,048 digits', folder: join(root, `mlp-v${VERSION}`), samples: 2048 },
    {
      name: 'cnn',
      description: 'CNN conv3×3×16 → max-pool → conv3×3×32 → dense 10, 512 digits',
      folder: join(root, `cnn-v${VERSION}`),
      samples: 512,
    },
  ];
  const missing = workloads.filter((w) => !existsSync(join(w.folder, 'data.npz')));
  if (missing.length === 0) return workloads;
  const { train } = splitDigits(0.2, 2026);
  for (const workload of missing) {
    log(`making the ${workload.name} workload (one epoch of training)…`);
    const inputShape = workload.name === 'mlp' ? [PIXELS] : [28, 28, 1];
    const model = workload.name === 'mlp' ? mlp() : cnn();
    await trainOneEpoch(model, train, inputShape);
    await saveLayersModel(model, workload.folder, { bench: workload.description });
    model.dispose();
    const sample = head(train, workload.samples);
    writeFileSync(
      join(workload.folder, 'data.npz'),
      encodeNpz({
        x: { values: sample.x, shape: [sample.count, ...inputShape] },
        y: { values: Uint8Array.from(sample.y), shape: [sample.count] },
      }),
    );
  }
  return workloads;
}
