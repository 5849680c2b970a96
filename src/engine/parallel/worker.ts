/**
 * A data-parallel HVP worker: holds its own backend (one wasm instance per thread), the model and
 * one share of the samples, and answers evaluate / hvp / predictions requests for that share.
 */
import { parentPort } from 'node:worker_threads';
import { initializeBackend } from '../backend';
import { CurvatureEngine } from '../curvature/curvature-engine';
import { outputActivationOf } from '../analysis/inputs';
import { makeLoss, type LossFunction } from '../loss/losses';
import { loadModel } from '../model/load-model';
import { Network } from '../network/network';
import type { ShardRequest, ShardResponse, ShardValue } from './messages';

let engine: CurvatureEngine | null = null;
let network: Network | null = null;
let losses: LossFunction[] = [];
/** Sampling groups this worker evaluates, with their places among all groups. */
let groups: { index: number; engine: CurvatureEngine }[] = [];

async function handle(request: ShardRequest): Promise<ShardValue> {
  if (request.kind === 'init') {
    const { init } = request;
    await initializeBackend(init.backend);
    const model = loadModel(init.modelPath, { inputShapes: init.inputShapes, maxParameters: init.maxParameters });
    const loaded = new Network(model, init.weightOverrides ? new Map(init.weightOverrides) : undefined);
    network = loaded;
    losses = init.losses.map(({ name, weight }, k) => makeLoss(name, outputActivationOf(loaded, k), weight));
    engine = new CurvatureEngine(loaded, losses, init.samples, init.options);
    return null;
  }
  if (!engine || !network) throw new Error('worker used before init');
  switch (request.kind) {
    case 'groups': {
      // The share's products are done: its caches make room for the groups'.
      engine.dispose();
      for (const g of groups) g.engine.dispose();
      const net = network;
      groups = request.indices.map((index, k) => ({
        index,
        engine: new CurvatureEngine(net, losses, request.samples[k], request.options[k]),
      }));
      return null;
    }
    case 'groupHvp':
      return groups.filter((g) => g.index < request.count).map((g) => g.engine.hvp(request.v, request.blocks ?? undefined));
    case 'groupEvaluate':
      return groups.map((g) => g.engine.evaluate());
    case 'evaluate':
      return engine.evaluate();
    case 'hvp':
      return engine.hvp(request.v, request.blocks ?? undefined);
    case 'predictions':
      return engine.predictions();
  }
}

parentPort!.on('message', (request: ShardRequest) => {
  handle(request).then(
    (value) => {
      const transfer =
        value instanceof Float64Array
          ? [value.buffer as ArrayBuffer]
          : Array.isArray(value)
            ? value.map((a) => (ArrayBuffer.isView(a) ? a.buffer : a.gradient.buffer) as ArrayBuffer)
            : [];
      parentPort!.postMessage({ id: request.id, ok: true, value } satisfies ShardResponse, transfer);
    },
    (error: unknown) =>
      parentPort!.postMessage({
        id: request.id,
        ok: false,
        error: error instanceof Error ? error.message : String(error),
      } satisfies ShardResponse),
  );
});
