/**
 * Opens what every analysis needs, in the order that reports problems best: the model file and
 * topology, the data file, the model's weights (open input dimensions filled from the data), the
 * loss, and the data fitted to both.
 */
import { loadDataFile, type RawDataset } from '../data/load';
import { prepareData, summarizeLabels, type AnalysisData } from '../data/prepare';
import type { LossName } from '../loss/losses';
import { resolveLoss, type LossChoice } from '../loss/resolve-loss';
import { makeLoss, type LossFunction } from '../loss/losses';
import { loadModel, readModelJson, type LoadedModel } from '../model/load-model';
import { SharpnessError } from '../errors';
import { isInputNode, Network } from '../network/network';

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
  /** One loss function per model output, as the curvature engine takes them. */
  losses: LossFunction[];
  data: AnalysisData;
}

/** The activation a network output ends in (undefined for a linear output). */
export function outputActivationOf(network: Network, output = 0): string | undefined {
  const node = network.outputNodes[output];
  return isInputNode(node) ? undefined : network.nodes[node].op.activation;
}

export function openInputs(
  request: InputRequest,
  samples: (available: number) => number | undefined = () => request.samples,
): AnalysisInputs {
  // The model's file and topology first: a broken model.json is reported before the data is read.
  readModelJson(request.model);
  const raw = loadDataFile(request.data, { labelsPath: request.labels, labelColumn: request.labelColumn });
  const model = loadModel(request.model, { inputShapes: [raw.x.shape.slice(1)], maxParameters: request.maxParameters });
  if (model.parameterCount === 0) {
    const frozen = model.frozenParameterCount;
    const why = frozen > 0 ? `all its ${frozen.toLocaleString('en-US')} parameters are frozen (trainable: false)` : 'it has no weights';
    throw new SharpnessError(`the model has no trainable parameters to analyse: ${why}`, request.model);
  }
  if (model.inputs.length > 1 || model.outputs.length > 1) {
    const what = model.inputs.length > 1 ? `${model.inputs.length} inputs` : `${model.outputs.length} outputs`;
    throw new SharpnessError(`the model has ${what}; analysis data for several inputs or outputs is not supported yet`, request.model);
  }
  const network = new Network(model);
  try {
    const outputActivation = outputActivationOf(network);
    const outputShape = model.outputs[0].shape;
    const loss = resolveLoss(
      request.loss ?? 'auto',
      model.json.trainingConfig,
      outputActivation,
      outputShape.reduce((a, b) => a * b, 1),
      summarizeLabels(raw),
      request.model,
    );
    const first = model.layers.find((l) => l.inbound.includes(model.inputs[0].name));
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
    return { raw, model, network, outputActivation, outputShape, loss, losses: [makeLoss(loss.name, outputActivation)], data };
  } catch (error) {
    network.dispose();
    throw error;
  }
}
