// Weights and data that are finite but make the model's numbers meaningless: a negative variance
// (its square root is NaN in every output), a model with nothing to analyse, and inputs that overflow
// the forward pass. Each is one line naming the file, never a report full of NaN.
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeNpz } from '../../../scripts/lib/numpy-files';
import { copyFixture, editJson } from '../cli/helpers';
import { assertCleanFailure } from './expect-failure';

test('a BatchNormalization with a negative moving variance', async () => {
  const fixture = copyFixture('batchnorm');
  // batch_normalization_BatchNormalization1/moving_variance starts at value 54 of weights.bin.
  const descriptor = openSync(join(fixture.folder, 'weights.bin'), 'r+');
  try {
    writeSync(descriptor, new Uint8Array(Float32Array.of(-0.5).buffer), 0, 4, 4 * (54 + 2));
  } finally {
    closeSync(descriptor);
  }
  await assertCleanFailure(['analyze', fixture.model, '--data', fixture.data], {
    folder: fixture.folder,
    file: fixture.model,
    problem:
      /^weight "batch_normalization_BatchNormalization1\/moving_variance" of layer "batch_normalization_BatchNormalization1" is a variance but holds -0\.5 at element 2; variances cannot be negative$/,
  });
});

test('a model without weights has nothing to analyse', async () => {
  const fixture = copyFixture('mlp');
  editJson(fixture.model, (json) => {
    const topology = json.modelTopology as { config: { layers: { class_name: string; config: Record<string, unknown> }[] } };
    const input = topology.config.layers[0].config.batch_input_shape;
    topology.config.layers = [{ class_name: 'Activation', config: { name: 'only', activation: 'tanh', batch_input_shape: input } }];
    (json.weightsManifest as unknown[]).length = 0;
  });
  await assertCleanFailure(['analyze', fixture.model, '--data', fixture.data, '--loss', 'mse'], {
    folder: fixture.folder,
    file: fixture.model,
    problem: /^the model has no trainable parameters to analyse: it has no weights$/,
  });
});

test('a model whose layers are all frozen has nothing to analyse, and says how much is frozen', async () => {
  const fixture = copyFixture('mlp');
  editJson(fixture.model, (json) => {
    const topology = json.modelTopology as { config: { layers: { config: Record<string, unknown> }[] } };
    for (const layer of topology.config.layers) layer.config.trainable = false;
  });
  await assertCleanFailure(['analyze', fixture.model, '--data', fixture.data], {
    folder: fixture.folder,
    file: fixture.model,
    problem: /^the model has no trainable parameters to analyse: all its 107 parameters are frozen \(trainable: false\)$/,
  });
});

test('inputs that overflow the forward pass end in one line, not a report of NaN', async () => {
  const fixture = copyFixture('mlp');
  const data = join(fixture.folder, 'huge.npz');
  const x = new Float32Array(4 * 8).fill(3e38);
  writeFileSync(data, encodeNpz({ x: { values: x, shape: [4, 8] }, y: { values: Int32Array.of(0, 1, 2, 0), shape: [4] } }));
  await assertCleanFailure(['analyze', fixture.model, '--data', data], {
    folder: fixture.folder,
    file: fixture.model,
    problem: /^(the loss|its gradient) on the analysis data is not finite \((NaN|Infinity|-Infinity)\): the model overflows/,
  });
});

// A rescaling keeps the function, but factors like 1e30 and 1e-30 move the Hessian of the rescaled
// weights out of float32's range: the dense path (a small model) and the Lanczos path (a larger one)
// both end in one line naming the rescaling, never in a table of NaN with exit 0.
for (const [name, extra] of [
  ['mlp', []],
  ['mlp-medium', ['--no-per-layer', '--top-k', '1']],
] as const) {
  test(`--rescale 1e30,1e-30,1 on ${name}: the rescaling is named as the cause`, async () => {
    const fixture = copyFixture(name);
    await assertCleanFailure(['analyze', fixture.model, '--data', fixture.data, '--rescale', '1e30,1e-30,1', ...extra], {
      folder: fixture.folder,
      file: fixture.model,
      problem:
        /not finite: the rescaling \(layer-wise factors 1e\+30, 1e-30, 1\) moves the curvature outside float32's range; use factors nearer 1$/,
    });
  });
}

test('--rescale 1e38,1e-38,1: the loss overflows and the rescaling is named', async () => {
  const fixture = copyFixture('mlp');
  await assertCleanFailure(['analyze', fixture.model, '--data', fixture.data, '--rescale', '1e38,1e-38,1'], {
    folder: fixture.folder,
    file: fixture.model,
    problem: /^the loss of the rescaled model is not finite \(NaN\): the rescaling \(layer-wise factors 1e\+38, 1e-38, 1\)/,
  });
});
