// Whether two models differ by more than their errors (compare, the demo, the panel's Compare tab):
// the sampling standard errors and the solver errors in quadrature, times 1.96.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Report, SamplingInterval } from '../../../src/shared/report';
import { significance, significanceSentence } from '../../../src/shared/report-format';

const interval = (value: number, standardError: number): SamplingInterval => ({
  value,
  standardError,
  low: value - 2 * standardError,
  high: value + 2 * standardError,
});

function report(path: string, lambda: number, se: number, residual: number): Report {
  return {
    model: { path },
    invariant: { sharpness: lambda, eigenpairs: [{ value: lambda, residual, converged: true }], trace: 10, traceStandardError: 0.1 },
    euclidean: { topEigenvalues: [1], eigenpairs: [{ value: 1, residual: 0, converged: true }], trace: 5, traceStandardError: 0 },
    sampling: {
      measures: {
        invariantSharpness: interval(lambda, se),
        euclideanSharpness: interval(1, 0.1),
        invariantTrace: interval(10, 1),
        euclideanTrace: interval(5, 0.5),
      },
    },
  } as unknown as Report;
}

test('a difference counts when it exceeds 1.96 × √(SE_a² + SE_b² + residual_a² + residual_b²)', () => {
  const a = report('a', 100, 3, 0);
  const b = report('b', 112, 4, 0);
  const s = significance(a, b, 'invariantSharpness')!;
  assert.equal(s.difference, 12);
  assert.ok(Math.abs(s.combinedError - 1.959964 * 5) < 1e-9);
  assert.equal(s.significant, true);
  // Solver residuals widen it: 3, 4 and 12 make √169 = 13, so 12 is no longer enough.
  const c = significance(report('a', 100, 3, 12), b, 'invariantSharpness')!;
  assert.ok(Math.abs(c.combinedError - 1.959964 * 13) < 1e-9);
  assert.equal(c.significant, false);
  assert.equal(
    significanceSentence(c, { a: 'a', b: 'b' }),
    'λ_max(D H D): b − a = +12, not larger than the combined sampling and solver errors (± 25.5 at 95%)',
  );
  // No intervals, no verdict.
  assert.equal(significance({ ...a, sampling: null }, b, 'invariantSharpness'), null);
});
