/**
 * Stage bookkeeping for an analysis: which stage runs, how many HVPs each took and how long, and an
 * estimate of the time left from the measured cost of one HVP and the HVPs the remaining stages may
 * still need (their iteration caps, so the estimate errs long).
 */
import type { ProgressEvent } from '../../shared/progress';
import type { StageCost } from '../../shared/report';
import { throwIfAborted } from '../errors';

export interface PlannedStage {
  name: string;
  /** The most HVPs the stage can take. */
  maxHvps: number;
}

export class ProgressTracker {
  private readonly started = performance.now();
  private readonly costs: StageCost[] = [];
  private current = -1;
  private stageStartHvps = 0;
  private stageStartTime = 0;
  private hvpSeconds = 0;
  private hvpsTimed = 0;

  constructor(
    private readonly stages: PlannedStage[],
    private readonly hvpCount: () => number,
    private readonly listener?: (event: ProgressEvent) => void,
    private readonly signal?: AbortSignal,
  ) {}

  begin(name: string, detail: string | null = null): void {
    throwIfAborted(this.signal);
    this.finishStage();
    this.current = this.stages.findIndex((s) => s.name === name);
    this.stageStartHvps = this.hvpCount();
    this.stageStartTime = performance.now();
    this.emit(null, null, detail);
  }

  /** Reports progress within the current stage (called once per HVP by the estimators). */
  tick(iteration: number, maxIterations: number, detail: string | null): void {
    throwIfAborted(this.signal);
    this.emit(iteration, maxIterations, detail);
  }

  private finishStage(): void {
    if (this.current < 0) return;
    const hvps = this.hvpCount() - this.stageStartHvps;
    const seconds = (performance.now() - this.stageStartTime) / 1000;
    this.costs.push({ name: this.stages[this.current].name, hvpCount: hvps, seconds });
    if (hvps > 0) {
      this.hvpSeconds += seconds;
      this.hvpsTimed += hvps;
    }
    this.current = -1;
  }

  private emit(iteration: number | null, maxIterations: number | null, detail: string | null): void {
    if (!this.listener || this.current < 0) return;
    const stage = this.stages[this.current];
    const doneInStage = this.hvpCount() - this.stageStartHvps;
    const inStageSeconds = (performance.now() - this.stageStartTime) / 1000;
    const timed = this.hvpsTimed + doneInStage;
    const perHvp = timed > 0 ? (this.hvpSeconds + inStageSeconds) / timed : null;
    const remaining = Math.max(0, stage.maxHvps - doneInStage) + this.stages.slice(this.current + 1).reduce((s, x) => s + x.maxHvps, 0);
    this.listener({
      stage: stage.name,
      stageIndex: this.current + 1,
      stageCount: this.stages.length,
      iteration,
      maxIterations,
      detail,
      hvpCount: this.hvpCount(),
      elapsedSeconds: (performance.now() - this.started) / 1000,
      etaSeconds: perHvp === null ? null : perHvp * remaining,
    });
  }

  /** Closes the last stage and returns the cost of each. */
  finish(): StageCost[] {
    this.finishStage();
    return this.costs;
  }

  get elapsedSeconds(): number {
    return (performance.now() - this.started) / 1000;
  }
}
