// The node patterns the normalisation, activation, merge and preprocessing layers added to ops.ts
// (a product of two inputs, the normalisation node, the fixed affine map, softmax over several axes),
// on cpu and wasm, through every node of the corpus models built from them: each node's R-operator
// forward is the adjoint of its backward pass (⟨J(u, v), y⟩ = ⟨(u, v), Jᵀy⟩), and each model's Hessian
// is symmetric (uᵀHv = vᵀHu, which analyze() would hide by symmetrising). The clamp of the L2
// normalisation, which no corpus sample reaches, is checked on its own.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { miscCases } from '../../../scripts/corpus/cases/misc';
import { SeededRandom } from '../../../src/engine/linalg/random';
import { loadModel } from '../../../src/engine/model/load-model';
import { Network } from '../../../src/engine/network/network';
import { normalizationOp } from '../../../src/engine/network/ops';
import {
  BACKENDS,
  DifferenceLog,
  buildEngine,
  dot,
  nodeAdjointness,
  norm,
  prepareBackends,
  randomHost,
  unitVector,
  useBackend,
} from './helpers';

const CORPUS = join(__dirname, '..', '..', 'fixtures', 'corpus');
const TOLERANCE = 1e-5;
const log = new DifferenceLog();

before(prepareBackends);
after(() => log.print('largest mismatches of the misc layers (adjointness per node; Hessian asymmetry per model):'));

for (const backend of BACKENDS) {
  for (const [i, corpusCase] of miscCases.entries()) {
    const modelPath = join(CORPUS, corpusCase.name, 'model.json');

    test(`every node of corpus case ${corpusCase.name} is adjoint to its R-operator, ${backend}`, async () => {
      await useBackend(backend);
      const network = new Network(loadModel(modelPath));
      try {
        const random = new SeededRandom(400 + i);
        const sample = randomHost(random, [3, ...network.model.inputShape]);
        const x = tf.tensor(sample.values, sample.shape);
        const nodes = nodeAdjointness(network, x, random);
        x.dispose();
        assert.ok(nodes.length > 0, 'the model has nodes');
        for (const node of nodes) {
          const where = `${corpusCase.name}, node ${node.node} (${node.layer})`;
          log.record(`adjointness (${backend})`, node.mismatch, where);
          assert.ok(node.mismatch <= TOLERANCE, `${where}: ⟨J(u, v), y⟩ = ${node.forward} but ⟨(u, v), Jᵀy⟩ = ${node.adjoint}`);
        }
      } finally {
        network.dispose();
      }
    });

    test(`H is symmetric for corpus case ${corpusCase.name}, ${backend}`, async () => {
      const setup = await buildEngine({ modelPath, dataPath: join(CORPUS, corpusCase.name, 'data.npz') }, backend);
      try {
        const { engine, network } = setup;
        engine.evaluate();
        const random = new SeededRandom(500 + i);
        const u = unitVector(random, network.dimension);
        const v = unitVector(random, network.dimension);
        const hu = engine.hvp(u);
        const hv = engine.hvp(v);
        assert.ok(norm(hv) > 0, 'a non-zero Hessian-vector product');
        const asymmetry = Math.abs(dot(u, hv) - dot(v, hu)) / Math.max(norm(hv), norm(hu));
        log.record(`symmetry (${backend})`, asymmetry, corpusCase.name);
        assert.ok(asymmetry <= TOLERANCE, `uᵀHv = ${dot(u, hv)} but vᵀHu = ${dot(v, hu)} (relative ${asymmetry.toExponential(2)})`);
      } finally {
        setup.dispose();
      }
    });
  }

  test(`the L2 normalisation's clamp: below the floor, y = x/√floor and no curvature, ${backend}`, async () => {
    await useBackend(backend);
    const floor = 1e-7;
    const op = normalizationOp({ axes: [1], center: false, weight: 1, epsilon: 0, floor });
    tf.tidy(() => {
      // Row 0 is below the floor (‖x‖² = 2e-8), row 1 above it.
      const x = tf.tensor([
        [1e-4, -1e-4],
        [3, 4],
      ]);
      const { output, saved } = op.forward([x], {});
      const record = { inputs: [x], output, saved: saved ?? [] };
      const out = output.arraySync() as number[][];
      assert.ok(Math.abs(out[0][0] - 1e-4 / Math.sqrt(floor)) < 1e-6 && Math.abs(out[1][0] - 0.6) < 1e-6, JSON.stringify(out));
      const u = tf.tensor([
        [1, 2],
        [1, 2],
      ]);
      const ju = op.rForward([u], {}, record, {})!.arraySync() as number[][];
      const scale = 1 / Math.sqrt(floor);
      assert.ok(
        Math.abs(ju[0][0] - scale) < 1e-3 * scale && Math.abs(ju[0][1] - 2 * scale) < 1e-3 * scale,
        `J u below the floor: ${ju[0]}`,
      );
      // Above it: J u = (u − y⟨y, u⟩)/‖x‖ with y = (0.6, 0.8), ⟨y, u⟩ = 2.2.
      assert.ok(Math.abs(ju[1][0] - (1 - 0.6 * 2.2) / 5) < 1e-6 && Math.abs(ju[1][1] - (2 - 0.8 * 2.2) / 5) < 1e-6, `J u above: ${ju[1]}`);
      const dy = tf.tensor([
        [0.5, -1],
        [0.5, -1],
      ]);
      const curvature = op.rBackward(dy, null, [u], {}, record, {}, true).dInputs[0]!.arraySync() as number[][];
      assert.ok(
        curvature[0].every((c) => c === 0),
        `no curvature where the clamp holds: ${curvature[0]}`,
      );
      assert.ok(Math.abs(curvature[1][0]) + Math.abs(curvature[1][1]) > 1e-3, 'curvature above the floor');
    });
  });
}
