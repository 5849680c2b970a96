// `analyze` output: the JSON report, the table and Markdown showing the same numbers, --out writing
// the JSON while the table still prints, and --quiet silencing everything but the result.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import {
  formatCsv,
  formatHalfWidth,
  formatInterval,
  formatTable,
  formatValue,
  recommendationLine,
} from '../../../src/shared/report-format';
import { FLAG_WORDING } from '../../../src/shared/options';
import type { Report } from '../../../src/shared/report';
import { copyFixture, runCli, type CliOutput } from './helpers';
import { parseReport } from './report-schema';

const fixture = copyFixture('mlp');
// The intervals are asked for: under the default 'auto' their presence would depend on the machine's speed.
const analyze = (...options: string[]) => ['analyze', fixture.model, '--data', fixture.data, '--intervals', 'on', ...options];

async function succeeds(args: string[]): Promise<CliOutput> {
  const run = await runCli(args);
  assert.equal(run.status, 0, run.stderr);
  return run;
}

let report: Report;
before(async () => {
  report = parseReport((await succeeds(analyze('--format', 'json'))).stdout);
});

/** The line of a rendered table whose first cell is `label`. */
function row(text: string, label: RegExp): string {
  const line = text.split('\n').find((l) => label.test(l));
  assert.ok(line, `no row ${label} in:\n${text}`);
  return line;
}

/** The table and Markdown print the report's numbers as formatValue renders them. */
function assertShowsReport(text: string): void {
  const lambdaMax = row(text, /^\|? ?λ_max /);
  assert.ok(lambdaMax.includes(formatValue(report.euclidean.topEigenvalues[0])), lambdaMax);
  assert.ok(lambdaMax.includes(formatValue(report.invariant.sharpness)), lambdaMax);
  for (const layer of report.perLayer) {
    const line = row(text, new RegExp(`^\\|? ?${layer.name} `));
    assert.ok(line.includes(formatValue(layer.euclideanSharpness)) && line.includes(formatValue(layer.invariantSharpness)), line);
  }
}

test('--format json prints a schemaVersion 1 report of the run', () => {
  assert.equal(report.model.path, fixture.model);
  assert.equal(report.model.parameterCount, 107);
  assert.deepEqual(
    report.model.layers.map((l) => l.className),
    ['Dense', 'Dense', 'Dense'],
  );
  assert.equal(report.data.path, fixture.data);
  assert.equal(report.data.sampleCount, 64);
  assert.equal(report.data.loss, 'categorical_crossentropy');
  assert.equal(report.invariant.normalization, 'layer');
  assert.equal(report.rescaling, null);
  assert.equal(report.density, null);
  assert.equal(report.perLayer.length, 3);
});

test('the default table shows the λ_max numbers of the JSON report', async () => {
  const run = await succeeds(analyze());
  assertShowsReport(run.stdout);
  assert.match(run.stdout, new RegExp(`^model +${fixture.model} `, 'm'));
});

test('--format markdown renders the same numbers as Markdown tables', async () => {
  const run = await succeeds(analyze('--format', 'markdown'));
  assert.ok(run.stdout.startsWith(`## Sharpness of \`${fixture.model}\``), run.stdout);
  assert.match(run.stdout, /^\| measure \| Euclidean \(H\) \|/m);
  assertShowsReport(run.stdout);
});

test('--out writes the JSON report and the table still prints', async () => {
  const out = join(fixture.folder, 'report.json');
  const run = await succeeds(analyze('--out', out));
  assertShowsReport(run.stdout);
  const written = parseReport(readFileSync(out, 'utf8'));
  assert.equal(written.invariant.sharpness, report.invariant.sharpness);
});

test('--format json with --out says where the report went, unless --quiet', async () => {
  const out = join(fixture.folder, 'said.json');
  const loud = await succeeds(analyze('--format', 'json', '--out', out));
  assert.equal(loud.stdout, '');
  assert.equal(loud.stderr, `report written to ${out}\n`);
  const quiet = await succeeds(analyze('--format', 'json', '--out', out, '--quiet'));
  assert.equal(quiet.stdout, '');
  assert.equal(quiet.stderr, '');
  assert.equal(parseReport(readFileSync(out, 'utf8')).invariant.sharpness, report.invariant.sharpness);
});

test('--top-k sets the number of eigenvalues', async () => {
  const three = parseReport((await succeeds(analyze('--format', 'json', '--top-k', '3', '--quiet'))).stdout, 3);
  assert.deepEqual(three.invariant.topEigenvalues, report.invariant.topEigenvalues.slice(0, 3));
});

test('the table and Markdown carry the sampling intervals, the convergence with samples and the recommendation; CSV their bounds', async () => {
  const sampling = report.sampling!;
  assert.equal(sampling.groups, 8);
  const table = (await succeeds(analyze('--quiet'))).stdout;
  const interval = row(table, /^λ_max 95% \(samples\)/);
  assert.ok(interval.includes(formatInterval(sampling.measures.invariantSharpness)), interval);
  assert.ok(row(table, /^sampling  95% intervals/).includes(`${sampling.groups} random groups`));
  for (const point of sampling.convergence.invariantSharpness) {
    const line = row(table, new RegExp(`^${point.samples.toLocaleString('en-US')} `));
    assert.ok(line.includes(formatHalfWidth(point.value, point.halfWidth)), line);
  }
  assert.ok(table.includes(recommendationLine(sampling)!));
  const markdown = (await succeeds(analyze('--format', 'markdown', '--quiet'))).stdout;
  assert.match(markdown, /\*\*Sampling error\.\*\* 95% intervals/);
  const csv = formatCsv(report).trim().split('\n');
  const header = csv[0].split(',');
  const network = csv[1].split(',');
  assert.equal(Number(network[header.indexOf('invariant_lambda_max_low')]), sampling.measures.invariantSharpness.low);
  assert.equal(Number(network[header.indexOf('euclidean_trace_high')]), sampling.measures.euclideanTrace.high);
  // --intervals off: none, and no sampling section.
  const without = parseReport((await succeeds(analyze('--format', 'json', '--intervals', 'off'))).stdout);
  assert.equal(without.sampling, null);
  assert.ok(!formatTable(without, FLAG_WORDING).includes('(samples)'));
});
