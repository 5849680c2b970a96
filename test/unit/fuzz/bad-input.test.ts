// Property-based bad input (fast-check, seeded, a few seconds per property): random weights manifests,
// model topologies, .npy headers and zip directories, each run through the command line in this
// process. Every run must end with exit 0 (a valid input, with a sane report), 1 or 2 (one line, no
// internal error, nothing else printed); no input file may change; and the process's peak memory
// may grow only by a bound far below what the inputs could claim.
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test, type TestContext } from 'node:test';
import fc from 'fast-check';
import { snapshotDir, makeTempDir } from '../data/temp-dir';
import { npyBytes, npyHeaderDict } from '../../../scripts/lib/numpy-files';
import { zipBytes } from '../../../scripts/lib/numpy-files';
import { runCliInProcess, type InProcessRun } from './cli-in-process';

const FIXTURE = join(__dirname, '..', '..', 'fixtures', 'reference', 'mlp');
// A longer search, for hunting rather than for `npm test`: FUZZ_SEED, FUZZ_MS (per property) and FUZZ_RUNS.
const SEED = Number(process.env.FUZZ_SEED ?? 20260611);
/** Wall-clock budget of one property; the runs it gets through depend on the machine, their sequence does not. */
const TIME_LIMIT_MS = Number(process.env.FUZZ_MS ?? 3000);
const MAX_RUNS = Number(process.env.FUZZ_RUNS ?? 300);
/** How far the process's peak RSS may rise over all the runs: inputs here are kilobytes, but claim up to terabytes. */
const PEAK_GROWTH_LIMIT = 768 * 2 ** 20;
const ANALYSIS = ['--quiet', '--format', 'json', '--top-k', '1', '--no-per-layer', '--threads', '1', '--trace-samples', '2'];

type ValueOf<A> = A extends fc.Arbitrary<infer T> ? T : never;

const root = makeTempDir();
let cases = 0;
let basePeak = 0;

function peakRss(): number {
  return process.resourceUsage().maxRSS * 1024;
}

before(async () => {
  // The first run initialises the backend; the peak is measured from after it.
  const folder = freshFolder();
  const run = await runCliInProcess(['analyze', join(folder, 'model.json'), '--data', join(folder, 'data.npz'), ...ANALYSIS]);
  assert.equal(run.code, 0, run.stderr);
  basePeak = peakRss();
});

/** A copy of the mlp fixture (model.json, weights.bin, data.npz) in a folder of its own. */
function freshFolder(): string {
  const folder = join(root, `case-${cases++}`);
  cpSync(FIXTURE, folder, { recursive: true });
  return folder;
}

function checkRun(run: InProcessRun, folder: string, before: string[]): void {
  assert.deepEqual(snapshotDir(folder), before, 'the run changed or created files among its inputs');
  assert.ok([0, 1, 2].includes(run.code), `exit code ${run.code}`);
  if (run.code === 0) {
    assert.equal(run.stderr, '', 'a successful quiet run printed on stderr');
    let report: { loss: number; accuracy: number | null; gradientNorm: number };
    try {
      report = JSON.parse(run.stdout) as typeof report;
    } catch {
      assert.fail(`exit 0 without a JSON report on stdout: ${JSON.stringify(run.stdout.slice(0, 300))}`);
    }
    assert.ok(Number.isFinite(report.loss) && Number.isFinite(report.gradientNorm), run.stdout.slice(0, 200));
    assert.ok(report.accuracy === null || (report.accuracy >= 0 && report.accuracy <= 1), `accuracy ${report.accuracy}`);
    return;
  }
  assert.equal(run.stdout, '');
  const lines = run.stderr.split('\n');
  assert.equal(lines.length, 2, `expected one line on stderr, got:\n${run.stderr.slice(0, 2000)}`);
  assert.match(lines[0], /^sharpness-lens: /);
  assert.doesNotMatch(lines[0], /internal error/);
  assert.doesNotMatch(lines[0], /[\p{Cc}]/u, 'a raw control character in the message');
}

/** Exit codes of the current property's runs, for its diagnostic line. */
let exits: number[] = [];

/** Writes the case's files with `write`, runs analyze on them and checks the run. */
async function analyzeCase(write: (folder: string) => { model?: string; data?: string }): Promise<void> {
  const folder = freshFolder();
  const { model = join(folder, 'model.json'), data = join(folder, 'data.npz') } = write(folder);
  const before = snapshotDir(folder);
  const run = await runCliInProcess(['analyze', model, '--data', data, ...ANALYSIS]);
  exits.push(run.code);
  checkRun(run, folder, before);
}

async function property<T>(t: TestContext, arbitrary: fc.Arbitrary<T>, check: (value: T) => Promise<void>): Promise<void> {
  exits = [];
  try {
    await fc.assert(fc.asyncProperty(arbitrary, check), {
      seed: SEED,
      numRuns: MAX_RUNS,
      interruptAfterTimeLimit: TIME_LIMIT_MS,
      markInterruptAsFailure: false,
    });
  } catch (error) {
    // fast-check keeps the failed check's own message in `cause`, which the test reporter does not print.
    const cause = (error as { cause?: unknown }).cause;
    throw new Error(`${(error as Error).message}\n${cause instanceof Error ? cause.message : String(cause)}`);
  }
  const growth = peakRss() - basePeak;
  const count = (code: number) => exits.filter((exit) => exit === code).length;
  t.diagnostic(`${exits.length} runs: ${count(0)} analysed, ${count(1)} refused; peak RSS +${(growth / 2 ** 20).toFixed(0)} MiB`);
  assert.ok(growth < PEAK_GROWTH_LIMIT, `the peak RSS grew by ${(growth / 2 ** 20).toFixed(0)} MiB`);
}

const awkwardString = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom(
    '',
    '..',
    '../weights.bin',
    '..weights.bin',
    '/etc/passwd',
    'file:///etc/passwd',
    'a\0b',
    'weights.bin',
    '\x1b[2J',
    'x'.repeat(300),
  ),
);
const awkwardNumber = fc.oneof(
  fc.integer({ min: -3, max: 12 }),
  fc.constantFrom(0, -0, 1.5, 2 ** 31, 2 ** 32 + 1, 2 ** 53, 1e300, -1e300),
  fc.double(),
);
const awkwardValue = fc.oneof(awkwardNumber, awkwardString, fc.constant(null), fc.jsonValue({ maxDepth: 3 }));

// ── manifests ──────────────────────────────────────────────────────────────────────────────────

const MLP_WEIGHTS = [
  'dense_Dense1/kernel',
  'dense_Dense1/bias',
  'dense_Dense2/kernel',
  'dense_Dense2/bias',
  'dense_Dense3/kernel',
  'dense_Dense3/bias',
];

const weightEntry = fc.record(
  {
    name: fc.oneof(
      fc.constantFrom(...MLP_WEIGHTS, ...MLP_WEIGHTS.map((n) => `${n}:0`), ...MLP_WEIGHTS.map((n) => `model/${n}`)),
      awkwardString,
    ),
    shape: fc.oneof(
      fc.array(awkwardNumber, { maxLength: 4 }),
      fc.constantFrom([8, 6], [6], [6, 5], [5], [5, 3], [3], [], [0], [2 ** 20, 2 ** 20]),
      awkwardValue,
    ),
    dtype: fc.oneof(fc.constantFrom('float32', 'int32', 'float16', 'complex64', 'bool', 'string'), awkwardValue),
    quantization: fc.oneof(
      fc.record(
        { dtype: fc.constantFrom('uint8', 'uint16', 'float16', 'int4'), min: awkwardNumber, scale: awkwardNumber },
        { requiredKeys: ['dtype'] },
      ),
      awkwardValue,
    ),
  },
  { requiredKeys: [] },
);

const manifestEdit = fc.record({
  replace: fc.array(fc.tuple(fc.nat(7), weightEntry), { maxLength: 3 }),
  append: fc.array(weightEntry, { maxLength: 2 }),
  paths: fc.option(fc.array(awkwardString, { maxLength: 3 }), { nil: undefined }),
  manifest: fc.option(awkwardValue, { nil: undefined, freq: 8 }),
  shard: fc.option(fc.uint8Array({ maxLength: 600 }), { nil: undefined }),
});

test('random weights manifests: paths, names, shapes, dtypes and quantizations', async (t) =>
  property(t, manifestEdit, (edit) =>
    analyzeCase((folder) => {
      const path = join(folder, 'model.json');
      const json = JSON.parse(readFileSync(path, 'utf8')) as { weightsManifest: { paths: unknown; weights: unknown[] }[] };
      const [group] = json.weightsManifest;
      for (const [index, entry] of edit.replace) group.weights[index % (group.weights.length + 1)] = entry;
      group.weights.push(...edit.append);
      if (edit.paths) group.paths = edit.paths;
      const manifest = edit.manifest === undefined ? json.weightsManifest : edit.manifest;
      writeFileSync(path, JSON.stringify({ ...json, weightsManifest: manifest }));
      if (edit.shard) writeFileSync(join(folder, 'weights.bin'), edit.shard);
      return {};
    }),
  ));

// ── topologies ─────────────────────────────────────────────────────────────────────────────────

interface LayerChoice {
  className: string;
  units: number;
  activation: string;
  bad: [string, unknown] | null;
}

const layerChoice: fc.Arbitrary<LayerChoice> = fc.record({
  className: fc.constantFrom(
    'Dense',
    'Dense',
    'Dense',
    'Activation',
    'Dropout',
    'Flatten',
    'BatchNormalization',
    'ReLU',
    'Softmax',
    'Reshape',
    'Add',
    'Bogus',
  ),
  units: fc.integer({ min: 1, max: 5 }),
  activation: fc.constantFrom('relu', 'linear', 'tanh', 'sigmoid', 'softmax', 'elu', 'gelu'),
  bad: fc.option(
    fc.tuple(
      fc.constantFrom('units', 'activation', 'use_bias', 'name', 'target_shape', 'axis', 'epsilon', 'trainable', 'rate'),
      awkwardValue,
    ),
    { nil: null, freq: 3 },
  ),
});

const topologyCase = fc.record({
  functional: fc.boolean(),
  inputShape: fc.oneof(fc.constant([null, 3]), fc.array(fc.oneof(awkwardNumber, fc.constant(null)), { maxLength: 3 }), awkwardValue),
  layers: fc.array(layerChoice, { minLength: 1, maxLength: 4 }),
  inbound: fc.array(fc.oneof(fc.nat(5), awkwardValue), { maxLength: 6 }),
  loss: fc.constantFrom(undefined, 'categorical_crossentropy', 'binary_crossentropy', 'mse', 'hinge'),
  // Mostly a Dense last (a model with parameters); else whatever was drawn, parameters or none.
  lastDense: fc.constantFrom(true, true, true, false),
  // The weight values: positive (every variance valid), of both signs (a negative moving variance),
  // or with a NaN or an infinity among them.
  values: fc.constantFrom('positive', 'positive', 'signed', 'nan', 'infinite'),
});

/** A model.json and shard from the choices: weights of the right shapes for the Dense and BatchNormalization layers, then the injected bad field. */
function writeTopology(folder: string, choice: ValueOf<typeof topologyCase>): void {
  const weights: { name: string; shape: number[]; dtype: string }[] = [];
  let width = 3;
  const drawnLast = choice.layers[choice.layers.length - 1];
  const chosen = choice.lastDense ? [...choice.layers.slice(0, -1), { ...drawnLast, className: 'Dense' }] : choice.layers;
  const layers = chosen.map((layer, i) => {
    const name = `layer_${i}`;
    const config: Record<string, unknown> = { name, trainable: true };
    if (layer.className === 'Dense') {
      Object.assign(config, { units: layer.units, activation: layer.activation, use_bias: true });
      weights.push(
        { name: `${name}/kernel`, shape: [width, layer.units], dtype: 'float32' },
        { name: `${name}/bias`, shape: [layer.units], dtype: 'float32' },
      );
      width = layer.units;
    } else if (layer.className === 'BatchNormalization') {
      Object.assign(config, { axis: -1, epsilon: 1e-3, center: true, scale: true });
      for (const role of ['gamma', 'beta', 'moving_mean', 'moving_variance'])
        weights.push({ name: `${name}/${role}`, shape: [width], dtype: 'float32' });
    } else if (layer.className === 'Activation') {
      config.activation = layer.activation;
    } else if (layer.className === 'Reshape') {
      config.target_shape = [width];
    } else if (layer.className === 'Dropout') {
      config.rate = 0.5;
    }
    if (layer.bad) config[layer.bad[0]] = layer.bad[1];
    return { class_name: layer.className, config, name, inbound_nodes: [] as unknown[] };
  });
  const inputConfig = { name: 'input', batch_input_shape: choice.inputShape, dtype: 'float32' };
  let modelConfig: unknown;
  if (choice.functional) {
    const all = [{ class_name: 'InputLayer', config: inputConfig, name: 'input', inbound_nodes: [] as unknown[] }, ...layers];
    all.slice(1).forEach((layer, i) => {
      // A layer index links to an earlier layer; any other value is written as the inbound node itself.
      const pick = choice.inbound[i];
      const linked = pick === undefined || (Number.isSafeInteger(pick) && (pick as number) >= 0);
      const from = typeof pick === 'number' && linked ? all[pick % (i + 1)].name : all[i].name;
      layer.inbound_nodes = linked ? [[[from, 0, 0, {}]]] : [pick];
    });
    const last = all[all.length - 1].name;
    modelConfig = {
      class_name: 'Functional',
      config: { name: 'model', layers: all, input_layers: [['input', 0, 0]], output_layers: [[last, 0, 0]] },
    };
  } else {
    if (layers[0]) (layers[0].config as Record<string, unknown>).batch_input_shape = choice.inputShape;
    modelConfig = {
      class_name: 'Sequential',
      config: { name: 'sequential', layers: layers.map(({ class_name, config }) => ({ class_name, config })) },
    };
  }
  const count = weights.reduce((sum, w) => sum + w.shape.reduce((a, b) => a * b, 1), 0);
  const values = Float32Array.from({ length: count }, (_, i) =>
    choice.values === 'signed' ? Math.sin(3 * i + 1) : 0.3 + 0.5 * Math.abs(Math.sin(i + 1)),
  );
  if (count > 0 && (choice.values === 'nan' || choice.values === 'infinite'))
    values[Math.floor(count / 2)] = choice.values === 'nan' ? Number.NaN : Number.POSITIVE_INFINITY;
  writeFileSync(join(folder, 'weights.bin'), Buffer.from(values.buffer));
  writeFileSync(
    join(folder, 'model.json'),
    JSON.stringify({
      format: 'layers-model',
      modelTopology: modelConfig,
      ...(choice.loss ? { trainingConfig: { loss: choice.loss } } : {}),
      weightsManifest: [{ paths: ['weights.bin'], weights }],
    }),
  );
  const x = Array.from({ length: 6 }, (_, s) => [s / 6, 1 - s / 6, (s % 2) - 0.5]);
  writeFileSync(join(folder, 'data.json'), JSON.stringify({ x, y: x.map((_, s) => s % 2) }));
}

test('random model topologies: small Sequential and functional configs with bad fields', async (t) =>
  property(t, topologyCase, (choice) =>
    analyzeCase((folder) => {
      writeTopology(folder, choice);
      return { data: join(folder, 'data.json') };
    }),
  ));

// ── .npy headers ───────────────────────────────────────────────────────────────────────────────

const npyCase = fc.record({
  version: fc.constantFrom(1, 2, 3, 0, 4, 255),
  descr: fc.oneof(fc.constantFrom('<f4', '<f8', '<i8', '|u1', '|b1', '>f4', '<c8', '|O', '<U3', '<f2', '=f4', '|f4'), awkwardString),
  fortran: fc.oneof(fc.boolean(), fc.constantFrom('True', 'None', '1')),
  shape: fc.oneof(
    fc.constantFrom([4, 8], [4, 0], [0, 8], [], [2 ** 40, 8], [4, 2, 4]),
    fc.array(fc.oneof(fc.nat(9), fc.constantFrom(-1, 2 ** 31, 2 ** 53)), { maxLength: 4 }),
  ),
  header: fc.option(
    fc.oneof(
      awkwardString,
      fc.constantFrom(
        "{'descr': '<f4', 'fortran_order': False, 'shape': (4, 8), 'x': [(1, 2)]}",
        "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (4,)}",
        '{' + '('.repeat(5000),
      ),
    ),
    { nil: undefined, freq: 4 },
  ),
  headerLength: fc.option(fc.nat(70000), { nil: undefined, freq: 4 }),
  dataLength: fc.oneof(fc.constant(128), fc.nat(300)),
});

function npyFile(choice: ValueOf<typeof npyCase>): Buffer {
  const dict = choice.header ?? npyHeaderDict(choice.descr, choice.shape as number[]).replace('False', String(choice.fortran));
  const bytes = npyBytes(choice.descr, choice.shape as number[], new Uint8Array(choice.dataLength), {
    version: choice.version === 1 || choice.version === 2 || choice.version === 3 ? choice.version : 1,
    header: dict,
  });
  bytes[6] = choice.version;
  if (choice.headerLength !== undefined) {
    if (bytes[6] === 1) bytes.writeUInt16LE(choice.headerLength % 65536, 8);
    else bytes.writeUInt32LE(choice.headerLength, 8);
  }
  return bytes;
}

test('random .npy headers: versions, dtypes, shapes and lengths', async (t) =>
  property(t, npyCase, (choice) =>
    analyzeCase((folder) => {
      const data = join(folder, 'x.npy');
      writeFileSync(data, npyFile(choice));
      return { data };
    }),
  ));

// ── zip directories ────────────────────────────────────────────────────────────────────────────

const zipCase = fc.record({
  deflate: fc.boolean(),
  x: npyCase,
  edits: fc.array(
    fc.tuple(
      fc.constantFrom('central' as const, 'local' as const, 'end' as const),
      fc.nat(45),
      fc.constantFrom(1, 2, 4),
      fc.oneof(fc.nat(), fc.constantFrom(0, 0xffffffff, 0xffff, 2 ** 31)),
    ),
    { maxLength: 4 },
  ),
  truncate: fc.option(fc.nat(400), { nil: undefined, freq: 5 }),
  tail: fc.option(fc.uint8Array({ maxLength: 64 }), { nil: undefined, freq: 5 }),
});

function zipFile(choice: ValueOf<typeof zipCase>): Buffer {
  const labels = npyBytes('<i4', [4], Int32Array.from([0, 1, 2, 0]));
  const zip = zipBytes([
    { name: 'x.npy', contents: npyFile(choice.x), deflate: choice.deflate },
    { name: 'y.npy', contents: labels, deflate: choice.deflate },
  ]);
  const starts = {
    central: zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])),
    local: 0,
    end: zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06])),
  };
  for (const [where, offset, width, value] of choice.edits) {
    const at = starts[where] + offset;
    if (at + width > zip.length) continue;
    if (width === 1) zip.writeUInt8(value & 0xff, at);
    else if (width === 2) zip.writeUInt16LE(value & 0xffff, at);
    else zip.writeUInt32LE(value >>> 0, at);
  }
  const cut = choice.truncate === undefined ? zip : zip.subarray(0, Math.max(0, zip.length - choice.truncate));
  return choice.tail ? Buffer.concat([cut, choice.tail]) : cut;
}

test('random zip directories: sizes, offsets, methods, flags, truncation', async (t) =>
  property(t, zipCase, (choice) =>
    analyzeCase((folder) => {
      const data = join(folder, 'fuzzed.npz');
      writeFileSync(data, zipFile(choice));
      return { data };
    }),
  ));
