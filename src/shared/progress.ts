import type { BackendName, Eigenpair, PerLayerSharpness, Report } from './report';

/** Progress of a running analysis, streamed by the engine to the CLI, the extension and the panel. */
export interface ProgressEvent {
  stage: string;
  /** 1-based position of the stage among `stageCount`. */
  stageIndex: number;
  stageCount: number;
  iteration: number | null;
  maxIterations: number | null;
  /** The current estimate, e.g. "λ₁ ≈ 58.2, residual 3e-4". */
  detail: string | null;
  hvpCount: number;
  elapsedSeconds: number;
  /** Estimate of the time left, once an HVP has been timed. */
  etaSeconds: number | null;
  /** The estimate made before the curvature stages: the whole analysis's time and peak memory (absent before it is made). */
  estimate?: { seconds: number; peakBytes: number } | null;
}

/** Bytes as "600 MB" or "1.2 GB". */
export function formatBytes(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GB` : `${Math.max(1, Math.round(bytes / 2 ** 20))} MB`;
}

/** Seconds as "40 s" or "3 min 20 s". */
export function formatDuration(seconds: number): string {
  const s = Math.max(1, Math.round(seconds));
  return s < 120 ? `${s} s` : `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
}

/** A result as soon as its stage finishes, so the panel fills in before the whole report is done. */
export type PartialResult =
  | {
      kind: 'evaluation';
      model: Report['model'];
      data: Report['data'];
      backend: BackendName;
      threads: number;
      loss: number;
      accuracy: number | null;
      gradientNorm: number;
    }
  | { kind: 'spectrum'; operator: 'euclidean' | 'invariant'; eigenpairs: Eigenpair[] }
  | { kind: 'trace'; operator: 'euclidean' | 'invariant'; trace: number; standardError: number }
  | { kind: 'layer'; layer: PerLayerSharpness };

/**
 * A progress event as one line: "[2/5] Euclidean spectrum 12/60 · λ₁ ≈ 58.2 · 340 HVPs · about 12 s left
 * (of about 40 s, 600 MB)" (CLI and notifications).
 */
export function progressLine(event: ProgressEvent): string {
  const step = event.iteration !== null ? ` ${event.iteration}/${event.maxIterations}` : '';
  const total = event.estimate ? ` (of about ${formatDuration(event.estimate.seconds)}, ${formatBytes(event.estimate.peakBytes)})` : '';
  const eta = event.etaSeconds !== null ? ` · about ${formatDuration(event.etaSeconds)} left${total}` : '';
  return `[${event.stageIndex}/${event.stageCount}] ${event.stage}${step}${event.detail ? ` · ${event.detail}` : ''} · ${event.hvpCount} HVPs${eta}`;
}
