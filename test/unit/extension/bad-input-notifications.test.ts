// Issue 11 in the editor: every class of bad input the CLI refuses reaches the extension's
// notification as one line naming the file, worded for VS Code — through the analysis worker, as
// AnalysisRunner receives it, and through problemMessage, the text it shows.
import assert from 'node:assert/strict';
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { centralDirectoryOffset, npyBytes, zipBytes } from '../../../scripts/lib/numpy-files';
import { problemMessage } from '../../../src/extension/problem-text';
import type { AnalyzeRequest } from '../../../src/shared/analysis-request';
import { OPTION_SPECS } from '../../../src/shared/options';
import { copyFixture, editJson, type FixtureCopy } from '../cli/helpers';
import { makeTempDir, snapshotDir } from '../data/temp-dir';
import { runWorker } from './worker';

interface Layers {
  config: { layers: { class_name: string; config: Record<string, unknown> }[] };
}
interface Manifest {
  weights: { name: string; shape: number[]; dtype: string }[];
}

const topology = (json: Record<string, unknown>) => json.modelTopology as Layers;
const manifest = (json: Record<string, unknown>) => json.weightsManifest as Manifest[];

/** Every flag the CLI has: an extension message names none of them (it names settings). */
const CLI_FLAGS = [...OPTION_SPECS.map((spec) => spec.flag), 'data', 'labels', 'rescale', 'rescale-neurons', 'max-parameters', 'out'];

/** `count` rows of the mlp fixture's 8 features. */
const rows = (count: number) => Array.from({ length: count }, (_, s) => Array.from({ length: 8 }, (_, f) => ((s + f) % 5) / 5));

interface Case {
  name: string;
  /** The request, and the file the message must name. */
  make: (fixture: FixtureCopy) => { request: AnalyzeRequest; file: string };
  problem: RegExp;
}

const CASES: Case[] = [
  {
    name: 'a Keras .h5 given as the model',
    make: (f) => {
      const h5 = join(f.folder, 'model.h5');
      writeFileSync(h5, Buffer.concat([Buffer.from('\x89HDF\r\n\x1a\n', 'latin1'), Buffer.alloc(64), Buffer.from('\x00\x01\x1b[31m')]));
      return { request: { model: h5, data: f.data }, file: h5 };
    },
    problem: /is an HDF5 file \(a Keras \.h5 model\), not a TF\.js model\.json; convert it with: tensorflowjs_converter/,
  },
  {
    name: 'a character device as the model',
    make: (f) => {
      // Outside the watched folder: its snapshot would read the device.
      const device = join(makeTempDir(), 'model.json');
      symlinkSync('/dev/zero', device);
      return { request: { model: device, data: f.data }, file: device };
    },
    problem: /is a character device, not a model\.json$/,
  },
  {
    name: 'a zipped bomb as the data',
    make: (f) => {
      // A member whose directory and .npy header declare 3 GiB, over 64 KiB of real zeros.
      const declared = 3 * 2 ** 30;
      const headerLength = npyBytes('<f4', [1e9], new Float32Array(0)).length;
      const zip = zipBytes([
        { name: 'x.npy', contents: npyBytes('<f4', [(declared - headerLength) / 4], new Float32Array(16384)), deflate: true },
      ]);
      zip.writeUInt32LE(declared, centralDirectoryOffset(zip) + 24);
      const data = join(f.folder, 'bomb.npz');
      writeFileSync(data, zip);
      return { request: { model: f.model, data }, file: data };
    },
    problem: /the inflated array would take 3\.0 GiB of memory .*budget for analysis data/,
  },
  {
    name: 'a manifest with ambiguous weight names',
    make: (f) => {
      editJson(f.model, (json) => {
        const [group] = manifest(json);
        group.weights.push({ ...group.weights[0], name: `${group.weights[0].name}:0` });
      });
      return { request: { model: f.model, data: f.data }, file: f.model };
    },
    problem: /the weights manifest has both "dense_Dense1\/kernel" and "dense_Dense1\/kernel:0", which name the same weight/,
  },
  {
    name: 'a manifest with two prefixed names that could both be a weight',
    make: (f) => {
      editJson(f.model, (json) => {
        const [group] = manifest(json);
        const kernel = group.weights[0];
        group.weights.push({ ...kernel, name: `b/${kernel.name}` });
        kernel.name = `a/${kernel.name}`;
      });
      return { request: { model: f.model, data: f.data }, file: f.model };
    },
    problem: /the weights manifest is ambiguous for .*"a\/dense_Dense1\/kernel" and "b\/dense_Dense1\/kernel" could both be it/,
  },
  {
    name: 'a zero-size axis in the data',
    make: (f) => {
      editJson(f.model, (json) => {
        topology(json).config.layers[0].config.batch_input_shape = [null, null];
      });
      const data = join(f.folder, 'empty-features.npz');
      writeFileSync(
        data,
        zipBytes([
          { name: 'x.npy', contents: npyBytes('<f4', [4, 0], new Float32Array(0)) },
          { name: 'y.npy', contents: npyBytes('<i8', [4], new BigInt64Array([0n, 1n, 2n, 0n])) },
        ]),
      );
      return { request: { model: f.model, data }, file: data };
    },
    problem: /x has a zero-size axis: its shape is \(4, 0\)$/,
  },
  {
    name: 'a fractional label with a sparse loss',
    make: (f) => {
      const labels = [0, 1, 2, 0, 1, 2, 0, 2.5, 1];
      const data = join(f.folder, 'data.json');
      writeFileSync(data, JSON.stringify({ x: rows(labels.length), y: labels }));
      return { request: { model: f.model, data, loss: 'sparse_categorical_crossentropy' }, file: data };
    },
    problem: /label 2\.5 at sample 7 is not a class index \(0–2\)$/,
  },
  {
    name: 'control characters in a weight name',
    make: (f) => {
      editJson(f.model, (json) => {
        const [group] = manifest(json);
        group.weights[0].name = 'evil\x1b[2J\x07\r\nname\u202e';
        group.weights[0].dtype = 'complex64';
      });
      return { request: { model: f.model, data: f.data }, file: f.model };
    },
    problem: /weight "evil\\u001b\[2J\\u0007\\r\\nname\\u202e" has dtype "complex64"/,
  },
  {
    name: 'an unsupported layer (TFOpLambda)',
    make: (f) => {
      editJson(f.model, (json) => {
        topology(json).config.layers[1].class_name = 'TFOpLambda';
      });
      return { request: { model: f.model, data: f.data }, file: f.model };
    },
    problem:
      /unsupported layer TFOpLambda \("dense_Dense2"\): a TensorFlow function call .* rebuild that part of the model from Keras layers/,
  },
  {
    name: 'a model whose layers are all frozen',
    make: (f) => {
      editJson(f.model, (json) => {
        for (const layer of topology(json).config.layers) layer.config.trainable = false;
      });
      return { request: { model: f.model, data: f.data }, file: f.model };
    },
    problem: /the model has no trainable parameters to analyse: all its 107 parameters are frozen \(trainable: false\)$/,
  },
];

for (const c of CASES) {
  test(`${c.name}: one line naming the file, worded for VS Code`, async () => {
    const fixture = copyFixture('mlp');
    const { request, file } = c.make(fixture);
    const before = snapshotDir(fixture.folder);
    const { messages } = await runWorker({ ...request, threads: 1 });
    assert.deepEqual(snapshotDir(fixture.folder), before, 'the analysis changed or created files among its inputs');
    const last = messages.at(-1)!;
    assert.equal(last.type, 'error', `the worker answered ${last.type}`);
    if (last.type !== 'error') return;
    assert.notEqual(last.problem.code, 'internal');
    assert.equal(last.problem.file, file, 'the problem names the file, for Open File / Reveal File');
    const text = problemMessage(last.problem);
    assert.ok(text.startsWith(`${file}: `), `the notification names the file first: ${text}`);
    assert.match(text.slice(file.length + 2), c.problem);
    assert.doesNotMatch(text, /[\r\n]/, 'one line');
    assert.doesNotMatch(text, /\bat .*:\d+:\d+|\.ts:\d+|Error:/, 'no stack trace');
    assert.doesNotMatch(text, /internal error/i);
    assert.doesNotMatch(text, /[\p{Cc}\u202a-\u202e\u2066-\u2069]/u, 'no raw control characters');
    for (const flag of CLI_FLAGS) assert.ok(!text.includes(`--${flag}`), `the CLI flag --${flag} in: ${text}`);
  });
}
