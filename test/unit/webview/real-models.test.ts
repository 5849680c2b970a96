// The Per layer and Summary tabs on the models people have (CLI reports of corpus models): nested
// layers by their full path in the table and the details, by a short distinguishing ending under the
// bars; a Bidirectional LSTM as one block whose weights say forward/… and backward/…; a frozen layer
// listed and marked, without numbers; BatchNormalization statistics not mistaken for frozen weights.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chartLabels, frozenParameterCount, MAX_CHART_LABEL, weightLabel, weightStatus } from '../../../webview/view-model/layers.ts';
import { layerDetails, layerTableRows, perLayerRows } from '../../../webview/view-model/per-layer.ts';
import { reportResults } from '../../../webview/view-model/results.ts';
import { headlineItems, modelLayerRows } from '../../../webview/view-model/summary.ts';
import { bidirectional, copy, frozenBase, mlp, tmNested } from './fixtures.ts';

test('nested layers keep their full path in the rows; the chart labels are the shortest ending that tells them apart', () => {
  const rows = perLayerRows(tmNested);
  assert.deepEqual(
    rows.map((r) => r.name),
    tmNested.perLayer.map((l) => l.name),
  );
  assert.ok(rows.every((r) => r.name.startsWith('sequential_1/model2/') || r.name.startsWith('sequential_3/')));
  assert.deepEqual(
    rows.map((r) => r.chartLabel),
    [
      'Conv1',
      'bn_Conv1',
      'expanded_conv_depthwise',
      'expanded_con…epthwise_BN',
      'expanded_conv_project',
      'expanded_conv_project_BN',
      'dense_Dense1',
      'dense_Dense2',
    ],
  );
  assert.ok(rows.every((r) => r.chartLabel.length <= MAX_CHART_LABEL));
  // Each row's numbers are the report's, at full precision.
  rows.forEach((row, i) => assert.equal(row.cells[0].value, tmNested.perLayer[i].invariantSharpness));
});

test('chart labels grow by whole segments until unique, and flat names stay as they are', () => {
  assert.deepEqual(chartLabels(['a/block/dense', 'b/block/dense', 'b/head']), ['a/block/dense', 'b/block/dense', 'head']);
  assert.deepEqual(chartLabels(['x/dense', 'dense']), ['x/dense', 'dense']);
  const flat = mlp.perLayer.map((l) => l.name);
  assert.deepEqual(chartLabels(flat), flat);
});

test('a Bidirectional LSTM is one block of the report, its weights named forward/… and backward/…', () => {
  const [row] = perLayerRows(bidirectional);
  const layer = bidirectional.model.layers.find((l) => l.className === 'Bidirectional')!;
  assert.equal(row.name, layer.name);
  // The report groups every weight of the layer into its one per-layer entry.
  assert.equal(
    row.parameterCount,
    layer.weights.reduce((sum, w) => sum + w.shape.reduce((a, b) => a * b, 1), 0),
  );
  const details = layerDetails(bidirectional, layer.name)!;
  assert.deepEqual(
    details.weights.map((w) => w.label),
    ['forward/kernel', 'forward/recurrent_kernel', 'forward/bias', 'backward/kernel', 'backward/recurrent_kernel', 'backward/bias'],
  );
  assert.deepEqual(
    details.weights.map((w) => w.manifestName),
    layer.weights.map((w) => w.name),
  );
  assert.match(details.weights[0].manifestName, /^bidirectional\/forward_lstm\/lstm_cell\/kernel$/);
  const summary = modelLayerRows(bidirectional.model).find((r) => r.name === layer.name)!;
  assert.equal(
    summary.weights,
    'forward/kernel [3 × 8], forward/recurrent_kernel [2 × 8], forward/bias [8], backward/kernel [3 × 8], backward/recurrent_kernel [2 × 8], backward/bias [8]',
  );
});

test('a frozen layer is a row of its own in model order, marked frozen with its parameters and no numbers', () => {
  const rows = layerTableRows(frozenBase);
  assert.deepEqual(
    rows.map((r) => [r.kind, r.row.name]),
    [
      ['frozen', 'base/dense'],
      ['measured', 'dense_1'],
      ['measured', 'dense_2'],
    ],
  );
  const frozen = rows[0];
  assert.ok(frozen.kind === 'frozen');
  assert.equal(frozen.row.frozenParameterCount, frozenBase.model.frozenParameterCount);
  assert.equal(frozen.row.frozenParameterCount, 56);
  assert.ok(!('cells' in frozen.row), 'a frozen layer has no per-layer numbers');
  assert.ok(!perLayerRows(frozenBase).some((r) => r.name === 'base/dense'), 'and no bars');
  const details = layerDetails(frozenBase, 'base/dense')!;
  assert.equal(details.sharpness, null);
  assert.equal(details.frozenParameterCount, 56);
  assert.deepEqual(
    details.weights.map((w) => [w.label, w.status]),
    [
      ['kernel', 'frozen'],
      ['bias', 'frozen'],
    ],
  );
});

test('while running, frozen layers are listed from the start and measured ones as they stream in', () => {
  const rows = layerTableRows({ model: frozenBase.model, perLayer: frozenBase.perLayer.slice(0, 1) });
  assert.deepEqual(
    rows.map((r) => [r.kind, r.row.name]),
    [
      ['frozen', 'base/dense'],
      ['measured', 'dense_1'],
    ],
  );
});

test('BatchNormalization statistics are not trainable but are not frozen parameters either', () => {
  const bn = tmNested.model.layers.find((l) => l.name === 'sequential_1/model2/bn_Conv1')!;
  assert.deepEqual(
    bn.weights.map((w) => [weightLabel(w), weightStatus(w)]),
    [
      ['gamma', 'trainable'],
      ['beta', 'trainable'],
      ['moving_mean', 'statistic'],
      ['moving_variance', 'statistic'],
    ],
  );
  assert.equal(frozenParameterCount(bn), 0);
  assert.ok(!layerTableRows(tmNested).some((r) => r.kind === 'frozen'));
  assert.equal(
    modelLayerRows(tmNested.model).find((r) => r.name === bn.name)!.weights,
    'gamma [4], beta [4], moving_mean [4] (statistic), moving_variance [4] (statistic)',
  );
  // A report without roles (written before they were added) names weights by their manifest name's end.
  const old = copy(tmNested);
  for (const layer of old.model.layers) for (const w of layer.weights) delete w.role;
  assert.deepEqual(
    old.model.layers.find((l) => l.name === bn.name)!.weights.map((w) => [weightLabel(w), weightStatus(w)]),
    bn.weights.map((w) => [weightLabel(w), weightStatus(w)]),
  );
});

test('the Summary counts the frozen parameters, in the headline and in the layer table', () => {
  const parameters = headlineItems(reportResults(frozenBase)).find((i) => i.key === 'parameters')!;
  assert.equal(parameters.value, frozenBase.model.parameterCount);
  assert.equal(parameters.text, '63');
  assert.equal(parameters.hint, '3 layers; 56 more frozen (trainable: false), not analysed');
  const [base, head] = modelLayerRows(frozenBase.model);
  assert.deepEqual(
    [base.name, base.parameterCount, base.frozenParameterCount, base.weights],
    ['base/dense', 0, 56, 'kernel [6 × 8] (frozen), bias [8] (frozen)'],
  );
  assert.equal(head.frozenParameterCount, 0);
  // Nothing frozen, nothing said; a report without the count (older) reads as none.
  assert.equal(headlineItems(reportResults(tmNested)).find((i) => i.key === 'parameters')!.hint, '13 layers');
  const old = copy(mlp) as Partial<typeof mlp> & typeof mlp;
  delete (old.model as Partial<typeof mlp.model>).frozenParameterCount;
  assert.equal(headlineItems(reportResults(old)).find((i) => i.key === 'parameters')!.hint, '3 layers');
});
