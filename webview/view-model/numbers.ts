/**
 * Numbers as the panel shows them. Every value goes through `formatValue` (the CLI's formatting), and
 * whatever qualifies a value — a standard error, a residual, a missing convergence — is part of its
 * text, never only a colour, so a screen reader and a copied table say it too.
 */
import type { Eigenpair } from '../../src/shared/report.ts';
import { formatPercent, formatValue, formatWithError } from '../../src/shared/report-format.ts';

export { formatPercent, formatValue, formatWithError };

/** An eigenvalue with its convergence: a non-converged value says so, with its residual. */
export function formatEigenpair(pair: Eigenpair): string {
  return pair.converged ? formatValue(pair.value) : `${formatValue(pair.value)} (not converged, residual ${formatValue(pair.residual, 2)})`;
}

/** A λ_max that comes with only a converged flag (per-layer values). */
export function formatConverged(value: number, converged: boolean): string {
  return converged ? formatValue(value) : `${formatValue(value)} (not converged)`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  if (seconds < 0.1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds - 60 * minutes)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function formatShape(shape: number[]): string {
  return `[${shape.join(' × ')}]`;
}

/** after/before as a multiplier: "1.000×", "88.07×", "0.0402×". */
export function formatRatio(ratio: number | null): string {
  if (ratio === null) return '—';
  if (Math.abs(ratio - 1) < 5e-4) return '1.000×';
  return `${formatValue(ratio)}×`;
}

/** Values a logarithmic axis can draw; the rest (≤ 0, not finite) become gaps the table explains. */
export function logAxisValue(x: number | null | undefined): number | null {
  return x !== null && x !== undefined && Number.isFinite(x) && x > 0 ? x : null;
}
