/**
 * Models with several inputs and several outputs: two inputs through one shared Dense and two heads
 * (a softmax classifier and a regression head inside a nested model), an Embedding input beside a
 * float sequence input with two classifiers, and a nested head as the second output of a one-input
 * model. Their training configs give the losses as a map by output name or as a list, with
 * `loss_weights`; their data files name the arrays by the layers or by position (x0, x1, y0, y1).
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import type { CorpusCase } from '../corpus-case';

type Layers = typeof tfl;
type Symbolic = tfl.SymbolicTensor;

/** Inputs a and b through one Dense (shared weights), joined; a softmax head and a nested regression block. */
function sharedDenseTwoHeads(L: Layers): tfl.LayersModel {
  const a = L.input({ shape: [4], name: 'input_a' });
  const b = L.input({ shape: [4], name: 'input_b' });
  const shared = L.layers.dense({ units: 3, activation: 'tanh', name: 'shared' });
  const joined = L.layers.concatenate({ name: 'joined' }).apply([shared.apply(a) as Symbolic, shared.apply(b) as Symbolic]) as Symbolic;
  const trunk = L.layers.dense({ units: 5, activation: 'tanh', name: 'trunk' }).apply(joined) as Symbolic;
  const classes = L.layers.dense({ units: 3, activation: 'softmax', name: 'class_head' }).apply(trunk) as Symbolic;
  const regression = L.sequential({
    name: 'reg_block',
    layers: [
      L.layers.dense({ units: 3, activation: 'tanh', inputShape: [5], name: 'reg_hidden' }),
      L.layers.dense({ units: 2, name: 'reg_head' }),
    ],
  });
  return L.model({ inputs: [a, b], outputs: [classes, regression.apply(trunk) as Symbolic], name: 'two_heads' });
}

/** Integer tokens into an Embedding, joined step by step with a float series [T, F], an LSTM, two classifiers. */
function embeddingAndSeries(L: Layers): tfl.LayersModel {
  const tokens = L.input({ shape: [5], dtype: 'int32', name: 'tokens' });
  const series = L.input({ shape: [5, 2], name: 'series' });
  const embedded = L.layers.embedding({ inputDim: 7, outputDim: 3 }).apply(tokens) as Symbolic;
  const steps = L.layers.concatenate({ axis: -1 }).apply([embedded, series]) as Symbolic;
  const state = L.layers.lstm({ units: 3, recurrentActivation: 'sigmoid' }).apply(steps) as Symbolic;
  const topic = L.layers.dense({ units: 3, activation: 'softmax' }).apply(state) as Symbolic;
  const flag = L.layers.dense({ units: 1, activation: 'sigmoid' }).apply(state) as Symbolic;
  return L.model({ inputs: [tokens, series], outputs: [topic, flag] });
}

/** One input, a softmax output and, as the second output, a nested Sequential regression head. */
function nestedSecondHead(L: Layers): tfl.LayersModel {
  const input = L.input({ shape: [5] });
  const hidden = L.layers.dense({ units: 6, activation: 'tanh' }).apply(input) as Symbolic;
  const classes = L.layers.dense({ units: 3, activation: 'softmax' }).apply(hidden) as Symbolic;
  const head = L.sequential({
    name: 'head',
    layers: [L.layers.dense({ units: 4, activation: 'tanh', inputShape: [6] }), L.layers.dense({ units: 2 })],
  });
  return L.model({ inputs: input, outputs: [classes, head.apply(hidden) as Symbolic] });
}

export const multiIoCases: CorpusCase[] = [
  {
    name: 'multi-io-shared-dense',
    description:
      'two inputs through one shared Dense, a softmax head and a regression head inside a nested model; losses and loss_weights as maps by output name, arrays named by the layers',
    format: 'tfjs-layers',
    build: sharedDenseTwoHeads,
    inputs: [{ shape: [4] }, { shape: [4] }],
    classes: 3,
    loss: 'sparseCategoricalCrossentropy',
    multiOutput: { more: [{ classes: 2, loss: 'meanSquaredError' }], weights: [1, 0.5], lossConfig: 'map' },
    // The regression target is named by its layer's own name, not its path reg_block/reg_head.
    arrays: { inputs: ['input_a', 'input_b'], targets: ['class_head', 'reg_head'] },
    samples: 32,
    trainSteps: 80,
  },
  {
    name: 'keras3-multi-io-embedding-series',
    description:
      'Keras 3 layout: an int32 Embedding input and a float [T, F] series input into an LSTM, a softmax and a sigmoid classifier; losses and loss_weights as lists, arrays x0, x1, y0, y1',
    format: 'keras3',
    build: embeddingAndSeries,
    inputs: [{ shape: [5], vocabulary: 7 }, { shape: [5, 2] }],
    classes: 3,
    loss: 'categoricalCrossentropy',
    multiOutput: { more: [{ classes: 1, loss: 'binaryCrossentropy' }], weights: [0.7, 1.3], lossConfig: 'list' },
    samples: 24,
    trainSteps: 60,
  },
  {
    name: 'keras2-multi-output-nested-head',
    description:
      'Keras 2 layout: one input, a softmax output and a nested Sequential regression head as the second output; losses and loss_weights keyed by the Keras output names (the nested model by its own name), arrays x, y0, y1',
    format: 'keras2',
    build: nestedSecondHead,
    inputs: [{ shape: [5] }],
    classes: 3,
    loss: 'sparseCategoricalCrossentropy',
    multiOutput: { more: [{ classes: 2, loss: 'meanSquaredError' }], weights: [1, 2], lossConfig: 'map' },
    samples: 32,
    trainSteps: 80,
  },
];
