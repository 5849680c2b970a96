// What a run shows: its report once done, else the results its finished stages streamed, the latest
// of each kind winning, layers in the order they came.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PartialResult } from '../../../src/shared/progress.ts';
import type { RunState } from '../../../src/shared/protocol.ts';
import { partialResults, reportResults, runResults } from '../../../webview/view-model/results.ts';
import { mlp, mlpMedium } from './fixtures.ts';

const { model, data, backend, threads, loss, accuracy, gradientNorm } = mlpMedium;
const evaluation: PartialResult = { kind: 'evaluation', model, data, backend, threads, loss, accuracy, gradientNorm };

test('a report gives every result, as the report has it', () => {
  const results = reportResults(mlp);
  assert.equal(results.report, mlp);
  assert.equal(results.evaluation?.loss, mlp.loss);
  assert.equal(results.evaluation?.backendNote, mlp.backendNote);
  assert.equal(results.eigenpairs.invariant, mlp.invariant.eigenpairs);
  assert.deepEqual(results.traces.euclidean, { trace: mlp.euclidean.trace, standardError: mlp.euclidean.traceStandardError });
  assert.equal(results.perLayer, mlp.perLayer);
});

test('partial results: the latest of each kind, layers in arrival order', () => {
  const [first, second] = mlpMedium.perLayer;
  const updated = { ...first, invariantSharpness: 1 };
  const results = partialResults([
    evaluation,
    { kind: 'trace', operator: 'invariant', trace: 10, standardError: 2 },
    { kind: 'layer', layer: first },
    { kind: 'layer', layer: second },
    { kind: 'trace', operator: 'invariant', trace: 12, standardError: 1 },
    { kind: 'layer', layer: updated },
  ])!;
  assert.equal(results.report, null);
  assert.equal(results.evaluation?.gradientNorm, gradientNorm);
  assert.equal(results.evaluation?.model, model);
  assert.deepEqual(results.traces.invariant, { trace: 12, standardError: 1 });
  assert.equal(results.traces.euclidean, null);
  assert.equal(results.eigenpairs.euclidean, null);
  assert.deepEqual(results.perLayer, [updated, second]);
  assert.equal(partialResults([]), null);
});

test('a run: its report wins over its partials; nothing yet is null', () => {
  const run: RunState = {
    role: 'main',
    modelPath: 'm',
    label: 'm',
    progress: null,
    partials: [evaluation],
    report: null,
    error: null,
    rescaling: null,
  };
  assert.equal(runResults(run)?.evaluation?.loss, loss);
  assert.equal(runResults({ ...run, report: mlp })?.report, mlp);
  assert.equal(runResults({ ...run, partials: undefined }), null);
  assert.equal(runResults(null), null);
});
