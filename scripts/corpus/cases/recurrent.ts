/**
 * Recurrent layers and their wrappers: SimpleRNN, LSTM and GRU with their options (activations,
 * tfjs-layers' hard_sigmoid default and sigmoid, use_bias, return_sequences, return_state,
 * go_backwards, dropout, GRU reset_after in both forms), an Embedding + LSTM text model, Bidirectional
 * in every merge mode, TimeDistributed around Dense and Conv2D, in tfjs-layers' own files and in the
 * Keras 2.1 / 2 / 3 converter layouts (weights under `lstm_cell`-style segments, Keras 3's
 * `backward_layer` and `time_distributed/dense/…`). Keras 3 cases use sigmoid gates: Keras 3's
 * hard_sigmoid (relu6(x + 3)/6) is another function than the one tfjs-layers computes.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import type { CorpusCase } from '../corpus-case';
import { gruResetAfter } from '../keras-only';

type Layers = typeof tfl;
type Symbolic = tfl.SymbolicTensor;

const sequential = (L: Layers, layers: tfl.layers.Layer[]) => L.sequential({ layers });

/** LSTM returning its sequence and both states; all three feed the head (output indices 0, 1, 2). */
function lstmReturnState(L: Layers): tfl.LayersModel {
  const input = L.input({ shape: [4, 3] });
  const [sequence, h, c] = L.layers
    .lstm({ units: 3, returnSequences: true, returnState: true, recurrentActivation: 'sigmoid' })
    .apply(input) as Symbolic[];
  const flat = L.layers.flatten().apply(sequence) as Symbolic;
  const merged = L.layers.concatenate().apply([flat, h, c]) as Symbolic;
  const output = L.layers.dense({ units: 3, activation: 'softmax' }).apply(merged) as Symbolic;
  return L.model({ inputs: input, outputs: output });
}

/** GRU returning its sequence and its state (output indices 0 and 1). */
function gruReturnState(L: Layers): tfl.LayersModel {
  const input = L.input({ shape: [4, 3] });
  const [sequence, h] = L.layers
    .gru({ units: 3, returnSequences: true, returnState: true, recurrentActivation: 'sigmoid' })
    .apply(input) as Symbolic[];
  const flat = L.layers.flatten().apply(sequence) as Symbolic;
  const merged = L.layers.concatenate().apply([flat, h]) as Symbolic;
  const output = L.layers.dense({ units: 1, activation: 'sigmoid' }).apply(merged) as Symbolic;
  return L.model({ inputs: input, outputs: output });
}

/** Bidirectional without a merge and with states: six outputs [y, y_rev, h_f, c_f, h_b, c_b], all used. */
function bidirectionalNoMerge(L: Layers): tfl.LayersModel {
  const input = L.input({ shape: [3, 3] });
  const inner = L.layers.lstm({ units: 2, returnState: true, recurrentActivation: 'sigmoid' }) as tfl.RNN;
  const outputs = L.layers.bidirectional({ layer: inner, mergeMode: null as unknown as 'concat' }).apply(input) as Symbolic[];
  const merged = L.layers.concatenate().apply(outputs) as Symbolic;
  const output = L.layers.dense({ units: 3, activation: 'softmax' }).apply(merged) as Symbolic;
  return L.model({ inputs: input, outputs: output });
}

/** A case with this family's defaults: three classes under categorical cross-entropy, 24 samples, 60 Adam steps. */
const recurrentCase = (spec: Omit<CorpusCase, 'classes' | 'loss' | 'samples'> & Partial<CorpusCase>): CorpusCase => ({
  classes: 3,
  loss: 'categoricalCrossentropy',
  samples: 24,
  trainSteps: 60,
  ...spec,
});

export const recurrentCases: CorpusCase[] = [
  recurrentCase({
    name: 'simple-rnn',
    description: 'SimpleRNN (tanh; unroll=true, the same function) on [5, 3] sequences into a softmax head',
    format: 'tfjs-layers',
    build: (L) =>
      sequential(L, [
        L.layers.simpleRNN({ units: 5, unroll: true, inputShape: [5, 3] }),
        L.layers.dense({ units: 3, activation: 'softmax' }),
      ]),
    inputs: [{ shape: [5, 3] }],
  }),
  recurrentCase({
    name: 'simple-rnn-relu-backwards',
    description:
      'SimpleRNN with relu, no bias, go_backwards and return_sequences (the output in processing order) into Flatten; tfjs-layers 1.x save',
    format: 'tfjs-layers-1',
    build: (L) =>
      sequential(L, [
        L.layers.simpleRNN({ units: 4, activation: 'relu', useBias: false, returnSequences: true, goBackwards: true, inputShape: [4, 3] }),
        L.layers.flatten(),
        L.layers.dense({ units: 3, activation: 'softmax' }),
      ]),
    inputs: [{ shape: [4, 3] }],
  }),
  recurrentCase({
    name: 'lstm-hard-sigmoid',
    description: "LSTM with tfjs-layers' default gates (hard_sigmoid, clip(0.2x + 0.5, 0, 1)) into a softmax head",
    format: 'tfjs-layers',
    build: (L) => sequential(L, [L.layers.lstm({ units: 4, inputShape: [5, 3] }), L.layers.dense({ units: 3, activation: 'softmax' })]),
    inputs: [{ shape: [5, 3] }],
  }),
  recurrentCase({
    name: 'lstm-stacked',
    description:
      'two LSTMs with sigmoid gates, the first returning sequences with dropout and recurrent_dropout (training only), the second go_backwards',
    format: 'tfjs-layers',
    build: (L) =>
      sequential(L, [
        L.layers.lstm({
          units: 2,
          recurrentActivation: 'sigmoid',
          returnSequences: true,
          dropout: 0.2,
          recurrentDropout: 0.1,
          inputShape: [4, 2],
        }),
        L.layers.lstm({ units: 2, recurrentActivation: 'sigmoid', goBackwards: true }),
        L.layers.dense({ units: 1, activation: 'sigmoid' }),
      ]),
    inputs: [{ shape: [4, 2] }],
    classes: 1,
    loss: 'binaryCrossentropy',
  }),
  recurrentCase({
    name: 'lstm-return-state',
    description:
      'functional model over an LSTM with return_sequences and return_state: its sequence, h and c (outputs 0, 1, 2) feed one head',
    format: 'tfjs-layers',
    build: lstmReturnState,
    inputs: [{ shape: [4, 3] }],
  }),
  recurrentCase({
    name: 'gru-hard-sigmoid',
    description: "GRU (reset_after=false, tfjs-layers' only form; hard_sigmoid gates) into a softmax head",
    format: 'tfjs-layers',
    build: (L) => sequential(L, [L.layers.gru({ units: 4, inputShape: [5, 3] }), L.layers.dense({ units: 3, activation: 'softmax' })]),
    inputs: [{ shape: [5, 3] }],
  }),
  recurrentCase({
    name: 'keras2-gru-backwards',
    description: 'Keras 2 converter layout (gru/gru_cell/kernel): GRU reset_after=false with sigmoid gates, go_backwards, return_sequences',
    format: 'keras2',
    build: (L) =>
      sequential(L, [
        L.layers.gru({ units: 3, recurrentActivation: 'sigmoid', returnSequences: true, goBackwards: true, inputShape: [4, 3] }),
        L.layers.flatten(),
        L.layers.dense({ units: 3, activation: 'softmax' }),
      ]),
    inputs: [{ shape: [4, 3] }],
  }),
  recurrentCase({
    name: 'keras3-gru-reset-after',
    description:
      'Keras 3 layout of its default GRU, reset_after=true with bias [2, 3u] (tfjs-layers lacks it: the PyTorch reading, checked against torch.nn.GRU, is the forward reference)',
    format: 'keras3',
    build: (L) =>
      sequential(L, [
        L.layers.gru({ units: 4, recurrentActivation: 'sigmoid', inputShape: [5, 3] }),
        L.layers.dense({ units: 3, activation: 'softmax' }),
      ]),
    kerasOnly: gruResetAfter,
    inputs: [{ shape: [5, 3] }],
    loss: 'sparseCategoricalCrossentropy',
  }),
  recurrentCase({
    name: 'keras2-gru-reset-after-state',
    description:
      'Keras 2 layout: GRU reset_after=true with return_sequences and return_state (outputs 0 and 1) in a functional model (the PyTorch reading, checked against torch.nn.GRU, is the forward reference)',
    format: 'keras2',
    build: gruReturnState,
    kerasOnly: gruResetAfter,
    inputs: [{ shape: [4, 3] }],
    classes: 1,
    loss: 'binaryCrossentropy',
  }),
  recurrentCase({
    name: 'embedding-lstm',
    description: 'a text model: integer tokens into Embedding, an LSTM with sigmoid gates, a softmax head',
    format: 'tfjs-layers',
    build: (L) =>
      sequential(L, [
        L.layers.embedding({ inputDim: 10, outputDim: 3, inputLength: 6, inputShape: [6] }),
        L.layers.lstm({ units: 3, recurrentActivation: 'sigmoid' }),
        L.layers.dense({ units: 2, activation: 'softmax' }),
      ]),
    inputs: [{ shape: [6], vocabulary: 10 }],
    classes: 2,
  }),
  recurrentCase({
    name: 'bidirectional-lstm-concat',
    description: 'Bidirectional LSTM (hard_sigmoid gates), merge_mode concat; weights under forward_… and backward_…',
    format: 'tfjs-layers',
    build: (L) =>
      sequential(L, [
        L.layers.bidirectional({ layer: L.layers.lstm({ units: 2 }) as tfl.RNN, inputShape: [4, 2] }),
        L.layers.dense({ units: 3, activation: 'softmax' }),
      ]),
    inputs: [{ shape: [4, 2] }],
  }),
  recurrentCase({
    name: 'bidirectional-gru-sum',
    description: 'Bidirectional GRU without bias, return_sequences (the backward sequence reversed back), merge_mode sum',
    format: 'tfjs-layers',
    build: (L) =>
      sequential(L, [
        L.layers.bidirectional({
          layer: L.layers.gru({ units: 2, recurrentActivation: 'sigmoid', useBias: false, returnSequences: true }) as tfl.RNN,
          mergeMode: 'sum',
          inputShape: [4, 2],
        }),
        L.layers.flatten(),
        L.layers.dense({ units: 3, activation: 'softmax' }),
      ]),
    inputs: [{ shape: [4, 2] }],
  }),
  recurrentCase({
    name: 'bidirectional-rnn-mul',
    description: 'Bidirectional SimpleRNN, merge_mode mul (the product of the two directions); tfjs-layers 1.x save',
    format: 'tfjs-layers-1',
    build: (L) =>
      sequential(L, [
        L.layers.bidirectional({ layer: L.layers.simpleRNN({ units: 3 }) as tfl.RNN, mergeMode: 'mul', inputShape: [5, 3] }),
        L.layers.dense({ units: 3, activation: 'softmax' }),
      ]),
    inputs: [{ shape: [5, 3] }],
  }),
  recurrentCase({
    name: 'keras3-bidirectional-ave',
    description:
      'Keras 3 layout of a Bidirectional LSTM (sigmoid gates, return_sequences), merge_mode ave: its forward_lstm and backward_layer configs, sequential/bidirectional/forward_lstm/lstm_cell/kernel',
    format: 'keras3',
    build: (L) =>
      sequential(L, [
        L.layers.bidirectional({
          layer: L.layers.lstm({ units: 2, recurrentActivation: 'sigmoid', returnSequences: true }) as tfl.RNN,
          mergeMode: 'ave',
          inputShape: [4, 3],
        }),
        L.layers.flatten(),
        L.layers.dense({ units: 1, activation: 'sigmoid' }),
      ]),
    inputs: [{ shape: [4, 3] }],
    classes: 1,
    loss: 'binaryCrossentropy',
  }),
  recurrentCase({
    name: 'keras2-bidirectional-states',
    description:
      'Keras 2 layout: Bidirectional LSTM with merge_mode None and return_state, its six outputs (indices 0–5) concatenated into a head',
    format: 'keras2',
    build: bidirectionalNoMerge,
    inputs: [{ shape: [3, 3] }],
  }),
  recurrentCase({
    name: 'time-distributed-dense',
    description: 'TimeDistributed Dense (relu) on every step, then a SimpleRNN (weights time_distributed_…/kernel)',
    format: 'tfjs-layers',
    build: (L) =>
      sequential(L, [
        L.layers.timeDistributed({ layer: L.layers.dense({ units: 4, activation: 'relu' }), inputShape: [4, 3] }),
        L.layers.simpleRNN({ units: 3 }),
        L.layers.dense({ units: 3, activation: 'softmax' }),
      ]),
    inputs: [{ shape: [4, 3] }],
  }),
  recurrentCase({
    name: 'keras3-time-distributed',
    description:
      'Keras 3 layout: TimeDistributed Dense (tanh) weights under sequential/time_distributed/dense/…, then a GRU with reset_after=false',
    format: 'keras3',
    build: (L) =>
      sequential(L, [
        L.layers.timeDistributed({ layer: L.layers.dense({ units: 3, activation: 'tanh' }), inputShape: [5, 2] }),
        L.layers.gru({ units: 3, recurrentActivation: 'sigmoid' }),
        L.layers.dense({ units: 3, activation: 'softmax' }),
      ]),
    inputs: [{ shape: [5, 2] }],
  }),
  recurrentCase({
    name: 'time-distributed-conv',
    description: 'a short video: TimeDistributed Conv2D (relu) and TimeDistributed Flatten on [3, 4, 4, 1], then an LSTM',
    format: 'tfjs-layers',
    build: (L) =>
      sequential(L, [
        L.layers.timeDistributed({ layer: L.layers.conv2d({ filters: 2, kernelSize: 3, activation: 'relu' }), inputShape: [3, 4, 4, 1] }),
        L.layers.timeDistributed({ layer: L.layers.flatten() }),
        L.layers.lstm({ units: 2, recurrentActivation: 'sigmoid' }),
        L.layers.dense({ units: 2, activation: 'softmax' }),
      ]),
    inputs: [{ shape: [3, 4, 4, 1] }],
    classes: 2,
  }),
  recurrentCase({
    name: 'keras21-lstm',
    description: 'old converter layout (Keras 2.1): LSTM with hard_sigmoid gates, weights lstm_1/kernel:0 without a cell segment',
    format: 'keras2.1',
    build: (L) => sequential(L, [L.layers.lstm({ units: 3, inputShape: [4, 2] }), L.layers.dense({ units: 2, activation: 'softmax' })]),
    inputs: [{ shape: [4, 2] }],
    classes: 2,
  }),
];
