// Accuracy is defined per loss kind and is always a fraction in [0, 1]: a multi-label sigmoid model
// (binary cross-entropy over many outputs) once reported 356.8, the count of right outputs divided by
// the samples. Checked on the loss functions, through one analysis against an independent count, and
// through the worker pool, which adds up its workers' sums.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { analyze } from '../../../src/engine/analysis/analyze';
import { openInputs } from '../../../src/engine/analysis/inputs';
import { initializeBackend } from '../../../src/engine/backend';
import { LocalCurvatureProvider } from '../../../src/engine/curvature/provider';
import { SeededRandom } from '../../../src/engine/linalg/random';
import { makeLoss } from '../../../src/engine/loss/losses';
import { ParallelCurvatureProvider } from '../../../src/engine/parallel/pool';
import { dense, temporaryDirectory, writeSequentialModel } from '../../helpers/model-writer';

before(() => initializeBackend('cpu'));

function correctOf(name: Parameters<typeof makeLoss>[0], z: number[][] | number[][][], target: number[][] | number[][][]): number | null {
  const loss = makeLoss(name, undefined);
  const hits = loss.correct(tf.tensor(z), tf.tensor(target));
  return hits === null ? null : hits.dataSync()[0];
}

test('softmax losses count argmax agreement', async () => {
  const z = [
    [2, 1, 0],
    [0, 3, 1],
    [1, 0, 5],
  ];
  const target = [
    [1, 0, 0],
    [0, 0, 1],
    [0, 0, 1],
  ];
  assert.equal(correctOf('categorical_crossentropy', z, target), 2);
  assert.equal(correctOf('sparse_categorical_crossentropy', z, target), 2);
});

test('one sigmoid output counts the samples on the right side of 0.5', async () => {
  // Logits 1, −1, 2, −3 are probabilities above, below, above, below 0.5.
  assert.equal(correctOf('binary_crossentropy', [[1], [-1], [2], [-3]], [[1], [1], [0], [0]]), 2);
});

test('several sigmoid outputs (multi-label) give each sample the fraction of its outputs that are right', async () => {
  const z = [
    [1, -1, 2],
    [-1, -1, 1],
  ];
  const target = [
    [1, 0, 0],
    [0, 1, 1],
  ];
  // Two of three right in each sample: 2/3 + 2/3.
  assert.ok(Math.abs(correctOf('binary_crossentropy', z, target)! - 4 / 3) < 1e-6);
  // Outputs of several axes: the mean over all four of a sample's outputs.
  const z3 = [
    [
      [1, 1],
      [1, 1],
    ],
    [
      [-1, -1],
      [-1, 1],
    ],
  ];
  const t3 = [
    [
      [1, 1],
      [1, 0],
    ],
    [
      [0, 0],
      [0, 0],
    ],
  ];
  assert.ok(Math.abs(correctOf('binary_crossentropy', z3, t3)! - (3 / 4 + 3 / 4)) < 1e-6);
});

test('mean squared error has no accuracy', async () => {
  assert.equal(correctOf('mean_squared_error', [[1, 2]], [[1, 2]]), null);
});

const FEATURES = 4;
const OUTPUTS = 12;
const SAMPLES = 40;
/** The per-sample fractions are summed in float32: the count is exact to about 1e-7 relative. */
const FLOAT32_SUM = 1e-6;
let model: string;
let data: string;
/** Accuracy counted independently of the engine, in float64 from the written weights. */
let expectedAccuracy: number;

before(() => {
  const random = new SeededRandom(7);
  const kernel = Float32Array.from({ length: FEATURES * OUTPUTS }, () => random.normal());
  const bias = Float32Array.from({ length: OUTPUTS }, () => 0.1 * random.normal());
  const dir = temporaryDirectory();
  model = writeSequentialModel(
    dir,
    [FEATURES],
    [
      {
        ...dense(OUTPUTS, FEATURES, 'sigmoid'),
        weights: [
          { role: 'kernel', shape: [FEATURES, OUTPUTS], values: kernel },
          { role: 'bias', shape: [OUTPUTS], values: bias },
        ],
      },
    ],
    { loss: 'binary_crossentropy' },
  ).modelPath;
  const x = Array.from({ length: SAMPLES }, () => Array.from({ length: FEATURES }, () => Math.fround(random.normal())));
  const y = x.map(() => Array.from({ length: OUTPUTS }, () => (random.uniform() < 0.5 ? 1 : 0)));
  data = join(dir, 'data.json');
  writeFileSync(data, JSON.stringify({ x, y }));
  let right = 0;
  x.forEach((row, s) => {
    for (let o = 0; o < OUTPUTS; o++) {
      const logit = bias[o] + row.reduce((sum, v, f) => sum + v * kernel[f * OUTPUTS + o], 0);
      if (logit > 0 === (y[s][o] === 1)) right++;
    }
  });
  expectedAccuracy = right / (SAMPLES * OUTPUTS);
});

test('a multi-label analysis reports the mean agreement over outputs, in [0, 1]', async () => {
  const report = await analyze({
    model,
    data,
    backend: 'cpu',
    threads: 1,
    settings: { topK: 1, perLayer: false, traceMaxSamples: 2 },
  });
  assert.equal(report.data.loss, 'binary_crossentropy');
  assert.ok(report.accuracy !== null && report.accuracy >= 0 && report.accuracy <= 1, `accuracy ${report.accuracy}`);
  assert.ok(Math.abs(report.accuracy - expectedAccuracy) < FLOAT32_SUM, `${report.accuracy} vs ${expectedAccuracy}`);
});

test('the worker pool adds up to the same accuracy as one thread', async () => {
  const inputs = openInputs({ model, data, seed: 0 });
  const options = { chunkSize: 7, cacheBytes: 0, totalSamples: inputs.data.count };
  const local = new LocalCurvatureProvider(inputs.network, inputs.losses, inputs.data, options);
  const pool = await ParallelCurvatureProvider.start(
    3,
    {
      modelPath: model,
      inputShapes: inputs.model.inputs.map((input) => input.shape),
      maxParameters: 1000,
      weightOverrides: null,
      backend: 'cpu',
      losses: inputs.losses.map(({ name, weight }) => ({ name, weight })),
      options,
    },
    inputs.data,
    inputs.network.blocks,
    inputs.network.dimension,
  );
  try {
    assert.equal(pool.threads, 3);
    const [one, shared] = [await local.evaluate(), await pool.evaluate()];
    assert.ok(Math.abs(one.correct[0]! / SAMPLES - expectedAccuracy) < FLOAT32_SUM);
    assert.ok(
      Math.abs(shared.correct[0]! / SAMPLES - expectedAccuracy) < FLOAT32_SUM,
      `${shared.correct[0]! / SAMPLES} vs ${expectedAccuracy}`,
    );
  } finally {
    await pool.dispose();
    inputs.network.dispose();
  }
});
