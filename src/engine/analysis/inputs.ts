/**
 * Opens what every analysis needs, in the order that reports problems best: the model file and
 * topology, the data file, the model's weights (open input dimensions filled from the data), the
 * loss, and the data fitted to both.
 */
import { loadDataFile, type RawDataset } from '../data/load';
import { prepareData, summarizeLabels, type AnalysisData } from '../data/prepare';
import type { LossName } from '../loss/losses';
import { resolveLoss, type LossChoice } from '../loss/resolve-loss';
import { loadModel, readModelJson, type LoadedModel } from '../model/load-model';
import { MODEL_INPUT, Network } from '../network/network';

export interface InputRequest {
  model: string;
  data: string;
  labels?: string;
  labelColumn?: number | string;
  loss?: LossName | 'auto';
  /** Seeded subsample size; all samples when omitted. */
  samples?: number;
  seed: number;
  maxParameters?: number;
}

export interface AnalysisInputs {
  raw: RawDataset;
  model: LoadedModel;
  /** The model as stored (the caller disposes it). */
  network: Network;
  /** The output node's activation (undefined for a linear output). */
  outputActivation: string | undefined;
  outputShape: number[];
  loss: LossChoice;
  data: AnalysisData;
}

export function openInputs(
  request: InputRequest,
  samples: (available: number) => number | undefined = () => request.samples,
): AnalysisInputs {
  // The model's file and topology first: a broken model.json is reported before the data is read.
  readModelJson(request.model);
  const raw = loadDataFile(request.data, { labelsPath: request.labels, labelColumn: request.labelColumn });
  const model = loadModel(request.model, { inputShape: raw.x.shape.slice(1), maxParameters: request.maxParameters });
  const network = new Network(model);
  try {
    const outputActivation = network.outputNode === MODEL_INPUT ? undefined : network.nodes[network.outputNode].op.activation;
    const outputShape = model.layers.find((l) => l.name === model.topology.outputLayer)?.outputShape ?? model.inputShape;
    const loss = resolveLoss(
      request.loss ?? 'auto',
      model.json.trainingConfig,
      outputActivation,
      outputShape.reduce((a, b) => a * b, 1),
      summarizeLabels(raw),
      request.model,
    );
    const first = model.layers.find((l) => l.inbound.includes(model.topology.layers[0].name));
    const data = prepareData(
      raw,
      {
        inputShape: model.inputShape,
        embeddingVocabulary: first?.className === 'Embedding' ? Number(first.config.input_dim) : null,
        outputShape,
      },
      loss,
      { samples: samples(raw.x.shape[0]), seed: request.seed },
    );
    return { raw, model, network, outputActivation, outputShape, loss, data };
  } catch (error) {
    network.dispose();
    throw error;
  }
}
