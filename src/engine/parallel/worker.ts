/**
 * A data-parallel HVP worker: holds its own backend (one wasm instance per thread), the model and
 * one share of the samples, and answers evaluate / hvp / predictions requests for that share.
 */
import { parentPort } from 'node:worker_threads';
import { initializeBackend } from '../backend';
import { CurvatureEngine } from '../curvature/curvature-engine';
import { outputActivationOf } from '../analysis/inputs';
import { makeLoss } from '../loss/losses';
import { loadModel } from '../model/load-model';
import { Network } from '../network/network';
import type { ShardRequest, ShardResponse, ShardValue } from './messages';

let engine: CurvatureEngine | null = null;

async function handle(request: ShardRequest): Promise<ShardValue> {
  if (request.kind === 'init') {
    const { init } = request;
    await initializeBackend(init.backend);
    const model = loadModel(init.modelPath, { inputShapes: init.inputShapes, maxParameters: init.maxParameters });
    const network = new Network(model, init.weightOverrides ? new Map(init.weightOverrides) : undefined);
    const losses = init.losses.map(({ name, weight }, k) => makeLoss(name, outputActivationOf(network, k), weight));
    engine = new CurvatureEngine(network, losses, init.samples, init.options);
    return null;
  }
  if (!engine) throw new Error('worker used before init');
  switch (request.kind) {
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
            ? value.map((a) => a.buffer as ArrayBuffer)
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
