// Dense on a cached chunk (filled by evaluate) skips the input features that are zero in every sample of the chunk
// (layers/dense.ts, nonzeroColumns): its HVP must equal the HVP of the same engine without a cache
// (every product over all features), on cpu and wasm, and the skipped features' kernel rows of Hv are
// exact zeros either way.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initializeBackend } from '../../../src/engine/backend';
import { openInputs } from '../../../src/engine/analysis/inputs';
import { CurvatureEngine } from '../../../src/engine/curvature/curvature-engine';
import { SeededRandom } from '../../../src/engine/linalg/random';
import { dense, temporaryDirectory, writeSequentialModel } from '../../helpers/model-writer';

const FEATURES = 10;
const ZERO_FEATURES = [0, 3, 4, 9];
const SAMPLES = 12;

function writeCase(): { modelPath: string; dataPath: string } {
  const dir = temporaryDirectory('sharpness-dense-compaction-');
  const { modelPath } = writeSequentialModel(dir, [FEATURES], [dense(6, FEATURES, 'relu'), dense(3, 6, 'softmax')], { seed: 5 });
  const random = new SeededRandom(8);
  const x = Array.from({ length: SAMPLES }, () =>
    Array.from({ length: FEATURES }, (_, f) => (ZERO_FEATURES.includes(f) ? 0 : Math.fround(random.normal()))),
  );
  const y = x.map((_, i) => i % 3);
  const dataPath = join(dir, 'data.json');
  writeFileSync(dataPath, JSON.stringify({ x, y }));
  return { modelPath, dataPath };
}

for (const backend of ['cpu', 'wasm'] as const) {
  test(`${backend}: Dense's HVP with zero input features skipped on cached chunks equals the uncached one`, async () => {
    await initializeBackend(backend);
    const written = writeCase();
    const { network, losses, data } = openInputs({ model: written.modelPath, data: written.dataPath, seed: 0 });
    const cached = new CurvatureEngine(network, losses, data, { chunkSize: 5, cacheBytes: 64 * 2 ** 20, totalSamples: data.count });
    const uncached = new CurvatureEngine(network, losses, data, { chunkSize: 5, cacheBytes: 0, totalSamples: data.count });
    try {
      const random = new SeededRandom(3);
      const v = Float64Array.from({ length: network.dimension }, () => random.normal());
      cached.evaluate();
      uncached.evaluate();
      assert.equal(cached.cachedChunks, cached.chunks, 'every chunk of the cached engine is cached');
      assert.equal(uncached.cachedChunks, 0, 'no chunk of the uncached engine is cached');
      const expected = uncached.hvp(v);
      const first = cached.hvp(v);
      let second: Float64Array | null = null;
      const profile = await tf.profile(() => {
        second = cached.hvp(v);
      });
      assert.ok(
        profile.kernels.some((k) => k.name === 'ScatterNd'),
        'the cached engine scatters the kernel rows of the nonzero features (the compacted path ran)',
      );
      const scale = Math.max(...expected.map(Math.abs));
      for (const [label, actual] of [
        ['first (fills the memo)', first],
        ['second (from the memo)', second!],
      ] as const) {
        let worst = 0;
        for (let i = 0; i < v.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
        assert.ok(worst <= 1e-5 * scale, `${label}: max |Hv − Hv_uncached| = ${worst} against max |Hv| = ${scale}`);
      }
      const kernel = network.blocks[0];
      assert.equal(kernel.size, FEATURES * 6, 'the first block is the first Dense kernel');
      for (const f of ZERO_FEATURES)
        for (let u = 0; u < 6; u++) {
          const at = kernel.offset + f * 6 + u;
          assert.equal(second![at], 0, `kernel row of zero feature ${f}: exact zero (compacted)`);
          assert.equal(expected[at], 0, `kernel row of zero feature ${f}: exact zero (uncached)`);
        }
    } finally {
      cached.dispose();
      uncached.dispose();
      network.dispose();
    }
  });
}
