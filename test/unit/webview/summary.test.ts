// The Summary tab's items: the report's numbers with their raw values, convergence shown with the
// value, and progress as a fraction over all stages.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { partialResults, reportResults } from '../../../webview/view-model/results.ts';
import {
  headlineItems,
  modelLayerRows,
  PENDING,
  progressView,
  runItems,
  warningTexts,
  type SummaryItem,
} from '../../../webview/view-model/summary.ts';
import { formatInterval } from '../../../src/shared/report-format.ts';
import { mlp, mlpMedium, mlpRescaled } from './fixtures.ts';

const byKey = (items: SummaryItem[], key: string) => items.find((i) => i.key === key)!;

test('headline measures carry the report’s raw numbers', () => {
  const items = headlineItems(reportResults(mlp));
  assert.equal(byKey(items, 'invariant-sharpness').value, mlp.invariant.sharpness);
  assert.equal(byKey(items, 'euclidean-sharpness').value, mlp.euclidean.topEigenvalues[0]);
  assert.equal(byKey(items, 'gradient-norm').value, mlp.gradientNorm);
  assert.equal(byKey(items, 'accuracy').text, '93.75%');
  assert.equal(byKey(items, 'parameters').text, '107');
  assert.ok(items.every((i) => i.qualifier === null));
});

test('a λ_max that did not converge is qualified where it is shown', () => {
  const items = headlineItems(reportResults(mlpMedium));
  assert.match(byKey(items, 'invariant-sharpness').qualifier!, /^not converged, residual /);
  assert.match(byKey(items, 'euclidean-sharpness').qualifier!, /^not converged, residual /);
  assert.match(byKey(items, 'invariant-trace').text, / ± /);
});

test('how the run was made: backend, method, cost, data, loss and its source, rescaling', () => {
  const items = runItems(reportResults(mlpMedium));
  assert.equal(byKey(items, 'backend').text, mlpMedium.backend);
  assert.match(byKey(items, 'method').text, /Lanczos/);
  assert.match(byKey(items, 'cost').text, new RegExp(`^${mlpMedium.cost.hvpCount} HVPs in `));
  assert.equal(byKey(items, 'data').text, mlpMedium.data.path);
  assert.equal(byKey(items, 'loss-function').text, "categorical_crossentropy, from the model's training config");
  assert.equal(
    items.find((i) => i.key === 'rescaling'),
    undefined,
  );
  const rescaled = byKey(runItems(reportResults(mlpRescaled)), 'rescaling');
  assert.equal(rescaled.value, mlpRescaled.rescaling!.maxOutputDifference);
  assert.equal(rescaled.text, 'layer-wise factors 5, 4, 0.05');
});

test('while running: what the finished stages gave, the rest marked as computing', () => {
  const { model, data, backend, threads, loss, accuracy, gradientNorm } = mlpMedium;
  const soFar = partialResults([
    { kind: 'evaluation', model, data, backend, threads, loss, accuracy, gradientNorm },
    { kind: 'spectrum', operator: 'euclidean', eigenpairs: mlpMedium.euclidean.eigenpairs },
  ])!;
  const items = headlineItems(soFar);
  assert.equal(byKey(items, 'loss').value, loss);
  assert.equal(byKey(items, 'euclidean-sharpness').value, mlpMedium.euclidean.topEigenvalues[0]);
  assert.match(byKey(items, 'euclidean-sharpness').qualifier!, /not converged/);
  assert.equal(byKey(items, 'invariant-sharpness').text, PENDING);
  assert.equal(byKey(items, 'invariant-sharpness').value, null);
  assert.equal(byKey(items, 'euclidean-trace').text, PENDING);
  const facts = runItems(soFar).map((i) => i.key);
  assert.deepEqual(facts, ['backend', 'threads', 'data', 'samples', 'loss-function', 'model'], 'no method or cost before the report');
  assert.deepEqual(
    runItems(reportResults(mlpMedium)).map((i) => i.key),
    ['backend', 'threads', 'method', 'cost', 'data', 'samples', 'loss-function', 'model', 'sampling', 'estimate'],
  );
});

test('each headline number carries its sampling interval and its convergence with samples, from the report', () => {
  const items = headlineItems(reportResults(mlpMedium));
  const sampling = mlpMedium.sampling!;
  const invariant = byKey(items, 'invariant-sharpness');
  assert.equal(invariant.interval, `95% over samples: ${formatInterval(sampling.measures.invariantSharpness)}`);
  assert.deepEqual(invariant.curve, sampling.convergence.invariantSharpness);
  assert.equal(invariant.curve!.at(-1)!.samples, mlpMedium.data.sampleCount);
  assert.deepEqual(byKey(items, 'euclidean-trace').curve, sampling.convergence.euclideanTrace);
  assert.match(byKey(items, 'gradient-norm').interval!, /^95% over samples: \[/);
  assert.equal(byKey(items, 'accuracy').interval, undefined);
  // While running there is no interval yet.
  const { model, data, backend, threads, loss, accuracy, gradientNorm } = mlpMedium;
  const soFar = partialResults([{ kind: 'evaluation', model, data, backend, threads, loss, accuracy, gradientNorm }])!;
  assert.ok(headlineItems(soFar).every((i) => !i.interval));
  const facts = runItems(reportResults(mlpMedium));
  assert.match(byKey(facts, 'sampling').text, new RegExp(`from ${sampling.groups} random groups`));
  assert.match(byKey(facts, 'estimate').text, /^about \d+ s, \d+ MB$/);
});

test('the progress shows the estimate of the whole analysis once it is made', () => {
  const base = {
    stage: 'traces',
    stageIndex: 4,
    stageCount: 6,
    iteration: 3,
    maxIterations: 60,
    detail: null,
    hvpCount: 50,
    elapsedSeconds: 12,
    etaSeconds: 28,
  };
  assert.equal(progressView(base).time, '12 s elapsed, about 28 s left, 50 HVPs');
  assert.equal(
    progressView({ ...base, estimate: { seconds: 40, peakBytes: 600 * 2 ** 20 } }).time,
    '12 s elapsed, about 28 s left (of about 40 s, 600 MB), 50 HVPs',
  );
});

test('the model’s layers with shapes and homogeneity', () => {
  const rows = modelLayerRows(mlp.model);
  assert.deepEqual(
    rows.map((r) => r.name),
    mlp.model.layers.map((l) => l.name),
  );
  assert.equal(rows[0].weights, 'kernel [8 × 6], bias [6]');
  assert.equal(rows[0].homogeneityText, 'yes');
  assert.equal(rows[2].homogeneityText, 'no (activation softmax)');
});

test('progress: stage, iterations, time left, fraction over all stages', () => {
  const view = progressView({
    stage: 'Lanczos on D H D',
    stageIndex: 3,
    stageCount: 4,
    iteration: 10,
    maxIterations: 40,
    detail: 'λ₁ ≈ 58.2',
    hvpCount: 1234,
    elapsedSeconds: 12.3,
    etaSeconds: 41,
  });
  assert.equal(view.stage, 'Stage 3 of 4: Lanczos on D H D');
  assert.equal(view.iteration, 'iteration 10 of at most 40');
  assert.equal(view.time, '12 s elapsed, about 41 s left, 1,234 HVPs');
  assert.equal(view.fraction, (2 + 0.25) / 4);
  const early = progressView({
    stage: 'loading',
    stageIndex: 1,
    stageCount: 4,
    iteration: null,
    maxIterations: null,
    detail: null,
    hvpCount: 0,
    elapsedSeconds: 0.2,
    etaSeconds: null,
  });
  assert.equal(early.fraction, 0);
  assert.equal(early.iteration, null);
  assert.match(early.time, /estimating time left/);
});

test('warnings and the loss source name options as VS Code settings, never as CLI flags', () => {
  const report = structuredClone(mlpMedium);
  report.warnings = [
    {
      code: 'uncertain-trace',
      message: 'the tr(H) estimate is uncertain (± 14% after 30 samples)',
      option: { name: 'traceSamples', action: 'raise' },
    },
    {
      code: 'regularizers-excluded',
      message: 'the model has weight regularizers (d/kernel); they are excluded',
      option: { name: 'includeRegularizers', action: 'include' },
    },
    ...mlpMedium.warnings,
  ];
  const texts = warningTexts(report);
  assert.equal(
    texts[0],
    'the tr(H) estimate is uncertain (± 14% after 30 samples) (raise it with the setting sharpnessLens.traceSamples or "traceSamples" in the model\'s .sharpness.json sidecar)',
  );
  assert.match(
    texts[1],
    /they are excluded \(the setting sharpnessLens\.includeRegularizers or "includeRegularizers" in .* includes them\)$/,
  );
  assert.deepEqual(
    texts.slice(2),
    mlpMedium.warnings.map((w) => w.message),
  );
  report.data.lossSource = 'option';
  const loss = byKey(runItems(reportResults(report)), 'loss-function');
  assert.match(loss.text, /chosen with the setting sharpnessLens\.loss/);
  for (const text of [...texts, loss.text]) assert.doesNotMatch(text, /--[a-z]/);
});
