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
  /** Upper estimate of the time left, once an HVP has been timed. */
  etaSeconds: number | null;
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

/** A progress event as one line: "[2/5] Euclidean spectrum 12/60 · λ₁ ≈ 58.2 · 340 HVPs · ≤12 s left" (CLI and notifications). */
export function progressLine(event: ProgressEvent): string {
  const step = event.iteration !== null ? ` ${event.iteration}/${event.maxIterations}` : '';
  const eta = event.etaSeconds !== null ? ` · ≤${Math.ceil(event.etaSeconds)} s left` : '';
  return `[${event.stageIndex}/${event.stageCount}] ${event.stage}${step}${event.detail ? ` · ${event.detail}` : ''} · ${event.hvpCount} HVPs${eta}`;
}
