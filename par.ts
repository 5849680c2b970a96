import { join } from 'node:path';
import { initializeBackend } from './src/engine/backend';
import { openInputs } from './src/engine/analysis/inputs';
import { LocalCurvatureProvider } from './src/engine/curvature/provider';
import { makeLoss } from './src/engine/loss/losses';
async function main() {
  await initializeBackend('wasm');
  for (const name of ['mlp-v1', 'cnn-v1']) {
  const w = '/work/main/bench-results/workloads/' + name;
  for (const samples of [16, 2048]) {
    const inputs = openInputs({ model: join(w, 'model.json'), data: join(w, 'data.npz'), seed: 0, samples });
    const options = { chunkSize: 256, cacheBytes: 512 * 2 ** 20, totalSamples: inputs.data.count };
    const v = Float64Array.from({ length: inputs.network.dimension }, (_, i) => Math.sin(i));
    const p = new LocalCurvatureProvider(inputs.network, makeLoss(inputs.loss.name, inputs.outputActivation), inputs.data, options);
    await p.evaluate(); await p.hvp(v);
    const t = performance.now(); for (let r = 0; r < 5; r++) await p.hvp(v);
    console.log(name, samples, 'local', ((performance.now() - t) / 5).toFixed(1), 'ms');
    await p.dispose();
  }
  }
}
main();
