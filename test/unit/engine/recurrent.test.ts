// Recurrent layers and wrappers below the corpus (test/unit/engine/reference.test.ts proves their
// Hessians against PyTorch): the element-wise product node's adjoint and R-operator, the adjoint of
// every node of every recurrent corpus model on cpu and wasm, and the options refused by name.
import assert from 'node:assert/strict';
import { cpSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { analyze } from '../../../src/engine/analysis/analyze';
import { SharpnessError } from '../../../src/engine/errors';
import { loadDataFile } from '../../../src/engine/data/load';
import { SeededRandom } from '../../../src/engine/linalg/random';
import { loadModel, readModelJson } from '../../../src/engine/model/load-model';
import { LayerConfig } from '../../../src/engine/network/layers/config';
import { layerKind } from '../../../src/engine/network/layers/registry';
import { Network } from '../../../src/engine/network/network';
import { productOp } from '../../../src/engine/network/ops';
import type { ForwardRecord } from '../../../src/engine/network/types';
import { BACKENDS, dot, nodeAdjointness, norm, prepareBackends, useBackend } from '../backend/helpers';
import { temporaryDirectory } from '../../helpers/model-writer';
import { scoped } from '../../../src/engine/backend/scope';

const CORPUS = join(__dirname, '..', '..', 'fixtures', 'corpus');
const TOLERANCE = 1e-5;

before(prepareBackends);

const randomTensor = (random: SeededRandom, shape: number[]) =>
  tf.tensor(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => random.normal()),
    shape,
  );
const values = (t: tf.Tensor | null) => t!.dataSync();
/** max |a − b| / max(|b|, 1): both are float32 results of a few products. */
const difference = (a: tf.Tensor, b: tf.Tensor) =>
  tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] / Math.max(1, tf.max(tf.abs(b)).dataSync()[0]);

describe('the element-wise product node y = a ⊙ b', () => {
  for (const backend of BACKENDS) {
    test(`adjoint, R-operator and R-operator of the backward pass against the bilinear map itself, ${backend}`, async () => {
      await useBackend(backend);
      scoped(() => {
        const random = new SeededRandom(7);
        const op = productOp();
        const shape = [5, 3];
        const [a, b, ra, rb, dy, rdy] = Array.from({ length: 6 }, () => randomTensor(random, shape));
        const record: ForwardRecord = { inputs: [a, b], output: op.forward([a, b], {}).output, saved: [] };
        // ⟨J(ra, rb), dy⟩ = ⟨(ra, rb), Jᵀ dy⟩.
        const jv = op.rForward([ra, rb], {}, record, {})!;
        const { dInputs } = op.backward(dy, record, {}, true);
        const left = dot(values(jv), values(dy));
        const right = dot(values(ra), values(dInputs[0])) + dot(values(rb), values(dInputs[1]));
        const scale = norm(values(jv)) * norm(values(dy));
        assert.ok(Math.abs(left - right) <= TOLERANCE * scale, `adjoint: ${left} vs ${right}`);

        // y, da = dy⊙b and db = dy⊙a are bilinear in (a, b, dy), so the central difference with step 1
        // is their exact directional derivative (the quadratic terms cancel): R{y}, R{da}, R{db}.
        const plus = (x: tf.Tensor, d: tf.Tensor) => tf.add(x, d);
        const minus = (x: tf.Tensor, d: tf.Tensor) => tf.sub(x, d);
        const at = (step: typeof plus) => {
          const x = [step(a, ra), step(b, rb)];
          const r = { inputs: x, output: op.forward(x, {}).output, saved: [] };
          return { y: r.output, d: op.backward(step(dy, rdy), r, {}, true).dInputs as tf.Tensor[] };
        };
        const [p, m] = [at(plus), at(minus)];
        const half = (u: tf.Tensor, v: tf.Tensor) => tf.mul(tf.sub(u, v), 0.5);
        assert.ok(difference(jv, half(p.y, m.y)) <= TOLERANCE, 'R{y}');
        const r = op.rBackward(dy, rdy, [ra, rb], {}, record, {}, true).dInputs as tf.Tensor[];
        assert.ok(difference(r[0], half(p.d[0], m.d[0])) <= TOLERANCE, 'R{da}');
        assert.ok(difference(r[1], half(p.d[1], m.d[1])) <= TOLERANCE, 'R{db}');

        // The curvature of ⟨dy, a⊙b⟩ alone (R{dy} = 0) is symmetric: ⟨u, H w⟩ = ⟨w, H u⟩.
        const [ua, ub] = [randomTensor(random, shape), randomTensor(random, shape)];
        const hu = op.rBackward(dy, null, [ua, ub], {}, record, {}, true).dInputs as tf.Tensor[];
        const hw = op.rBackward(dy, null, [ra, rb], {}, record, {}, true).dInputs as tf.Tensor[];
        const uhw = dot(values(ua), values(hw[0])) + dot(values(ub), values(hw[1]));
        const whu = dot(values(ra), values(hu[0])) + dot(values(rb), values(hu[1]));
        assert.ok(Math.abs(uhw - whu) <= TOLERANCE * Math.abs(uhw), `symmetry: ${uhw} vs ${whu}`);

        // A zero direction is null and skipped: R{y} = R{a}⊙b alone, nothing without any direction.
        assert.equal(op.rForward([null, null], {}, record, {}), null);
        assert.ok(difference(op.rForward([ra, null], {}, record, {})!, tf.mul(ra, b)) <= TOLERANCE);
        assert.deepEqual(op.rBackward(dy, null, [null, null], {}, record, {}, true).dInputs, [null, null]);
      });
    });
  }
});

/** The corpus models with a recurrent layer or wrapper, and the first samples of their data. */
const RECURRENT_CLASSES = ['SimpleRNN', 'LSTM', 'GRU', 'Bidirectional', 'TimeDistributed'];
const recurrentCases = readdirSync(CORPUS).filter((name) => {
  const json = readFileSync(join(CORPUS, name, 'model.json'), 'utf8');
  return RECURRENT_CLASSES.some((c) => json.includes(`"class_name":"${c}"`));
});

/** The first samples of every model input, from the arrays the analysis would take. */
function firstSamples(name: string, count: number): tf.Tensor[] {
  const { topology } = readModelJson(join(CORPUS, name, 'model.json'));
  const signature = { inputs: topology.inputs.map((input) => input.name), outputs: topology.outputs.map((output) => output.name) };
  return loadDataFile(join(CORPUS, name, 'data.npz'), { signature, hasLabels: false }).inputs.map(({ array }) => {
    const per = array.shape.slice(1).reduce((a, b) => a * b, 1);
    return tf.tensor(array.data.subarray(0, count * per), [count, ...array.shape.slice(1)], array.dtype);
  });
}

describe('every node of every recurrent corpus model is the adjoint of its R-operator', () => {
  test('the corpus has the recurrent cases', () => assert.ok(recurrentCases.length >= 15, `${recurrentCases.length} cases`));
  for (const backend of BACKENDS) {
    test(`recurrent corpus models, ${backend}`, async () => {
      await useBackend(backend);
      for (const [i, name] of recurrentCases.entries()) {
        const network = new Network(loadModel(join(CORPUS, name, 'model.json')));
        try {
          const x = firstSamples(name, 3);
          for (const node of nodeAdjointness(network, x, new SeededRandom(300 + i))) {
            const where = `${name}, node ${node.node} (${node.layer})`;
            assert.ok(
              node.mismatch <= TOLERANCE,
              `${where} on ${backend}: ⟨J(u, v), y⟩ = ${node.forward} but ⟨(u, v), Jᵀy⟩ = ${node.adjoint}`,
            );
          }
          tf.dispose(x);
        } finally {
          network.dispose();
        }
      }
    });
  }
});

const LSTM = { name: 'lstm', units: 2, activation: 'tanh', recurrent_activation: 'sigmoid', use_bias: true };

function build(className: string, config: Record<string, unknown>, shape: number[] = [4, 3]) {
  return layerKind(className)!.build({ config: new LayerConfig('layer', className, config), inputShapes: [shape], trainable: true });
}

function refused(className: string, config: Record<string, unknown>, problem: RegExp, shape?: number[]): void {
  assert.throws(
    () => build(className, config, shape),
    (error: unknown) => error instanceof SharpnessError && problem.test(error.message),
  );
}

describe('recurrent options the engine refuses, each by name with what to do', () => {
  test('stateful, time_major, a missing recurrent_activation, a non-sequence input', () => {
    refused(
      'LSTM',
      { ...LSTM, stateful: true },
      /layer "layer" \(LSTM\): stateful=true is not supported .* save the model with stateful=false/,
    );
    refused('GRU', { ...LSTM, time_major: true }, /time_major=true is not supported; save the model with time_major=false/);
    const { recurrent_activation: _, ...unset } = LSTM;
    refused('GRU', unset, /"recurrent_activation" is missing; .*\(sigmoid in Keras 2\.3 and later, hard_sigmoid in tfjs-layers/);
    refused('SimpleRNN', { ...LSTM, activation: 'softmax' }, /uses the activation "softmax", which is not supported/);
    refused('LSTM', LSTM, /expects sequences \[time steps, features\]/, [5]);
    refused('SimpleRNN', { ...LSTM, dropout: 2 }, /"dropout" must be between 0 and 1/);
  });

  test('Bidirectional: merge modes, wrapped classes, backward layers that do not fit', () => {
    const layer = { class_name: 'LSTM', config: LSTM };
    refused('Bidirectional', { layer, merge_mode: 'max' }, /merge_mode "max" is not supported \(concat, sum, mul, ave or null\)/);
    refused('Bidirectional', { layer: { class_name: 'Dense', config: { name: 'd', units: 2 } } }, /only SimpleRNN, LSTM and GRU/);
    refused('Bidirectional', { layer, backward_layer: layer }, /must have different go_backwards/);
    refused(
      'Bidirectional',
      { layer, backward_layer: { class_name: 'LSTM', config: { ...LSTM, go_backwards: true, return_sequences: true } } },
      /must have the same return_sequences/,
    );
    refused('Bidirectional', { layer: { class_name: 'LSTM', config: { units: 2 } } }, /has no name, which its weights are named by/);
  });

  test('TimeDistributed: an unsupported or several-output layer inside', () => {
    refused('TimeDistributed', { layer: { class_name: 'Lambda', config: { name: 'f' } } }, /wraps a Lambda layer, which is not supported/);
    refused(
      'TimeDistributed',
      { layer: { class_name: 'LSTM', config: { ...LSTM, return_state: true } } },
      /with several outputs, which TimeDistributed does not support/,
      [3, 4, 2],
    );
  });

  test('a stateful layer in a real file is named in one line with the file', () => {
    const dir = temporaryDirectory();
    cpSync(join(CORPUS, 'lstm-hard-sigmoid'), dir, { recursive: true });
    const path = join(dir, 'model.json');
    const json = JSON.parse(readFileSync(path, 'utf8'));
    const lstm = json.modelTopology.config.layers.find((l: { class_name: string }) => l.class_name === 'LSTM');
    lstm.config.stateful = true;
    writeFileSync(path, JSON.stringify(json));
    assert.throws(
      () => loadModel(path),
      (error: unknown) =>
        error instanceof SharpnessError &&
        error.file === path &&
        !error.message.includes('\n') &&
        /layer "lstm_LSTM\d+" \(LSTM\): stateful=true is not supported/.test(error.message),
    );
  });
});

describe('weight names of the wrappers', () => {
  test("Bidirectional: Keras 2's forward_<layer> / backward_<layer>, Keras 3's stored forward_ and backward_ copies", () => {
    const keras2 = build('Bidirectional', { layer: { class_name: 'LSTM', config: LSTM } });
    const paths = (built: typeof keras2, role: string) => built.weights.find((w) => w.role === role)!.manifestPaths;
    assert.deepEqual(paths(keras2, 'forward/kernel'), [['forward_lstm', 'kernel']]);
    assert.deepEqual(paths(keras2, 'backward/bias'), [['backward_lstm', 'bias']]);
    const keras3 = build('Bidirectional', {
      layer: { class_name: 'LSTM', config: { ...LSTM, name: 'forward_lstm' } },
      backward_layer: { class_name: 'LSTM', config: { ...LSTM, name: 'backward_lstm', go_backwards: true } },
    });
    assert.deepEqual(paths(keras3, 'forward/kernel'), [
      ['forward_lstm', 'kernel'],
      ['forward_forward_lstm', 'kernel'],
    ]);
    assert.deepEqual(paths(keras3, 'backward/recurrent_kernel')![0], ['backward_lstm', 'recurrent_kernel']);
  });

  test('TimeDistributed: <wrapper>/<role> (tfjs-layers, Keras 2) or <wrapper>/<inner>/<role> (Keras 3)', () => {
    const built = build('TimeDistributed', { layer: { class_name: 'Dense', config: { name: 'dense', units: 2 } } });
    assert.deepEqual(
      built.weights.map((w) => [w.role, w.manifestPaths]),
      [
        ['kernel', [['kernel'], ['dense', 'kernel']]],
        ['bias', [['bias'], ['dense', 'bias']]],
      ],
    );
    assert.deepEqual(built.outputShape, [4, 2]);
  });
});

describe('rescaling symmetries through recurrent layers', () => {
  // time-distributed-dense: TimeDistributed(Dense relu) → SimpleRNN (tanh) → Dense softmax.
  const dir = join(CORPUS, 'time-distributed-dense');
  const run = (extra: object) =>
    analyze({ model: join(dir, 'model.json'), data: join(dir, 'data.npz'), backend: 'cpu', threads: 1, settings: { topK: 1 }, ...extra });

  test("a scale into a recurrent layer is absorbed by its kernel's rows, layer-wise and neuron-wise", async () => {
    const plain = await run({});
    assert.ok(
      plain.model.symmetries.neuronwise.some((n) => n.consumer.startsWith('simple_rnn')),
      'the Dense units feed the SimpleRNN kernel',
    );
    for (const rescaled of [await run({ rescale: [7, 1 / 7, 1] }), await run({ rescaleNeurons: 3 })]) {
      assert.ok(rescaled.rescaling!.maxOutputDifference < 1e-5, `outputs changed by ${rescaled.rescaling!.maxOutputDifference}`);
      assert.ok(Math.abs(rescaled.loss - plain.loss) <= 1e-5 * plain.loss);
    }
  });

  test('no scale passes through the recurrence: a factor on the SimpleRNN is refused by name', async () => {
    await assert.rejects(
      run({ rescale: [1, 7, 1 / 7] }),
      /up to "simple_rnn_SimpleRNN\d+" multiply to 7\.00000, but they must multiply to 1 there/,
    );
  });
});
