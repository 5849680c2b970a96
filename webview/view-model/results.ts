/**
 * What a run has to show: its report once it is done, else the results its finished stages streamed
 * (PartialResult), so the Summary, Per layer and Spectrum tabs fill in while the analysis runs.
 */
import type { PartialResult } from '../../src/shared/progress.ts';
import type { RunState } from '../../src/shared/protocol.ts';
import type { Eigenpair, PerLayerSharpness, Report } from '../../src/shared/report.ts';

export type Operator = 'euclidean' | 'invariant';

/** The loss, accuracy and gradient at θ, with the model and data they were computed on. */
export type Evaluation = Omit<Extract<PartialResult, { kind: 'evaluation' }>, 'kind'> & { backendNote?: string | null };

export interface TraceEstimate {
  trace: number;
  /** Standard error of a Hutchinson estimate; 0 when exact. */
  standardError: number;
}

export interface RunResults {
  /** The full report, once the run is done; null while only stages have finished. */
  report: Report | null;
  evaluation: Evaluation | null;
  /** Top eigenpairs per operator, null until that stage finished. */
  eigenpairs: Record<Operator, Eigenpair[] | null>;
  traces: Record<Operator, TraceEstimate | null>;
  perLayer: PerLayerSharpness[];
}

function pairsOf(report: Report, operator: Operator): Eigenpair[] {
  const s = report[operator];
  // Reports with only the values (older or hand-made) are from the exact method: converged.
  return s.eigenpairs?.length === s.topEigenvalues.length
    ? s.eigenpairs
    : s.topEigenvalues.map((value) => ({ value, residual: 0, converged: true }));
}

export function reportResults(report: Report): RunResults {
  return {
    report,
    evaluation: {
      model: report.model,
      data: report.data,
      backend: report.backend,
      backendNote: report.backendNote,
      threads: report.threads,
      loss: report.loss,
      accuracy: report.accuracy,
      gradientNorm: report.gradientNorm,
    },
    eigenpairs: { euclidean: pairsOf(report, 'euclidean'), invariant: pairsOf(report, 'invariant') },
    traces: {
      euclidean: { trace: report.euclidean.trace, standardError: report.euclidean.traceStandardError },
      invariant: { trace: report.invariant.trace, standardError: report.invariant.traceStandardError },
    },
    perLayer: report.perLayer,
  };
}

/** The streamed results so far; a later result for the same operator or layer replaces the earlier. Null when none. */
export function partialResults(partials: PartialResult[]): RunResults | null {
  if (partials.length === 0) return null;
  const results: RunResults = {
    report: null,
    evaluation: null,
    eigenpairs: { euclidean: null, invariant: null },
    traces: { euclidean: null, invariant: null },
    perLayer: [],
  };
  for (const p of partials) {
    switch (p.kind) {
      case 'evaluation': {
        const { kind: _kind, ...evaluation } = p;
        results.evaluation = evaluation;
        break;
      }
      case 'spectrum':
        results.eigenpairs[p.operator] = p.eigenpairs;
        break;
      case 'trace':
        results.traces[p.operator] = { trace: p.trace, standardError: p.standardError };
        break;
      case 'layer': {
        const known = results.perLayer.some((l) => l.name === p.layer.name);
        results.perLayer = known ? results.perLayer.map((l) => (l.name === p.layer.name ? p.layer : l)) : [...results.perLayer, p.layer];
        break;
      }
    }
  }
  return results;
}

export function runResults(run: RunState | null | undefined): RunResults | null {
  if (!run) return null;
  return run.report ? reportResults(run.report) : partialResults(run.partials ?? []);
}
