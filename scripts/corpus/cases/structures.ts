/**
 * Model structures and file layouts real tools write: a Teachable-Machine-shaped nested export, a
 * shared layer, nested blocks, frozen layers, and the Keras 2.1 / 2.13 / 3 converter layouts.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import type { CorpusCase } from '../corpus-case';

type Layers = typeof tfl;

/**
 * MobileNetV2's first layers under their Keras names: Conv1 (stride 2, no bias) → BN → ReLU6, then the
 * first inverted-residual block (depthwise → BN → ReLU6 → 1×1 project → BN) added to its input.
 */
function mobileNetStem(L: Layers, input: tfl.SymbolicTensor): tfl.SymbolicTensor {
  let x = L.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, useBias: false, name: 'Conv1' }).apply(input) as tfl.SymbolicTensor;
  x = L.layers.batchNormalization({ name: 'bn_Conv1' }).apply(x) as tfl.SymbolicTensor;
  x = L.layers.reLU({ maxValue: 6, name: 'Conv1_relu' }).apply(x) as tfl.SymbolicTensor;
  let y = L.layers
    .depthwiseConv2d({ kernelSize: 3, padding: 'same', useBias: false, name: 'expanded_conv_depthwise' })
    .apply(x) as tfl.SymbolicTensor;
  y = L.layers.batchNormalization({ name: 'expanded_conv_depthwise_BN' }).apply(y) as tfl.SymbolicTensor;
  y = L.layers.reLU({ maxValue: 6, name: 'expanded_conv_depthwise_relu' }).apply(y) as tfl.SymbolicTensor;
  y = L.layers.conv2d({ filters: 4, kernelSize: 1, useBias: false, name: 'expanded_conv_project' }).apply(y) as tfl.SymbolicTensor;
  y = L.layers.batchNormalization({ name: 'expanded_conv_project_BN' }).apply(y) as tfl.SymbolicTensor;
  return L.layers.add({ name: 'expanded_conv_add' }).apply([x, y]) as tfl.SymbolicTensor;
}

/** Sequential[Sequential[Functional MobileNet-style block, GAP], Sequential[Dense, Dense]], as Teachable Machine exports. */
function teachableMachine(L: Layers): tfl.LayersModel {
  const input = L.input({ shape: [8, 8, 3], name: 'input_1' });
  const x = L.layers
    .zeroPadding2d({
      padding: [
        [0, 1],
        [0, 1],
      ],
      name: 'Conv1_pad',
    })
    .apply(input) as tfl.SymbolicTensor;
  const base = L.model({ inputs: input, outputs: mobileNetStem(L, x), name: 'model2' });
  const trunk = L.sequential({
    name: 'sequential_1',
    layers: [base, L.layers.globalAveragePooling2d({ name: 'global_average_pooling2d_GlobalAveragePooling2D1' })],
  });
  const head = L.sequential({
    name: 'sequential_3',
    layers: [
      L.layers.dense({ units: 6, activation: 'relu', inputShape: [4], name: 'dense_Dense1' }),
      L.layers.dense({ units: 3, activation: 'softmax', name: 'dense_Dense2' }),
    ],
  });
  return L.sequential({ name: 'sequential_4', layers: [trunk, head] });
}

/**
 * Keras 3 transfer learning as `tensorflowjs_converter` writes it: Sequential[a functional
 * MobileNetV2-style base (its own InputLayer, ZeroPadding2D, Conv2D without bias, BN, ReLU6,
 * DepthwiseConv2D, residual Add), Conv2D, GlobalAveragePooling2D, Dense, Dropout, Dense]. Keras 3
 * names the depthwise kernel `kernel`.
 */
function kerasTransferMobileNet(L: Layers): tfl.LayersModel {
  const input = L.input({ shape: [9, 9, 3], name: 'input_layer' });
  const base = L.model({ inputs: input, outputs: mobileNetStem(L, input), name: 'mobilenetv2_1.00_224' });
  return L.sequential({
    name: 'sequential',
    layers: [
      base,
      L.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'relu', name: 'conv2d_1' }),
      L.layers.globalAveragePooling2d({ name: 'global_average_pooling2d' }),
      L.layers.dense({ units: 6, activation: 'relu', name: 'dense_128' }),
      L.layers.dropout({ rate: 0.3, name: 'dropout' }),
      L.layers.dense({ units: 3, activation: 'softmax', name: 'output_softmax' }),
    ],
  });
}

/** One Dense layer called twice (weights shared), then a head. */
function sharedLayer(L: Layers): tfl.LayersModel {
  const input = L.input({ shape: [5] });
  const shared = L.layers.dense({ units: 5, activation: 'tanh', name: 'shared' });
  const once = shared.apply(input) as tfl.SymbolicTensor;
  const twice = shared.apply(once) as tfl.SymbolicTensor;
  const merged = L.layers.concatenate().apply([once, twice]) as tfl.SymbolicTensor;
  const output = L.layers.dense({ units: 3, activation: 'softmax', name: 'head' }).apply(merged) as tfl.SymbolicTensor;
  return L.model({ inputs: input, outputs: output });
}

function smallCnn(L: Layers): tfl.LayersModel {
  return L.sequential({
    layers: [
      L.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'relu', inputShape: [7, 7, 2] }),
      L.layers.maxPooling2d({ poolSize: 2 }),
      L.layers.flatten(),
      L.layers.dense({ units: 4, activation: 'softmax' }),
    ],
  });
}

function mlp(L: Layers): tfl.LayersModel {
  return L.sequential({
    layers: [
      L.layers.dense({ units: 8, activation: 'relu', inputShape: [6] }),
      L.layers.dense({ units: 6, activation: 'elu' }),
      L.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
}

/** A functional model with a nested Sequential block between its layers. */
function nestedBlock(L: Layers): tfl.LayersModel {
  const input = L.input({ shape: [6] });
  const block = L.sequential({
    name: 'block',
    layers: [L.layers.dense({ units: 7, activation: 'relu', inputShape: [6] }), L.layers.dense({ units: 5, activation: 'sigmoid' })],
  });
  const hidden = block.apply(input) as tfl.SymbolicTensor;
  const output = L.layers.dense({ units: 3, activation: 'softmax' }).apply(hidden) as tfl.SymbolicTensor;
  return L.model({ inputs: input, outputs: output });
}

/** Transfer learning: a frozen nested base and a trainable head. */
function frozenBase(L: Layers): tfl.LayersModel {
  const base = L.sequential({
    name: 'base',
    layers: [L.layers.dense({ units: 8, activation: 'relu', inputShape: [6], name: 'base_dense' })],
  });
  // Keras writes `trainable: false` on every layer of a frozen model; tfjs-layers only on layers.
  for (const layer of base.layers) layer.trainable = false;
  base.trainable = false;
  return L.sequential({
    layers: [base, L.layers.dense({ units: 5, activation: 'relu' }), L.layers.dense({ units: 3, activation: 'softmax' })],
  });
}

export const structureCases: CorpusCase[] = [
  {
    name: 'tm-nested',
    description:
      'Teachable Machine layout: nested Sequential[Sequential[Functional], Sequential], ZeroPadding2D, ReLU6, BN, depthwise, residual Add; tfjs-layers 1.x save',
    format: 'tfjs-layers-1',
    build: teachableMachine,
    inputs: [{ shape: [8, 8, 3] }],
    classes: 3,
    loss: 'categoricalCrossentropy',
    samples: 24,
    trainSteps: 60,
  },
  {
    name: 'keras3-transfer-mobilenet',
    description:
      'Keras 3 transfer learning: a nested functional MobileNetV2-style base (depthwise kernel named "kernel", as Keras 3 writes it) under Conv2D, GAP, Dense, Dropout, Dense',
    format: 'keras3',
    build: kerasTransferMobileNet,
    inputs: [{ shape: [9, 9, 3] }],
    classes: 3,
    loss: 'categoricalCrossentropy',
    samples: 24,
    trainSteps: 60,
  },
  {
    name: 'shared-layer',
    description: 'one Dense layer called at two nodes of a functional model (shared weights)',
    format: 'tfjs-layers',
    build: sharedLayer,
    inputs: [{ shape: [5] }],
    classes: 3,
    loss: 'categoricalCrossentropy',
    samples: 32,
    trainSteps: 80,
  },
  {
    name: 'keras3-cnn',
    description: 'Keras 3 converter layout: batch_shape, DTypePolicy, {args, kwargs} nodes, weights prefixed by the model name',
    format: 'keras3',
    build: smallCnn,
    inputs: [{ shape: [7, 7, 2] }],
    classes: 4,
    loss: 'sparseCategoricalCrossentropy',
    samples: 24,
    trainSteps: 60,
  },
  {
    name: 'keras21-mlp',
    description:
      'old converter layout (Keras 2.1): the Sequential config as a list, one weight group per layer, shards without .bin, no format key, names with :0',
    format: 'keras2.1',
    build: mlp,
    inputs: [{ shape: [6] }],
    classes: 3,
    loss: 'categoricalCrossentropy',
    samples: 32,
    trainSteps: 80,
  },
  {
    name: 'keras2-nested-block',
    description: 'Keras 2 converter layout of a functional model with a nested Sequential block (InputLayer entries, sigmoid inside)',
    format: 'keras2',
    build: nestedBlock,
    inputs: [{ shape: [6] }],
    classes: 3,
    loss: 'categoricalCrossentropy',
    samples: 32,
    trainSteps: 80,
  },
  {
    name: 'keras3-frozen-base',
    description: 'transfer learning: a frozen nested base (trainable: false) under a trainable head, Keras 3 layout',
    format: 'keras3',
    build: frozenBase,
    inputs: [{ shape: [6] }],
    classes: 3,
    loss: 'categoricalCrossentropy',
    samples: 32,
    trainSteps: 80,
  },
];
