// Adjointness, ⟨A x, y⟩ = ⟨x, Aᵀ y⟩, the property the Hessian's symmetry rests on: the backprop kernels
// against their forward kernels on both backends (the project's wasm kernels included), TF.js's raw
// AvgPoolGrad shown NOT to be the adjoint of 'same' average pooling, and every node of every model
// case (the engine's corrected average-pool adjoint among them) through the engine's own ops.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { SeededRandom } from '../../../src/engine/linalg/random';
import {
  BACKENDS,
  DifferenceLog,
  MODEL_CASES,
  VALUE_PATTERNS,
  WINDOW_GEOMETRIES,
  describeGeometry,
  dot,
  norm,
  loadNetwork,
  nodeAdjointness,
  outputShapeOf,
  plain,
  prepareBackends,
  randomBatch,
  randomHost,
  runKernelOn,
  useBackend,
  writeCase,
  type BackendName,
  type HostTensor,
  type ModelCase,
  type WindowGeometry,
} from './helpers';

const TOLERANCE = 1e-5;
const log = new DifferenceLog();

before(prepareBackends);
after(() => log.print('largest adjointness mismatches |⟨Ax, y⟩ − ⟨x, Aᵀy⟩| / max(‖Ax‖‖y‖, ‖x‖‖Aᵀy‖):'));

/**
 * |⟨A x, y⟩ − ⟨x, Aᵀ y⟩| / max(‖A x‖‖y‖, ‖x‖‖Aᵀ y‖): the dot-product test, scaled by the size the
 * float32 rounding of either side is relative to (a wrong adjoint scores ~1/√size, a right one ~1e-7).
 */
function mismatch(ax: HostTensor, y: HostTensor, x: HostTensor, aty: HostTensor): number {
  assert.deepEqual(ax.shape, y.shape, 'A x has the shape of y');
  assert.deepEqual(aty.shape, x.shape, 'Aᵀ y has the shape of x');
  const left = dot(ax.values, y.values);
  const right = dot(x.values, aty.values);
  return Math.abs(left - right) / Math.max(norm(ax.values) * norm(y.values), norm(x.values) * norm(aty.values));
}

async function checkAdjoint(
  key: string,
  backend: BackendName,
  where: string,
  x: HostTensor,
  y: HostTensor,
  forward: [string, Record<string, HostTensor>, object],
  adjoint: [string, Record<string, HostTensor>, object],
): Promise<number> {
  const [ax] = await runKernelOn(backend, ...forward);
  const [aty] = await runKernelOn(backend, ...adjoint);
  const error = log.record(`${key} (${backend})`, mismatch(ax, y, x, aty), where);
  assert.ok(error <= TOLERANCE, `${key} on ${backend} (${where}): adjoint mismatch ${error.toExponential(2)}`);
  return error;
}

const convAttrs = (g: WindowGeometry, dilations: [number, number] = [1, 1]) => ({
  strides: g.strides,
  pad: g.pad,
  dataFormat: 'NHWC',
  dilations,
  dimRoundingMode: undefined,
});
const poolAttrs = (g: WindowGeometry) => ({ filterSize: g.window, strides: g.strides, pad: g.pad, dimRoundingMode: undefined });

/** 'same' geometries whose border windows overlap the padding (fewer inputs than the window holds). */
function hasPartialWindows(g: WindowGeometry): boolean {
  const { padInfo } = tf.backend_util.computePool2DInfo(g.input, g.window, g.strides, 1, g.pad);
  return padInfo.top + padInfo.bottom + padInfo.left + padInfo.right > 0;
}

for (const backend of BACKENDS) {
  describe(`backprop kernels are the adjoints of their forward kernels on ${backend}`, () => {
    test('Conv2D: Conv2DBackpropInput in x, Conv2DBackpropFilter in the kernel', async () => {
      const random = new SeededRandom(41);
      for (const g of WINDOW_GEOMETRIES) {
        const filterShape = [...g.window, g.input[3], g.outChannels];
        const x = randomHost(random, g.input);
        const filter = randomHost(random, filterShape);
        const y = randomHost(random, outputShapeOf(g, g.outChannels));
        const forward: [string, Record<string, HostTensor>, object] = ['Conv2D', { x, filter }, convAttrs(g)];
        await checkAdjoint('Conv2D in x', backend, describeGeometry(g), x, y, forward, [
          'Conv2DBackpropInput',
          { dy: y, filter },
          { ...convAttrs(g), inputShape: g.input },
        ]);
        await checkAdjoint('Conv2D in kernel', backend, describeGeometry(g), filter, y, forward, [
          'Conv2DBackpropFilter',
          { x, dy: y },
          { ...convAttrs(g), filterShape },
        ]);
      }
    });

    test('DepthwiseConv2dNative: BackpropInput in x, BackpropFilter in the kernel, multipliers 1 and 2', async () => {
      const random = new SeededRandom(42);
      for (const g of WINDOW_GEOMETRIES) {
        for (const multiplier of [1, 2]) {
          const filterShape = [...g.window, g.input[3], multiplier];
          const x = randomHost(random, g.input);
          const filter = randomHost(random, filterShape);
          const y = randomHost(random, outputShapeOf(g, g.input[3] * multiplier));
          const where = describeGeometry({ ...g, multiplier });
          const forward: [string, Record<string, HostTensor>, object] = ['DepthwiseConv2dNative', { x, filter }, convAttrs(g)];
          await checkAdjoint('Depthwise in x', backend, where, x, y, forward, [
            'DepthwiseConv2dNativeBackpropInput',
            { dy: y, filter },
            { ...convAttrs(g), inputShape: g.input },
          ]);
          await checkAdjoint('Depthwise in kernel', backend, where, filter, y, forward, [
            'DepthwiseConv2dNativeBackpropFilter',
            { x, dy: y },
            { ...convAttrs(g), filterShape },
          ]);
        }
      }
    });

    test('AvgPoolGrad is the adjoint of AvgPool exactly where no window overlaps the padding', async () => {
      const random = new SeededRandom(43);
      let partial = 0;
      for (const g of WINDOW_GEOMETRIES) {
        const x = randomHost(random, g.input);
        const y = randomHost(random, outputShapeOf(g, g.input[3]));
        const [ax] = await runKernelOn(backend, 'AvgPool', { x }, poolAttrs(g));
        const [aty] = await runKernelOn(backend, 'AvgPoolGrad', { dy: y, input: x }, poolAttrs(g));
        const error = mismatch(ax, y, x, aty);
        if (hasPartialWindows(g)) {
          // TF.js divides by the full window size everywhere, but the 'same' pool divides the border
          // windows by the inputs they really hold: the raw gradient is not the adjoint.
          partial++;
          log.recordSmallest(`raw AvgPoolGrad vs 'same' AvgPool, partial windows (${backend})`, error, describeGeometry(g));
          assert.ok(error > 1e-3, `${describeGeometry(g)}: raw AvgPoolGrad unexpectedly adjoint (mismatch ${error.toExponential(2)})`);
        } else {
          log.record(`AvgPool (${backend})`, error, describeGeometry(g));
          assert.ok(error <= TOLERANCE, `${describeGeometry(g)}: mismatch ${error.toExponential(2)}`);
        }
      }
      assert.ok(partial >= 10, `the grid has ${partial} geometries with partial windows`);
    });

    test('MaxPoolGrad is the adjoint of gathering at MaxPoolWithArgmax’s selection, ties and non-positive maxima included', async () => {
      const random = new SeededRandom(44);
      for (const pattern of VALUE_PATTERNS) {
        for (const g of WINDOW_GEOMETRIES) {
          const x0 = randomHost(random, g.input, pattern);
          const [, selection] = await runKernelOn(
            backend,
            'MaxPoolWithArgmax',
            { x: x0 },
            { filterSize: g.window, strides: g.strides, pad: g.pad, includeBatchInIndex: true },
          );
          const u = randomHost(random, g.input);
          const y = randomHost(random, selection.shape);
          // A u = u at the selected positions; Aᵀ y = MaxPoolGrad routed by x0's maxima.
          const au: HostTensor = {
            values: Float32Array.from(selection.values, (index) => u.values[index]),
            shape: selection.shape,
            dtype: 'float32',
          };
          const [output] = await runKernelOn(backend, 'MaxPool', { x: x0 }, poolAttrs(g));
          const [aty] = await runKernelOn(backend, 'MaxPoolGrad', { dy: y, input: x0, output }, poolAttrs(g));
          const error = log.record(`MaxPool selection (${backend})`, mismatch(au, y, u, aty), `${describeGeometry(g)}, ${pattern}`);
          assert.ok(error <= TOLERANCE, `${describeGeometry(g)}, ${pattern}: mismatch ${error.toExponential(2)}`);
        }
      }
    });
  });
}

test('the project’s wasm depthwise backprop kernels are adjoint for dilation 2 too (the cpu backend’s ignore dilations)', async () => {
  const random = new SeededRandom(45);
  const dilations: [number, number] = [2, 2];
  const geometries = WINDOW_GEOMETRIES.filter(
    (g) => g.strides[0] === 1 && g.strides[1] === 1 && g.window[0] * g.window[1] > 1 && g.pad === 'valid',
  );
  assert.ok(geometries.length >= 4);
  for (const g of geometries) {
    const filterShape = [...g.window, g.input[3], g.multiplier];
    const info = tf.backend_util.computeConv2DInfo(
      g.input,
      filterShape as [number, number, number, number],
      g.strides,
      dilations,
      g.pad,
      undefined,
      true,
    );
    const x = randomHost(random, g.input);
    const filter = randomHost(random, filterShape);
    const y = randomHost(random, [g.input[0], info.outHeight, info.outWidth, g.input[3] * g.multiplier]);
    const forward: [string, Record<string, HostTensor>, object] = ['DepthwiseConv2dNative', { x, filter }, convAttrs(g, dilations)];
    const where = `${describeGeometry(g)}, dilation 2`;
    await checkAdjoint('Depthwise in x, dilation 2', 'wasm', where, x, y, forward, [
      'DepthwiseConv2dNativeBackpropInput',
      { dy: y, filter },
      { ...convAttrs(g, dilations), inputShape: g.input },
    ]);
    await checkAdjoint('Depthwise in kernel, dilation 2', 'wasm', where, filter, y, forward, [
      'DepthwiseConv2dNativeBackpropFilter',
      { x, dy: y },
      { ...convAttrs(g, dilations), filterShape },
    ]);
  }
});

/** Runs nodeAdjointness for a case on one backend and checks every node. */
async function checkNodes(modelCase: ModelCase, backend: BackendName, key: string, seed: number): Promise<void> {
  await useBackend(backend);
  const network = loadNetwork(writeCase(modelCase));
  try {
    const random = new SeededRandom(seed);
    const x = randomBatch(modelCase, 3, random);
    for (const node of nodeAdjointness(network, x, random)) {
      const where = `${modelCase.name}, node ${node.node} (${node.layer})`;
      log.record(`${key} (${backend})`, node.mismatch, where);
      assert.ok(node.mismatch <= TOLERANCE, `${where} on ${backend}: ⟨J(u, v), y⟩ = ${node.forward} but ⟨(u, v), Jᵀy⟩ = ${node.adjoint}`);
    }
    x.dispose();
  } finally {
    network.dispose();
  }
}

describe("the engine's node adjoints (R-operator forward vs backward)", () => {
  // Pools alone, over every 'same' geometry with partial windows: the corrected average-pool adjoint
  // (src/engine/network/layers/pooling.ts) and the max-pool selection.
  const poolCases: ModelCase[] = WINDOW_GEOMETRIES.filter(hasPartialWindows).flatMap((g) =>
    ['AveragePooling2D', 'MaxPooling2D'].map((className) => ({
      name: `${className} ${describeGeometry(g)}`,
      inputShape: g.input.slice(1),
      layers: [plain(className, { pool_size: g.window, strides: g.strides, padding: g.pad })],
      classes: 2,
      smooth: false,
    })),
  );

  for (const backend of BACKENDS) {
    test(`AveragePooling2D and MaxPooling2D 'same' with partial windows, ${backend}`, async () => {
      assert.ok(poolCases.length >= 20);
      for (const [i, modelCase] of poolCases.entries()) await checkNodes(modelCase, backend, modelCase.layers[0].className, 50 + i);
    });

    for (const [i, modelCase] of MODEL_CASES.entries()) {
      test(`every node of '${modelCase.name}', ${backend}`, () => checkNodes(modelCase, backend, 'model-case nodes', 100 + i));
    }
  }
});
