// The convolution-family layers (src/engine/network/layers/convolution-family.ts):
// - the kernel view of a dilated convolution (dilateKernel, read through ops.ts's `reparameterizedOp`) and
//   its adjoint (undilateKernel) satisfy ⟨T K, G⟩ = ⟨K, Tᵀ G⟩ on both backends, and the dilated kernel
//   convolved without dilation is TF.js's own dilated convolution;
// - every class of the family has a small model among the backend cases (convolution-family-cases.ts,
//   which adjoint.test.ts and layers.test.ts run: node adjointness, cpu vs wasm, symmetry, finite
//   differences) and a case in the PyTorch-checked corpus (test/fixtures/corpus, reference.test.ts);
// - the options the engine refuses are refused by name, in one line naming the layer.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { SharpnessError } from '../../../src/engine/errors';
import { SeededRandom } from '../../../src/engine/linalg/random';
import { loadModel } from '../../../src/engine/model/load-model';
import { convolutionFamilyLayers } from '../../../src/engine/network/layers/convolution-family';
import { dilateKernel, undilateKernel } from '../../../src/engine/network/layers/dilated-convolution';
import { temporaryDirectory, writeSequentialModel, type LayerSpec } from '../../helpers/model-writer';
import { CONVOLUTION_FAMILY_CASES } from './convolution-family-cases';
import { BACKENDS, DifferenceLog, dot, norm, prepareBackends, relativeDifference, useBackend } from './helpers';

const TOLERANCE = 1e-5;
const log = new DifferenceLog();

before(prepareBackends);
after(() => log.print('convolution family: largest adjointness mismatches and differences of the dilated kernel view:'));

describe('the dilated kernel view', () => {
  for (const backend of BACKENDS) {
    test(`dilateKernel and undilateKernel are adjoint, ${backend}`, async () => {
      await useBackend(backend);
      const random = new SeededRandom(61);
      for (const [shape, dilation] of [
        [
          [3, 2, 2, 3],
          [2, 3],
        ],
        [
          [1, 4, 1, 2],
          [1, 2],
        ],
        [
          [2, 2, 3, 1],
          [3, 1],
        ],
      ] as [number[], [number, number]][]) {
        tf.tidy(() => {
          const kernel = tf.tensor(Float32Array.from(random.normalVector(shape.reduce((a, b) => a * b, 1))), shape);
          const dilated = dilateKernel(kernel, dilation);
          assert.deepEqual(dilated.shape, [(shape[0] - 1) * dilation[0] + 1, (shape[1] - 1) * dilation[1] + 1, shape[2], shape[3]]);
          const g = tf.tensor(Float32Array.from(random.normalVector(dilated.size)), dilated.shape);
          const back = undilateKernel(g, dilation);
          assert.deepEqual(back.shape, shape);
          const left = dot(dilated.dataSync(), g.dataSync());
          const right = dot(kernel.dataSync(), back.dataSync());
          const mismatch = Math.abs(left - right) / (norm(dilated.dataSync()) * norm(g.dataSync()));
          log.record(`dilate/undilate adjointness (${backend})`, mismatch, `kernel ${shape.join('×')}, dilation ${dilation.join('×')}`);
          assert.ok(mismatch <= TOLERANCE, `mismatch ${mismatch}`);
        });
      }
    });
  }

  test('the dilated kernel, convolved undilated, is TF.js’s dilated convolution (cpu)', async () => {
    await useBackend('cpu');
    const random = new SeededRandom(62);
    for (const pad of ['valid', 'same'] as const) {
      tf.tidy(() => {
        const x = tf.tensor4d(Float32Array.from(random.normalVector(2 * 7 * 6 * 2)), [2, 7, 6, 2]);
        const kernel = tf.tensor4d(Float32Array.from(random.normalVector(3 * 2 * 2 * 3)), [3, 2, 2, 3]);
        const dilations: [number, number] = [2, 3];
        const expected = tf.conv2d(x, kernel, 1, pad, 'NHWC', dilations);
        const actual = tf.conv2d(x, dilateKernel(kernel, dilations) as tf.Tensor4D, 1, pad);
        assert.deepEqual(actual.shape, expected.shape);
        const difference = log.record(
          'dilated kernel vs dilated Conv2D (cpu)',
          relativeDifference(actual.dataSync(), expected.dataSync()),
          pad,
        );
        assert.ok(difference <= TOLERANCE, `${pad}: relative difference ${difference}`);
      });
    }
  });
});

/** Every class name in a model.json topology, nested models included. */
function classNames(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => classNames(v, into));
  else if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (typeof record.class_name === 'string') into.add(record.class_name);
    Object.values(record).forEach((v) => classNames(v, into));
  }
  return into;
}

test('every class of the family has a backend case and a PyTorch-checked corpus case', () => {
  const corpus = join(__dirname, '..', '..', 'fixtures', 'corpus');
  const inCorpus = new Set<string>();
  for (const name of readdirSync(corpus)) classNames(JSON.parse(readFileSync(join(corpus, name, 'model.json'), 'utf8')), inCorpus);
  const inCases = new Set(CONVOLUTION_FAMILY_CASES.flatMap((c) => c.layers.map((l) => l.className)));
  // The first class name of each kind is the one Keras writes (the others are aliases); pooling.ts's
  // GlobalAveragePooling1D has its PyTorch reading and corpus cases with the family.
  const family = [...convolutionFamilyLayers.map((kind) => kind.classNames[0]), 'GlobalAveragePooling1D'];
  assert.deepEqual(
    family.filter((name) => !inCorpus.has(name)),
    [],
    'classes without a corpus case',
  );
  assert.deepEqual(
    family.filter((name) => !inCases.has(name)),
    [],
    'classes without a backend case',
  );
});

/** Loading a one-layer model (then a Dense head) with the given layer fails with a message matching `problem`. */
function refuses(inputShape: number[], layer: LayerSpec, problem: RegExp): void {
  const dir = temporaryDirectory('sharpness-refusal-');
  const { modelPath } = writeSequentialModel(dir, inputShape, [{ ...layer, config: { name: 'refused', ...layer.config } }]);
  try {
    assert.throws(
      () => loadModel(modelPath),
      (error: unknown) => {
        assert.ok(error instanceof SharpnessError, `a SharpnessError, not ${String(error)}`);
        assert.equal(error.message.split('\n').length, 1, 'one line');
        assert.match(error.message, /layer "refused" \(\w+\): /);
        assert.match(error.message, problem);
        return true;
      },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('refused options are named', () => {
  const kernel = (role: string, shape: number[]) => [{ role, shape }];
  test('UpSampling2D with bilinear interpolation', () =>
    refuses(
      [4, 4, 1],
      { className: 'UpSampling2D', config: { size: [2, 2], interpolation: 'bilinear' } },
      /interpolation "bilinear" is not supported, only "nearest"/,
    ));
  test('dilation with strides', () =>
    refuses(
      [9, 9, 1],
      {
        className: 'Conv2D',
        config: { filters: 1, kernel_size: [2, 2], strides: [2, 2], dilation_rate: [2, 2] },
        weights: kernel('kernel', [2, 2, 1, 1]),
      },
      /dilation_rate > 1 together with strides > 1 is not supported/,
    ));
  test('Conv2DTranspose with dilation', () =>
    refuses(
      [4, 4, 1],
      {
        className: 'Conv2DTranspose',
        config: { filters: 1, kernel_size: [2, 2], dilation_rate: [2, 2], use_bias: false },
        weights: kernel('kernel', [2, 2, 1, 1]),
      },
      /dilation_rate other than 1 is not supported for transposed convolutions/,
    ));
  test('Conv2DTranspose with output_padding not below the strides', () =>
    refuses(
      [4, 4, 1],
      {
        className: 'Conv2DTranspose',
        config: { filters: 1, kernel_size: [3, 3], strides: [2, 2], output_padding: [2, 0], use_bias: false },
        weights: kernel('kernel', [3, 3, 1, 1]),
      },
      /output_padding \[2,0\] must be smaller than the strides \[2,2\]/,
    ));
  test('Conv2DTranspose whose output does not convolve back to its input', () =>
    refuses(
      [4, 4, 1],
      {
        className: 'Conv2DTranspose',
        config: { filters: 1, kernel_size: [2, 2], strides: [3, 3], padding: 'same', output_padding: [0, 0], use_bias: false },
        weights: kernel('kernel', [2, 2, 1, 1]),
      },
      /its 9×9 output does not convolve back to the 4×4 input/,
    ));
  test('Conv1D padding other than valid, same or causal', () =>
    refuses(
      [6, 1],
      { className: 'Conv1D', config: { filters: 1, kernel_size: [2], padding: 'full' }, weights: kernel('kernel', [2, 1, 1]) },
      /padding "full" is not supported \(valid, same or causal\)/,
    ));
  test('a 1-D window longer than the sequence', () =>
    refuses([3, 1], { className: 'MaxPooling1D', config: { pool_size: [4] } }, /a window of 4 steps does not fit the input's 3 steps/));
  test('cropping more than the input', () =>
    refuses([4, 2], { className: 'Cropping1D', config: { cropping: [2, 2] } }, /cropping \[\[2,2\]\] leaves nothing of the input \[4\]/));
  test('channels_first data', () =>
    refuses(
      [2, 6],
      { className: 'MaxPooling1D', config: { data_format: 'channels_first' } },
      /data_format "channels_first" is not supported/,
    ));
});
