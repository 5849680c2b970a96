// The Per layer tab's rows and details come straight from the report: same layers, same numbers,
// and a layer whose λ_max did not converge says so in its text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatValue } from '../../../src/shared/report-format.ts';
import { layerDetails, PER_LAYER_COLUMNS, perLayerRows, sharpestLayer } from '../../../webview/view-model/per-layer.ts';
import { copy, mlp, mlpMedium } from './fixtures.ts';

test('one row per layer of the report, in order, with the report’s numbers at full precision', () => {
  const rows = perLayerRows(mlp);
  assert.deepEqual(
    rows.map((r) => r.name),
    mlp.perLayer.map((l) => l.name),
  );
  rows.forEach((row, i) => {
    const layer = mlp.perLayer[i];
    assert.equal(row.parameterCount, layer.parameterCount);
    assert.equal(row.className, 'Dense');
    assert.deepEqual(
      row.cells.map((c) => c.key),
      PER_LAYER_COLUMNS.map((c) => c.key),
    );
    for (const cell of row.cells) assert.equal(cell.value, layer[cell.key]);
    assert.equal(row.cells[0].text, formatValue(layer.invariantSharpness));
  });
  assert.deepEqual(
    rows.map((r) => r.positivelyHomogeneous),
    [true, true, false],
  );
});

test('a λ_max that did not converge says so; an estimated trace shows its standard error', () => {
  const rows = perLayerRows(mlpMedium);
  assert.ok(rows.every((r) => !r.converged));
  for (const row of rows) {
    assert.match(row.cells.find((c) => c.key === 'invariantSharpness')!.text, /not converged/);
    assert.match(row.cells.find((c) => c.key === 'euclideanSharpness')!.text, /not converged/);
    assert.match(row.cells.find((c) => c.key === 'invariantTrace')!.text, / ± /);
  }
  for (const cell of perLayerRows(mlp)[0].cells) assert.doesNotMatch(cell.text, /not converged| ± /);
});

test('layer details: weights, parameter share, homogeneity and the layer’s numbers', () => {
  const d = layerDetails(mlp, 'dense_Dense3')!;
  assert.equal(d.layer.weights.length, 2);
  assert.equal(d.parameterShare, 18 / 107);
  assert.match(d.homogeneity, /^Not positively homogeneous \(activation softmax\)/);
  assert.equal(d.sharpness, mlp.perLayer[2]);
  assert.equal(d.invariantToEuclidean, mlp.perLayer[2].invariantSharpness / mlp.perLayer[2].euclideanSharpness);
  assert.match(layerDetails(mlp, 'dense_Dense1')!.homogeneity, /^Positively homogeneous/);
  assert.equal(layerDetails(mlp, 'no such layer'), null);
});

test('the layer shown first is the one with the largest invariant sharpness', () => {
  assert.equal(sharpestLayer(mlp), 'dense_Dense1');
  const changed = copy(mlp);
  changed.perLayer[1].invariantSharpness = 1e9;
  assert.equal(sharpestLayer(changed), 'dense_Dense2');
  assert.equal(sharpestLayer({ ...mlp, perLayer: [] }), null);
});

test('while running, the rows are the layers finished so far', () => {
  const rows = perLayerRows({ model: mlp.model, perLayer: mlp.perLayer.slice(0, 1) });
  assert.deepEqual(
    rows.map((r) => r.name),
    ['dense_Dense1'],
  );
  assert.equal(rows[0].className, 'Dense');
});
