// Ctrl-C during an analysis stops it within moments: exit code 1, "analysis cancelled", and no report
// written. The run below would take several seconds; the signal comes once it is well under way.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { copyFixture, startCli } from './helpers';

/** Past start-up (module loading, backend, data and model), inside the measures. */
const SIGNAL_AFTER_MS = 2000;
const MAX_SECONDS_TO_STOP = 3;

/** Every estimator at its most expensive, so the run outlasts SIGNAL_AFTER_MS by seconds. */
const SLOW_ANALYSIS = [
  '--exact-threshold',
  '0',
  '--tolerance',
  '1e-12',
  '--max-iterations',
  '1000',
  '--trace-samples',
  '5000',
  '--density',
];

async function interruptedRun(extra: string[]): Promise<void> {
  const fixture = copyFixture('mlp-medium');
  const out = join(fixture.folder, 'report.json');
  const child = startCli(['analyze', fixture.model, '--data', fixture.data, '--out', out, ...SLOW_ANALYSIS, ...extra]);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  await sleep(SIGNAL_AFTER_MS);
  assert.equal(child.exitCode, null, `the run ended before it was interrupted: ${stderr}`);
  const signalled = performance.now();
  child.kill('SIGINT');
  const timeout = sleep(MAX_SECONDS_TO_STOP * 1000).then(() => 'timeout' as const);
  const result = await Promise.race([exited, timeout]);
  if (result === 'timeout') {
    child.kill('SIGKILL');
    assert.fail(`still running ${MAX_SECONDS_TO_STOP} s after SIGINT`);
  }
  assert.ok((performance.now() - signalled) / 1000 < MAX_SECONDS_TO_STOP);
  assert.deepEqual(result, { code: 1, signal: null });
  assert.equal(stderr, 'sharpness-lens: analysis cancelled\n');
  assert.equal(existsSync(out), false, 'a cancelled run writes no report');
}

test('SIGINT cancels an analysis on worker threads', () => interruptedRun(['--threads', '2']));

test('SIGINT cancels a single-threaded analysis', () => interruptedRun(['--threads', '1']));
