// Same inputs and seed → the same report: only the time stamp and the timings may differ. The
// mlp-medium fixture is past the exact threshold, so Lanczos, Hutchinson and the subsample all draw
// from the seed.
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import { copyFixture, runCli } from './helpers';
import { parseReport, withoutTimings } from './report-schema';

test('two runs with the same seed print the same JSON but for createdAt and timings', async () => {
  const fixture = copyFixture('mlp-medium');
  // --intervals on: under 'auto' whether the intervals are computed depends on the machine's speed (the numbers do not).
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
  const [first, second] = [await runCli(args), await runCli(args)].map((run) => {
    assert.equal(run.status, 0, run.stderr);
    return parseReport(run.stdout);
  });
  assert.equal(first.method, 'iterative');
  assert.equal(first.data.sampleCount, 100);
  assert.ok(first.data.availableCount > 100, 'the subsample is a real choice');
  assert.deepEqual(withoutTimings(second), withoutTimings(first));
});

test('with worker threads the sampling groups run on the workers: the same seed and thread count repeat exactly, and the intervals agree with one thread', async () => {
  const fixture = copyFixture('mlp-medium');
  const args = (threads: number) => [
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
    '--threads',
    String(threads),
    // Asked for: under 'auto' their presence depends on the machine's speed.
    '--intervals',
    'on',
  ];
  const [one, first, second] = [await runCli(args(1)), await runCli(args(2)), await runCli(args(2))].map((run) => {
    assert.equal(run.status, 0, run.stderr);
    return parseReport(run.stdout);
  });
  assert.equal(one.threads, 1);
  assert.equal(first.threads, Math.min(2, availableParallelism()));
  assert.deepEqual(withoutTimings(second), withoutTimings(first));
  const a = one.sampling!;
  const b = first.sampling!;
  assert.equal(b.groups, a.groups);
  assert.ok(a.groups >= 8);
  // The groups are the same engines wherever they run; only the full-sample vectors they are
  // evaluated on differ, by the order the workers' shares are summed in.
  for (const key of Object.keys(a.measures) as (keyof typeof a.measures)[]) {
    const [x, y] = [a.measures[key], b.measures[key]];
    const scale = Math.max(Math.abs(x.value), x.standardError, 1e-12);
    assert.ok(Math.abs(x.standardError - y.standardError) <= 1e-4 * scale, `${key}: ${x.standardError} vs ${y.standardError}`);
    assert.ok(Math.abs(x.low - y.low) <= 1e-4 * scale, `${key}: ${x.low} vs ${y.low}`);
    assert.ok(x.standardError > 0, key);
  }
  // The ladder reads the first 1, 2, 4, … groups: the groups come back in their order.
  for (const key of ['gradientNorm', 'euclideanTrace'] as const) {
    a.convergence[key].forEach((point, i) => {
      const other = b.convergence[key][i];
      assert.equal(other.samples, point.samples);
      assert.ok(
        Math.abs(other.value - point.value) <= 1e-4 * Math.abs(point.value),
        `${key} at ${point.samples}: ${point.value} vs ${other.value}`,
      );
    });
  }
});
