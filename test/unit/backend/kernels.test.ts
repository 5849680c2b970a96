// The kernels the project registers for the wasm backend (src/engine/backend/wasm-kernels.ts) against
// the cpu backend's, called directly with tf.engine().runKernel on random inputs over a grid of
// geometries; wasm's own max-pool kernels, which the project replaces, shown to be wrong; and wasm's
// own kernels that the engine calls directly (one of them wrong on a few 'same' geometries, as todo).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SeededRandom } from '../../../src/engine/linalg/random';
import {
  DifferenceLog,
  VALUE_PATTERNS,
  WINDOW_GEOMETRIES,
  describeGeometry,
  hitsWasmSamePaddingBug,
  host,
  isProjectKernel,
  outputShapeOf,
  prepareBackends,
  randomHost,
  relativeDifference,
  runCpuReference,
  runKernelFuncOn,
  runKernelOn,
  size,
  tfjsKernel,
  type HostTensor,
  type WindowGeometry,
} from './helpers';

const TOLERANCE = 1e-5;
const log = new DifferenceLog();

before(prepareBackends);
after(() => log.print('largest wasm-vs-cpu relative differences (max |wasm − cpu| / max |cpu|, cpu = TF.js’s own cpu kernel):'));

/**
 * Runs a kernel on wasm (the registered one: the project's where it has one) and checks every output
 * against TF.js's own cpu kernel. Where the project registers a cpu kernel of its own too, that one
 * is checked against TF.js's as well.
 */
async function compareKernel(
  kernel: string,
  inputs: Record<string, HostTensor>,
  attrs: object,
  where: string,
  key = kernel,
): Promise<{ cpu: HostTensor[]; wasm: HostTensor[] }> {
  const cpu = await runCpuReference(kernel, inputs, attrs);
  const check = (outputs: HostTensor[], label: string) => {
    assert.equal(outputs.length, cpu.length, `${kernel}: number of outputs`);
    outputs.forEach((out, i) => {
      assert.deepEqual(out.shape, cpu[i].shape, `${kernel} (${where}): shape of output ${i}`);
      log.check(`${label}${cpu.length > 1 ? ` [output ${i}]` : ''}`, out.values, cpu[i].values, TOLERANCE, where);
    });
  };
  const wasm = await runKernelOn('wasm', kernel, inputs, attrs);
  check(wasm, key);
  if (isProjectKernel('cpu', kernel)) check(await runKernelOn('cpu', kernel, inputs, attrs), `${key} (project cpu kernel)`);
  return { cpu, wasm };
}

/** TF.js's own wasm kernel `name`, which the project must have replaced. */
function replacedWasmKernel(name: string) {
  assert.ok(isProjectKernel('wasm', name), `the project registers its own wasm ${name}`);
  const original = tfjsKernel('wasm', name);
  assert.ok(original, `tfjs-backend-wasm has a ${name} of its own`);
  return original;
}

const convAttrs = (g: WindowGeometry) => ({ strides: g.strides, pad: g.pad, dataFormat: 'NHWC', dimRoundingMode: undefined });

describe('project wasm kernels match the cpu backend', () => {
  test('Conv2DBackpropFilter over strides, paddings, windows, batches and channels', async () => {
    const random = new SeededRandom(11);
    for (const g of WINDOW_GEOMETRIES) {
      const filterShape = [...g.window, g.input[3], g.outChannels];
      const x = randomHost(random, g.input);
      const dy = randomHost(random, outputShapeOf(g, g.outChannels));
      await compareKernel('Conv2DBackpropFilter', { x, dy }, { ...convAttrs(g), filterShape }, describeGeometry(g));
    }
  });

  // Dilation 1 only: the cpu backend's depthwise backprop kernels ignore dilations (TF.js has no
  // gradient for dilated depthwise convolutions); adjoint.test.ts checks ours with dilation 2.
  test('DepthwiseConv2dNativeBackpropFilter and BackpropInput, multipliers 1 and 2', async () => {
    const random = new SeededRandom(12);
    for (const g of WINDOW_GEOMETRIES) {
      for (const multiplier of [1, 2]) {
        const filterShape = [...g.window, g.input[3], multiplier];
        const where = describeGeometry({ ...g, multiplier });
        const attrs = { strides: g.strides, dilations: [1, 1], pad: g.pad, dimRoundingMode: undefined };
        const x = randomHost(random, g.input);
        const dy = randomHost(random, outputShapeOf(g, g.input[3] * multiplier));
        const filter = randomHost(random, filterShape);
        await compareKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...attrs, filterShape }, where);
        await compareKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter }, { ...attrs, inputShape: g.input }, where);
      }
    }
  });

  test('Sum over leading axes (a bias gradient) in one pass; every other reduction as wasm has it', async () => {
    const random = new SeededRandom(17);
    const cases: { shape: number[]; axis: number | number[]; keepDims: boolean }[] = [
      { shape: [4, 5, 6, 3], axis: [0, 1, 2], keepDims: false },
      { shape: [4, 5, 6, 3], axis: [2, 0, 1], keepDims: true },
      { shape: [300, 7], axis: 0, keepDims: false },
      { shape: [3, 4, 5], axis: [0, 1], keepDims: false },
      { shape: [3, 4, 5], axis: -1, keepDims: false },
      { shape: [3, 4, 5], axis: [0, 2], keepDims: true },
      { shape: [3, 4, 5], axis: [0, 1, 2], keepDims: false },
      // Rows summed four at a time: fewer than four, and a remainder of 3 and of 2.
      { shape: [3, 5], axis: 0, keepDims: false },
      { shape: [7, 2, 3], axis: 0, keepDims: false },
      { shape: [2, 3, 5], axis: [0, 1], keepDims: true },
    ];
    for (const c of cases) {
      const x = randomHost(random, c.shape);
      const where = `x [${c.shape.join(', ')}], axis ${JSON.stringify(c.axis)}${c.keepDims ? ', keepDims' : ''}`;
      const { cpu } = await compareKernel('Sum', { x }, { axis: c.axis, keepDims: c.keepDims }, where);
      if (c.axis === 0 && c.shape[0] === 300) {
        // Independently: column sums of the [300, 7] matrix.
        const expected = new Float64Array(7);
        for (let r = 0; r < 300; r++) for (let i = 0; i < 7; i++) expected[i] += x.values[r * 7 + i];
        assert.ok(relativeDifference(cpu[0].values, expected) < 1e-6, `${where}: the cpu reference sums columns`);
      }
    }
    assert.ok(isProjectKernel('wasm', 'Sum'), 'the project wraps wasm’s Sum');
  });

  test('GatherV2 without batch dimensions as slice copies: every axis, repeated and 2-D indices, int32 values', async () => {
    const random = new SeededRandom(19);
    const cases: { shape: number[]; indices: number[]; indexShape: number[]; axis: number; dtype?: 'int32' }[] = [
      { shape: [784, 16], indices: [3, 5, 6, 700, 783, 0], indexShape: [6], axis: 0 },
      { shape: [9, 12], indices: [11, 0, 4, 4, 7], indexShape: [5], axis: 1 },
      { shape: [4, 5, 6], indices: [2, 2, 0, 4, 1, 3], indexShape: [2, 3], axis: 1 },
      { shape: [4, 5, 6], indices: [5, 1], indexShape: [2], axis: -1 },
      { shape: [6, 3], indices: [], indexShape: [0], axis: 0 },
      { shape: [7, 2], indices: [6, 1, 1], indexShape: [3], axis: 0, dtype: 'int32' },
    ];
    for (const c of cases) {
      const x =
        c.dtype === 'int32'
          ? host(
              Array.from({ length: size(c.shape) }, (_, i) => i * 3 - 7),
              c.shape,
              'int32',
            )
          : randomHost(random, c.shape);
      const indices = host(c.indices, c.indexShape, 'int32');
      const where = `x [${c.shape.join(', ')}]${c.dtype ? ' int32' : ''}, indices [${c.indexShape.join(', ')}], axis ${c.axis}`;
      const { cpu, wasm } = await compareKernel('GatherV2', { x, indices }, { axis: c.axis, batchDims: 0 }, where);
      assert.deepEqual(Array.from(wasm[0].values), Array.from(cpu[0].values), `${where}: a gather copies values exactly`);
    }
    await assert.rejects(
      runKernelOn('wasm', 'GatherV2', { x: randomHost(random, [3, 2]), indices: host([1, 3], [2], 'int32') }, { axis: 0, batchDims: 0 }),
      /not in \[0, 2\]/,
      'an index out of range throws',
    );
    assert.ok(isProjectKernel('wasm', 'GatherV2'), 'the project wraps wasm’s GatherV2');
  });

  test('UnsortedSegmentSum: 1-D and 2-D values, repeated ids, out-of-range ids dropped', async () => {
    const random = new SeededRandom(13);
    const cases = [
      { x: [10], ids: [0, 2, 2, 5, 1, 0, 7, -1, 3, 2], segments: 4 },
      { x: [8, 3], ids: [3, 3, 0, 9, 1, 3, -2, 0], segments: 5 },
      { x: [6, 5], ids: [1, 1, 1, 1, 1, 1], segments: 3 },
      { x: [7, 1], ids: [6, 0, 4, 4, 2, 6, 6], segments: 7 },
    ];
    for (const c of cases) {
      const x = randomHost(random, c.x);
      const segmentIds = host(c.ids, [c.ids.length], 'int32');
      const where = `x [${c.x.join(', ')}], ${c.segments} segments`;
      const { cpu } = await compareKernel('UnsortedSegmentSum', { x, segmentIds }, { numSegments: c.segments }, where);
      // Independently: every in-range row lands in its segment, the rest nowhere.
      const inner = size(c.x.slice(1));
      const expected = new Float64Array(c.segments * inner);
      c.ids.forEach((id, i) => {
        if (id >= 0 && id < c.segments) for (let j = 0; j < inner; j++) expected[id * inner + j] += x.values[i * inner + j];
      });
      assert.ok(relativeDifference(cpu[0].values, expected) < 1e-6, `${where}: the cpu reference sums segments`);
    }
  });

  test('UnsortedSegmentSum with 2-D segment ids sums over both id axes (TensorFlow semantics)', async () => {
    // TF.js's own cpu kernel throws on ids of rank > 1 ("Operands could not be broadcast together"),
    // so the reference here is a plain loop. The engine itself only ever passes flattened, 1-D ids.
    const random = new SeededRandom(14);
    const x = randomHost(random, [3, 4, 2]);
    const ids = [0, 2, 2, 9, 1, 0, 0, 2, -1, 1, 2, 2];
    const expected = new Float64Array(3 * 2);
    ids.forEach((id, i) => {
      if (id >= 0 && id < 3) for (let j = 0; j < 2; j++) expected[id * 2 + j] += x.values[i * 2 + j];
    });
    const inputs = { x, segmentIds: host(ids, [3, 4], 'int32') };
    const backends = isProjectKernel('cpu', 'UnsortedSegmentSum') ? (['wasm', 'cpu'] as const) : (['wasm'] as const);
    for (const backend of backends) {
      const [out] = await runKernelOn(backend, 'UnsortedSegmentSum', inputs, { numSegments: 3 });
      assert.deepEqual(out.shape, [3, 2]);
      log.check(
        `UnsortedSegmentSum (2-D ids, project ${backend} kernel vs loop)`,
        out.values,
        expected,
        TOLERANCE,
        'x [3, 4, 2], ids [3, 4]',
      );
    }
  });

  for (const pattern of VALUE_PATTERNS) {
    test(`MaxPoolWithArgmax and MaxPoolGrad on '${pattern}' inputs pick cpu's (first) maximum`, async () => {
      const random = new SeededRandom(15 + VALUE_PATTERNS.indexOf(pattern));
      for (const g of WINDOW_GEOMETRIES) {
        const x = randomHost(random, g.input, pattern);
        const where = describeGeometry(g);
        for (const includeBatchInIndex of [true, false]) {
          const attrs = { filterSize: g.window, strides: g.strides, pad: g.pad, includeBatchInIndex };
          const { cpu, wasm } = await compareKernel(
            'MaxPoolWithArgmax',
            { x },
            attrs,
            `${where}, includeBatchInIndex ${includeBatchInIndex}`,
            `MaxPoolWithArgmax (${pattern})`,
          );
          assert.deepEqual(
            Array.from(wasm[1].values),
            Array.from(cpu[1].values),
            `${where}: argmax indexes (includeBatchInIndex ${includeBatchInIndex})`,
          );
          assert.equal(wasm[1].dtype, 'int32');
        }
        const poolAttrs = { filterSize: g.window, strides: g.strides, pad: g.pad, dimRoundingMode: undefined };
        const [output] = await runCpuReference('MaxPool', { x }, poolAttrs);
        const dy = randomHost(random, output.shape);
        await compareKernel('MaxPoolGrad', { dy, input: x, output }, poolAttrs, where, `MaxPoolGrad (${pattern})`);
      }
    });
  }
});

describe("wasm's own max-pool kernels (replaced at registration) mishandle maxima ≤ 0 and ties", () => {
  // A 2×2 pool over one 2×2 image: one window, maximum −1 at flat index 1.
  const x = host([-3, -1, -2, -4], [1, 2, 2, 1]);
  const attrs = { filterSize: [2, 2], strides: [2, 2], pad: 'valid', includeBatchInIndex: true };

  test('MaxPoolWithArgmax: the original returns FLT_MIN (its running maximum’s start); ours and cpu return −1 at index 1', async () => {
    const [cpuValues, cpuIndexes] = await runCpuReference('MaxPoolWithArgmax', { x }, attrs);
    const [values, indexes] = await runKernelOn('wasm', 'MaxPoolWithArgmax', { x }, attrs);
    assert.deepEqual(Array.from(cpuValues.values), [-1]);
    assert.deepEqual(Array.from(cpuIndexes.values), [1]);
    assert.deepEqual(Array.from(values.values), [-1]);
    assert.deepEqual(Array.from(indexes.values), [1]);
    const [badValues, badIndexes] = await runKernelFuncOn('wasm', replacedWasmKernel('MaxPoolWithArgmax'), { x }, attrs);
    assert.ok(badValues.values[0] > 0 && badValues.values[0] < 1e-37, `original max-pool value ${badValues.values[0]} is FLT_MIN`);
    assert.notDeepEqual(Array.from(badIndexes.values), [1], 'original argmax misses the maximum');
  });

  test('MaxPoolWithArgmax on a tie: the original picks the last maximum; ours and cpu the first', async () => {
    const tie = host([2, 2, 1, 0], [1, 2, 2, 1]);
    const [, cpuIndexes] = await runCpuReference('MaxPoolWithArgmax', { x: tie }, attrs);
    const [, indexes] = await runKernelOn('wasm', 'MaxPoolWithArgmax', { x: tie }, attrs);
    assert.deepEqual(Array.from(cpuIndexes.values), [0]);
    assert.deepEqual(Array.from(indexes.values), [0]);
    const [, originalIndexes] = await runKernelFuncOn('wasm', replacedWasmKernel('MaxPoolWithArgmax'), { x: tie }, attrs);
    assert.deepEqual(Array.from(originalIndexes.values), [1]);
  });

  test('MaxPoolGrad: the original routes no gradient (or the wrong one) through all-negative windows', async () => {
    const random = new SeededRandom(21);
    const g = WINDOW_GEOMETRIES.find((w) => w.window[0] === 3 && w.window[1] === 3 && w.strides[0] === 2 && w.pad === 'same')!;
    const input = randomHost(random, g.input, 'negative');
    const poolAttrs = { filterSize: g.window, strides: g.strides, pad: g.pad, dimRoundingMode: undefined };
    const [output] = await runCpuReference('MaxPool', { x: input }, poolAttrs);
    const dy = randomHost(random, output.shape);
    const [cpu] = await runCpuReference('MaxPoolGrad', { dy, input, output }, poolAttrs);
    const [ours] = await runKernelOn('wasm', 'MaxPoolGrad', { dy, input, output }, poolAttrs);
    assert.ok(relativeDifference(ours.values, cpu.values) < TOLERANCE);
    const [bad] = await runKernelFuncOn('wasm', replacedWasmKernel('MaxPoolGrad'), { dy, input, output }, poolAttrs);
    const error = relativeDifference(bad.values, cpu.values);
    log.record("wasm's original MaxPoolGrad (negative inputs)", error, describeGeometry(g));
    assert.ok(error > 0.1, `original MaxPoolGrad differs from cpu by ${error.toExponential(2)}`);
  });
});

describe("wasm's own kernels the engine relies on match the cpu backend", () => {
  const forward = (g: WindowGeometry, random: SeededRandom) => ({
    x: randomHost(random, g.input),
    filter: randomHost(random, [...g.window, g.input[3], g.outChannels]),
    depthwiseFilter: randomHost(random, [...g.window, g.input[3], g.multiplier]),
  });

  test('Conv2D, Conv2DBackpropInput, DepthwiseConv2dNative, AvgPool, AvgPoolGrad, MaxPool', async () => {
    const random = new SeededRandom(31);
    for (const g of WINDOW_GEOMETRIES) {
      const where = describeGeometry(g);
      const { x, filter, depthwiseFilter } = forward(g, random);
      const dy = randomHost(random, outputShapeOf(g, g.outChannels));
      const poolDy = randomHost(random, outputShapeOf(g, g.input[3]));
      const poolAttrs = { filterSize: g.window, strides: g.strides, pad: g.pad, dimRoundingMode: undefined };
      await compareKernel('Conv2D', { x, filter }, { ...convAttrs(g), dilations: [1, 1] }, where);
      await compareKernel('DepthwiseConv2dNative', { x, filter: depthwiseFilter }, { ...convAttrs(g), dilations: [1, 1] }, where);
      await compareKernel('Conv2DBackpropInput', { dy, filter }, { ...convAttrs(g), inputShape: g.input }, where);
      await compareKernel('AvgPool', { x }, poolAttrs, where);
      await compareKernel('AvgPoolGrad', { dy: poolDy, input: x }, poolAttrs, where);
      await compareKernel('MaxPool', { x: randomHost(random, g.input, 'negative') }, poolAttrs, where, 'MaxPool (negative)');
    }
  });

  // tfjs-backend-wasm 4.22 (XNNPACK) returns all zeros for a 'same' convolution whose windows stop
  // short of the input's end ((out − 1)·stride + window < input on some axis), unless the window is
  // 1×1: upstream tensorflow/tfjs#6629 and #8405. The project's wrappers pad explicitly instead.
  const affected: WindowGeometry[] = [
    ...WINDOW_GEOMETRIES.filter((g) => hitsWasmSamePaddingBug(g.input, g.window, g.strides, g.pad)),
    { input: [2, 6, 5, 2], window: [1, 3], strides: [2, 2], pad: 'same', outChannels: 3, multiplier: 1 },
    { input: [1, 5, 6, 1], window: [2, 2], strides: [3, 3], pad: 'same', outChannels: 2, multiplier: 2 },
  ];
  test(`wasm Conv2D and DepthwiseConv2dNative on ${affected.length} 'same' geometries where TF.js's own wasm kernels return zeros`, async () => {
    assert.ok(affected.every((g) => hitsWasmSamePaddingBug(g.input, g.window, g.strides, g.pad)));
    const random = new SeededRandom(32);
    let worst = 0;
    let originalWorst = 0;
    for (const g of affected) {
      const { x, filter, depthwiseFilter } = forward(g, random);
      const attrs = { ...convAttrs(g), dilations: [1, 1] };
      for (const [kernel, inputs] of [
        ['Conv2D', { x, filter }],
        ['DepthwiseConv2dNative', { x, filter: depthwiseFilter }],
      ] as const) {
        const [cpu] = await runCpuReference(kernel, inputs, attrs);
        const [wasm] = await runKernelOn('wasm', kernel, inputs, attrs);
        worst = Math.max(
          worst,
          log.record(`${kernel} ('same', short windows)`, relativeDifference(wasm.values, cpu.values), describeGeometry(g)),
        );
        const [original] = await runKernelFuncOn('wasm', replacedWasmKernel(kernel), inputs, attrs);
        originalWorst = Math.max(originalWorst, relativeDifference(original.values, cpu.values));
      }
    }
    assert.ok(worst <= TOLERANCE, `the project's wasm kernels differ from cpu by up to ${worst.toExponential(2)}`);
    assert.ok(
      originalWorst > 0.5,
      `TF.js's own wasm kernels were expected to be wrong here (upstream bug), differ only by ${originalWorst.toExponential(2)}`,
    );
  });
});
