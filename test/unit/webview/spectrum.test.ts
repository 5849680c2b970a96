// The Spectrum tab: the top-k eigenvalues with their convergence, values a log axis cannot draw kept
// in the table, and the density with a floor so underflowing grid points do not stretch the axis.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { partialResults, reportResults } from '../../../webview/view-model/results.ts';
import {
  densityDescription,
  densitySeries,
  DENSITY_DYNAMIC_RANGE,
  eigenDescription,
  spectrumRows,
  spectrumSeries,
  type EigenSeries,
} from '../../../webview/view-model/spectrum.ts';
import type { Report } from '../../../src/shared/report.ts';
import { copy, mlp, mlpMedium } from './fixtures.ts';

/** Both operators' series of a finished report (both present). */
function series(report: Report): { euclidean: EigenSeries; invariant: EigenSeries } {
  const s = spectrumSeries(reportResults(report));
  return { euclidean: s.euclidean!, invariant: s.invariant! };
}

test('the top eigenvalues of both operators, as the report has them', () => {
  const { euclidean, invariant } = series(mlp);
  assert.deepEqual(euclidean.values, mlp.euclidean.topEigenvalues);
  assert.deepEqual(invariant.values, mlp.invariant.topEigenvalues);
  assert.deepEqual(euclidean.labels, ['λ1', 'λ2', 'λ3', 'λ4', 'λ5']);
  assert.deepEqual(invariant.plotted, mlp.invariant.topEigenvalues);
  assert.equal(euclidean.convergedCount, 5);
  assert.equal(euclidean.minEigenvalue, mlp.euclidean.minEigenvalue);
  assert.match(eigenDescription(invariant), /all converged/);
});

test('non-converged eigenvalues say so, with their residuals, in rows and in the chart description', () => {
  const medium = series(mlpMedium);
  assert.equal(medium.invariant.convergedCount, 0);
  const rows = spectrumRows(medium);
  assert.equal(rows.length, 5);
  assert.equal(rows[0].invariant, mlpMedium.invariant.eigenpairs[0]);
  assert.match(rows[0].invariantText, /^2,233 \(not converged, residual 1[12]\d\)$/);
  assert.match(eigenDescription(medium.euclidean), /5 of 5 not converged/);
  assert.match(medium.euclidean.trace!, / ± /);
});

test('eigenvalues ≤ 0 are gaps on the log axis, counted and described', () => {
  const negative = copy(mlp);
  negative.euclidean.eigenpairs[4].value = -0.5;
  const euclidean = series(negative).euclidean;
  assert.equal(euclidean.plotted[4], null);
  assert.equal(euclidean.values[4], -0.5);
  assert.equal(euclidean.hiddenCount, 1);
  assert.match(eigenDescription(euclidean), /1 value\(s\) ≤ 0 not drawn/);
});

test('reports with only the values still show them, as converged (exact)', () => {
  const bare = copy(mlp);
  bare.invariant.eigenpairs = [];
  const invariant = series(bare).invariant;
  assert.deepEqual(invariant.values, mlp.invariant.topEigenvalues);
  assert.equal(invariant.convergedCount, 5);
});

test('while running: the operators whose stage finished, the other null; traces once estimated', () => {
  const soFar = spectrumSeries(partialResults([{ kind: 'spectrum', operator: 'euclidean', eigenpairs: mlpMedium.euclidean.eigenpairs }])!);
  assert.equal(soFar.invariant, null);
  assert.deepEqual(soFar.euclidean!.values, mlpMedium.euclidean.topEigenvalues);
  assert.equal(soFar.euclidean!.trace, null);
  assert.equal(soFar.euclidean!.minEigenvalue, null);
  const rows = spectrumRows(soFar);
  assert.equal(rows.length, 5);
  assert.equal(rows[0].invariantText, '—');
});

test('density: every grid point, a floor below the peak, values under it drawn on it', () => {
  const density = mlpMedium.density!.invariant;
  const series = densitySeries('invariant', density);
  assert.equal(series.points.length, density.x.length);
  const peak = Math.max(...density.y);
  assert.equal(series.peak!.y, peak);
  assert.equal(series.yMin, peak * DENSITY_DYNAMIC_RANGE);
  assert.equal(series.plotted.length, density.x.length);
  assert.ok(series.plotted.every((p, i) => p.x === density.x[i] && p.y === Math.max(density.y[i], series.yMin!)));
  assert.deepEqual(series.xRange, [Math.min(...density.x), Math.max(...density.x)]);
  assert.match(densityDescription(series), /spectral density of D H D over eigenvalues/);
  const empty = densitySeries('euclidean', { x: [], y: [] });
  assert.equal(empty.yMin, null);
  assert.match(densityDescription(empty), /no points/);
  assert.equal(mlp.density, null);
});
