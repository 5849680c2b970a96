// The contract a shell sees, on the built dist/cli.js in a child process (the other CLI tests call
// main() in-process): exit codes 0, 1 and 2, the report alone on stdout with progress and problems on
// stderr, and the same report as the sources give. --version and Ctrl-C are tested the same way, in
// help-version.test.ts and cancel.test.ts.
import assert from 'node:assert/strict';
import { truncateSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertCleanFailure } from '../bad-input/expect-failure';
import { copyFixture, runBuiltCli, runCli } from './helpers';
import { parseReport, withoutTimings } from './report-schema';

test('analyze: exit 0, the JSON report alone on stdout, progress only on stderr, the numbers of the sources', async () => {
  const fixture = copyFixture('mlp-medium');
  const args = [
    'analyze',
    fixture.model,
    '--data',
    fixture.data,
    '--format',
    'json',
    '--seed',
    '7',
    '--samples',
    '100',
    '--intervals',
    'on',
  ];
  const piped = runBuiltCli(args);
  assert.equal(piped.status, 0, piped.stderr);
  assert.equal(piped.stderr, '', 'no progress when stderr is not a terminal');
  const report = parseReport(piped.stdout);

  const withProgress = runBuiltCli([...args, '--progress']);
  assert.equal(withProgress.status, 0, withProgress.stderr);
  const lines = withProgress.stderr.split('\n');
  assert.equal(lines.pop(), '', 'stderr ends with a newline');
  const stages = report.cost.stages.map((stage, i) => `[${i + 1}/${report.cost.stages.length}] ${stage.name}`);
  assert.deepEqual(
    lines.map((line) => line.split(' · ')[0]),
    stages,
    `one progress line as each stage begins:\n${withProgress.stderr}`,
  );
  assert.deepEqual(withoutTimings(parseReport(withProgress.stdout)), withoutTimings(report));

  const inProcess = await runCli(args);
  assert.equal(inProcess.status, 0, inProcess.stderr);
  assert.deepEqual(withoutTimings(parseReport(inProcess.stdout)), withoutTimings(report), 'dist/cli.js and src/cli.ts agree');
});

test('bad input: exit 1, one line naming the file on stderr, nothing on stdout, the inputs untouched', async () => {
  const fixture = copyFixture('mlp');
  const shard = join(fixture.folder, 'weights.bin');
  truncateSync(shard, 400);
  await assertCleanFailure(
    ['analyze', fixture.model, '--data', fixture.data],
    { folder: fixture.folder, file: shard, problem: /truncated.*needs 428 bytes.*hold 400/ },
    runBuiltCli,
  );
});

test('bad usage: exit 2, the problem and the pointer to --help on stderr, nothing on stdout', () => {
  const run = runBuiltCli(['analyze', '--frobnicate']);
  assert.equal(run.status, 2, run.stderr);
  assert.equal(run.stdout, '');
  assert.equal(run.stderr, 'sharpness-lens: unknown option --frobnicate\nrun "sharpness-lens --help" for usage\n');
});
