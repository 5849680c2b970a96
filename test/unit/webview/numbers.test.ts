// Numbers as the panel shows them: the CLI's formatting, and whatever makes a value uncertain (no
// convergence, a standard error) always in its text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  formatConverged,
  formatEigenpair,
  formatRatio,
  formatSeconds,
  formatShape,
  formatValue,
  formatWithError,
  logAxisValue,
} from '../../../webview/view-model/numbers.ts';
import { mlpMedium } from './fixtures.ts';

test('a non-converged eigenvalue carries "not converged" and its residual', () => {
  const pair = mlpMedium.euclidean.eigenpairs[0];
  assert.equal(formatEigenpair(pair), `${formatValue(pair.value)} (not converged, residual ${formatValue(pair.residual, 2)})`);
  assert.equal(formatEigenpair({ value: 59.21736583643712, residual: 0, converged: true }), '59.22');
  assert.equal(formatEigenpair({ value: 1.5e-7, residual: 1e-9, converged: false }), '1.500e-7 (not converged, residual 1.0e-9)');
  assert.equal(formatConverged(2233.1, false), '2,233 (not converged)');
  assert.equal(formatConverged(2233.1, true), '2,233');
});

test('estimates show their standard error; exact values do not', () => {
  assert.equal(formatWithError(117.49, 7.159), '117.5 ± 7.2');
  assert.equal(formatWithError(117.49, 0), '117.5');
  assert.equal(formatWithError(117.49, Number.NaN), '117.5');
});

test('ratios, durations and shapes', () => {
  assert.equal(formatRatio(1.0000043), '1.000×');
  assert.equal(formatRatio(88.0712), '88.07×');
  assert.equal(formatRatio(0.04), '0.04×');
  assert.equal(formatRatio(2.5e-4), '2.500e-4×');
  assert.equal(formatRatio(null), '—');
  assert.equal(formatSeconds(0.0195), '20 ms');
  assert.equal(formatSeconds(0.67), '0.7 s');
  assert.equal(formatSeconds(41), '41 s');
  assert.equal(formatSeconds(125), '2 min 5 s');
  assert.equal(formatSeconds(7300), '2 h 1 min');
  assert.equal(formatShape([8, 6]), '[8 × 6]');
});

test('only positive finite values go on a log axis', () => {
  assert.equal(logAxisValue(3), 3);
  for (const x of [0, -1, Number.NaN, Infinity, null, undefined]) assert.equal(logAxisValue(x), null);
});
