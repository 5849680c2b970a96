// Ctrl-C during an analysis stops it where it is: exit code 1, "analysis cancelled", no report written
// and no later stage begun. The signal comes once --progress shows the run inside its first curvature
// stage, one that takes many seconds here, so the test waits on what the run reports, not on a clock.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { copyFixture, RUN_TIMEOUT_MS, startCli } from './helpers';

/** The first curvature stage, which the analysis below makes long: up to 1,000 Lanczos iterations. */
const SIGNAL_IN_STAGE = 'invariant spectrum';
const SLOW_SPECTRUM = ['--exact-threshold', '0', '--tolerance', '1e-12', '--max-iterations', '1000'];
const PROGRESS_LINE = /^\[(\d+)\/\d+\] (.+?)(?: · |$)/;

async function interruptedRun(extra: string[]): Promise<void> {
  const fixture = copyFixture('mlp-medium');
  const out = join(fixture.folder, 'report.json');
  const child = startCli(['analyze', fixture.model, '--data', fixture.data, '--out', out, '--progress', ...SLOW_SPECTRUM, ...extra]);
  let stderr = '';
  let signalled = false;
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (!signalled && stderr.split('\n').some((line) => PROGRESS_LINE.exec(line)?.[2] === SIGNAL_IN_STAGE)) {
      signalled = true;
      child.kill('SIGINT');
    }
  });
  const hang = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
  const result = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  clearTimeout(hang);
  assert.ok(signalled, `the run ended before reaching the ${SIGNAL_IN_STAGE} stage:\n${stderr}`);
  assert.deepEqual(result, { code: 1, signal: null }, `not cancelled within ${RUN_TIMEOUT_MS / 1000} s:\n${stderr}`);
  const lines = stderr.split('\n');
  assert.deepEqual(lines.slice(-2), ['sharpness-lens: analysis cancelled', ''], stderr);
  const stages = lines.slice(0, -2).map((line) => PROGRESS_LINE.exec(line)?.[2] ?? `not a progress line: ${line}`);
  assert.deepEqual(stages, ['loss and gradient', SIGNAL_IN_STAGE], 'the run stopped in the stage it was signalled in');
  assert.equal(existsSync(out), false, 'a cancelled run writes no report');
}

test('SIGINT cancels an analysis on worker threads', () => interruptedRun(['--threads', '2']));

test('SIGINT cancels a single-threaded analysis', () => interruptedRun(['--threads', '1']));
