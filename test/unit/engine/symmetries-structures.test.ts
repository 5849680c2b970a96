// What the report says about a model's symmetries, for the structures real models have: a shared
// layer keeps scale 1 (one set of weights at several calls), the kernels feeding a LayerNormalization
// are scale-invariant, and a neuron-wise rescaling into a BatchNormalization is exact (γ compensates
// for ε) — each checked against the model itself, not only against the wording.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initializeBackend } from '../../../src/engine/backend';
import { openInputs } from '../../../src/engine/analysis/inputs';
import { loadModel } from '../../../src/engine/model/load-model';
import { Network } from '../../../src/engine/network/network';
import { neuronwiseRescaling } from '../../../src/engine/rescaling/rescale';
import { analyzeSymmetries, kernelLayers } from '../../../src/engine/rescaling/symmetries';
import { sliceSamples } from '../../../src/engine/data/samples';

const CORPUS = join(__dirname, '..', '..', 'fixtures', 'corpus');
const modelOf = (name: string) => loadModel(join(CORPUS, name, 'model.json'));

/** max |f(x) − f′(x)| of two weight sets of one model over a case's data. */
function outputDifference(name: string, values: ReadonlyMap<string, Float32Array>): number {
  const { model, network, data } = openInputs({ model: join(CORPUS, name, 'model.json'), data: join(CORPUS, name, 'data.npz'), seed: 0 });
  const other = new Network(model, values);
  try {
    return tf.tidy(() => {
      const x = data.inputs.map((a) => tf.tensor(sliceSamples(a, 0, data.count).values, [data.count, ...a.shape], a.dtype));
      const [f, g] = [network.forward(x), other.forward(x)];
      return Math.max(...f.map((o, k) => tf.max(tf.abs(tf.sub(o, g[k]))).dataSync()[0]));
    });
  } finally {
    network.dispose();
    other.dispose();
  }
}

test('a shared layer gets no factor of its own and the summary says it keeps scale 1', () => {
  const model = modelOf('shared-layer');
  assert.deepEqual(
    kernelLayers(model).map((l) => l.name),
    ['head'],
  );
  assert.ok(
    analyzeSymmetries(model).summary.some(
      (line) => line === 'shared layers keep scale 1 (one set of weights at several calls): shared (2 calls)',
    ),
  );
});

test('the kernels feeding a LayerNormalization through homogeneous activations are named scale-invariant, and are', async () => {
  await initializeBackend('cpu');
  const model = modelOf('layer-norm-options');
  const line = analyzeSymmetries(model).summary.find((l) => l.startsWith('layer norm:'));
  // dense_Dense4 is linear into the first LayerNormalization; dense_Dense5 is relu into the second.
  assert.equal(
    line,
    'layer norm: any common scale of dense_Dense4, dense_Dense5 (as ε → 0): H is not invariant to it, D H D with layer D is (one block per tensor)',
  );
  const values = new Map<string, Float32Array>();
  for (const layer of model.layers.filter((l) => l.name === 'dense_Dense4'))
    for (const { manifestName } of layer.weights)
      values.set(manifestName, model.weights.get(manifestName)!.values.map((v) => v * 7) as Float32Array);
  // LayerNormalization's ε (1e-3 here) keeps this approximate: the outputs move, but little.
  assert.ok(outputDifference('layer-norm-options', values) < 2e-3);
});

test('a neuron-wise rescaling into a BatchNormalization keeps the function exactly', async () => {
  await initializeBackend('cpu');
  const model = modelOf('tm-nested');
  const rescaling = neuronwiseRescaling(model, 3);
  assert.ok(analyzeSymmetries(model).summary.some((l) => l.startsWith('batch norm:') && l.includes('γ compensates for ε')));
  assert.ok(outputDifference('tm-nested', rescaling.values) < 1e-5);
});
