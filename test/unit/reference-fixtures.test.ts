// Cross-checks the PyTorch-made reference fixtures (test/fixtures/reference/, made by
// scripts/reference/make_reference_fixtures.py) against TensorFlow.js itself: every model is loaded with
// tf.loadLayersModel from its model.json + shards (dequantisation included), run on the fixture's data file,
// and its outputs, loss, accuracy and weight norms must match what the float64 reference wrote. Then the
// fixtures' own numbers are checked for internal consistency. Needs no torch, runs in about a second.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';

const ROOT = join(__dirname, '..', 'fixtures', 'reference');

interface Spectrum {
  eigenvalues: number[];
  trace: number;
}
interface BlockNumbers {
  max: number;
  trace: number;
}
type OperatorKey = 'euclidean' | 'invariantLayer' | 'invariantElement';
const OPERATORS: OperatorKey[] = ['euclidean', 'invariantLayer', 'invariantElement'];

interface Expected {
  case: string;
  format: 'tfjs-layers' | 'keras-converter';
  loss: { name: string; value: number };
  sampleCount: number;
  parameterCount: number;
  parameters: { name: string; layer: string; shape: number[]; norm: number }[];
  accuracy: number | null;
  gradientNorm: number;
  outputs: number[][];
  eigenvaluesComplete: boolean;
  euclidean: Spectrum;
  invariantLayer: Spectrum;
  invariantElement: Spectrum;
  bottomEigenvalues?: Record<OperatorKey, number[]>;
  perLayer: ({ name: string; parameterCount: number } & Record<OperatorKey, BlockNumbers>)[];
  dataFile: string;
}

interface Dataset {
  x: number[];
  xShape: number[];
  xDtype: 'float32' | 'int32';
  y: number[];
  yShape: number[];
}

// ---------------------------------------------------------------------------------------------
// data files: .npz (np.savez: an uncompressed zip of .npy files), .csv, .json
// ---------------------------------------------------------------------------------------------

interface NpyArray {
  descr: string;
  shape: number[];
  data: number[];
}

function parseNpy(buf: Buffer, start: number): { array: NpyArray; end: number } {
  assert.equal(buf.toString('latin1', start, start + 6), '\x93NUMPY', 'npy magic');
  const major = buf[start + 6];
  const headerLen = major === 1 ? buf.readUInt16LE(start + 8) : buf.readUInt32LE(start + 8);
  const headerStart = start + (major === 1 ? 10 : 12);
  const header = buf.toString('latin1', headerStart, headerStart + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  assert.ok(descr != null && shapeText != null, `npy header: ${header}`);
  assert.match(header, /'fortran_order':\s*False/);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const readers: Record<string, [number, (o: number) => number]> = {
    '<f4': [4, (o) => buf.readFloatLE(o)],
    '<f8': [8, (o) => buf.readDoubleLE(o)],
    '<i4': [4, (o) => buf.readInt32LE(o)],
    '<i8': [8, (o) => Number(buf.readBigInt64LE(o))],
  };
  const reader = readers[descr];
  assert.ok(reader, `unsupported npy dtype ${descr}`);
  const [size, read] = reader;
  const dataStart = headerStart + headerLen;
  const data = new Array<number>(count);
  for (let i = 0; i < count; i++) data[i] = read(dataStart + i * size);
  return { array: { descr, shape, data }, end: dataStart + count * size };
}

function parseNpz(buf: Buffer): Record<string, NpyArray> {
  const out: Record<string, NpyArray> = {};
  let p = 0;
  while (p + 4 <= buf.length && buf.readUInt32LE(p) === 0x04034b50) {
    const flags = buf.readUInt16LE(p + 6);
    assert.equal(buf.readUInt16LE(p + 8), 0, 'np.savez stores its entries uncompressed');
    assert.equal(flags & 8, 0, 'no data descriptors expected');
    const nameLen = buf.readUInt16LE(p + 26);
    const extraLen = buf.readUInt16LE(p + 28);
    const name = buf.toString('utf8', p + 30, p + 30 + nameLen);
    const { array, end } = parseNpy(buf, p + 30 + nameLen + extraLen);
    out[name.replace(/\.npy$/, '')] = array;
    p = end;
  }
  return out;
}

function loadData(dir: string, file: string): Dataset {
  const path = join(dir, file);
  if (file.endsWith('.npz')) {
    const { x, y } = parseNpz(readFileSync(path));
    assert.ok(x && y, 'data.npz holds x and y');
    assert.equal(x.descr, '<f4');
    return { x: x.data, xShape: x.shape, xDtype: 'float32', y: y.data, yShape: y.shape };
  }
  if (file.endsWith('.csv')) {
    const rows = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split(',').map(Number));
    const width = rows[0].length - 1;
    return {
      x: rows.flatMap((r) => r.slice(0, width)),
      xShape: [rows.length, width],
      xDtype: 'float32',
      y: rows.map((r) => r[width]),
      yShape: [rows.length, 1],
    };
  }
  const json = JSON.parse(readFileSync(path, 'utf8')) as { x: number[][]; y: number[] };
  return { x: json.x.flat(), xShape: [json.x.length, json.x[0].length], xDtype: 'int32', y: json.y, yShape: [json.y.length] };
}

// ---------------------------------------------------------------------------------------------
// model loading with TF.js: model.json + shards from disk, decoded (and dequantised) by tf.io
// ---------------------------------------------------------------------------------------------

function fileHandler(dir: string): tf.io.IOHandler {
  return {
    load: async () => {
      const modelJSON = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(modelJSON, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const bytes = Buffer.concat(manifest.flatMap((group) => group.paths.map((p) => readFileSync(join(dir, p)))));
        const data = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
        return [specs, data];
      });
    },
  };
}

function close(actual: number, expected: number, rel: number, abs = 0): boolean {
  return Math.abs(actual - expected) <= rel * Math.abs(expected) + abs;
}

function assertClose(actual: number, expected: number, rel: number, abs: number, what: string): void {
  assert.ok(close(actual, expected, rel, abs), `${what}: got ${actual}, expected ${expected} (rel ${rel}, abs ${abs})`);
}

/** Loss (mean over samples, and over outputs for binary / mse) from post-activation outputs, in float64. */
function lossFromOutputs(name: string, out: number[][], ds: Dataset): number {
  const n = out.length;
  const k = out[0].length;
  let total = 0;
  for (let i = 0; i < n; i++) {
    if (name === 'categorical_crossentropy') {
      for (let j = 0; j < k; j++) if (ds.y[i * k + j] !== 0) total -= ds.y[i * k + j] * Math.log(out[i][j]);
    } else if (name === 'sparse_categorical_crossentropy') {
      total -= Math.log(out[i][ds.y[i]]);
    } else if (name === 'binary_crossentropy') {
      for (let j = 0; j < k; j++) {
        const y = ds.y[i * k + j];
        total -= (y === 1 ? Math.log(out[i][j]) : Math.log(1 - out[i][j])) / k; // labels are 0/1
      }
    } else if (name === 'mean_squared_error') {
      for (let j = 0; j < k; j++) total += (out[i][j] - ds.y[i * k + j]) ** 2 / k;
    } else {
      throw new Error(`unknown loss ${name}`);
    }
  }
  return total / n;
}

function argmax(row: number[]): number {
  let best = 0;
  for (let j = 1; j < row.length; j++) if (row[j] > row[best]) best = j;
  return best;
}

function accuracyFromOutputs(name: string, out: number[][], ds: Dataset): number | null {
  if (name === 'mean_squared_error') return null;
  let hits = 0;
  out.forEach((row, i) => {
    if (name === 'categorical_crossentropy') hits += argmax(row) === argmax(ds.y.slice(i * row.length, (i + 1) * row.length)) ? 1 : 0;
    else if (name === 'sparse_categorical_crossentropy') hits += argmax(row) === ds.y[i] ? 1 : 0;
    else hits += (row[0] > 0.5 ? 1 : 0) === ds.y[i] ? 1 : 0;
  });
  return hits / out.length;
}

function norm(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i] * values[i];
  return Math.sqrt(s);
}

// ---------------------------------------------------------------------------------------------

const cases = existsSync(ROOT)
  ? readdirSync(ROOT, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(ROOT, d.name, 'expected.json')))
      .map((d) => d.name)
      .sort()
  : [];

test('reference fixtures are present', () => {
  assert.deepEqual(cases, ['batchnorm', 'cnn', 'depthwise', 'embedding', 'functional', 'merge', 'mlp', 'mlp-medium', 'mlp-quantized']);
});

before(async () => {
  tf.env().set('PROD', true); // silences the "install tfjs-node" banner
  await tf.setBackend('cpu');
  await tf.ready();
});

for (const name of cases) {
  const dir = join(ROOT, name);
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Expected;

  test(`${name}: TF.js reproduces outputs, loss, accuracy and weight norms of the float64 reference`, async () => {
    const model = await tfl.loadLayersModel(fileHandler(dir));
    const ds = loadData(dir, expected.dataFile);
    assert.equal(ds.xShape[0], expected.sampleCount);

    // trainable weights: same order, names, shapes and (exactly, up to summation order) the same values
    const weights = model.trainableWeights;
    assert.equal(weights.length, expected.parameters.length);
    weights.forEach((w, i) => {
      const p = expected.parameters[i];
      assert.equal(w.originalName, p.name);
      assert.deepEqual(w.shape, p.shape);
      assertClose(norm(w.read().dataSync()), p.norm, 1e-12, 0, `norm of ${p.name}`);
    });
    const count = weights.reduce((a, w) => a + w.shape.reduce((u: number, v) => u * (v ?? 1), 1), 0);
    assert.equal(count, expected.parameterCount);

    const x = tf.tensor(ds.x, ds.xShape, ds.xDtype);
    const pred = model.predict(x) as tf.Tensor;
    const out = pred.arraySync() as number[][];
    tf.dispose([x, pred]);
    model.dispose();

    assert.equal(expected.outputs.length, 4);
    expected.outputs.forEach((row, i) => row.forEach((v, j) => assertClose(out[i][j], v, 1e-5, 1e-7, `output [${i}][${j}]`)));
    assertClose(lossFromOutputs(expected.loss.name, out, ds), expected.loss.value, 1e-5, 1e-8, 'loss');
    assert.equal(accuracyFromOutputs(expected.loss.name, out, ds), expected.accuracy);
  });

  test(`${name}: the fixture's numbers are self-consistent`, () => {
    const n = expected.parameterCount;
    assert.equal(
      expected.parameters.reduce((a, p) => a + p.shape.reduce((u, v) => u * v, 1), 0),
      n,
    );
    assert.equal(
      expected.perLayer.reduce((a, l) => a + l.parameterCount, 0),
      n,
    );
    assert.ok(expected.gradientNorm > 0 && Number.isFinite(expected.gradientNorm));
    assert.ok(expected.loss.value > 0);
    for (const key of OPERATORS) {
      const { eigenvalues, trace } = expected[key];
      for (let i = 1; i < eigenvalues.length; i++) assert.ok(eigenvalues[i - 1] >= eigenvalues[i], `${key} sorted`);
      const scale = eigenvalues.reduce((a, v) => a + Math.abs(v), 0);
      if (expected.eigenvaluesComplete) {
        assert.equal(eigenvalues.length, n);
        const sum = eigenvalues.reduce((a, v) => a + v, 0);
        assertClose(sum, trace, 0, 1e-10 * scale, `${key}: trace = sum of eigenvalues`);
      } else {
        const bottom = expected.bottomEigenvalues?.[key];
        assert.ok(bottom && bottom.length === 5 && eigenvalues.length === 10);
        for (let i = 1; i < bottom.length; i++) assert.ok(bottom[i - 1] >= bottom[i], `${key} bottom sorted`);
        assert.ok(bottom[0] <= eigenvalues[eigenvalues.length - 1]);
        // the trace lies between n·λmin and n·λmax; the top-10 plus the bottom-5 are a part of it
        assert.ok(trace <= n * eigenvalues[0] && trace >= n * bottom[bottom.length - 1]);
      }
      // per-layer diagonal blocks: their traces add up to the whole trace; Cauchy interlacing bounds each λmax
      const blockTraces = expected.perLayer.reduce((a, l) => a + l[key].trace, 0);
      assertClose(blockTraces, trace, 1e-10, 1e-12 * scale, `${key}: per-layer traces add up`);
      for (const layer of expected.perLayer) {
        const b = layer[key];
        assert.ok(b.max <= eigenvalues[0] * (1 + 1e-12) + 1e-15, `${key} ${layer.name}: block λmax <= λmax`);
        assert.ok(b.max * layer.parameterCount >= b.trace * (1 - 1e-12) - 1e-15, `${key} ${layer.name}: λmax >= mean`);
      }
    }
  });
}
