/**
 * Profiles exact Hessian-vector products on one workload, the way analyze computes them:
 *
 *   node --import tsx scripts/bench/profile.ts <convnet|mlp|imagenet-cnn|path/to/model.json> [--data file.npz]
 *     [--samples N] [--backend wasm|cpu] [--hvps K] [--threads T] [--shapes] [--no-kernels] [--no-reference]
 *
 * - convnet: the classic Keras MNIST convnet (Conv2D 32 3×3 relu → MaxPool 2 → Conv2D 64 3×3 relu →
 *   MaxPool 2 → Flatten → Dropout → Dense 10 softmax, 34,826 parameters); mlp: 784-256-256-10 ReLU.
 *   Both are trained for one epoch on the first N real digits (seeded) and cached in the temp dir.
 *   imagenet-cnn: an ImageNet-style CNN of about 1M parameters on 224×224×3 inputs (five 3×3
 *   Conv2D without bias, each with BatchNormalization and LeakyReLU, four of stride 2, then global
 *   average pooling and Dense 10), seeded weights and seeded random images (no reference).
 * - The chunk size is planned as analyze plans it (the measured working set within the working
 *   budget); the records are cached within the default cache budget, so the K timed products after a
 *   warm-up one see what analyze's products see.
 * - Prints the median seconds per HVP (wall and the process's CPU time), the per-kernel times of one more product (tf.profile, in this
 *   thread), the peak RSS, and, unless --no-reference, the PyTorch reference of the same product
 *   (scripts/bench/profile_reference.py: gradient graph built once, 2 threads) with the ratio and the
 *   agreement of Hv between the two.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initializeBackend } from '../../src/engine/backend';
import { openInputs } from '../../src/engine/analysis/inputs';
import { measureWorkingSet, planChunkSize } from '../../src/engine/curvature/memory-plan';
import { LocalCurvatureProvider, type CurvatureProvider } from '../../src/engine/curvature/provider';
import { ParallelCurvatureProvider } from '../../src/engine/parallel/pool';
import { SeededRandom } from '../../src/engine/linalg/random';
import { DEFAULTS } from '../../src/shared/defaults';
import { encodeNpz } from '../lib/numpy-files';
import { head, PIXELS, splitDigits } from '../experiment/mnist-digits';
import { saveLayersModel } from '../experiment/save-layers-model';

interface Options {
  workload: string;
  data: string | null;
  samples: number;
  backend: 'wasm' | 'cpu';
  hvps: number;
  threads: number;
  kernels: boolean;
  /** Per-kernel times split by input shapes. */
  shapes: boolean;
  reference: boolean;
}

function parseArgs(argv: string[]): Options {
  const options: Options = {
    workload: '',
    data: null,
    samples: 1024,
    backend: 'wasm',
    hvps: 3,
    threads: 1,
    kernels: true,
    shapes: false,
    reference: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    if (arg === '--samples') options.samples = Number(value());
    else if (arg === '--backend') options.backend = value() as Options['backend'];
    else if (arg === '--hvps') options.hvps = Number(value());
    else if (arg === '--threads') options.threads = Number(value());
    else if (arg === '--data') options.data = value();
    else if (arg === '--no-kernels') options.kernels = false;
    else if (arg === '--shapes') options.shapes = true;
    else if (arg === '--no-reference') options.reference = false;
    else if (!options.workload) options.workload = arg;
    else throw new Error(`unexpected argument ${arg}`);
  }
  if (!options.workload)
    throw new Error('usage: profile.ts <convnet|mlp|imagenet-cnn|model.json> [--data npz] [--samples N] [--backend wasm|cpu] [--hvps K]');
  if (options.backend !== 'wasm' && options.backend !== 'cpu') throw new Error('--backend must be wasm or cpu');
  return options;
}

function convnet(): tfl.Sequential {
  const model = tfl.sequential();
  const he = (seed: number) => tfl.initializers.heNormal({ seed });
  model.add(
    tfl.layers.conv2d({ name: 'conv1', filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1], kernelInitializer: he(1) }),
  );
  model.add(tfl.layers.maxPooling2d({ name: 'pool1', poolSize: 2 }));
  model.add(tfl.layers.conv2d({ name: 'conv2', filters: 64, kernelSize: 3, activation: 'relu', kernelInitializer: he(2) }));
  model.add(tfl.layers.maxPooling2d({ name: 'pool2', poolSize: 2 }));
  model.add(tfl.layers.flatten({ name: 'flatten' }));
  model.add(tfl.layers.dropout({ name: 'dropout', rate: 0.5 }));
  model.add(
    tfl.layers.dense({ name: 'output', units: 10, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) }),
  );
  return model;
}

function mlp(): tfl.Sequential {
  const model = tfl.sequential();
  const he = (seed: number) => tfl.initializers.heNormal({ seed });
  model.add(tfl.layers.dense({ name: 'dense1', units: 256, activation: 'relu', inputShape: [PIXELS], kernelInitializer: he(1) }));
  model.add(tfl.layers.dense({ name: 'dense2', units: 256, activation: 'relu', kernelInitializer: he(2) }));
  model.add(
    tfl.layers.dense({ name: 'output', units: 10, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) }),
  );
  return model;
}

function imagenetCnn(): tfl.Sequential {
  const model = tfl.sequential();
  const widths = [32, 64, 128, 256, 256];
  widths.forEach((filters, k) => {
    model.add(
      tfl.layers.conv2d({
        name: `conv${k + 1}`,
        filters,
        kernelSize: 3,
        strides: k < 4 ? 2 : 1,
        padding: 'same',
        useBias: false,
        kernelInitializer: tfl.initializers.heNormal({ seed: k + 1 }),
        ...(k === 0 ? { inputShape: [224, 224, 3] } : {}),
      }),
    );
    model.add(tfl.layers.batchNormalization({ name: `bn${k + 1}` }));
    model.add(tfl.layers.leakyReLU({ name: `leaky${k + 1}`, alpha: 0.1 }));
  });
  model.add(tfl.layers.globalAveragePooling2d({ name: 'pool' }));
  model.add(
    tfl.layers.dense({ name: 'output', units: 10, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 9 }) }),
  );
  return model;
}

/** Seeded random 224×224×3 images with labels k mod 10, for the ImageNet-style CNN. */
async function ensureImagenetWorkload(samples: number): Promise<{ model: string; data: string }> {
  const folder = join(tmpdir(), `sharpness-lens-profile`, `imagenet-cnn-${samples}-v1`);
  const paths = { model: join(folder, 'model.json'), data: join(folder, 'data.npz') };
  if (existsSync(paths.data)) return paths;
  mkdirSync(folder, { recursive: true });
  const model = imagenetCnn();
  model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
  await saveLayersModel(model, folder, { profile: 'imagenet-cnn' });
  model.dispose();
  const random = new SeededRandom(5);
  const x = Float32Array.from({ length: samples * 224 * 224 * 3 }, () => random.uniform());
  const y = Uint8Array.from({ length: samples }, (_, k) => k % 10);
  writeFileSync(paths.data, encodeNpz({ x: { values: x, shape: [samples, 224, 224, 3] }, y: { values: y, shape: [samples] } }));
  return paths;
}

/** The named workload's folder (model.json, weights.bin, data.npz), made once: one epoch of training on the first `samples` digits. */
async function ensureWorkload(name: 'convnet' | 'mlp', samples: number): Promise<{ model: string; data: string }> {
  const folder = join(tmpdir(), `sharpness-lens-profile`, `${name}-${samples}-v1`);
  const paths = { model: join(folder, 'model.json'), data: join(folder, 'data.npz') };
  if (existsSync(paths.data)) return paths;
  mkdirSync(folder, { recursive: true });
  const inputShape = name === 'mlp' ? [PIXELS] : [28, 28, 1];
  const model = name === 'mlp' ? mlp() : convnet();
  const digits = head(splitDigits(0.2, 2026).train, samples);
  model.compile({ optimizer: tf.train.momentum(0.05, 0.9), loss: 'sparseCategoricalCrossentropy' });
  const order = new SeededRandom(11).shuffle(Array.from({ length: digits.count }, (_, i) => i));
  for (let start = 0; start < digits.count; start += 64) {
    const batch = order.slice(start, start + 64);
    const x = new Float32Array(batch.length * PIXELS);
    batch.forEach((index, k) => x.set(digits.x.subarray(index * PIXELS, (index + 1) * PIXELS), k * PIXELS));
    const xs = tf.tensor(x, [batch.length, ...inputShape]);
    const ys = tf.tensor1d(
      Int32Array.from(batch, (i) => digits.y[i]),
      'float32',
    );
    await model.trainOnBatch(xs, ys);
    tf.dispose([xs, ys]);
  }
  await saveLayersModel(model, folder, { profile: name });
  model.dispose();
  writeFileSync(
    paths.data,
    encodeNpz({
      x: { values: digits.x, shape: [digits.count, ...inputShape] },
      y: { values: Uint8Array.from(digits.y), shape: [digits.count] },
    }),
  );
  return paths;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const backend = await initializeBackend(options.backend);
  let paths: { model: string; data: string };
  if (options.workload === 'convnet' || options.workload === 'mlp') paths = await ensureWorkload(options.workload, options.samples);
  else if (options.workload === 'imagenet-cnn') paths = await ensureImagenetWorkload(options.samples);
  else {
    if (!options.data) throw new Error('a model.json workload needs --data');
    paths = { model: resolve(options.workload), data: resolve(options.data) };
  }
  const { model, network, losses, data } = openInputs({
    model: paths.model,
    data: paths.data,
    samples: options.samples,
    seed: 0,
    maxParameters: Infinity,
  });
  const working = measureWorkingSet(network, losses, data, paths.model);
  const threads = options.threads;
  const plan = planChunkSize(working, DEFAULTS.batchSize, Math.ceil(data.count / threads), (DEFAULTS.workingMb * 2 ** 20) / threads);
  const curvatureOptions = { chunkSize: plan.chunkSize, cacheBytes: DEFAULTS.cacheMb * 2 ** 20, totalSamples: data.count };
  const provider: CurvatureProvider =
    threads > 1
      ? await ParallelCurvatureProvider.start(
          threads,
          {
            modelPath: paths.model,
            inputShapes: model.inputs.map((input) => input.shape),
            maxParameters: Infinity,
            weightOverrides: null,
            backend: backend.name,
            losses: losses.map(({ name, weight }) => ({ name, weight })),
            options: { ...curvatureOptions, cacheBytes: curvatureOptions.cacheBytes / threads },
          },
          data,
          network.blocks,
          network.dimension,
        )
      : new LocalCurvatureProvider(network, losses, data, curvatureOptions);
  const log = (line: string) => process.stdout.write(line + '\n');
  log(
    `workload ${options.workload}: ${network.dimension.toLocaleString('en-US')} parameters, ${data.count} samples, backend ${backend.name}`,
  );
  log(
    `chunks of ${plan.chunkSize} (working set ${(working.bytesPerSample / 2 ** 20).toFixed(2)} MB/sample + ${(working.fixedBytes / 2 ** 20).toFixed(1)} MB), threads ${threads}`,
  );
  try {
    let started = performance.now();
    const evaluation = await provider.evaluate();
    log(`loss and gradient: ${((performance.now() - started) / 1000).toFixed(2)} s, loss ${evaluation.loss.toFixed(6)}`);
    const random = new SeededRandom(7);
    const v = new Float64Array(network.dimension);
    for (let i = 0; i < v.length; i++) v[i] = random.normal();
    const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    for (let i = 0; i < v.length; i++) v[i] /= norm;
    started = performance.now();
    let hv = await provider.hvp(v);
    log(`first HVP (fills the memo): ${((performance.now() - started) / 1000).toFixed(3)} s`);
    const times: number[] = [];
    // CPU seconds of the whole process (every worker thread too): less swayed than wall time when
    // other jobs share the cores, since time spent waiting for a core is not counted.
    const cpuTimes: number[] = [];
    for (let k = 0; k < options.hvps; k++) {
      started = performance.now();
      const cpuStart = process.cpuUsage();
      hv = await provider.hvp(v);
      const cpu = process.cpuUsage(cpuStart);
      times.push((performance.now() - started) / 1000);
      cpuTimes.push((cpu.user + cpu.system) / 1e6);
    }
    const vhv = hv.reduce((s, x, i) => s + x * v[i], 0);
    const seconds = median(times);
    log(`HVP: median ${seconds.toFixed(3)} s of ${times.map((t) => t.toFixed(3)).join(', ')}; v·Hv = ${vhv.toPrecision(8)}`);
    log(
      `HVP CPU time (all threads of this process): median ${median(cpuTimes).toFixed(3)} s of ${cpuTimes.map((t) => t.toFixed(3)).join(', ')}`,
    );
    if (options.kernels && threads === 1) {
      const profile = await tf.profile(async () => {
        await provider.hvp(v);
      });
      const byKernel = new Map<string, { ms: number; calls: number }>();
      for (const kernel of profile.kernels) {
        const key = options.shapes ? `${kernel.name} ${kernel.inputShapes.map((s) => `[${s?.join('×') ?? ''}]`).join(' ')}` : kernel.name;
        const entry = byKernel.get(key) ?? { ms: 0, calls: 0 };
        entry.ms += kernel.kernelTimeMs as number;
        entry.calls++;
        byKernel.set(key, entry);
      }
      const total = [...byKernel.values()].reduce((s, e) => s + e.ms, 0);
      log(
        `kernels of one HVP (tf.profile, ${total.toFixed(0)} ms in kernels; peak ${(profile.peakBytes / 2 ** 20).toFixed(0)} MB of tensors):`,
      );
      for (const [name, { ms, calls }] of [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 20))
        log(
          `  ${name.padEnd(options.shapes ? 64 : 28)} ${ms.toFixed(1).padStart(9)} ms  ${((100 * ms) / total).toFixed(1).padStart(5)} %  ${calls} calls`,
        );
    }
    log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
    if (options.reference) {
      const folder = join(tmpdir(), 'sharpness-lens-profile', `hvp-${process.pid}`);
      mkdirSync(folder, { recursive: true });
      const blocks = network.blocks.map((b) => ({ name: `${b.layer}/${b.role}`, offset: b.offset, size: b.size, shape: b.shape }));
      writeFileSync(join(folder, 'blocks.json'), JSON.stringify(blocks));
      writeFileSync(join(folder, 'v.f64'), Buffer.from(v.buffer));
      writeFileSync(join(folder, 'hv.f64'), Buffer.from(hv.buffer));
      // The samples as the engine analysed them (a seeded subsample, the targets as its loss reads them).
      const [x, y] = [data.inputs[0], data.targets[0]];
      writeFileSync(
        join(folder, 'data.npz'),
        encodeNpz({ x: { values: x.values, shape: [data.count, ...x.shape] }, y: { values: y.values, shape: [data.count, ...y.shape] } }),
      );
      const script = join(__dirname, 'profile_reference.py');
      const output = execFileSync(
        '/usr/bin/python3',
        [script, paths.model, folder, '--loss', losses[0].name, '--hvps', String(Math.max(3, options.hvps))],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const reference = JSON.parse(output) as { hvpSeconds: number; vHv: number; relativeDifference: number; threads: number };
      log(
        `torch (${reference.threads} threads, retained graph): ${reference.hvpSeconds.toFixed(3)} s per HVP, v·Hv = ${reference.vHv.toPrecision(8)}`,
      );
      log(
        `ratio engine/torch ${(seconds / reference.hvpSeconds).toFixed(2)}; ‖Hv − Hv_torch‖/‖Hv_torch‖ = ${reference.relativeDifference.toExponential(2)}`,
      );
    }
  } finally {
    await provider.dispose();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
