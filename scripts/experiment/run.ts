/**
 * The small-batch vs large-batch experiment of Rangamani et al. on real MNIST digits:
 * trains the same ReLU MLP with a small and a large batch for several seeds to the same training
 * loss, saves every model with samples of its data, measures each with Sharpness Lens, and writes
 * results.json, results.md and a plot (plot.svg). With --bundle it also refreshes the demo's
 * example pair in examples/ from the first seed.
 *
 *   npm run experiment -- [--seeds 3] [--out experiments/mnist-batch-size] [--bundle]
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { initializeBackend } from '../../src/engine/backend';
import { encodeNpz } from '../lib/numpy-files';
import { assessModel, type Assessment } from '../../src/demo/assess';
import { experimentMarkdown, experimentSvg } from './report';
import { EXAMPLE_SPLIT, head, PIXELS, splitDigits, type DigitSet } from './mnist-digits';
import { saveLayersModel } from './save-layers-model';
import { HIDDEN_UNITS, describeOptimizer, evaluateSet, trainMlp, type OptimizerChoice } from './train';

export const SMALL_BATCH = 64;
export const LARGE_BATCH = 2000;
const TARGET_LOSS = 0.02;
const MAX_EPOCHS = 2000;
const ANALYSIS_SAMPLES = 1024;

function writeDigits(path: string, set: DigitSet): void {
  writeFileSync(
    path,
    encodeNpz({ x: { values: set.x, shape: [set.count, PIXELS] }, y: { values: Uint8Array.from(set.y), shape: [set.count] } }),
  );
}

/** The plot as PNG too (README images on the VS Code marketplace cannot be SVG), by headless Chromium when it is installed. */
function renderPng(svg: string, png: string): void {
  if (!existsSync(CHROMIUM)) {
    console.log(`(no ${CHROMIUM}: plot.png not rendered; plot.svg has the same plot)`);
    return;
  }
  const profile = mkdtempSync(join(tmpdir(), 'sharpness-plot-'));
  const flags = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${profile}`,
  ];
  spawnSync(CHROMIUM, [...flags, `--screenshot=${resolve(png)}`, '--window-size=640,400', pathToFileURL(resolve(svg)).href], {
    stdio: 'ignore',
    timeout: 60_000,
  });
  rmSync(profile, { recursive: true, force: true });
}

const CHROMIUM = '/usr/bin/chromium';

export interface ExperimentRun {
  seed: number;
  batchSize: number;
  epochs: number;
  steps: number;
  trainingSeconds: number;
  reachedTarget: boolean;
  /** Loss on the whole training set when training stopped (the analysis uses a sample of it). */
  trainLoss: number;
  folder: string;
  assessment: Assessment;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string', default: '3' },
      out: { type: 'string', default: 'experiments/mnist-batch-size' },
      bundle: { type: 'boolean', default: false },
      optimizer: { type: 'string', default: 'sgd' },
      'learning-rate': { type: 'string' },
    },
  });
  const seeds = Number(values.seeds);
  const optimizer: OptimizerChoice =
    values.optimizer === 'adam'
      ? { kind: 'adam', learningRate: Number(values['learning-rate'] ?? 1e-3) }
      : { kind: 'sgd', learningRate: Number(values['learning-rate'] ?? 0.05), momentum: 0.9 };
  const out = values.out!;
  const started = performance.now();
  await initializeBackend('wasm');
  const { train, test } = splitDigits(EXAMPLE_SPLIT.testFraction, EXAMPLE_SPLIT.seed);
  mkdirSync(out, { recursive: true });
  const testPath = join(out, 'mnist-test.npz');
  writeDigits(testPath, test);
  console.log(
    `MNIST: ${train.count} training and ${test.count} test digits; ReLU MLP ${[PIXELS, ...HIDDEN_UNITS, 10].join('-')}, ${describeOptimizer(optimizer)}, to training loss ${TARGET_LOSS}`,
  );

  const runs: ExperimentRun[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    for (const batchSize of [SMALL_BATCH, LARGE_BATCH]) {
      const run = await trainMlp(train, {
        batchSize,
        seed,
        targetLoss: TARGET_LOSS,
        maxEpochs: MAX_EPOCHS,
        optimizer,
        log: (line) => console.log(`  ${line}`),
      });
      const folder = join(out, `seed${seed}-batch${batchSize}`);
      const testState = evaluateSet(run.model, test);
      await saveLayersModel(run.model, folder, {
        experiment: 'small-batch vs large-batch (Rangamani et al.)',
        optimizer: describeOptimizer(optimizer),
        batchSize,
        seed,
        epochs: run.epochs,
        trainLoss: run.trainLoss,
        trainAccuracy: run.trainAccuracy,
        testLoss: testState.loss,
        testAccuracy: testState.accuracy,
      });
      writeDigits(join(folder, 'data.npz'), head(train, ANALYSIS_SAMPLES));
      run.model.dispose();
      const assessment = await assessModel({
        model: join(folder, 'model.json'),
        trainData: join(folder, 'data.npz'),
        testData: testPath,
        label: `batch ${batchSize}, seed ${seed}`,
      });
      console.log(
        `  → ${run.epochs} epochs (${run.seconds.toFixed(0)} s), test accuracy ${(100 * assessment.test.accuracy!).toFixed(2)}%, λ_max(DHD) ${assessment.report.invariant.sharpness.toPrecision(4)}`,
      );
      runs.push({
        seed,
        batchSize,
        epochs: run.epochs,
        steps: run.steps,
        trainingSeconds: run.seconds,
        reachedTarget: run.reachedTarget,
        trainLoss: run.trainLoss,
        folder: relative(out, folder),
        assessment,
      });
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const summary = {
    smallBatch: SMALL_BATCH,
    largeBatch: LARGE_BATCH,
    targetLoss: TARGET_LOSS,
    optimizer: describeOptimizer(optimizer),
    trainCount: train.count,
    testCount: test.count,
    seconds,
    runs,
  };
  writeFileSync(join(out, 'results.json'), JSON.stringify(summary, null, 2) + '\n');
  writeFileSync(join(out, 'results.md'), experimentMarkdown(summary));
  writeFileSync(join(out, 'plot.svg'), experimentSvg(summary));
  renderPng(join(out, 'plot.svg'), join(out, 'plot.png'));
  console.log(`\n${experimentMarkdown(summary)}\nwritten to ${out} in ${seconds.toFixed(0)} s`);
  if (values.bundle) {
    for (const [name, batchSize] of [
      ['mnist-small-batch', SMALL_BATCH],
      ['mnist-large-batch', LARGE_BATCH],
    ] as const) {
      const source = runs.find((r) => r.seed === 1 && r.batchSize === batchSize)!;
      const target = join('examples', name);
      rmSync(target, { recursive: true, force: true });
      cpSync(join(out, source.folder), target, { recursive: true });
    }
    cpSync(testPath, join('examples', 'mnist-test.npz'));
    console.log('examples/ refreshed from seed 1');
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
