import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initializeBackend } from './src/engine/backend';
import { openInputs } from './src/engine/analysis/inputs';
import { LocalCurvatureProvider } from './src/engine/curvature/provider';
import { makeLoss } from './src/engine/loss/losses';
async function main() {
  await initializeBackend('wasm');
  const w = '/work/main/bench-results/workloads/' + (process.argv[2] ?? 'cnn-v1');
  const inputs = openInputs({ model: join(w, 'model.json'), data: join(w, 'data.npz'), seed: 0 });
  const totals = new Map<string, number>();
  // Time every kernel the engine runs.
  const engine = tf.engine() as unknown as { runKernel: (...a: unknown[]) => unknown };
  const original = engine.runKernel.bind(engine);
  let on = false;
  engine.runKernel = (name: unknown, ...rest: unknown[]) => { const t = performance.now(); const r = original(name, ...rest); if (on) { const k = String(name); totals.set(k, (totals.get(k) ?? 0) + performance.now() - t); } return r; };
  const p = new LocalCurvatureProvider(inputs.network, makeLoss(inputs.loss.name, inputs.outputActivation), inputs.data, { chunkSize: 256, cacheBytes: 512 * 2 ** 20, totalSamples: inputs.data.count });
  await p.evaluate();
  const v = Float64Array.from({ length: p.dimension }, (_, i) => Math.sin(i));
  await p.hvp(v);
  on = true;
  const t = performance.now();
  for (let r = 0; r < 3; r++) await p.hvp(v);
  const total = (performance.now() - t) / 3;
  console.log('hvp ms', total.toFixed(0), 'MB', (tf.memory().numBytes / 2 ** 20).toFixed(0), 'cached chunks', (p as unknown as { engine: { cache: Map<number, unknown> } }).engine.cache.size);
  for (const [k, ms] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(k.padEnd(40), (ms / 3).toFixed(1));
}
main();
