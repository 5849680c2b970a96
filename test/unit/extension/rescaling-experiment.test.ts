// A Rescaling Experiment from the palette or the panel: it starts the main analysis first when there is
// none to compare with (none yet, or a failed or cancelled one), it needs nothing about the model's
// layers before the first report (the engine draws random factors from the model's own scale links),
// and typed factors are checked with the engine's rule once the engine has described the model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../../../src/engine/analysis/analyze';
import { factorsInputProblem, parseFactorsInput } from '../../../src/extension/factors-input';
import { analysisRequest } from '../../../src/extension/request';
import { mainModel, needsMainRun } from '../../../src/shared/panel-model';
import type { PanelState, RunState } from '../../../src/shared/protocol';
import type { Report } from '../../../src/shared/report';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'reference');
/** A CLI-written report of the reference MLP (test/fixtures/reports/README.md). */
const mlp = JSON.parse(readFileSync(join(__dirname, '..', '..', 'fixtures', 'reports', 'mlp.json'), 'utf8')) as Report;

const run = (extra: Partial<RunState> = {}): RunState => ({
  role: 'main',
  modelPath: '/w/model.json',
  label: 'model',
  progress: null,
  report: null,
  error: null,
  rescaling: null,
  ...extra,
});
const panel = (...runs: RunState[]): PanelState => ({ modelPath: '/w/model.json', title: 'model', runs });
const evaluation = (report: Report) => ({
  kind: 'evaluation' as const,
  model: report.model,
  data: report.data,
  backend: report.backend,
  threads: 1,
  loss: report.loss,
  accuracy: report.accuracy,
  gradientNorm: report.gradientNorm,
});

test('the experiment starts the main analysis unless one has its report or is running', () => {
  assert.equal(needsMainRun(panel()), true, 'before the first analysis');
  assert.equal(needsMainRun(panel(run())), false, 'the first analysis is running: compare with it when it ends');
  assert.equal(needsMainRun(panel(run({ report: mlp }))), false);
  assert.equal(needsMainRun(panel(run({ cancelled: true }))), true, 'after a cancelled one');
  assert.equal(needsMainRun(panel(run({ error: 'interrupted (the window reloaded); run it again' }))), true, 'after a failed one');
  assert.equal(needsMainRun(panel(run({ role: 'compare', report: mlp }))), true, 'a compared model is not the main run');
});

test('what the panel knows of its model: the report, else the first stage result, else nothing', () => {
  assert.equal(mainModel(panel()), null);
  assert.equal(mainModel(panel(run())), null);
  assert.equal(mainModel(panel(run({ partials: [evaluation(mlp)] }))), mlp.model);
  assert.equal(mainModel(panel(run({ report: mlp }))), mlp.model);
});

test('typed factors: positive numbers before the model is known, the engine’s rule after', () => {
  assert.deepEqual(parseFactorsInput(' 5, 4,0.05'), [5, 4, 0.05]);
  assert.equal(factorsInputProblem('5, -4', null), 'positive numbers separated by commas');
  assert.equal(factorsInputProblem('5, , 1', null), 'positive numbers separated by commas');
  assert.equal(factorsInputProblem('5, 4, 1', null), undefined, 'the engine checks them when the run starts');
  const links = mlp.model.symmetries.scaleLinks;
  assert.equal(factorsInputProblem('5, 4, 0.05', links), undefined);
  assert.match(factorsInputProblem('5, 4, 1', links)!, /multiply to 20\.0000, but they must multiply to 1 there/);
  assert.match(factorsInputProblem('5, 0.2', links)!, /one factor per kernel layer \(3: dense_Dense1, dense_Dense2, dense_Dense3\), got 2/);
});

for (const name of ['functional', 'embedding', 'batchnorm']) {
  test(`before any report, a random layer-wise experiment on ${name} keeps the function with every factor within the spread`, async () => {
    // What the panel sends without knowing a thing about the model's layers.
    const request = analysisRequest(
      join(FIXTURES, name, 'model.json'),
      { data: join(FIXTURES, name, name === 'batchnorm' ? 'data.csv' : name === 'embedding' ? 'data.json' : 'data.npz') },
      { threads: 1, perLayer: false, topK: 1 },
      null,
      { kind: 'random-layer-wise', seed: 1, spread: 100 },
    );
    const report = await analyze(request);
    const factors = report.rescaling!.factors!;
    assert.equal(factors.length, report.model.symmetries.kernelLayers.length);
    for (const f of factors) assert.ok(f >= 1 / 100 && f <= 100, `factor ${f}`);
    assert.ok(
      factors.some((f) => Math.abs(f - 1) > 0.01),
      `a rescaling that moves something: ${factors}`,
    );
    assert.ok(report.rescaling!.maxOutputDifference < 1e-5, `outputs moved by ${report.rescaling!.maxOutputDifference}`);
  });
}
