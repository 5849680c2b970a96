/**
 * Loss and accuracy of a model on a data file, without curvature: the demo's test-set numbers and
 * the generalization gap next to the sharpness.
 */
import { initializeBackend, type BackendChoice } from '../backend';
import { CurvatureEngine } from '../curvature/curvature-engine';
import type { LossName } from '../loss/losses';
import { openInputs, outputResults } from './inputs';

export interface Evaluation {
  loss: number;
  accuracy: number | null;
  sampleCount: number;
}

export async function evaluateModel(request: {
  model: string;
  data: string;
  loss?: LossName | 'auto';
  backend?: BackendChoice;
}): Promise<Evaluation> {
  await initializeBackend(request.backend ?? 'auto');
  const inputs = openInputs({ ...request, seed: 0 });
  const { network, losses, data } = inputs;
  const engine = new CurvatureEngine(network, losses, data, {
    chunkSize: 512,
    cacheBytes: 0,
    totalSamples: data.count,
  });
  try {
    const result = engine.evaluate();
    return { loss: result.loss, accuracy: outputResults(inputs, result).accuracy, sampleCount: data.count };
  } finally {
    engine.dispose();
    network.dispose();
  }
}
