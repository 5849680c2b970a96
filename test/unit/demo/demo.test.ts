// `npm run demo` on the bundled MNIST pair: its table shows the engine's numbers, and the rescaling
// point holds — the rescaled flat model beats the sharp one on λ_max(H) but not on λ_max(DHD).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../../../src/engine/analysis/analyze';
import type { DemoResult } from '../../../src/demo/demo-format';
import { formatValue } from '../../../src/shared/report-format';
import { temporaryDirectory } from '../../helpers/model-writer';
import { builtBundle } from '../cli/built';

const ROOT = join(__dirname, '..', '..', '..');
let stdout = '';
let result: DemoResult;

before(() => {
  const out = temporaryDirectory();
  const run = spawnSync(process.execPath, [builtBundle('cli.js'), 'demo', '--out-dir', out, '--quiet'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 600_000,
  });
  assert.equal(run.status, 0, run.stderr);
  stdout = run.stdout;
  result = JSON.parse(readFileSync(join(out, 'demo.json'), 'utf8'));
  assert.ok(readFileSync(join(out, 'demo.md'), 'utf8').includes('| small batch |'));
});

/** The printed row whose first cell is `label`, split into cells. */
function row(label: string): string[] {
  const line = stdout.split('\n').find((l) => l.startsWith(`${label}  `));
  assert.ok(line, `a table row for "${label}"`);
  return line.split(/\s{2,}/);
}

test('the table shows the numbers of the reports the demo wrote', () => {
  for (const entry of [...result.models, result.rescaled]) {
    const label = entry === result.rescaled ? `${result.rescaled.of}, α = (${result.rescaled.factors.join(', ')})` : entry.label;
    const cells = row(label);
    assert.equal(cells[6], formatValue(entry.report.euclidean.topEigenvalues[0]), `${label}: λ_max(H)`);
    assert.equal(cells[7], formatValue(entry.report.euclidean.trace), `${label}: tr(H)`);
    assert.equal(cells[8], formatValue(entry.report.invariant.sharpness), `${label}: λ_max(DHD)`);
    assert.equal(cells[9], formatValue(entry.elementSharpness), `${label}: element λ_max(DHD)`);
  }
  const entries = [...result.models, result.rescaled];
  result.models[0].report.perLayer.forEach((_, i) => {
    const cells = row([...new Set(entries.map((e) => e.report.perLayer[i].name))].join(' / '));
    assert.deepEqual(
      cells.slice(1),
      entries.map((e) => formatValue(e.report.perLayer[i].invariantSharpness)),
    );
  });
});

test("the demo's reports are the engine's: an independent analysis of each example gives the same numbers", async () => {
  for (const entry of result.models) {
    const report = await analyze({ model: entry.path, data: entry.report.data.path });
    assert.equal(report.invariant.sharpness, entry.report.invariant.sharpness, `${entry.label}: λ_max(DHD)`);
    assert.equal(report.euclidean.topEigenvalues[0], entry.report.euclidean.topEigenvalues[0], `${entry.label}: λ_max(H)`);
    assert.deepEqual(
      report.perLayer.map((l) => l.invariantSharpness),
      entry.report.perLayer.map((l) => l.invariantSharpness),
    );
  }
});

test('the rescaled flat model looks sharper than the sharp one to λ_max(H), not to λ_max(DHD)', () => {
  const flat = result.models.find((m) => m.label === result.flatLabel)!;
  const sharp = result.models.find((m) => m.label === result.sharpLabel)!;
  const rescaled = result.rescaled;
  assert.ok(rescaled.report.rescaling && rescaled.report.rescaling.maxOutputDifference < 1e-4, 'the rescaling keeps the function');
  assert.ok(
    rescaled.report.euclidean.topEigenvalues[0] > sharp.report.euclidean.topEigenvalues[0],
    'λ_max(H) of the rescaled flat model exceeds the sharp one',
  );
  assert.ok(Math.abs(rescaled.report.invariant.sharpness / flat.report.invariant.sharpness - 1) < 1e-4, 'λ_max(DHD) does not move');
  assert.ok(rescaled.report.invariant.sharpness < sharp.report.invariant.sharpness, 'the invariant ranking holds');
  assert.match(stdout, /still ranks it flatter/);
});
