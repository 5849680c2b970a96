// The time budget (docs/measures.md, "Time budget"): from a timed HVP and the stages' expected
// products, the sample count goes down to fit (in steps of 128, never below 256, never when it was
// asked for), then the estimators' work; every choice is said. And a real analysis carries its
// estimate, says what a tight budget chose, and analyses that many samples.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { analyze } from '../../../src/engine/analysis/analyze';
import { MIN_BUDGET_SAMPLES, planBudget, remainingSeconds, type BudgetInput } from '../../../src/engine/analysis/budget';
import { DEFAULT_MEASURE_SETTINGS, plannedStages } from '../../../src/engine/analysis/measures';
import type { MeasureSettings } from '../../../src/shared/analysis-request';
import type { Problem } from '../../../src/shared/problems';
import type { ProgressEvent } from '../../../src/shared/progress';
import { dense, temporaryDirectory, writeSequentialModel, writeTeacherData } from '../../helpers/model-writer';

const SETTINGS: MeasureSettings = { ...DEFAULT_MEASURE_SETTINGS, exactThreshold: 0 };
/** A model of 10,000 parameters and 3 layers; the grouped pass as one stage of 25 products. */
const stages: BudgetInput['stages'] = (settings, intervals) => [
  ...plannedStages(10_000, 3, settings),
  ...(intervals ? [{ name: 'sampling error', maxHvps: 25 }] : []),
];
const base = (hvpSeconds: number, extra: Partial<BudgetInput> = {}): BudgetInput => ({
  budgetSeconds: 60,
  elapsedSeconds: 2,
  hvpSeconds,
  samples: 1024,
  samplesForced: false,
  settings: SETTINGS,
  intervals: true,
  stages,
  ...extra,
});

test('a plan that fits the budget is left alone', () => {
  const plan = planBudget(base(0.01));
  assert.deepEqual(plan.choices, []);
  assert.equal(plan.samples, 1024);
  assert.equal(plan.exceeds, false);
  assert.ok(Math.abs(plan.remainingSeconds - remainingSeconds(stages(SETTINGS, true, 1024), 0.01, 1024, 1024)) < 1e-12);
});

test('over the budget, fewer samples first: the most that fit, in steps of 128', () => {
  const expected = remainingSeconds(stages(SETTINGS, true, 1024), 1, 1, 1); // HVP-equivalents
  const hvpSeconds = 116 / expected; // 1,024 samples would take 116 s after 2 s: 58 s left fit 512 samples
  const plan = planBudget(base(hvpSeconds));
  assert.equal(plan.samples, 512);
  assert.equal(plan.exceeds, false);
  assert.ok(plan.remainingSeconds <= 58);
  assert.match(plan.choices[0], /1,024 samples would take about 118 s, over the time budget of 60 s: analysed 512 of them/);
});

test('at the fewest samples, cheaper estimators follow, each said; a forced count is kept', () => {
  const hvpSeconds = 10;
  const plan = planBudget(base(hvpSeconds));
  assert.equal(plan.samples, MIN_BUDGET_SAMPLES);
  assert.equal(plan.settings.traceMaxSamples, 10);
  assert.equal(plan.intervals, false);
  assert.equal(plan.settings.perLayer, false);
  assert.equal(plan.choices.length, 4);
  assert.equal(plan.exceeds, true);
  const forced = planBudget(base(hvpSeconds, { samplesForced: true }));
  assert.equal(forced.samples, 1024);
  assert.ok(!forced.choices.some((c) => /samples would take/.test(c)));
});

test('an analysis reports its estimate, and a tight budget analyses fewer samples and says so', async () => {
  const dir = temporaryDirectory();
  const model = writeSequentialModel(join(dir, 'mlp'), [20], [dense(16, 20, 'relu'), dense(4, 16, 'softmax')], {
    loss: 'sparse_categorical_crossentropy',
  });
  const data = join(dir, 'data.json');
  writeTeacherData(data, 1024, 20, 4);
  const free = await analyze({ model: model.modelPath, data, settings: { exactThreshold: 0 }, budgetSeconds: null });
  assert.ok(free.estimate && free.estimate.seconds > 0 && free.estimate.peakBytes > 2 ** 20 && free.estimate.hvpSeconds > 0);
  assert.equal(free.data.sampleCount, 1024);
  // A budget far below what one HVP costs: the fewest samples, then every cheaper setting.
  const warnings: Problem[] = [];
  const tight = await analyze(
    { model: model.modelPath, data, settings: { exactThreshold: 0 }, budgetSeconds: 1e-3 },
    { onWarning: (p) => warnings.push(p) },
  );
  assert.equal(tight.data.sampleCount, MIN_BUDGET_SAMPLES);
  assert.equal(tight.sampling, null);
  assert.equal(tight.perLayer.length, 0);
  assert.ok(warnings.some((w) => w.code === 'budget-choice' && /analysed 256 of them/.test(w.message)));
  assert.ok(warnings.some((w) => w.code === 'over-budget'));
  assert.deepEqual(
    tight.warnings.filter((w) => w.code === 'budget-choice').map((w) => w.message),
    tight.estimate!.choices,
  );
});

test("intervals 'auto' keeps or skips the grouped pass by its measured share of the analysis, and says why when it skips", async () => {
  const dir = temporaryDirectory();
  const model = writeSequentialModel(join(dir, 'mlp'), [12], [dense(8, 12, 'relu'), dense(3, 8, 'softmax')], {
    loss: 'sparse_categorical_crossentropy',
  });
  const data = join(dir, 'data.json');
  writeTeacherData(data, 256, 12, 3);
  const request = { model: model.modelPath, data, settings: { exactThreshold: 0 }, budgetSeconds: null, intervals: 'auto' as const };
  // Any share is at most 1: kept, with the same intervals as asking for them.
  const kept = await analyze({ ...request, intervalsAuto: { maxShare: 1, freeSeconds: 0 } });
  const on = await analyze({ ...request, intervals: true });
  assert.ok(kept.sampling && on.sampling);
  assert.deepEqual(kept.sampling.measures, on.sampling.measures);
  assert.ok(!kept.warnings.some((w) => w.code === 'intervals-skipped'));
  // No share is at most 0: skipped after the first three grouped passes, and the warning says what they would have cost.
  const warnings: Problem[] = [];
  const skipped = await analyze({ ...request, intervalsAuto: { maxShare: 0, freeSeconds: 0 } }, { onWarning: (p) => warnings.push(p) });
  assert.equal(skipped.sampling, null);
  const [note] = skipped.warnings.filter((w) => w.code === 'intervals-skipped');
  assert.ok(note, JSON.stringify(skipped.warnings));
  assert.match(
    note.message,
    /would have taken about .+, \d+% of the analysis, and intervals "auto" computes them when they take at most 0% or \d+ s/,
  );
  assert.deepEqual(note.option, { name: 'intervals', action: 'turn-on' });
  assert.ok(
    warnings.some((w) => w.code === note.code && w.message === note.message),
    'said when decided',
  );
  // The three grouped passes were done and counted (the report's cost counts the loss-and-gradient
  // pass, the sampling section's HVPs do not); the numbers themselves are those of the full run.
  assert.equal(skipped.cost.hvpCount, on.cost.hvpCount - on.sampling.hvpCount - 1 + 3);
  assert.deepEqual(skipped.invariant.topEigenvalues, on.invariant.topEigenvalues);
  // A pass projected under the free seconds is kept whatever its share.
  const free = await analyze({ ...request, intervalsAuto: { maxShare: 0, freeSeconds: 3600 } });
  assert.deepEqual(free.sampling?.measures, on.sampling.measures);
  // The default is 'auto': either the intervals or the note, never both, never neither.
  const byDefault = await analyze({ model: model.modelPath, data, settings: { exactThreshold: 0 }, budgetSeconds: null });
  assert.notEqual(byDefault.sampling === null, !byDefault.warnings.some((w) => w.code === 'intervals-skipped'));
});

test('the products timed for the estimate are the first step of both Lanczos runs and the first trace probe: none is spent twice', async () => {
  const dir = temporaryDirectory();
  const model = writeSequentialModel(join(dir, 'mlp'), [16], [dense(12, 16, 'relu'), dense(3, 12, 'softmax')], {
    loss: 'sparse_categorical_crossentropy',
  });
  const data = join(dir, 'data.json');
  writeTeacherData(data, 256, 16, 3);
  const events: ProgressEvent[] = [];
  const report = await analyze(
    { model: model.modelPath, data, settings: { exactThreshold: 0 }, budgetSeconds: null, intervals: false },
    { onProgress: (e) => events.push(e) },
  );
  assert.equal(report.method, 'iterative');
  assert.equal(report.cost.stages.find((s) => s.name === 'loss and gradient')!.hvpCount, 3);
  // The first iteration of each run reports no product beyond those its stage began with.
  for (const [stage, first] of [
    ['invariant spectrum', /^λ₁\(DHD\)/],
    ['Euclidean spectrum', /^λ₁\(H\)/],
    ['traces', /^tr\(H\)/],
  ] as const) {
    const begun = events.find((e) => e.stage === stage)!;
    const step = events.find((e) => e.stage === stage && e.iteration === 1 && first.test(e.detail ?? ''));
    assert.ok(step, `${stage}: a first iteration`);
    assert.equal(step.hvpCount, begun.hvpCount, `${stage}: its first product was already taken`);
  }
  // The second trace (D H D) has no product taken for it: its first probe costs one.
  const dhd = events.filter((e) => e.stage === 'traces' && /^tr\(DHD\)/.test(e.detail ?? ''));
  assert.equal(dhd[0].hvpCount, events.filter((e) => e.stage === 'traces' && /^tr\(H\)/.test(e.detail ?? '')).at(-1)!.hvpCount + 1);
});
