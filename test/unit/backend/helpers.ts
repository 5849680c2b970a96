// Shared by the backend tests: running kernels on the cpu and wasm backends from host arrays,
// comparing the results, recording the largest differences, small models of every supported layer
// type, and a CurvatureEngine built the way analyze() builds it.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initializeBackend } from '../../../src/engine/backend';
import { CurvatureEngine } from '../../../src/engine/curvature/curvature-engine';
import { openInputs } from '../../../src/engine/analysis/inputs';
import { SeededRandom } from '../../../src/engine/linalg/random';
import { loadModel, type LoadedModel } from '../../../src/engine/model/load-model';
import { inputNodeIndex, isInputNode, Network } from '../../../src/engine/network/network';
import type { WeightMap } from '../../../src/engine/network/types';
import { dense, temporaryDirectory, writeSequentialModel, writeTeacherData, type LayerSpec } from '../../helpers/model-writer';
import { scoped } from '../../../src/engine/backend/scope';
import { CONVOLUTION_FAMILY_CASES } from './convolution-family-cases';

export type BackendName = 'cpu' | 'wasm';
export const BACKENDS: readonly BackendName[] = ['cpu', 'wasm'];

// ── backends ────────────────────────────────────────────────────────────────────────────────────

/** Kernels the tests call, whose TF.js versions are kept in case the project replaces them. */
const KERNELS = [
  'Conv2D',
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'DepthwiseConv2dNative',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
  'UnsortedSegmentSum',
  'MaxPool',
  'MaxPoolGrad',
  'MaxPoolWithArgmax',
  'AvgPool',
  'AvgPoolGrad',
  'Sum',
  'GatherV2',
];

/** TF.js's own kernels, `${backend}/${name}`, captured before the project registers its replacements. */
const tfjsKernels = new Map<string, tf.KernelFunc>();
let prepared: Promise<void> | null = null;

/**
 * Initialises the cpu and wasm backends the way the engine does (initializeBackend, which registers
 * the project's kernels), keeping TF.js's own versions of the kernels it replaces: they stay usable
 * (a wasm kernel's setup runs when the backend initialises), as references and for regression tests.
 */
export function prepareBackends(): Promise<void> {
  prepared ??= (async () => {
    for (const backend of BACKENDS) {
      for (const name of KERNELS) {
        const kernel = tf.getKernel(name, backend);
        if (kernel) tfjsKernels.set(`${backend}/${name}`, kernel.kernelFunc);
      }
    }
    await initializeBackend('cpu');
    await initializeBackend('wasm');
  })();
  return prepared;
}

/** TF.js's own kernel (as its package registers it), or undefined where it has none. */
export function tfjsKernel(backend: BackendName, name: string): tf.KernelFunc | undefined {
  return tfjsKernels.get(`${backend}/${name}`);
}

/** The project replaced TF.js's kernel `name` on `backend` (or added one it lacks). */
export function isProjectKernel(backend: BackendName, name: string): boolean {
  return tf.getKernel(name, backend)?.kernelFunc !== tfjsKernel(backend, name);
}

export async function useBackend(name: BackendName): Promise<void> {
  await prepareBackends();
  assert.ok(await tf.setBackend(name), `backend ${name} is available`);
}

// ── host tensors and kernels ────────────────────────────────────────────────────────────────────

export interface HostTensor {
  values: Float32Array | Int32Array;
  shape: number[];
  dtype: 'float32' | 'int32';
}

export const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

export function host(values: ArrayLike<number>, shape: number[], dtype: 'float32' | 'int32' = 'float32'): HostTensor {
  assert.equal(values.length, size(shape), `values fit shape [${shape.join(', ')}]`);
  return { values: dtype === 'int32' ? Int32Array.from(values) : Float32Array.from(values), shape, dtype };
}

/** A copy of a tensor's values, typed by its declared dtype (the cpu backend stores some int32 outputs as floats). */
function toHost(t: tf.Tensor): HostTensor {
  const dtype = t.dtype === 'int32' ? 'int32' : 'float32';
  return host(t.dataSync(), [...t.shape], dtype);
}

const toTensor = (h: HostTensor) => tf.tensor(h.values, h.shape, h.dtype);

/** Runs `kernel` on `backend` from host inputs and returns host copies of its outputs. */
export async function runKernelOn(
  backend: BackendName,
  kernel: string,
  inputs: Record<string, HostTensor>,
  attrs: object,
): Promise<HostTensor[]> {
  await useBackend(backend);
  return scoped(() => {
    const tensors: tf.NamedTensorMap = {};
    for (const [name, value] of Object.entries(inputs)) tensors[name] = toTensor(value);
    const out = tf.engine().runKernel(kernel, tensors, attrs as tf.NamedAttrMap) as tf.Tensor | tf.Tensor[];
    return (Array.isArray(out) ? out : [out]).map(toHost);
  });
}

/** Calls a kernel function directly on `backend` (TF.js's own, where the project replaced it). */
export async function runKernelFuncOn(
  backend: BackendName,
  kernelFunc: tf.KernelFunc,
  inputs: Record<string, HostTensor>,
  attrs: object,
): Promise<HostTensor[]> {
  await useBackend(backend);
  return scoped(() => {
    const tensors: tf.NamedTensorMap = {};
    for (const [name, value] of Object.entries(inputs)) tensors[name] = toTensor(value);
    const out = kernelFunc({ inputs: tensors, backend: tf.backend(), attrs: attrs as tf.NamedAttrMap });
    return (Array.isArray(out) ? out : [out]).map((info) => toHost(tf.engine().makeTensorFromTensorInfo(info)));
  });
}

/** Runs TF.js's own cpu kernel `name`: the reference, whatever the project registers for cpu. */
export async function runCpuReference(name: string, inputs: Record<string, HostTensor>, attrs: object): Promise<HostTensor[]> {
  const kernelFunc = tfjsKernel('cpu', name);
  assert.ok(kernelFunc, `the cpu backend has a ${name} kernel of its own`);
  return runKernelFuncOn('cpu', kernelFunc, inputs, attrs);
}

// ── comparisons ─────────────────────────────────────────────────────────────────────────────────

/** max |a − b| / max |b| (b is the reference); the absolute difference where b is all zero. */
export function relativeDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  assert.equal(actual.length, expected.length, 'same length');
  let difference = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    difference = Math.max(difference, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  if (Number.isNaN(difference)) return Infinity;
  return scale > 0 ? difference / scale : difference;
}

/** The largest difference seen per key (or the smallest, for keys that must stay large), printed after a file's tests. */
export class DifferenceLog {
  private readonly extremes = new Map<string, { value: number; where: string; smallest: boolean }>();

  record(key: string, value: number, where: string): number {
    const current = this.extremes.get(key);
    if (!current || value > current.value) this.extremes.set(key, { value, where, smallest: false });
    return value;
  }

  /** For differences that must be large (a documented bug): keeps the smallest. */
  recordSmallest(key: string, value: number, where: string): number {
    const current = this.extremes.get(key);
    if (!current || value < current.value) this.extremes.set(key, { value, where, smallest: true });
    return value;
  }

  /** Records the relative difference and asserts it is within `tolerance`. */
  check(key: string, actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, where: string): void {
    const difference = this.record(key, relativeDifference(actual, expected), where);
    assert.ok(difference <= tolerance, `${key} (${where}): relative difference ${difference.toExponential(2)} > ${tolerance}`);
  }

  print(title: string): void {
    const lines = [...this.extremes].map(
      ([key, { value, where, smallest }]) =>
        `  ${`${key}${smallest ? ' [smallest]' : ''}`.padEnd(56)} ${value.toExponential(2)}   (${where})`,
    );
    console.log(`${title}\n${lines.join('\n')}`);
  }
}

/** ⟨a, b⟩ in float64. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'dot: same length');
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

export const norm = (a: ArrayLike<number>) => Math.sqrt(dot(a, a));

/** A seeded random direction of length 1. */
export function unitVector(random: SeededRandom, n: number): Float64Array {
  const v = Float64Array.from(random.normalVector(n));
  const length = norm(v);
  return v.map((x) => x / length);
}

// ── random inputs ───────────────────────────────────────────────────────────────────────────────

/**
 * Value patterns for pooling inputs: 'mixed' signs (Gaussian), 'negative' (every value < 0),
 * 'zeros' (zeros among negatives, so many windows have maximum exactly 0), 'ties' (a few small
 * integers of both signs, so windows often hold their maximum twice) and 'negativeTies' (−1 and −2).
 */
export type ValuePattern = 'mixed' | 'negative' | 'zeros' | 'ties' | 'negativeTies';
export const VALUE_PATTERNS: readonly ValuePattern[] = ['mixed', 'negative', 'zeros', 'ties', 'negativeTies'];

function randomValues(random: SeededRandom, count: number, pattern: ValuePattern = 'mixed'): Float32Array {
  const draw: Record<ValuePattern, () => number> = {
    mixed: () => random.normal(),
    negative: () => -0.05 - Math.abs(random.normal()),
    zeros: () => (random.uniform() < 0.4 ? 0 : -0.05 - Math.abs(random.normal())),
    ties: () => random.integer(4) - 2,
    negativeTies: () => -1 - random.integer(2),
  };
  return Float32Array.from({ length: count }, draw[pattern]);
}

export function randomHost(random: SeededRandom, shape: number[], pattern: ValuePattern = 'mixed'): HostTensor {
  return host(randomValues(random, size(shape), pattern), shape);
}

// ── model specs ─────────────────────────────────────────────────────────────────────────────────

type Pair = [number, number];

function conv2d(kernel: Pair, inChannels: number, filters: number, config: Record<string, unknown> = {}): LayerSpec {
  return {
    className: 'Conv2D',
    config: { filters, kernel_size: kernel, strides: [1, 1], padding: 'valid', activation: 'linear', use_bias: true, ...config },
    weights: [
      { role: 'kernel', shape: [...kernel, inChannels, filters] },
      { role: 'bias', shape: [filters] },
    ],
  };
}

function depthwiseConv2d(kernel: Pair, channels: number, multiplier: number, config: Record<string, unknown> = {}): LayerSpec {
  return {
    className: 'DepthwiseConv2D',
    config: {
      kernel_size: kernel,
      depth_multiplier: multiplier,
      strides: [1, 1],
      padding: 'valid',
      activation: 'linear',
      use_bias: true,
      ...config,
    },
    weights: [
      { role: 'depthwise_kernel', shape: [...kernel, channels, multiplier] },
      { role: 'bias', shape: [channels * multiplier] },
    ],
  };
}

function batchNormalization(channels: number, options: { center?: boolean; scale?: boolean } = {}): LayerSpec {
  const center = options.center ?? true;
  const scale = options.scale ?? true;
  const weights: NonNullable<LayerSpec['weights']> = [];
  // γ near 1 (the writer draws 1-D weights small), β small, statistics away from the identity.
  if (scale) weights.push({ role: 'gamma', shape: [channels], values: Float32Array.from({ length: channels }, (_, c) => 0.8 + 0.15 * c) });
  if (center) weights.push({ role: 'beta', shape: [channels] });
  weights.push({ role: 'moving_mean', shape: [channels] }, { role: 'moving_variance', shape: [channels] });
  return { className: 'BatchNormalization', config: { axis: -1, momentum: 0.99, epsilon: 1e-3, center, scale }, weights };
}

function embedding(vocabulary: number, dimension: number): LayerSpec {
  return {
    className: 'Embedding',
    config: { input_dim: vocabulary, output_dim: dimension },
    weights: [{ role: 'embeddings', shape: [vocabulary, dimension] }],
  };
}

/** A layer without weights. */
export const plain = (className: string, config: Record<string, unknown> = {}): LayerSpec => ({ className, config });

// ── model cases ─────────────────────────────────────────────────────────────────────────────────

export interface ModelCase {
  name: string;
  inputShape: number[];
  layers: LayerSpec[];
  /** Integer inputs in [0, vocabulary) for an Embedding model. */
  vocabulary?: number;
  /** Labels: class indices in [0, classes); 2 with a sigmoid output gives binary labels. */
  classes: number;
  /** Every activation is smooth (finite differences of the gradient are meaningful). */
  smooth: boolean;
}

/** Written model and data of one case, in a fresh temporary folder. */
export interface WrittenCase {
  modelPath: string;
  dataPath: string;
}

const SAMPLES = 8;
const writtenFolders: string[] = [];

/** Writes the case's model (seeded weights) and data (8 samples) into a temporary folder, removed at exit. */
export function writeCase(modelCase: ModelCase, samples = SAMPLES): WrittenCase {
  const dir = temporaryDirectory('sharpness-backend-');
  if (writtenFolders.push(dir) === 1)
    process.once('exit', () => writtenFolders.forEach((folder) => rmSync(folder, { recursive: true, force: true })));
  const { modelPath } = writeSequentialModel(dir, modelCase.inputShape, modelCase.layers, { seed: 7 });
  const dataPath = join(dir, 'data.json');
  if (modelCase.vocabulary !== undefined)
    writeIndexData(dataPath, samples, modelCase.inputShape[0], modelCase.vocabulary, modelCase.classes);
  else writeTeacherData(dataPath, samples, size(modelCase.inputShape), modelCase.classes, 3);
  return { modelPath, dataPath };
}

/** Integer token sequences and class labels, as JSON {x, y}. */
function writeIndexData(path: string, samples: number, length: number, vocabulary: number, classes: number, seed = 4): void {
  const random = new SeededRandom(seed);
  const x = Array.from({ length: samples }, () => Array.from({ length }, () => random.integer(vocabulary)));
  const y = x.map((row) => row.reduce((a, b) => a + b, 0) % classes);
  writeFileSync(path, JSON.stringify({ x, y }));
}

const head = (inputs: number, classes: number, activation = 'softmax'): LayerSpec => dense(classes, inputs, activation);

const denseActivation = (activation: string, smooth: boolean): ModelCase => ({
  name: `Dense ${activation}`,
  inputShape: [5],
  layers: [dense(4, 5, activation), head(4, 3)],
  classes: 3,
  smooth,
});

/**
 * One small model per supported layer type and variant (every one under ~200 parameters, so the
 * exact dense Hessian is cheap). Images are non-square with odd sides, so 'same' padding with even
 * windows is asymmetric.
 */
export const MODEL_CASES: readonly ModelCase[] = [
  denseActivation('relu', false),
  denseActivation('tanh', true),
  denseActivation('sigmoid', true),
  denseActivation('elu', false),
  denseActivation('selu', false),
  denseActivation('softplus', true),
  denseActivation('swish', true),
  {
    name: 'Dense softmax (hidden) → linear logits',
    inputShape: [5],
    layers: [dense(4, 5, 'softmax'), head(4, 3, 'linear')],
    classes: 3,
    smooth: true,
  },
  {
    name: 'Dense sigmoid output (binary cross-entropy)',
    inputShape: [5],
    layers: [dense(4, 5, 'tanh'), head(4, 1, 'sigmoid')],
    classes: 2,
    smooth: true,
  },
  {
    name: 'Dense linear output (mean squared error)',
    inputShape: [5],
    layers: [dense(4, 5, 'softplus'), head(4, 1, 'linear')],
    classes: 3,
    smooth: true,
  },
  {
    name: 'Conv2D valid stride 1 → Flatten',
    inputShape: [4, 5, 2],
    layers: [conv2d([3, 3], 2, 2, { activation: 'relu' }), plain('Flatten'), head(2 * 3 * 2, 3)],
    classes: 3,
    smooth: false,
  },
  {
    name: 'Conv2D same stride 2 (even kernel) → GlobalAveragePooling2D',
    inputShape: [5, 7, 2],
    layers: [conv2d([2, 2], 2, 3, { padding: 'same', strides: [2, 2], activation: 'tanh' }), plain('GlobalAveragePooling2D'), head(3, 3)],
    classes: 3,
    smooth: true,
  },
  {
    name: 'Conv2D same stride 1 (3×2 kernel) → Flatten',
    inputShape: [5, 4, 1],
    layers: [conv2d([3, 2], 1, 2, { padding: 'same', activation: 'sigmoid' }), plain('Flatten'), head(5 * 4 * 2, 2)],
    classes: 2,
    smooth: true,
  },
  {
    name: 'Conv2D valid stride 2 → Flatten',
    inputShape: [7, 6, 2],
    layers: [conv2d([3, 3], 2, 2, { strides: [2, 2], activation: 'relu' }), plain('Flatten'), head(3 * 2 * 2, 3)],
    classes: 3,
    smooth: false,
  },
  {
    name: 'Conv2D same stride 2 (1×3 kernel, even height)',
    inputShape: [6, 5, 1],
    layers: [conv2d([1, 3], 1, 2, { padding: 'same', strides: [2, 2], activation: 'tanh' }), plain('Flatten'), head(3 * 3 * 2, 2)],
    classes: 2,
    smooth: true,
  },
  {
    name: 'DepthwiseConv2D same ×2 → GlobalAveragePooling2D',
    inputShape: [4, 5, 2],
    layers: [depthwiseConv2d([3, 3], 2, 2, { padding: 'same', activation: 'relu' }), plain('GlobalAveragePooling2D'), head(4, 2)],
    classes: 2,
    smooth: false,
  },
  {
    name: 'GlobalMaxPooling2D',
    inputShape: [5, 6, 2],
    layers: [conv2d([2, 2], 2, 3, { activation: 'relu' }), plain('GlobalMaxPooling2D'), head(3, 3)],
    classes: 3,
    smooth: false,
  },
  {
    name: 'DepthwiseConv2D valid stride 2 (even kernel) → Flatten',
    inputShape: [7, 5, 3],
    layers: [depthwiseConv2d([2, 2], 3, 1, { strides: [2, 2], activation: 'tanh' }), plain('Flatten'), head(3 * 2 * 3, 2)],
    classes: 2,
    smooth: true,
  },
  {
    name: 'DepthwiseConv2D same stride 2 (even kernel) ×2 → GlobalAveragePooling2D',
    inputShape: [5, 7, 2],
    layers: [
      depthwiseConv2d([2, 2], 2, 2, { padding: 'same', strides: [2, 2], activation: 'softplus' }),
      plain('GlobalAveragePooling2D'),
      head(4, 3),
    ],
    classes: 3,
    smooth: true,
  },
  {
    // No activation before the pool: many windows have a negative maximum (wasm's original bug).
    // (The max-pool cases stay small: the cpu backend's UnsortedSegmentSum, the pool's adjoint, is
    // quadratic in the number of pooled inputs.)
    name: 'Conv2D linear → MaxPooling2D same (odd input)',
    inputShape: [5, 5, 1],
    layers: [
      conv2d([2, 2], 1, 1, { padding: 'same' }),
      plain('MaxPooling2D', { pool_size: [2, 2], padding: 'same' }),
      plain('Flatten'),
      head(3 * 3, 3),
    ],
    classes: 3,
    smooth: false,
  },
  {
    name: 'Conv2D linear → MaxPooling2D valid 3×3 stride 1',
    inputShape: [4, 4, 1],
    layers: [
      conv2d([1, 1], 1, 2, { use_bias: false }),
      plain('MaxPooling2D', { pool_size: [3, 3], strides: [1, 1] }),
      plain('Flatten'),
      head(2 * 2 * 2, 2),
    ],
    classes: 2,
    smooth: false,
  },
  {
    name: 'AveragePooling2D valid',
    inputShape: [6, 5, 2],
    layers: [
      conv2d([2, 2], 2, 2, { activation: 'tanh' }),
      plain('AveragePooling2D', { pool_size: [2, 2] }),
      plain('Flatten'),
      head(2 * 2 * 2, 3),
    ],
    classes: 3,
    smooth: true,
  },
  {
    name: 'AveragePooling2D same (partial windows)',
    inputShape: [5, 7, 2],
    layers: [
      conv2d([1, 1], 2, 2, { activation: 'tanh' }),
      plain('AveragePooling2D', { pool_size: [2, 2], padding: 'same' }),
      plain('Flatten'),
      head(3 * 4 * 2, 3),
    ],
    classes: 3,
    smooth: true,
  },
  {
    name: 'AveragePooling2D same 3×3 stride 2',
    inputShape: [6, 5, 1],
    layers: [
      conv2d([2, 2], 1, 2, { activation: 'softplus', padding: 'same' }),
      plain('AveragePooling2D', { pool_size: [3, 3], strides: [2, 2], padding: 'same' }),
      plain('Flatten'),
      head(3 * 3 * 2, 2),
    ],
    classes: 2,
    smooth: true,
  },
  {
    name: 'Reshape → Dense on rank 3 → Flatten',
    inputShape: [4, 3, 2],
    layers: [plain('Reshape', { target_shape: [6, 4] }), dense(3, 4, 'tanh'), plain('Flatten'), head(18, 3)],
    classes: 3,
    smooth: true,
  },
  {
    name: 'Dropout',
    inputShape: [5],
    layers: [dense(4, 5, 'relu'), plain('Dropout', { rate: 0.5 }), head(4, 3)],
    classes: 3,
    smooth: false,
  },
  {
    name: 'BatchNormalization (center, scale) → Activation relu',
    inputShape: [5],
    layers: [dense(4, 5, 'linear'), batchNormalization(4), plain('Activation', { activation: 'relu' }), head(4, 3)],
    classes: 3,
    smooth: false,
  },
  {
    name: 'BatchNormalization (scale only) → Activation tanh',
    inputShape: [5],
    layers: [dense(4, 5, 'linear'), batchNormalization(4, { center: false }), plain('Activation', { activation: 'tanh' }), head(4, 3)],
    classes: 3,
    smooth: true,
  },
  {
    name: 'BatchNormalization (center only) on images → ELU layer',
    inputShape: [4, 5, 2],
    layers: [
      conv2d([2, 2], 2, 2),
      batchNormalization(2, { scale: false }),
      plain('ELU', { alpha: 0.7 }),
      plain('GlobalAveragePooling2D'),
      head(2, 3),
    ],
    classes: 3,
    smooth: false,
  },
  {
    name: 'BatchNormalization (neither) → Activation sigmoid',
    inputShape: [5],
    layers: [
      dense(4, 5, 'linear'),
      batchNormalization(4, { center: false, scale: false }),
      plain('Activation', { activation: 'sigmoid' }),
      head(4, 3),
    ],
    classes: 3,
    smooth: true,
  },
  {
    name: 'ReLU layer with max_value',
    inputShape: [5],
    layers: [dense(6, 5, 'linear'), plain('ReLU', { max_value: 0.6 }), head(6, 3)],
    classes: 3,
    smooth: false,
  },
  {
    name: 'LeakyReLU layer',
    inputShape: [5],
    layers: [dense(4, 5, 'linear'), plain('LeakyReLU', { alpha: 0.2 }), head(4, 3)],
    classes: 3,
    smooth: false,
  },
  {
    name: 'Softmax layer (hidden) → linear logits',
    inputShape: [5],
    layers: [dense(4, 5, 'linear'), plain('Softmax'), head(4, 3, 'linear')],
    classes: 3,
    smooth: true,
  },
  {
    name: 'Dense linear → Softmax layer as the output',
    inputShape: [5],
    layers: [dense(4, 5, 'tanh'), head(4, 3, 'linear'), plain('Softmax')],
    classes: 3,
    smooth: true,
  },
  {
    name: 'Embedding → GlobalAveragePooling1D',
    inputShape: [4],
    layers: [embedding(7, 3), plain('GlobalAveragePooling1D'), head(3, 3)],
    vocabulary: 7,
    classes: 3,
    smooth: true,
  },
  {
    name: 'ZeroPadding2D (asymmetric) → Conv2D',
    inputShape: [4, 3, 2],
    layers: [
      plain('ZeroPadding2D', {
        padding: [
          [1, 0],
          [2, 1],
        ],
      }),
      conv2d([3, 3], 2, 2, { strides: [2, 2], activation: 'tanh' }),
      plain('Flatten'),
      head(2 * 2 * 2, 2),
    ],
    classes: 2,
    smooth: true,
  },
  ...CONVOLUTION_FAMILY_CASES,
];

/** The case's model as the engine's executable network (the caller disposes it). */
export function loadNetwork(written: WrittenCase): Network {
  return new Network(loadModel(written.modelPath));
}

// ── the engine, built as analyze() builds it ─────────────────────────────────────────────────────

export interface EngineSetup {
  engine: CurvatureEngine;
  network: Network;
  model: LoadedModel;
  /** An engine over the same data and loss with θ replaced (for finite differences). */
  withTheta(theta: Float64Array): { engine: CurvatureEngine; dispose(): void };
  dispose(): void;
}

export async function buildEngine(written: WrittenCase, backend: BackendName, chunkSize = 5): Promise<EngineSetup> {
  await prepareBackends();
  await initializeBackend(backend);
  const { model, network, losses, data } = openInputs({ model: written.modelPath, data: written.dataPath, seed: 0 });
  const options = { chunkSize, cacheBytes: 64 * 2 ** 20, totalSamples: data.count };
  const engine = new CurvatureEngine(network, losses, data, options);
  return {
    engine,
    network,
    model,
    withTheta(theta) {
      const values = new Map<string, Float32Array>();
      for (const block of network.blocks)
        values.set(block.name, Float32Array.from(theta.subarray(block.offset, block.offset + block.size)));
      const shifted = new Network(model, values);
      const other = new CurvatureEngine(shifted, losses, data, options);
      return {
        engine: other,
        dispose() {
          other.dispose();
          shifted.dispose();
        },
      };
    },
    dispose() {
      engine.dispose();
      network.dispose();
    },
  };
}

// ── window geometries ───────────────────────────────────────────────────────────────────────────

export interface WindowGeometry {
  /** [batch, height, width, channels]. */
  input: [number, number, number, number];
  window: Pair;
  strides: Pair;
  pad: 'valid' | 'same';
  /** Conv2D output channels / depthwise channel multiplier. */
  outChannels: number;
  multiplier: number;
}

export const describeGeometry = (g: WindowGeometry) =>
  `x ${g.input.join('×')}, window ${g.window.join('×')}, strides ${g.strides.join('×')}, ${g.pad}, out ${g.outChannels}, ×${g.multiplier}`;

const SPATIAL: Pair[] = [
  [5, 6],
  [7, 5],
  [4, 7],
  [6, 4],
];

/**
 * Every window in {1×1, 2×2, 3×3, 2×3, 3×1} × strides {1, 2, 1×2} × {valid, same}, on non-square
 * inputs (odd sides with even windows make 'same' padding asymmetric), batch 1–3, channels 1–5,
 * 1–4 output channels, depth multiplier 1 and 2.
 */
export const WINDOW_GEOMETRIES: readonly WindowGeometry[] = (() => {
  const windows: Pair[] = [
    [1, 1],
    [2, 2],
    [3, 3],
    [2, 3],
    [3, 1],
  ];
  const strides: Pair[] = [
    [1, 1],
    [2, 2],
    [1, 2],
  ];
  const out: WindowGeometry[] = [];
  for (const window of windows) {
    for (const stride of strides) {
      for (const pad of ['valid', 'same'] as const) {
        const i = out.length;
        const [h, w] = SPATIAL[i % SPATIAL.length];
        out.push({
          input: [1 + (i % 3), h, w, 1 + (i % 5)],
          window,
          strides: stride,
          pad,
          outChannels: 1 + (i % 4),
          multiplier: 1 + (i % 2),
        });
      }
    }
  }
  return out;
})();

/** The output shape of a convolution or pool over `g` with `channels` output channels. */
export function outputShapeOf(g: WindowGeometry, channels: number): [number, number, number, number] {
  const info = tf.backend_util.computePool2DInfo(g.input, g.window, g.strides, 1, g.pad);
  return [info.batchSize, info.outHeight, info.outWidth, channels];
}

/**
 * tfjs-backend-wasm's Conv2D and DepthwiseConv2dNative return zeros for 'same' padding when the
 * windows stop short of the input's end on some axis ((out − 1)·stride + window < input), unless the
 * window is 1×1 (tensorflow/tfjs#6629, #8405).
 */
export function hitsWasmSamePaddingBug(input: readonly number[], window: Pair, strides: Pair, pad: 'valid' | 'same'): boolean {
  if (pad !== 'same' || (window[0] === 1 && window[1] === 1)) return false;
  return [0, 1].some((axis) => {
    const length = input[input.length - 3 + axis];
    const out = Math.ceil(length / strides[axis]);
    return (out - 1) * strides[axis] + window[axis] < length;
  });
}

// ── node-level adjointness ──────────────────────────────────────────────────────────────────────

export interface NodeAdjointness {
  node: number;
  layer: string;
  /** ⟨J_x u + J_θ v, y⟩ with J from rForward. */
  forward: number;
  /** ⟨u, dx⟩ + ⟨v, dθ⟩ with dx, dθ from backward(y). */
  adjoint: number;
  /** |forward − adjoint| / max(‖J(u, v)‖‖y‖, Σ‖u‖‖dx‖ + Σ‖v‖‖dθ‖), the dot-product test's scale. */
  mismatch: number;
}

/**
 * For every node of `network`, at the forward pass of the batch `x` (one tensor per model input, for a
 * model of several): random directions u (the node's float inputs) and v (its trainable weights), a
 * random cotangent y, and the two sides of ⟨J (u, v), y⟩ = ⟨(u, v), Jᵀ y⟩, J from the node's
 * R-operator (rForward) and Jᵀ from its backward pass. Exact Hessian symmetry needs this of every node.
 */
export function nodeAdjointness(network: Network, x: tf.Tensor | readonly tf.Tensor[], random: SeededRandom): NodeAdjointness[] {
  const xs = Array.isArray(x) ? x : [x];
  const randomLike = (t: tf.Tensor) => tf.tensor(randomValues(random, t.size), t.shape, 'float32');
  const read = (t: tf.Tensor) => t.dataSync();
  return scoped(() => {
    const values: tf.Tensor[] = [];
    const results: NodeAdjointness[] = [];
    network.nodes.forEach((node, i) => {
      const weights = network.weightsOf(node.layer);
      const inputs = node.inputs.map((j) => (isInputNode(j) ? xs[inputNodeIndex(j)] : values[j]));
      const { output, saved } = node.op.forward(inputs, weights);
      values[i] = output;
      const record = { inputs, output, saved: saved ?? [] };
      const us = inputs.map((input) => (input.dtype === 'float32' ? randomLike(input) : null));
      const v: WeightMap = {};
      for (const role of node.op.trainableRoles) v[role] = randomLike(weights[role]!);
      const y = randomLike(output);
      const jv = node.op.rForward(us, v, record, weights);
      const { dInputs, dWeights } = node.op.backward(
        y,
        record,
        weights,
        us.some((u) => u !== null),
      );
      const forward = jv ? dot(read(jv), read(y)) : 0;
      let adjoint = 0;
      let adjointScale = 0;
      const add = (a: tf.Tensor, b: tf.Tensor) => {
        adjoint += dot(read(a), read(b));
        adjointScale += norm(read(a)) * norm(read(b));
      };
      us.forEach((u, k) => {
        if (u && dInputs[k]) add(u, dInputs[k]!);
      });
      for (const role of node.op.trainableRoles) add(v[role]!, dWeights[role]!);
      const scale = Math.max(jv ? norm(read(jv)) * norm(read(y)) : 0, adjointScale);
      results.push({ node: i, layer: node.layer, forward, adjoint, mismatch: scale > 0 ? Math.abs(forward - adjoint) / scale : 0 });
    });
    return results;
  });
}

/** A random batch for a case's model: Gaussian images/features, or token indices for an Embedding. */
export function randomBatch(modelCase: ModelCase, batch: number, random: SeededRandom): tf.Tensor {
  const shape = [batch, ...modelCase.inputShape];
  if (modelCase.vocabulary !== undefined)
    return tf.tensor(
      Int32Array.from({ length: size(shape) }, () => random.integer(modelCase.vocabulary!)),
      shape,
      'int32',
    );
  return tf.tensor(randomValues(random, size(shape)), shape, 'float32');
}
