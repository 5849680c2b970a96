// The normalisation, activation, merge, reshaping and preprocessing layers one at a time: the options
// each refuses (one line naming the layer), the semantics that depend on which Keras wrote the file
// (hard_sigmoid, RandomCrop, CenterCrop, Dot's normalisation floor), values Keras defines exactly
// (Normalization's ε, ReLU's options), and the new activations' σ' and σ'' against central
// differences. The corpus (reference.test.ts) proves the layers' Hessians against PyTorch.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initializeBackend } from '../../../src/engine/backend';
import { SharpnessError } from '../../../src/engine/errors';
import { elementwiseActivation } from '../../../src/engine/network/activations';
import { LayerConfig, parseKerasVersion } from '../../../src/engine/network/layers/config';
import { layerGraph, type BuiltLayer } from '../../../src/engine/network/layers/kind';
import { layerKind } from '../../../src/engine/network/layers/registry';
import type { Shape, Tensor, WeightMap } from '../../../src/engine/network/types';

before(() => initializeBackend('cpu'));

const TFJS = 'tfjs-layers 4.22.0';

function build(className: string, raw: Record<string, unknown>, inputShapes: Shape[], keras = TFJS): BuiltLayer {
  const kind = layerKind(className);
  assert.ok(kind, `${className} is supported`);
  return kind.build({ config: new LayerConfig('layer_1', className, raw, parseKerasVersion(keras)), inputShapes, trainable: true });
}

function refuses(className: string, raw: Record<string, unknown>, inputShapes: Shape[], problem: RegExp, keras = TFJS): void {
  assert.throws(
    () => build(className, raw, inputShapes, keras),
    (error: unknown) =>
      error instanceof SharpnessError && error.message.startsWith(`layer "layer_1" (${className}): `) && problem.test(error.message),
  );
}

/** Runs a built layer's graph forward on host values (batch first). */
function run(built: BuiltLayer, inputs: { values: number[]; shape: Shape }[], weights: WeightMap = {}): number[] {
  return tf.tidy(() => {
    const graph = layerGraph(built, inputs.length);
    const xs = inputs.map((x) => tf.tensor(x.values, x.shape));
    const nodes: Tensor[] = [];
    const value = (ref: { input: number } | { node: number }) => ('input' in ref ? xs[ref.input] : nodes[ref.node]);
    for (const node of graph.nodes) nodes.push(node.op.forward(node.inputs.map(value), weights).output);
    return Array.from(value(graph.outputs[0]).dataSync());
  });
}

const close = (actual: number[], expected: number[], tolerance = 1e-6) =>
  assert.ok(
    actual.length === expected.length &&
      actual.every((a, i) => Math.abs(a - expected[i]) <= tolerance * Math.max(1, Math.abs(expected[i]))),
    `${actual.join(', ')} vs ${expected.join(', ')}`,
  );

test('the Keras version is read from keras_version', () => {
  assert.deepEqual(parseKerasVersion('3.10.0'), { writer: 'keras', major: 3, minor: 10, text: '3.10.0' });
  assert.deepEqual(parseKerasVersion('tfjs-layers 1.3.1'), { writer: 'tfjs-layers', major: 1, minor: 3, text: 'tfjs-layers 1.3.1' });
  assert.equal(parseKerasVersion(undefined).writer, 'unknown');
  assert.equal(parseKerasVersion('keras').writer, 'unknown');
});

test('hard_sigmoid follows the file: clip(0.2x + 0.5) for Keras 2 and tfjs-layers, relu6(x + 3)/6 for Keras 3, refused without a version', () => {
  const at = (keras: string) =>
    tf.tidy(() =>
      Array.from(
        elementwiseActivation('hard_sigmoid', 'gate', parseKerasVersion(keras))
          .apply(tf.tensor([-4, -2, 0, 2, 4]))
          .dataSync(),
      ),
    );
  close(at(TFJS), [0, 0.1, 0.5, 0.9, 1]);
  close(at('2.13.1'), [0, 0.1, 0.5, 0.9, 1]);
  close(at('3.10.0'), [0, 1 / 6, 0.5, 5 / 6, 1]);
  assert.throws(
    () => elementwiseActivation('hard_sigmoid', 'gate', parseKerasVersion(undefined)),
    /layer "gate" uses hard_sigmoid, .*\(no keras_version/,
  );
});

test("gelu, gelu_new and mish: σ' and σ'' agree with central differences of σ and σ'", () => {
  const h = 1e-2;
  const points = [-3, -1.2, -0.3, 0.4, 1.1, 2.6];
  for (const name of ['gelu', 'gelu_new', 'mish']) {
    const act = elementwiseActivation(name, 'layer', parseKerasVersion(TFJS));
    const values = (f: (x: Tensor) => Tensor, shift: number) =>
      tf.tidy(() => Array.from(f(tf.tensor(points.map((p) => p + shift))).dataSync()));
    const first = (x: Tensor) => act.derivative(x, act.apply(x));
    const second = (x: Tensor) => act.secondDerivative!(x, act.apply(x));
    const central = (f: (x: Tensor) => Tensor) => values(f, h).map((v, i) => (v - values(f, -h)[i]) / (2 * h));
    close(values(first, 0), central(act.apply), 2e-3);
    close(values(second, 0), central(first), 2e-3);
  }
});

test("ReLU's options as Keras defines them, and Keras's refusals of negative values", () => {
  const relu = build('ReLU', { max_value: 1.2, threshold: 0.1, negative_slope: 0.05 }, [[5]]);
  close(run(relu, [{ values: [-1, 0.05, 0.5, 1.2, 3], shape: [1, 5] }]), [-0.055, -0.0025, 0.5, 1.2, 1.2]);
  assert.equal(relu.symmetry.role, 'barrier');
  assert.equal(build('ReLU', { negative_slope: 0.2 }, [[5]]).symmetry.role, 'passthrough');
  refuses('ReLU', { max_value: -1 }, [[5]], /"max_value" must not be negative/);
  refuses('ReLU', { threshold: -0.5 }, [[5]], /"threshold" must not be negative/);
  refuses('ReLU', { negative_slope: -0.1 }, [[5]], /"negative_slope" must not be negative/);
});

test('LayerNormalization refuses rms_scaling, the batch axis and repeated axes', () => {
  refuses('LayerNormalization', { rms_scaling: true }, [[4]], /rms_scaling: true is not supported/);
  refuses('LayerNormalization', { axis: 0 }, [[4]], /batch axis/);
  refuses('LayerNormalization', { axis: [1, -2] }, [[3, 4]], /repeats an axis/);
  refuses('LayerNormalization', { axis: 3 }, [[3, 4]], /out of range/);
  const built = build('LayerNormalization', { axis: [1, 2], center: false }, [[3, 4, 2]]);
  assert.deepEqual(
    built.weights.map((w) => [w.role, w.shape]),
    [['gamma', [3, 4]]],
  );
});

test('Softmax over a middle axis is not the softmax a cross-entropy may fuse with', () => {
  const last = build('Softmax', { axis: -1 }, [[2, 3]]);
  const middle = build('Softmax', { axis: 1 }, [[2, 3]]);
  assert.equal(last.ops[0].activation, 'softmax');
  assert.equal(middle.ops[0].activation, 'softmax over axes 1');
  close(run(middle, [{ values: [0, 1, 2, 0, 1, 2], shape: [1, 2, 3] }]), [0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
  refuses('Softmax', { axis: 0 }, [[2, 3]], /batch axis/);
});

test('PReLU shares α over shared_axes', () => {
  const built = build('PReLU', { shared_axes: [1, 2] }, [[2, 2, 3]]);
  assert.deepEqual(built.weights[0].shape, [1, 1, 3]);
  refuses('PReLU', { shared_axes: [4] }, [[2, 2, 3]], /"shared_axes" must list input axes/);
  const alpha = tf.tensor([0.1, 0.2, 0.3], [1, 1, 3]);
  close(
    run(built, [{ values: [-1, -1, -1, 1, 1, 1, -2, 0, 2, 0, 0, 0], shape: [1, 2, 2, 3] }], { alpha }),
    [-0.1, -0.2, -0.3, 1, 1, 1, -0.2, 0, 2, 0, 0, 0],
  );
  alpha.dispose();
});

test('the merges refuse what Keras would broadcast or cannot compute', () => {
  refuses('Subtract', {}, [[3], [3], [3]], /exactly two inputs/);
  refuses('Multiply', {}, [[3], [4]], /different shapes/);
  refuses('Dot', { axes: 1 }, [[3], [2, 3]], /two vectors or two matrices/);
  refuses(
    'Dot',
    { axes: [2, 1] },
    [
      [2, 3],
      [2, 3],
    ],
    /different lengths/,
  );
  refuses('Dot', { axes: 1, normalize: true }, [[3], [3]], /no keras_version/, 'unknown');
  const maximum = build('Maximum', {}, [[3], [3], [3]]);
  close(
    run(maximum, [
      { values: [1, 5, 0], shape: [1, 3] },
      { values: [2, 1, 0], shape: [1, 3] },
      { values: [0, 7, -1], shape: [1, 3] },
    ]),
    [2, 7, 0],
  );
  assert.deepEqual(
    build('Dot', { axes: [1, 1] }, [
      [2, 3],
      [2, 4],
    ]).outputShape,
    [3, 4],
  );
});

test('Permute and RepeatVector check their arguments', () => {
  refuses('Permute', { dims: [1, 1] }, [[2, 3]], /permutation of 1…2/);
  refuses('RepeatVector', { n: 2 }, [[2, 3]], /rank 2 with the batch/);
  const permute = build('Permute', { dims: [2, 1] }, [[2, 3]]);
  assert.deepEqual(permute.outputShape, [3, 2]);
  assert.deepEqual(permute.symmetry, { role: 'passthrough', channelwise: false });
  close(run(permute, [{ values: [1, 2, 3, 4, 5, 6], shape: [1, 2, 3] }]), [1, 4, 2, 5, 3, 6]);
});

test("Normalization: Keras's max(√variance, 1e-7), invert, constants broadcast to the kept axes", () => {
  const built = build('Normalization', { axis: [-1], mean: [1, 2], variance: [4, 0] }, [[2]], '3.10.0');
  assert.deepEqual(built.weights, []);
  close(run(built, [{ values: [3, 2.5], shape: [1, 2] }]), [1, 0.5e7]);
  const inverted = build('Normalization', { axis: null, mean: 1, variance: 4, invert: true }, [[2]], '3.10.0');
  close(run(inverted, [{ values: [3, -1], shape: [1, 2] }]), [7, -1]);
  assert.deepEqual(
    build('Normalization', { axis: [1] }, [[3, 2]], '2.13.1').weights.map((w) => [w.role, w.shape, w.trainable]),
    [
      ['mean', [3], false],
      ['variance', [3], false],
    ],
  );
  refuses('Normalization', { mean: [1, 2, 3], variance: [1, 2, 3] }, [[2]], /does not broadcast/);
  refuses('Normalization', { mean: 1 }, [[2]], /needs both "mean" and "variance"/);
});

test('Rescaling by arrays broadcast against the sample', () => {
  const built = build('Rescaling', { scale: { class_name: '__numpy__', config: { value: [2, 3] } }, offset: 1 }, [[2]], '3.10.0');
  close(run(built, [{ values: [1, 1], shape: [1, 2] }]), [3, 4]);
  assert.equal(built.symmetry.role, 'barrier');
  assert.equal(build('Rescaling', { scale: 0.5 }, [[2]]).symmetry.role, 'passthrough');
  refuses('Rescaling', { scale: [1, 2, 3] }, [[2]], /does not broadcast/);
});

test('RandomCrop at inference, as each Keras version computes it', () => {
  const image = [[7, 8, 1]];
  assert.deepEqual(build('RandomCrop', { height: 5, width: 5 }, image, '3.10.0').outputShape, [7, 8, 1], 'Keras 3.8+: the identity');
  assert.deepEqual(build('RandomCrop', { height: 7, width: 8 }, image, 'unknown').outputShape, [7, 8, 1], 'the target size: the identity');
  const centred = build('RandomCrop', { height: 7, width: 7 }, image, '2.13.1');
  assert.deepEqual(centred.outputShape, [7, 7, 1]);
  const pixels = Array.from({ length: 56 }, (_, i) => i);
  close(run(centred, [{ values: pixels, shape: [1, 7, 8, 1] }]).slice(0, 8), [0, 1, 2, 3, 4, 5, 6, 8]);
  refuses('RandomCrop', { height: 5, width: 5 }, image, /resizes the centred 7×7 window .* to 5×5/, '3.7.0');
  refuses('RandomCrop', { height: 5, width: 5 }, image, /says none/, 'unknown');
});

test("CenterCrop: Keras's centred window, tfjs-layers' window one column in when the width differs by 1", () => {
  const pixels = Array.from({ length: 12 }, (_, i) => i);
  const keras = build('CenterCrop', { height: 2, width: 3 }, [[3, 4, 1]], '2.13.1');
  close(run(keras, [{ values: pixels, shape: [1, 3, 4, 1] }]), [0, 1, 2, 4, 5, 6]);
  const tfjs = build('CenterCrop', { height: 2, width: 3 }, [[3, 4, 1]]);
  close(run(tfjs, [{ values: pixels, shape: [1, 3, 4, 1] }]), [1, 2, 3, 5, 6, 7]);
  refuses('CenterCrop', { height: 4, width: 3 }, [[3, 4, 1]], /smaller than 4×3/);
  refuses('CenterCrop', { height: 1, width: 3 }, [[3, 4, 1]], /narrower than 2 pixels/);
});
