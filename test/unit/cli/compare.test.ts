// `compare`: one row per model and one column per model in the per-layer table, with the numbers
// that `compare --format json` reports for the same run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatValue } from '../../../src/shared/report-format';
import type { Report } from '../../../src/shared/report';
import { makeTempDir } from '../data/temp-dir';
import { copyFixture, runCli } from './helpers';
import { parseReport } from './report-schema';

const parent = makeTempDir();
const mlp = copyFixture('mlp', parent);
const functional = copyFixture('functional', parent);
// Both take 8 features and output 3 classes, so one data file serves both.
const compare = (...options: string[]) => ['compare', mlp.model, functional.model, '--data', mlp.data, ...options];

test('compare prints the models side by side with the numbers of their reports', async () => {
  const json = await runCli(compare('--format', 'json'));
  assert.equal(json.status, 0, json.stderr);
  const comparison = JSON.parse(json.stdout) as { schemaVersion: number; reports: unknown[] };
  assert.equal(comparison.schemaVersion, 1);
  const reports: Report[] = comparison.reports.map((report) => parseReport(JSON.stringify(report)));
  assert.deepEqual(
    reports.map((r) => r.model.path),
    [mlp.model, functional.model],
  );

  const table = await runCli(compare());
  assert.equal(table.status, 0, table.stderr);
  const lines = table.stdout.split('\n');
  assert.match(lines[0], /^model +loss +accuracy .*λ_max\(DHD\)/);
  for (const report of reports) {
    const row = lines.find((line) => line.startsWith(`${report.model.path} `));
    assert.ok(row, `no row for ${report.model.path}:\n${table.stdout}`);
    for (const value of [report.loss, report.euclidean.topEigenvalues[0], report.invariant.sharpness])
      assert.ok(row.includes(formatValue(value)), row);
  }
  const perLayerHeader = lines.find((line) => line.startsWith('layer λ_max(DHD)'));
  assert.ok(perLayerHeader?.includes(mlp.model) && perLayerHeader.includes(functional.model), perLayerHeader);
});
