/** The Spectrum tab: top-k eigenvalues of H and D H D with their convergence, and the density. */
import type { Density, Eigenpair } from '../../src/shared/report.ts';
import { formatEigenpair, formatValue, formatWithError, logAxisValue } from './numbers.ts';
import type { Operator, RunResults } from './results.ts';

export type { Operator };

export const OPERATOR_LABEL: Record<Operator, string> = { euclidean: 'H', invariant: 'D H D' };
export const OPERATORS: Operator[] = ['euclidean', 'invariant'];

export interface EigenSeries {
  operator: Operator;
  /** "λ1"…"λk". */
  labels: string[];
  values: number[];
  /** The values a log axis can draw (null where ≤ 0). */
  plotted: (number | null)[];
  pairs: Eigenpair[];
  convergedCount: number;
  /** Values the log axis cannot show (≤ 0), so the chart's description can say so. */
  hiddenCount: number;
  /** tr(·) as text, null until its stage has finished. */
  trace: string | null;
  minEigenvalue: number | null;
}

function eigenSeries(operator: Operator, results: RunResults): EigenSeries | null {
  const pairs = results.eigenpairs[operator];
  if (!pairs) return null;
  const plotted = pairs.map((p) => logAxisValue(p.value));
  const trace = results.traces[operator];
  return {
    operator,
    labels: pairs.map((_, i) => `λ${i + 1}`),
    values: pairs.map((p) => p.value),
    plotted,
    pairs,
    convergedCount: pairs.filter((p) => p.converged).length,
    hiddenCount: plotted.filter((v) => v === null).length,
    trace: trace ? formatWithError(trace.trace, trace.standardError) : null,
    minEigenvalue: results.report?.[operator].minEigenvalue ?? null,
  };
}

/** Both operators' series; an operator whose stage has not finished is null. */
export function spectrumSeries(results: RunResults): Record<Operator, EigenSeries | null> {
  return { euclidean: eigenSeries('euclidean', results), invariant: eigenSeries('invariant', results) };
}

export interface SpectrumRow {
  rank: number;
  euclidean: Eigenpair | null;
  invariant: Eigenpair | null;
  euclideanText: string;
  invariantText: string;
}

/** One row per rank k, both operators side by side. */
export function spectrumRows(series: Record<Operator, EigenSeries | null>): SpectrumRow[] {
  const k = Math.max(series.euclidean?.pairs.length ?? 0, series.invariant?.pairs.length ?? 0);
  return Array.from({ length: k }, (_, i) => {
    const e = series.euclidean?.pairs[i] ?? null;
    const v = series.invariant?.pairs[i] ?? null;
    return {
      rank: i + 1,
      euclidean: e,
      invariant: v,
      euclideanText: e ? formatEigenpair(e) : '—',
      invariantText: v ? formatEigenpair(v) : '—',
    };
  });
}

export function eigenDescription(s: EigenSeries): string {
  const name = OPERATOR_LABEL[s.operator];
  const values = s.pairs.map((p, i) => `λ${i + 1} = ${formatEigenpair(p)}`).join('; ');
  const convergence =
    s.convergedCount === s.pairs.length ? 'all converged' : `${s.pairs.length - s.convergedCount} of ${s.pairs.length} not converged`;
  const hidden = s.hiddenCount > 0 ? `; ${s.hiddenCount} value(s) ≤ 0 not drawn on the logarithmic axis` : '';
  return `Bar chart, logarithmic scale: top ${s.pairs.length} eigenvalues of ${name} (${convergence}${hidden}). ${values}.`;
}

export interface DensitySeries {
  operator: Operator;
  points: { x: number; y: number }[];
  /** The points on a log y axis: densities under the floor drawn at the floor, so the curve stays continuous. */
  plotted: { x: number; y: number }[];
  /** A floor for the y axis, so grid points where the density underflows do not stretch it over 30 decades. */
  yMin: number | null;
  xRange: [number, number] | null;
  peak: { x: number; y: number } | null;
}

/** Density values below this fraction of the peak are below what SLQ's Gaussian smoothing resolves. */
export const DENSITY_DYNAMIC_RANGE = 1e-8;

export function densitySeries(operator: Operator, density: Density): DensitySeries {
  const points = density.x.map((x, i) => ({ x, y: density.y[i] })).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const peak = points.reduce<{ x: number; y: number } | null>((best, p) => (!best || p.y > best.y ? p : best), null);
  const floor = peak && peak.y > 0 ? peak.y * DENSITY_DYNAMIC_RANGE : null;
  const plotted = floor === null ? [] : points.map((p) => ({ x: p.x, y: Math.max(p.y, floor) }));
  return {
    operator,
    points,
    plotted,
    yMin: floor,
    xRange: points.length > 0 ? [Math.min(...points.map((p) => p.x)), Math.max(...points.map((p) => p.x))] : null,
    peak,
  };
}

export function densityDescription(s: DensitySeries): string {
  const name = OPERATOR_LABEL[s.operator];
  if (!s.xRange || !s.peak) return `Spectral density of ${name}: no points.`;
  return `Line chart, logarithmic density axis: spectral density of ${name} over eigenvalues ${formatValue(s.xRange[0])} to ${formatValue(s.xRange[1])}, ${s.points.length} points, highest density ${formatValue(s.peak.y)} at ${formatValue(s.peak.x)}.`;
}
