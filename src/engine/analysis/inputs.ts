/**
 * Opens what every analysis needs, in the order that reports problems best: the model file and
 * topology, the data file (one array per model input and output, found by the topology's names), the
 * model's weights (open input dimensions filled from the data), the loss of each output, and the
 * data fitted to both.
 */
import { loadDataFile, type RawDataset } from '../data/load';
import { prepareData, summarizeLabels, type AnalysisData, type InputInterface } from '../data/prepare';
import { elementCount } from '../data/ndarray';
import type { LossName } from '../loss/losses';
import { resolveLosses, type OutputLoss } from '../loss/resolve-loss';
import { makeLoss, type LossFunction } from '../loss/losses';
import { loadModel, readModelJson, type LoadedModel } from '../model/load-model';
import { isModelInput, modelInputIndex } from '../model/topology';
import type { Evaluation } from '../curvature/curvature-engine';
import type { OutputReport } from '../../shared/report';
import { SharpnessError } from '../errors';
import { isInputNode, Network } from '../network/network';

export interface InputRequest {
  model: string;
  data: string;
  labels?: string;
  labelColumn?: number | string;
  /** One loss for every output; 'auto' (the default) takes each output's from the training config, else infers it. */
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
  /** One per model output, in output order: the loss chosen, how, and its weight. */
  outputLosses: OutputLoss[];
  /** One loss function per model output, as the curvature engine takes them. */
  losses: LossFunction[];
  data: AnalysisData;
}

/** The activation a network output ends in (undefined for a linear output). */
export function outputActivationOf(network: Network, output = 0): string | undefined {
  const node = network.outputNodes[output];
  return isInputNode(node) ? undefined : network.nodes[node].op.activation;
}

/**
 * What model input k takes, decided from the model for each input: indices when a layer it feeds is
 * an Embedding (int32 tensors when it feeds nothing else; the Embedding casts a float32 one), integers
 * when the input layer declares an integer dtype, floats otherwise.
 */
function inputInterface(model: LoadedModel, k: number): InputInterface {
  const input = model.inputs[k];
  const consumers = model.calls
    .filter((call) => call.inputs.some((ref) => isModelInput(ref) && modelInputIndex(ref) === k))
    .map((call) => model.layers[call.layer]);
  const embeddings = consumers.filter((layer) => layer.className === 'Embedding');
  return {
    shape: input.shape,
    dtype: embeddings.length > 0 && embeddings.length === consumers.length ? 'int32' : 'float32',
    embeddingVocabulary: embeddings.length > 0 ? Math.min(...embeddings.map((layer) => Number(layer.config.input_dim))) : null,
    integral: input.dtype === 'int32',
  };
}

/**
 * Each output's loss and accuracy from an evaluation, and the model's accuracy: the mean over the
 * outputs that have one (null when every output is a regression), the only one's for most models.
 */
export function outputResults(inputs: AnalysisInputs, evaluation: Evaluation): { outputs: OutputReport[]; accuracy: number | null } {
  const { model, outputLosses, raw, data } = inputs;
  const outputs = outputLosses.map((loss, k): OutputReport => {
    const correct = evaluation.correct[k];
    return {
      name: loss.output,
      shape: model.outputs[k].shape,
      array: raw.targets![k].name,
      loss: loss.name,
      lossSource: loss.source,
      fromLogits: loss.fromLogits,
      weight: loss.weight,
      lossValue: evaluation.outputLosses[k],
      accuracy: correct === null ? null : correct / data.count,
    };
  });
  const scored = outputs.flatMap((output) => (output.accuracy === null ? [] : [output.accuracy]));
  return { outputs, accuracy: scored.length === 0 ? null : scored.reduce((a, b) => a + b, 0) / scored.length };
}

export function openInputs(
  request: InputRequest,
  samples: (available: number) => number | undefined = () => request.samples,
): AnalysisInputs {
  // The model's file and topology first: a broken model.json is reported before the data is read.
  const { topology } = readModelJson(request.model);
  const raw = loadDataFile(request.data, {
    labelsPath: request.labels,
    labelColumn: request.labelColumn,
    signature: { inputs: topology.inputs.map((input) => input.name), outputs: topology.outputs.map((output) => output.name) },
  });
  const model = loadModel(request.model, {
    inputShapes: raw.inputs.map(({ array }) => array.shape.slice(1)),
    maxParameters: request.maxParameters,
  });
  if (model.parameterCount === 0) {
    const frozen = model.frozenParameterCount;
    const why = frozen > 0 ? `all its ${frozen.toLocaleString('en-US')} parameters are frozen (trainable: false)` : 'it has no weights';
    throw new SharpnessError(`the model has no trainable parameters to analyse: ${why}`, request.model);
  }
  const network = new Network(model);
  try {
    const labels = summarizeLabels(raw);
    const outputLosses = resolveLosses(
      request.loss ?? 'auto',
      model.json.trainingConfig,
      model.outputs.map((output, k) => ({
        name: output.name,
        activation: outputActivationOf(network, k),
        width: elementCount(output.shape),
        labels: labels[k],
      })),
      request.model,
    );
    const data = prepareData(
      raw,
      { inputs: model.inputs.map((_, k) => inputInterface(model, k)), outputShapes: model.outputs.map((output) => output.shape) },
      outputLosses,
      { samples: samples(raw.inputs[0].array.shape[0]), seed: request.seed },
    );
    const losses = outputLosses.map((loss, k) => makeLoss(loss.name, outputActivationOf(network, k), loss.weight));
    return { raw, model, network, outputLosses, losses, data };
  } catch (error) {
    network.dispose();
    throw error;
  }
}
