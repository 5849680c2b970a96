// The extension's analysis worker, as the host drives it: one request in; progress, stage results
// and the report (or a one-line error naming the file) out; terminate() stops it mid-analysis.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { float32Npy } from '../../../scripts/lib/numpy-files';
import { problemMessage } from '../../../src/extension/problem-text';
import { makeTempDir } from '../data/temp-dir';
import { runWorker as run } from './worker';

const ROOT = join(__dirname, '..', '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'reference');

test('an analysis streams progress and stage results, then the report', async () => {
  const { messages } = await run({
    model: join(FIXTURES, 'mlp-medium', 'model.json'),
    data: join(FIXTURES, 'mlp-medium', 'data.npz'),
    threads: 1,
  });
  const kinds = messages.map((m) => m.type);
  assert.equal(kinds.at(-1), 'result');
  assert.ok(kinds.includes('progress'));
  const partials = messages.flatMap((m) => (m.type === 'partial' ? [m.partial] : []));
  assert.deepEqual([...new Set(partials.map((p) => p.kind))], ['evaluation', 'spectrum', 'trace', 'layer']);
  const report =
    messages.at(-1)!.type === 'result'
      ? (messages.at(-1) as { report: { euclidean: { topEigenvalues: number[] }; perLayer: { invariantSharpness: number }[] } }).report
      : null;
  const spectrum = partials.find((p) => p.kind === 'spectrum' && p.operator === 'euclidean');
  assert.ok(spectrum && spectrum.kind === 'spectrum');
  assert.equal(spectrum.eigenpairs[0].value, report!.euclidean.topEigenvalues[0], 'the streamed spectrum is the reported one');
  const layers = partials.flatMap((p) => (p.kind === 'layer' ? [p.layer.invariantSharpness] : []));
  assert.deepEqual(
    layers,
    report!.perLayer.map((l) => l.invariantSharpness),
  );
});

test('a bad model gives one error, as data: the file and the problem', async () => {
  const { messages } = await run({ model: join(FIXTURES, 'mlp', 'expected.json'), data: join(FIXTURES, 'mlp', 'data.npz') });
  const last = messages.at(-1)!;
  assert.equal(last.type, 'error');
  if (last.type !== 'error') return;
  assert.equal(last.problem.code, 'invalid-input');
  assert.match(last.problem.message, /^not a TF\.js layers-model model\.json/);
  assert.equal(last.problem.file, join(FIXTURES, 'mlp', 'expected.json'));
  assert.match(problemMessage(last.problem), /expected\.json: not a TF\.js layers-model model\.json/);
  assert.doesNotMatch(problemMessage(last.problem), /\n|\s{4}at /);
});

test('an error about an option reaches the host with the option, which it names as a setting, never as a flag', async () => {
  // Inputs without labels: the loss needs them, and the labels file is what the user can give.
  const inputs = join(makeTempDir(), 'x.npy');
  writeFileSync(
    inputs,
    float32Npy(
      Array.from({ length: 32 }, (_, i) => i / 32),
      [4, 8],
    ),
  );
  const { messages } = await run({ model: join(FIXTURES, 'mlp', 'model.json'), data: inputs });
  const last = messages.at(-1)!;
  assert.equal(last.type, 'error');
  if (last.type !== 'error') return;
  assert.equal(last.problem.code, 'missing-labels');
  assert.deepEqual(last.problem.option, { name: 'labels', action: 'give' });
  const text = problemMessage(last.problem);
  assert.equal(
    text,
    `${inputs}: the data has no labels (y); the loss needs them (give the labels file with Sharpness: Select Analysis Data… or "labels" in the model's .sharpness.json sidecar)`,
  );
  assert.doesNotMatch(text, /--/);
});

test('terminating the worker mid-analysis stops it', async () => {
  const started = performance.now();
  let stopped = false;
  const { messages, exitCode } = await run(
    {
      model: join(FIXTURES, 'mlp-medium', 'model.json'),
      data: join(FIXTURES, 'mlp-medium', 'data.npz'),
      threads: 1,
      settings: { density: true, densityRuns: 20, traceMaxSamples: 1000, traceRelativeError: 1e-6 },
    },
    (message, worker) => {
      if (!stopped && message.type === 'progress' && message.event.stage === 'traces') {
        stopped = true;
        void worker.terminate();
      }
    },
  );
  assert.ok(stopped, 'the analysis reached the trace stage');
  assert.equal(exitCode, 1, 'terminated');
  assert.ok(!messages.some((m) => m.type === 'result'), 'no report after termination');
  assert.ok(performance.now() - started < 60_000);
});
