// The point of the measure: function-preserving rescalings move the Euclidean Hessian by orders of
// magnitude and leave the invariant one alone (docs/measures.md, "The invariant operator D H D").
// Models are written on the fly.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { analyze, type AnalyzeRequest } from '../../../src/engine/analysis/analyze';
import type { Report } from '../../../src/shared/report';
import { dense, temporaryDirectory, writeSequentialModel, writeTeacherData } from '../../helpers/model-writer';

const relative = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
/** Lanczos on float32 HVPs: agreement to this is "the same number". */
const SAME = 1e-4;

let mlp: { model: string; data: string };
let cnn: { model: string; data: string };

before(() => {
  const dir = temporaryDirectory();
  // The paper's own check: a ReLU MLP 50→30→20→10 with biases on 500 Gaussian inputs.
  const mlpModel = writeSequentialModel(join(dir, 'mlp'), [50], [dense(30, 50, 'relu'), dense(20, 30, 'relu'), dense(10, 20, 'softmax')], {
    loss: 'sparse_categorical_crossentropy',
  });
  writeTeacherData(join(dir, 'mlp', 'data.json'), 500, 50, 10);
  mlp = { model: mlpModel.modelPath, data: join(dir, 'mlp', 'data.json') };
  const cnnModel = writeSequentialModel(
    join(dir, 'cnn'),
    [6, 6, 1],
    [
      {
        className: 'Conv2D',
        config: { filters: 4, kernel_size: [3, 3], strides: [1, 1], padding: 'same', activation: 'relu', use_bias: true },
        weights: [
          { role: 'kernel', shape: [3, 3, 1, 4] },
          { role: 'bias', shape: [4] },
        ],
      },
      { className: 'MaxPooling2D', config: { pool_size: [2, 2], padding: 'valid' } },
      { className: 'Flatten', config: {} },
      dense(8, 36, 'relu'),
      dense(3, 8, 'softmax'),
    ],
    { loss: 'sparse_categorical_crossentropy' },
  );
  writeTeacherData(join(dir, 'cnn', 'data.json'), 200, 36, 3, 5);
  cnn = { model: cnnModel.modelPath, data: join(dir, 'cnn', 'data.json') };
});

function run(
  target: { model: string; data: string },
  extra: Partial<AnalyzeRequest>,
  normalization: 'layer' | 'element' = 'layer',
): Promise<Report> {
  return analyze({
    model: target.model,
    data: target.data,
    backend: 'wasm',
    threads: 1,
    ...extra,
    settings: {
      topK: 1,
      perLayer: false,
      exactThreshold: 0,
      lanczosTolerance: 1e-6,
      lanczosMaxIterations: 150,
      traceMaxSamples: 10,
      normalization,
    },
  });
}

function assertSameFunction(rescaled: Report): void {
  assert.ok(rescaled.rescaling, 'the report describes the rescaling');
  assert.ok(rescaled.rescaling.maxOutputDifference < 1e-5, `outputs changed by ${rescaled.rescaling.maxOutputDifference}`);
}

test("the paper's check: α = (5, 4, 1/20) keeps the outputs and λ_max(DHD), not λ_max(H)", async () => {
  const before = await run(mlp, {});
  const after = await run(mlp, { rescale: [5, 4, 1 / 20] });
  assertSameFunction(after);
  assert.ok(relative(after.loss, before.loss) < 1e-5);
  assert.ok(
    relative(after.invariant.sharpness, before.invariant.sharpness) < SAME,
    `λ_max(DHD) ${before.invariant.sharpness} → ${after.invariant.sharpness}`,
  );
  const ratio = after.euclidean.topEigenvalues[0] / before.euclidean.topEigenvalues[0];
  assert.ok(ratio > 10 || ratio < 0.1, `λ_max(H) moved only by ×${ratio}`);
});

test('a random layer-wise rescaling with factors up to 100× is invisible to the layer-normalised measure', async () => {
  const before = await run(mlp, {});
  const after = await run(mlp, { rescaleRandom: { seed: 11, spread: 100 } });
  assertSameFunction(after);
  const factors = after.rescaling!.factors!;
  assert.equal(factors.length, 3);
  for (const f of factors) assert.ok(f >= 1 / 100 && f <= 100, `factor ${f} within the spread`);
  assert.ok(Math.abs(factors.reduce((a, b) => a * b, 1) - 1) < 1e-12, 'the factors multiply to 1');
  assert.ok(relative(after.invariant.sharpness, before.invariant.sharpness) < SAME);
  assert.ok(relative(after.invariant.trace, before.invariant.trace) < 1e-3, 'the trace of D H D is the same matrix’s trace');
  const ratio = after.euclidean.topEigenvalues[0] / before.euclidean.topEigenvalues[0];
  assert.ok(ratio > 10 || ratio < 0.1, `λ_max(H) moved only by ×${ratio} under factors ${factors.map((f) => f.toFixed(2))}`);
});

for (const [name, target] of [
  ['MLP', () => mlp],
  ['CNN (through max pooling and Flatten)', () => cnn],
] as const) {
  test(`${name}: a neuron-wise rescaling keeps element-normalised sharpness, and shows the layer one is not invariant to it`, async () => {
    const beforeElement = await run(target(), {}, 'element');
    const afterElement = await run(target(), { rescaleNeurons: 7 }, 'element');
    assertSameFunction(afterElement);
    assert.ok(
      relative(afterElement.invariant.sharpness, beforeElement.invariant.sharpness) < SAME,
      `element D: ${beforeElement.invariant.sharpness} → ${afterElement.invariant.sharpness}`,
    );
    const euclideanRatio = afterElement.euclidean.topEigenvalues[0] / beforeElement.euclidean.topEigenvalues[0];
    assert.ok(euclideanRatio > 3 || euclideanRatio < 1 / 3, `λ_max(H) moved only by ×${euclideanRatio}`);
    const beforeLayer = await run(target(), {}, 'layer');
    const afterLayer = await run(target(), { rescaleNeurons: 7 }, 'layer');
    assert.ok(
      relative(afterLayer.invariant.sharpness, beforeLayer.invariant.sharpness) > 0.01,
      `layer D should change under a neuron-wise rescaling: ${beforeLayer.invariant.sharpness} → ${afterLayer.invariant.sharpness}`,
    );
  });
}

test('a layer-wise rescaling that does not multiply to 1 is refused, naming the problem', async () => {
  await assert.rejects(run(mlp, { rescale: [5, 4, 1] }), /multiply to 1/);
  await assert.rejects(run(mlp, { rescale: [5, 0.2] }), /one factor per kernel layer \(3/);
});
