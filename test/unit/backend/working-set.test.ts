// The HVP sweep's memory: R{y} and R{dy} are freed as the backward sweep passes them, so a cached
// chunk's HVP holds about one set of R{y} (not R{y} and R{dy} for every node); a cached chunk keeps
// only the adjoints an HVP reads; nothing leaks, and the product does not change with caching or
// with repetition. Byte counts are the backend's own
// accounting (tf.memory), not timings.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { CurvatureEngine } from '../../../src/engine/curvature/curvature-engine';
import { openInputs } from '../../../src/engine/analysis/inputs';
import { SeededRandom } from '../../../src/engine/linalg/random';
import { dense } from '../../helpers/model-writer';
import { BACKENDS, prepareBackends, relativeDifference, unitVector, useBackend, writeCase, type ModelCase } from './helpers';

const WIDTH = 32;
const DEPTH = 6;
const deepMlp: ModelCase = {
  name: `MLP ${DEPTH}×${WIDTH} relu`,
  inputShape: [WIDTH],
  layers: [...Array.from({ length: DEPTH }, () => dense(WIDTH, WIDTH, 'relu')), dense(3, WIDTH, 'softmax')],
  classes: 3,
  smooth: false,
};
// Enough samples that activations, not the parameter-sized products, make the working set.
const written = writeCase(deepMlp, 256);
const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((f) => f()));

for (const backend of BACKENDS) {
  test(`${backend}: a cached chunk's HVP holds about one set of R{y}, leaks nothing, and equals the uncached HVP`, async () => {
    await prepareBackends();
    await useBackend(backend);
    const { network, losses, data } = openInputs({ model: written.modelPath, data: written.dataPath, seed: 0 });
    cleanups.push(() => network.dispose());
    const options = { chunkSize: data.count, totalSamples: data.count };
    const cached = new CurvatureEngine(network, losses, data, { ...options, cacheBytes: 2 ** 26 });
    const uncached = new CurvatureEngine(network, losses, data, { ...options, cacheBytes: 0 });
    cleanups.push(
      () => cached.dispose(),
      () => uncached.dispose(),
    );
    cached.evaluate();
    uncached.evaluate();
    assert.equal(cached.cachedChunks, 1);
    assert.equal(uncached.cachedChunks, 0);

    const v = unitVector(new SeededRandom(3), network.dimension);
    cached.hvp(v);
    const tensors = tf.memory().numTensors;
    cached.peakChunkBytes = 0;
    const first = cached.hvp(v);
    assert.equal(tf.memory().numTensors, tensors, 'an HVP leaves no tensor behind');
    const second = cached.hvp(v);
    assert.deepEqual(second, first, 'the same product twice');
    assert.ok(relativeDifference(uncached.hvp(v), first) < 1e-6, 'caching does not change the product');
    // An uncached chunk recomputes its records for the product, and σ' of each ReLU once (its
    // backward pass, R{x} and R{dx} share it: the transient memo); nothing of it outlives the product.
    const before = tf.memory().numTensors;
    const profile = await tf.profile(() => {
      uncached.hvp(v);
    });
    assert.equal(tf.memory().numTensors, before, 'an uncached HVP leaves no tensor behind');
    const steps = profile.kernels.filter((k) => k.name === 'Step').length;
    assert.equal(steps, DEPTH, `σ' computations in an uncached HVP: ${steps}, one per ReLU (${DEPTH})`);

    // Every active node's output: what R{y} takes for the whole network.
    type State = { records: ({ output: tf.Tensor } | undefined)[]; adjoints: (tf.Tensor | null)[]; reached: boolean[] };
    const state = (cached as unknown as { cache: Map<number, State> }).cache.get(0)!;
    // Only the Dense nodes past the first read dy in an HVP; every ReLU's and the first Dense's adjoint is dropped.
    const kept = state.adjoints.filter((a) => a).length;
    const reached = state.reached.filter(Boolean).length;
    assert.equal(kept, DEPTH, `adjoints kept: ${kept} of ${reached}`);
    const outputBytes = state.records.reduce((sum, r) => sum + (r ? r.output.size * 4 : 0), 0);
    // Holding R{y} and R{dy} of every node (nothing freed during the sweep) would take about twice this.
    assert.ok(
      cached.peakChunkBytes < 1.5 * outputBytes,
      `peak ${cached.peakChunkBytes} B of a cached chunk's HVP against ${outputBytes} B of node outputs`,
    );
    assert.ok(cached.peakChunkBytes >= outputBytes * 0.9, 'the peak counts the R-forward sweep it holds');
  });
}
