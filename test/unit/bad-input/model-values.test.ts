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
