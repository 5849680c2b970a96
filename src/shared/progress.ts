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
