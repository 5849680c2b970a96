/**
 * Normalisation, activation, merge, reshaping and preprocessing layers: built with tfjs-layers where
 * it has the layer (its predictions prove the PyTorch reading), and written in Keras 2 / Keras 3
 * converter layout by hand where only Keras has the layer or the option (keras-placeholders.ts). Multi-input
 * merges branch one input into several paths.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import type { CorpusCase } from '../corpus-case';

type Layers = typeof tfl;
type Symbolic = tfl.SymbolicTensor;

const sequential = (L: Layers, layers: tfl.layers.Layer[]) => L.sequential({ layers });

/** A linear Activation: the placeholder for a layer that is the identity at inference. */
const identity = (L: Layers, name: string) => L.layers.activation({ activation: 'linear', name });

function layerNorm(L: Layers): tfl.LayersModel {
  return sequential(L, [
    L.layers.dense({ units: 8, inputShape: [6] }),
    L.layers.layerNormalization(),
    L.layers.activation({ activation: 'tanh' }),
    L.layers.dense({ units: 6 }),
    L.layers.layerNormalization({ epsilon: 0.01 }),
    L.layers.dense({ units: 3, activation: 'softmax' }),
  ]);
}

// tfjs-layers cannot train a LayerNormalization without γ or β (its gradient fails), so the case
// with those options keeps its seeded weights.
function layerNormOptions(L: Layers): tfl.LayersModel {
  return sequential(L, [
    L.layers.dense({ units: 6, inputShape: [6] }),
    L.layers.layerNormalization({ center: false }),
    L.layers.dense({ units: 5, activation: 'relu' }),
    L.layers.layerNormalization({ scale: false, epsilon: 0.01 }),
    L.layers.dense({ units: 3, activation: 'softmax' }),
  ]);
}

function layerNormAxes(L: Layers): tfl.LayersModel {
  return sequential(L, [
    L.layers.dense({ units: 4, inputShape: [4, 3] }),
    L.layers.layerNormalization({ axis: [1, 2] }),
    L.layers.layerNormalization({ axis: 1 }),
    L.layers.flatten(),
    L.layers.dense({ units: 3, activation: 'softmax' }),
  ]);
}

function activationLayers(L: Layers): tfl.LayersModel {
  return sequential(L, [
    L.layers.dense({ units: 4, inputShape: [4, 3] }),
    L.layers.prelu({ sharedAxes: [1] }),
    L.layers.flatten(),
    L.layers.dense({ units: 6 }),
    L.layers.prelu(),
    L.layers.dense({ units: 5 }),
    L.layers.elu(),
    L.layers.dense({ units: 5, activation: 'relu6' }),
    L.layers.dense({ units: 5 }),
    L.layers.reLU({ maxValue: 0.8 }),
    L.layers.dense({ units: 3, activation: 'softmax' }),
  ]);
}

// tfjs-layers has no gradient for ThresholdedReLU (Greater), so this case keeps its seeded weights.
function thresholded(L: Layers): tfl.LayersModel {
  return sequential(L, [
    L.layers.dense({ units: 6, inputShape: [5] }),
    L.layers.thresholdedReLU({ theta: 0.1 }),
    L.layers.dense({ units: 5 }),
    L.layers.thresholdedReLU(),
    L.layers.dense({ units: 3, activation: 'softmax' }),
  ]);
}

function softmaxAxes(L: Layers): tfl.LayersModel {
  return sequential(L, [
    L.layers.dense({ units: 4, inputShape: [3, 4] }),
    L.layers.softmax({ axis: [1, 2] as unknown as number }),
    L.layers.dense({ units: 4 }),
    L.layers.softmax({ axis: -1 }),
    L.layers.flatten(),
    L.layers.dense({ units: 3, activation: 'softmax' }),
  ]);
}

/** tfjs-layers registers the logSoftmax activation, but its ActivationIdentifier type leaves it out. */
const LOG_SOFTMAX = 'logSoftmax' as unknown as 'softmax';

function smoothActivations(L: Layers): tfl.LayersModel {
  return sequential(L, [
    L.layers.dense({ units: 5, activation: 'gelu', inputShape: [6] }),
    L.layers.dense({ units: 5, activation: 'gelu_new' }),
    L.layers.dense({ units: 5, activation: 'mish' }),
    L.layers.dense({ units: 5, activation: 'hardSigmoid' }),
    L.layers.dense({ units: 4, activation: LOG_SOFTMAX }),
    L.layers.dense({ units: 3, activation: 'softmax' }),
  ]);
}

function permuteRepeat(L: Layers): tfl.LayersModel {
  return sequential(L, [
    L.layers.dense({ units: 4, inputShape: [5] }),
    L.layers.repeatVector({ n: 3 }),
    L.layers.permute({ dims: [2, 1] }),
    L.layers.dense({ units: 2, activation: 'tanh' }),
    L.layers.flatten(),
    L.layers.dense({ units: 3, activation: 'softmax' }),
  ]);
}

function merges(L: Layers): tfl.LayersModel {
  const x = L.input({ shape: [5] });
  const a = L.layers.dense({ units: 4, activation: 'tanh' }).apply(x) as Symbolic;
  const b = L.layers.dense({ units: 4 }).apply(x) as Symbolic;
  const c = L.layers.dense({ units: 4, activation: 'sigmoid' }).apply(x) as Symbolic;
  const parts = [
    L.layers.multiply().apply([a, b, c]),
    L.layers.maximum().apply([a, b]),
    L.layers.minimum().apply([a, b, c]),
    L.layers.average().apply([a, c]),
  ] as Symbolic[];
  const merged = L.layers.concatenate().apply(parts) as Symbolic;
  return L.model({ inputs: x, outputs: L.layers.dense({ units: 3, activation: 'softmax' }).apply(merged) as Symbolic });
}

function dots(L: Layers): tfl.LayersModel {
  const x = L.input({ shape: [6] });
  const dense = (units: number) => L.layers.dense({ units }).apply(x) as Symbolic;
  const matrix = (rows: number, columns: number) =>
    L.layers.reshape({ targetShape: [rows, columns] }).apply(dense(rows * columns)) as Symbolic;
  const [a, b] = [dense(4), dense(4)];
  const [A, B, C] = [matrix(2, 3), matrix(3, 2), matrix(2, 3)];
  const flat = (t: Symbolic) => L.layers.flatten().apply(t) as Symbolic;
  const parts = [
    L.layers.dot({ axes: 1 }).apply([a, b]) as Symbolic,
    L.layers.dot({ axes: -1, normalize: true }).apply([a, b]) as Symbolic,
    flat(L.layers.dot({ axes: [2, 1] }).apply([A, B]) as Symbolic),
    flat(L.layers.dot({ axes: [1, 1] }).apply([A, C]) as Symbolic),
  ];
  const merged = L.layers.concatenate().apply(parts) as Symbolic;
  return L.model({ inputs: x, outputs: L.layers.dense({ units: 3, activation: 'softmax' }).apply(merged) as Symbolic });
}

function rescalings(L: Layers): tfl.LayersModel {
  return sequential(L, [
    L.layers.rescaling({ scale: 0.5, offset: -0.1, inputShape: [6] }),
    L.layers.dense({ units: 5, activation: 'relu' }),
    L.layers.rescaling({ scale: 2 }),
    L.layers.dense({ units: 3, activation: 'softmax' }),
  ]);
}

function identities(L: Layers): tfl.LayersModel {
  return sequential(L, [
    L.layers.spatialDropout1d({ rate: 0.2, inputShape: [4, 3] }),
    L.layers.gaussianNoise({ stddev: 0.1 }),
    L.layers.flatten(),
    L.layers.dense({ units: 6, activation: 'relu' }),
    L.layers.dropout({ rate: 0.3 }),
    L.layers.gaussianDropout({ rate: 0.2 }),
    L.layers.alphaDropout({ rate: 0.1 }),
    L.layers.dense({ units: 3, activation: 'softmax' }),
  ]);
}

// tfjs-layers' CenterCrop writes its output shape into the shape array it is given, which a linear
// Activation shares with the model's input: a Reshape in front gives it a copy.
function centerCrop(L: Layers): tfl.LayersModel {
  return sequential(L, [
    L.layers.reshape({ targetShape: [8, 9, 2], inputShape: [8, 9, 2] }),
    L.layers.centerCrop({ height: 6, width: 8 }),
    L.layers.conv2d({ filters: 2, kernelSize: 3, activation: 'tanh' }),
    L.layers.flatten(),
    L.layers.dense({ units: 3, activation: 'softmax' }),
  ]);
}

/** Keras-only options on tfjs-layers placeholders: ReLU's threshold and slope, ELU's alpha, Softmax over a middle axis. */
function activationOptions(L: Layers): tfl.LayersModel {
  return sequential(L, [
    L.layers.dense({ units: 6, inputShape: [6] }),
    L.layers.reLU({ name: 'relu_threshold' }),
    L.layers.dense({ units: 6 }),
    L.layers.reLU({ name: 'relu_all_options' }),
    L.layers.dense({ units: 6 }),
    L.layers.elu({ name: 'elu_alpha' }),
    L.layers.reshape({ targetShape: [2, 3] }),
    L.layers.softmax({ axis: -1, name: 'softmax_axis_1' }),
    L.layers.flatten(),
    L.layers.dense({ units: 3, activation: 'softmax' }),
  ]);
}

function subtract(L: Layers): tfl.LayersModel {
  const x = L.input({ shape: [5] });
  const a = L.layers.dense({ units: 4, activation: 'tanh' }).apply(x) as Symbolic;
  const b = L.layers.dense({ units: 4 }).apply(x) as Symbolic;
  const difference = L.layers.add({ name: 'difference' }).apply([a, b]) as Symbolic;
  const regularized = identity(L, 'activity').apply(difference) as Symbolic;
  return L.model({ inputs: x, outputs: L.layers.dense({ units: 3, activation: 'softmax' }).apply(regularized) as Symbolic });
}

/** Keras 3's hard_sigmoid (relu6(x + 3)/6) and a Rescaling by per-feature arrays. */
function keras3Only(L: Layers): tfl.LayersModel {
  return sequential(L, [
    L.layers.rescaling({ scale: 1, inputShape: [6], name: 'rescale_features' }),
    L.layers.dense({ units: 6, activation: 'hardSigmoid', name: 'gate' }),
    L.layers.dense({ units: 3, activation: 'softmax' }),
  ]);
}

/**
 * A BatchNormalization without γ, β and with a negligible ε: at inference, what a Normalization with
 * its statistics computes. tfjs-layers cannot run it in training mode, so these cases keep their
 * seeded weights.
 */
const statistics = (L: Layers, name: string, inputShape?: number[]) =>
  L.layers.batchNormalization({
    center: false,
    scale: false,
    epsilon: 1e-12,
    name,
    trainable: false,
    ...(inputShape ? { inputShape } : {}),
  });

function adaptedNormalization(L: Layers): tfl.LayersModel {
  return sequential(L, [
    statistics(L, 'normalization', [6]),
    L.layers.dense({ units: 6, activation: 'relu' }),
    L.layers.dense({ units: 3, activation: 'softmax' }),
  ]);
}

const MEAN = 0.3;
const VARIANCE = 2;

function constantNormalization(L: Layers): tfl.LayersModel {
  return sequential(L, [
    L.layers.rescaling({
      scale: 1 / Math.sqrt(VARIANCE),
      offset: -MEAN / Math.sqrt(VARIANCE),
      inputShape: [4, 3],
      name: 'scalar_normalization',
    }),
    L.layers.dense({ units: 4 }),
    statistics(L, 'feature_normalization'),
    L.layers.flatten(),
    L.layers.dense({ units: 3, activation: 'softmax' }),
  ]);
}

const KERAS3_AUGMENTATION: [string, Record<string, unknown>][] = [
  ['RandomFlip', { mode: 'horizontal_and_vertical', seed: null, data_format: 'channels_last' }],
  [
    'RandomRotation',
    { factor: [-0.1, 0.1], fill_mode: 'reflect', interpolation: 'bilinear', seed: null, fill_value: 0, data_format: 'channels_last' },
  ],
  ['RandomZoom', { height_factor: 0.2, width_factor: null, fill_mode: 'reflect', interpolation: 'bilinear', seed: null, fill_value: 0 }],
  [
    'RandomTranslation',
    { height_factor: 0.1, width_factor: 0.1, fill_mode: 'reflect', interpolation: 'bilinear', seed: null, fill_value: 0 },
  ],
  ['RandomContrast', { factor: 0.2, value_range: [0, 255], seed: null }],
  ['RandomBrightness', { factor: 0.2, value_range: [0, 255], seed: null }],
  ['RandomGrayscale', { factor: 0.5, data_format: 'channels_last', seed: null }],
  ['RandomHue', { factor: 0.1, value_range: [0, 255], seed: null }],
  ['RandomSaturation', { factor: 0.1, value_range: [0, 255], seed: null }],
  ['RandomSharpness', { factor: 0.1, value_range: [0, 255], seed: null }],
  ['RandomShear', { x_factor: 0.1, y_factor: 0.1, interpolation: 'bilinear', fill_mode: 'reflect', fill_value: 0, seed: null }],
  ['RandomColorJitter', { value_range: [0, 255], brightness_factor: 0.1, contrast_factor: 0.1, seed: null }],
  ['RandomColorDegeneration', { factor: 0.1, value_range: [0, 255], seed: null }],
  ['RandomPosterization', { factor: [1, 8], value_range: [0, 255], seed: null }],
  ['RandomInvert', { factor: 0.2, value_range: [0, 255], seed: null }],
  ['RandomErasing', { factor: 0.2, scale: [0.02, 0.33], fill_value: null, value_range: [0, 255], seed: null }],
  ['RandomGaussianBlur', { factor: 0.2, kernel_size: 3, sigma: 1, value_range: [0, 255], seed: null }],
  ['RandomPerspective', { factor: 0.2, scale: 1, interpolation: 'bilinear', fill_value: 0, seed: null }],
  [
    'RandomElasticTransform',
    { factor: 0.2, scale: 1, interpolation: 'bilinear', fill_mode: 'reflect', fill_value: 0, value_range: [0, 255], seed: null },
  ],
  ['MixUp', { alpha: 0.2, seed: null }],
  ['CutMix', { factor: 1, seed: null }],
  ['AugMix', { value_range: [0, 255], num_chains: 3, chain_depth: 3, factor: 0.3, alpha: 1, all_ops: true, seed: null }],
  ['RandAugment', { value_range: [0, 255], num_ops: 2, factor: 0.5, seed: null }],
];

const placeholderName = (className: string) => `placeholder_${className}`;

function keras3Augmentation(L: Layers): tfl.LayersModel {
  return sequential(L, [
    L.layers.activation({ activation: 'linear', inputShape: [6, 6, 2], name: placeholderName(KERAS3_AUGMENTATION[0][0]) }),
    ...KERAS3_AUGMENTATION.slice(1).map(([className]) => identity(L, placeholderName(className))),
    L.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'relu' }),
    identity(L, placeholderName('RandomCrop')),
    L.layers.globalMaxPooling2d({}),
    L.layers.dense({ units: 3, activation: 'softmax' }),
  ]);
}

function keras2Augmentation(L: Layers): tfl.LayersModel {
  return sequential(L, [
    L.layers.activation({ activation: 'linear', inputShape: [7, 8, 2], name: placeholderName('RandomFlip') }),
    identity(L, placeholderName('RandomHeight')),
    identity(L, placeholderName('RandomWidth')),
    identity(L, placeholderName('SpatialDropout2D')),
    L.layers.cropping2D({
      cropping: [
        [0, 0],
        [0, 1],
      ],
      name: placeholderName('RandomCrop'),
    }),
    L.layers.cropping2D({
      cropping: [
        [1, 1],
        [1, 2],
      ],
      name: placeholderName('CenterCrop'),
    }),
    L.layers.conv2d({ filters: 2, kernelSize: 3, activation: 'tanh' }),
    L.layers.flatten(),
    identity(L, placeholderName('ActivityRegularization')),
    L.layers.dense({ units: 3, activation: 'softmax' }),
  ]);
}

const base = { classes: 3, loss: 'categoricalCrossentropy' as const, samples: 32, trainSteps: 60 };

export const miscCases: CorpusCase[] = [
  {
    ...base,
    name: 'layer-norm',
    description: 'LayerNormalization on the last axis: default, center: false, scale: false with epsilon 0.01',
    format: 'tfjs-layers',
    build: layerNorm,
    inputs: [{ shape: [6] }],
  },
  {
    ...base,
    name: 'layer-norm-options',
    description:
      'LayerNormalization with center: false, and with scale: false and epsilon 0.01 (seeded weights: tfjs-layers cannot train them)',
    format: 'tfjs-layers',
    build: layerNormOptions,
    inputs: [{ shape: [6] }],
    trainSteps: 0,
  },
  {
    ...base,
    name: 'keras3-layer-norm-axes',
    description: 'LayerNormalization over an axis list [1, 2] and over a middle axis, Keras 3 layout',
    format: 'keras3',
    build: layerNormAxes,
    inputs: [{ shape: [4, 3] }],
  },
  {
    ...base,
    name: 'activation-layers',
    description: 'PReLU (shared_axes [1], and per unit), ELU, Dense relu6, ReLU max_value 0.8',
    format: 'tfjs-layers',
    build: activationLayers,
    inputs: [{ shape: [4, 3] }],
  },
  {
    ...base,
    name: 'thresholded-relu',
    description: 'ThresholdedReLU with θ = 0.1 and the default θ = 1 (seeded weights: tfjs-layers has no gradient for it)',
    format: 'tfjs-layers',
    build: thresholded,
    inputs: [{ shape: [5] }],
    trainSteps: 0,
    weightScale: 2,
  },
  {
    ...base,
    name: 'softmax-axes',
    description: 'Softmax layers jointly over axes [1, 2] and over the last axis of a rank-3 tensor, inside the model',
    format: 'tfjs-layers',
    build: softmaxAxes,
    inputs: [{ shape: [3, 4] }],
  },
  {
    ...base,
    name: 'smooth-activations',
    description: "gelu, gelu_new, mish, tfjs-layers' hard_sigmoid (clip(0.2x + 0.5)) and a hidden log_softmax",
    format: 'tfjs-layers',
    build: smoothActivations,
    inputs: [{ shape: [6] }],
  },
  {
    ...base,
    name: 'permute-repeat',
    description: 'RepeatVector 3, Permute [2, 1], a Dense on the permuted axes',
    format: 'tfjs-layers',
    build: permuteRepeat,
    inputs: [{ shape: [5] }],
  },
  {
    ...base,
    name: 'merges',
    description: 'Multiply of three branches, Maximum of two, Minimum of three, Average, from one input',
    format: 'tfjs-layers',
    build: merges,
    inputs: [{ shape: [5] }],
  },
  {
    ...base,
    name: 'dot',
    description: 'Dot of vectors (plain and normalize: true) and of matrices with axes [2, 1] and [1, 1], from one input',
    format: 'tfjs-layers',
    build: dots,
    inputs: [{ shape: [6] }],
  },
  {
    ...base,
    name: 'rescaling',
    description: 'Rescaling with an offset at the input and without one inside',
    format: 'tfjs-layers',
    build: rescalings,
    inputs: [{ shape: [6] }],
  },
  {
    ...base,
    name: 'inference-identities',
    description: 'SpatialDropout1D, GaussianNoise, Dropout, GaussianDropout, AlphaDropout: the identity at inference',
    format: 'tfjs-layers',
    build: identities,
    inputs: [{ shape: [4, 3] }],
  },
  {
    ...base,
    name: 'center-crop',
    description: "tfjs-layers' CenterCrop 8×9 → 6×8 (its window starts one column in when the width differs by 1)",
    format: 'tfjs-layers',
    build: centerCrop,
    inputs: [{ shape: [8, 9, 2] }],
  },
  {
    ...base,
    name: 'keras2-activation-options',
    description:
      'ReLU threshold 0.2 + negative_slope 0.1, ReLU max_value 1.2 + threshold 0.1 + negative_slope 0.05, ELU alpha 0.5, Softmax axis 1 of [2, 3]; hand-written Keras 2 configs, forward reference: PyTorch',
    format: 'keras2',
    build: activationOptions,
    inputs: [{ shape: [6] }],
    keras: {
      sameFunction: false,
      layers: [
        { layer: 'relu_threshold', className: 'ReLU', config: { max_value: null, negative_slope: 0.1, threshold: 0.2 } },
        { layer: 'relu_all_options', className: 'ReLU', config: { max_value: 1.2, negative_slope: 0.05, threshold: 0.1 } },
        { layer: 'elu_alpha', className: 'ELU', config: { alpha: 0.5 } },
        { layer: 'softmax_axis_1', className: 'Softmax', config: { axis: 1 } },
      ],
    },
  },
  {
    ...base,
    name: 'keras2-subtract',
    description:
      'Subtract of two branches of one input, then ActivityRegularization; hand-written Keras 2 configs, forward reference: PyTorch',
    format: 'keras2',
    build: subtract,
    inputs: [{ shape: [5] }],
    keras: {
      sameFunction: false,
      layers: [
        { layer: 'difference', className: 'Subtract', config: {} },
        { layer: 'activity', className: 'ActivityRegularization', config: { l1: 0.01, l2: 0 } },
      ],
    },
  },
  {
    ...base,
    name: 'keras3-hard-sigmoid',
    description:
      "Keras 3's hard_sigmoid (relu6(x + 3)/6) and Rescaling by per-feature arrays; hand-written Keras 3 configs, forward reference: PyTorch",
    format: 'keras3',
    build: keras3Only,
    inputs: [{ shape: [6] }],
    weightScale: 3,
    keras: {
      sameFunction: false,
      layers: [
        {
          layer: 'rescale_features',
          className: 'Rescaling',
          config: {
            scale: [0.5, 1, 1.5, 2, 0.8, 1.2],
            offset: { class_name: '__numpy__', config: { value: [0.1, 0, -0.1, 0.2, 0, 0.05], dtype: 'float32' } },
          },
        },
        { layer: 'gate', className: 'Dense', config: { units: 6, activation: 'hard_sigmoid', use_bias: true } },
      ],
    },
  },
  {
    ...base,
    name: 'keras2-normalization',
    description: 'an adapted Normalization (weights mean, variance and an int count), Keras 2 layout',
    format: 'keras2',
    build: adaptedNormalization,
    inputs: [{ shape: [6] }],
    trainSteps: 0,
    keras: {
      sameFunction: true,
      layers: [
        {
          layer: 'normalization',
          className: 'Normalization',
          config: { axis: [-1], invert: false, mean: null, variance: null },
          renameWeights: { moving_mean: 'mean', moving_variance: 'variance' },
          extraWeights: [{ role: 'count', shape: [], dtype: 'int32', values: [1000] }],
        },
      ],
    },
  },
  {
    ...base,
    name: 'keras3-normalization-constants',
    description: 'Normalization with constants in the config: one scalar mean/variance (axis None) and per-feature lists; Keras 3 layout',
    format: 'keras3',
    build: constantNormalization,
    inputs: [{ shape: [4, 3] }],
    trainSteps: 0,
    keras: {
      sameFunction: true,
      layers: [
        { layer: 'scalar_normalization', className: 'Normalization', config: { axis: [], invert: false, mean: MEAN, variance: VARIANCE } },
        {
          layer: 'feature_normalization',
          className: 'Normalization',
          config: { axis: [-1], invert: false },
          weightsToConfig: { moving_mean: 'mean', moving_variance: 'variance' },
        },
      ],
    },
  },
  {
    ...base,
    name: 'keras3-augmentation',
    description:
      'every Keras 3 random augmentation layer, RandomCrop (the identity at inference from Keras 3.8), GlobalMaxPooling2D; Keras 3 layout',
    format: 'keras3',
    build: keras3Augmentation,
    inputs: [{ shape: [6, 6, 2] }],
    keras: {
      sameFunction: true,
      layers: [
        ...KERAS3_AUGMENTATION.map(([className, config]) => ({ layer: placeholderName(className), className, config })),
        {
          layer: placeholderName('RandomCrop'),
          className: 'RandomCrop',
          config: { height: 2, width: 2, seed: null, data_format: 'channels_last' },
        },
      ],
    },
  },
  {
    ...base,
    name: 'keras2-augmentation-crop',
    description:
      "Keras 2's RandomFlip, RandomHeight, RandomWidth, SpatialDropout2D, ActivityRegularization (identities), RandomCrop 7×8 → 7×7 (a centre crop at inference) and CenterCrop 7×7 → 5×4",
    format: 'keras2',
    build: keras2Augmentation,
    inputs: [{ shape: [7, 8, 2] }],
    keras: {
      sameFunction: true,
      layers: [
        { layer: placeholderName('RandomFlip'), className: 'RandomFlip', config: { mode: 'horizontal', seed: null } },
        {
          layer: placeholderName('RandomHeight'),
          className: 'RandomHeight',
          config: { factor: 0.2, interpolation: 'bilinear', seed: null },
        },
        { layer: placeholderName('RandomWidth'), className: 'RandomWidth', config: { factor: 0.2, interpolation: 'bilinear', seed: null } },
        { layer: placeholderName('SpatialDropout2D'), className: 'SpatialDropout2D', config: { rate: 0.1, noise_shape: null, seed: null } },
        { layer: placeholderName('RandomCrop'), className: 'RandomCrop', config: { height: 7, width: 7, seed: null } },
        { layer: placeholderName('CenterCrop'), className: 'CenterCrop', config: { height: 5, width: 4 } },
        { layer: placeholderName('ActivityRegularization'), className: 'ActivityRegularization', config: { l1: 0, l2: 0.01 } },
      ],
    },
  },
];
