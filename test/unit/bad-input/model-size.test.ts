// Models over --max-parameters are refused from their topology alone, before any shard is read, so
// a huge model costs neither time nor memory.
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { copyFixture, editJson } from '../cli/helpers';
import { assertCleanFailure } from './expect-failure';

interface Layer {
  config: Record<string, unknown>;
}

test('a model over --max-parameters', async () => {
  const fixture = copyFixture('mlp');
  await assertCleanFailure(['analyze', fixture.model, '--data', fixture.data, '--max-parameters', '100'], {
    folder: fixture.folder,
    file: fixture.model,
    problem: /the model has 107 trainable parameters, over the limit of 100 \(raise it with --max-parameters\)/,
  });
});

test('a model of a hundred million parameters whose shards are tiny', async () => {
  const fixture = copyFixture('mlp');
  editJson(fixture.model, (json) => {
    const [first, second] = (json.modelTopology as { config: { layers: Layer[] } }).config.layers;
    first.config.batch_input_shape = [null, 100_000];
    first.config.units = 1000;
    second.config.units = 5;
    const [group] = json.weightsManifest as { weights: { shape: number[] }[] }[];
    group.weights[0].shape = [100_000, 1000];
    group.weights[1].shape = [1000];
    group.weights[2].shape = [1000, 5];
  });
  await assertCleanFailure(['analyze', fixture.model, '--data', fixture.data], {
    folder: fixture.folder,
    file: fixture.model,
    problem: /the model has 100,006,023 trainable parameters, over the limit of 20,000,000/,
  });
});

test('the rescale command applies the same limit', async () => {
  const fixture = copyFixture('mlp');
  // The output folder would be a sibling of the model's; watching the parent shows it is not created.
  const parent = dirname(fixture.folder);
  await assertCleanFailure(
    ['rescale', fixture.model, '--factors', '2,1,0.5', '--out', join(parent, 'rescaled'), '--max-parameters', '50'],
    {
      folder: parent,
      file: fixture.model,
      problem: /107 trainable parameters, over the limit of 50/,
    },
  );
});
