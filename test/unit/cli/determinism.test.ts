// Same inputs and seed → the same report: only the time stamp and the timings may differ. The
// mlp-medium fixture is past the exact threshold, so Lanczos, Hutchinson and the subsample all draw
// from the seed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { copyFixture, runCli } from './helpers';
import { parseReport, withoutTimings } from './report-schema';

test('two runs with the same seed print the same JSON but for createdAt and timings', async () => {
  const fixture = copyFixture('mlp-medium');
  const args = ['analyze', fixture.model, '--data', fixture.data, '--format', 'json', '--seed', '7', '--samples', '100'];
  const [first, second] = [await runCli(args), await runCli(args)].map((run) => {
    assert.equal(run.status, 0, run.stderr);
    return parseReport(run.stdout);
  });
  assert.equal(first.method, 'iterative');
  assert.equal(first.data.sampleCount, 100);
  assert.ok(first.data.availableCount > 100, 'the subsample is a real choice');
  assert.deepEqual(withoutTimings(second), withoutTimings(first));
});
