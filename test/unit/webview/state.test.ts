// How host messages change the panel's state: a new object each time (the views rebuild by reference),
// the right run changed, nothing else, and stray or malformed messages ignored.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PanelState, RunState } from '../../../src/shared/protocol.ts';
import type { ProgressEvent } from '../../../src/shared/progress.ts';
import {
  applyHostMessage,
  comparedRuns,
  isHostToPanel,
  isPanelState,
  isRunning,
  labelledReports,
  primaryRun,
  rescaledRun,
  reportKey,
  runContentKey,
  scaleLinksOf,
} from '../../../webview/view-model/state.ts';
import { mlp, mlpMedium, mlpRescaled } from './fixtures.ts';

const run = (role: RunState['role'], modelPath: string, extra: Partial<RunState> = {}): RunState => ({
  role,
  modelPath,
  label: modelPath,
  progress: null,
  report: null,
  error: null,
  rescaling: null,
  ...extra,
});
const progress: ProgressEvent = {
  stage: 'Lanczos on H',
  stageIndex: 2,
  stageCount: 5,
  iteration: 3,
  maxIterations: 40,
  detail: null,
  hvpCount: 12,
  elapsedSeconds: 1.5,
  etaSeconds: 20,
};
const state: PanelState = {
  modelPath: 'a/model.json',
  title: 'a',
  runs: [
    run('main', 'a/model.json', { report: mlp }),
    run('rescaled', 'a/model.json'),
    run('compare', 'b/model.json', { report: mlpMedium }),
  ],
};

test('progress, report and error change only their run, in a new state', () => {
  const withProgress = applyHostMessage(state, { type: 'progress', runIndex: 1, event: progress });
  assert.notEqual(withProgress, state);
  assert.equal(withProgress.runs[1].progress, progress);
  assert.equal(withProgress.runs[0], state.runs[0]);
  assert.equal(state.runs[1].progress, null);

  const streaming: PanelState = {
    ...withProgress,
    runs: withProgress.runs.map((r, i) => (i === 1 ? { ...r, partials: [{ kind: 'layer', layer: mlpRescaled.perLayer[0] }] } : r)),
  };
  const withReport = applyHostMessage(streaming, { type: 'report', runIndex: 1, report: mlpRescaled });
  assert.equal(withReport.runs[1].report, mlpRescaled);
  assert.equal(withReport.runs[1].progress, null, 'a report ends the progress');
  assert.deepEqual(withReport.runs[1].partials, [], 'and replaces the partial results');

  const failed = applyHostMessage(withProgress, { type: 'error', runIndex: 1, message: 'model.json: bad' });
  assert.equal(failed.runs[1].error, 'model.json: bad');
  assert.equal(failed.runs[1].progress, null);
  assert.equal(applyHostMessage(failed, { type: 'progress', runIndex: 1, event: progress }).runs[1].error, null);
});

test('a state message replaces everything; theme and out-of-range runs change nothing', () => {
  const next: PanelState = { ...state, runs: [] };
  assert.equal(applyHostMessage(state, { type: 'state', state: next }), next);
  assert.equal(applyHostMessage(state, { type: 'theme' }), state);
  assert.equal(applyHostMessage(state, { type: 'report', runIndex: 3, report: mlp }), state);
  assert.equal(applyHostMessage(state, { type: 'progress', runIndex: -1, event: progress }), state);
});

test('message and state shapes are checked before use', () => {
  assert.equal(isPanelState(state), true);
  assert.equal(isPanelState(JSON.parse(JSON.stringify({ ...state, view: { tab: 'summary' } }))), true);
  assert.equal(isPanelState(null), false);
  assert.equal(isPanelState({ ...state, runs: 'no' }), false);
  assert.equal(isPanelState({ ...state, title: 1 }), false);
  assert.equal(isHostToPanel({ type: 'report', runIndex: 0, report: mlp }), true);
  assert.equal(isHostToPanel({ type: 'theme' }), true);
  assert.equal(isHostToPanel({ type: 'report', runIndex: '0', report: mlp }), false);
  assert.equal(isHostToPanel({ type: 'state', state: {} }), false);
  assert.equal(isHostToPanel({ type: 'unknown' }), false);
  assert.equal(isHostToPanel('theme'), false);
});

test('which run each tab shows', () => {
  assert.equal(primaryRun(state)?.index, 0);
  assert.equal(primaryRun({ ...state, runs: [state.runs[2]] })?.index, 0, 'no main run: the first');
  assert.equal(primaryRun({ ...state, runs: [] }), null);
  assert.equal(rescaledRun(state)?.index, 1);
  assert.equal(rescaledRun({ ...state, runs: [state.runs[0]] }), null);
  assert.deepEqual(
    comparedRuns(state).map((r) => r.index),
    [0, 2],
  );
  const sameModel = { ...state, runs: [...state.runs, run('compare', 'a/model.json', { report: mlp })] };
  assert.deepEqual(
    comparedRuns(sameModel).map((r) => r.index),
    [2, 3],
    'the main model is not listed twice',
  );
  assert.deepEqual(
    labelledReports(comparedRuns(state)).map((r) => r.report),
    [mlp, mlpMedium],
  );
});

test('running: progress has come, or the run has neither a report nor an error yet', () => {
  assert.equal(isRunning(run('main', 'x', { progress })), true);
  assert.equal(isRunning(run('main', 'x')), true);
  assert.equal(isRunning(run('main', 'x', { report: mlp })), false);
  assert.equal(isRunning(run('main', 'x', { error: 'failed', progress })), false);
  assert.equal(isRunning(run('main', 'x', { cancelled: true })), false, 'a cancelled run is not running');
  assert.equal(isRunning(null), false);
});

test('the rescaling form’s links: the engine’s, from the main report or its first stage result, else unknown', () => {
  assert.deepEqual(scaleLinksOf(state), mlp.model.symmetries.scaleLinks);
  assert.equal(scaleLinksOf({ ...state, runs: [] }), null);
  const evaluation = {
    kind: 'evaluation' as const,
    model: mlpMedium.model,
    data: mlpMedium.data,
    backend: mlpMedium.backend,
    threads: 1,
    loss: mlpMedium.loss,
    accuracy: mlpMedium.accuracy,
    gradientNorm: mlpMedium.gradientNorm,
  };
  const streaming = { ...state, runs: [run('main', 'a/model.json', { partials: [evaluation] })] };
  assert.deepEqual(scaleLinksOf(streaming), mlpMedium.model.symmetries.scaleLinks, 'before the report: the first stage’s');
  assert.equal(scaleLinksOf({ ...state, runs: [state.runs[2]] }), null, 'another model’s report is not this one’s');
});

test('content keys: equal content in new objects gives the same key, new results a new one', () => {
  const clone = JSON.parse(JSON.stringify(state.runs[0])) as RunState;
  assert.equal(runContentKey(clone), runContentKey(state.runs[0]));
  assert.notEqual(reportKey(mlp), reportKey(mlpRescaled));
  assert.equal(reportKey(null), '');
  const partial = run('main', 'a', { partials: [{ kind: 'layer', layer: mlp.perLayer[0] }] });
  const more = run('main', 'a', {
    partials: [
      { kind: 'layer', layer: mlp.perLayer[0] },
      { kind: 'layer', layer: mlp.perLayer[1] },
    ],
  });
  assert.notEqual(runContentKey(partial), runContentKey(more));
  assert.notEqual(runContentKey(partial), runContentKey({ ...partial, report: mlp }));
  assert.equal(runContentKey({ ...partial, progress }), runContentKey(partial), 'progress alone changes nothing shown');
});
