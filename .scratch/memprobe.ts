import * as tf from '../node_modules/@tensorflow/tfjs-core';
import { initializeBackend } from '/work/wt/core/src/engine/backend';
import { openInputs } from '/work/wt/core/src/engine/analysis/inputs';
import { measureWorkingSet, planChunkSize } from '/work/wt/core/src/engine/curvature/memory-plan';
import { LocalCurvatureProvider } from '/work/wt/core/src/engine/curvature/provider';
async function main() {
  await initializeBackend('wasm');
  const t0 = performance.now();
  const inputs = openInputs({ model: process.argv[2], data: process.argv[3], seed: 0, samples: Number(process.argv[4] ?? 16) });
  const w = measureWorkingSet(inputs.network, inputs.losses, inputs.data, 'x');
  const plan = planChunkSize(w, 256, inputs.data.count, 768 * 2 ** 20);
  console.log(
    'probe s',
    ((performance.now() - t0) / 1000).toFixed(1),
    'perSample MB',
    (w.bytesPerSample / 2 ** 20).toFixed(1),
    'fixed MB',
    (w.fixedBytes / 2 ** 20).toFixed(1),
    'chunk',
    plan.chunkSize,
    'rss MB',
    (process.memoryUsage().rss / 2 ** 20).toFixed(0),
    'heap MB',
    ((tf.backend() as any).wasm.HEAPU8.length / 2 ** 20).toFixed(0),
    'ext MB',
    (process.memoryUsage().external / 2 ** 20).toFixed(0),
    'arrayBuffers MB',
    (process.memoryUsage().arrayBuffers / 2 ** 20).toFixed(0),
  );
  const p = new LocalCurvatureProvider(inputs.network, inputs.losses, inputs.data, {
    chunkSize: plan.chunkSize,
    cacheBytes: 512 * 2 ** 20,
    totalSamples: inputs.data.count,
  });
  await p.evaluate();
  console.log('evaluated rss MB', (process.memoryUsage().rss / 2 ** 20).toFixed(0), 'tf MB', (tf.memory().numBytes / 2 ** 20).toFixed(0));
  const v = Float64Array.from({ length: p.dimension }, (_, i) => Math.sin(i));
  for (let r = 0; r < 2; r++) {
    const t = performance.now();
    await p.hvp(v);
    console.log(
      'hvp s',
      ((performance.now() - t) / 1000).toFixed(1),
      'rss MB',
      (process.memoryUsage().rss / 2 ** 20).toFixed(0),
      'heap MB',
      ((tf.backend() as any).wasm.HEAPU8.length / 2 ** 20).toFixed(0),
      'ext MB',
      (process.memoryUsage().external / 2 ** 20).toFixed(0),
      'arrayBuffers MB',
      (process.memoryUsage().arrayBuffers / 2 ** 20).toFixed(0),
      'tf MB',
      (tf.memory().numBytes / 2 ** 20).toFixed(0),
    );
  }
}
main();
