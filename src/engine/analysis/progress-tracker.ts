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
  /** The HVPs it usually takes (the time left counts these; the cap when absent). */
  expectedHvps?: number;
  /** Its HVPs cost this many of the analysis's timed ones (the grouped pass runs on one thread). */
  costFactor?: number;
  /** Its time is not HVP time (loading, the loss and gradient): the timed HVP in it is recorded apart. */
  untimed?: boolean;
}

/** The HVPs a stage is expected to take, weighted by its cost. */
export function expectedCost(stage: PlannedStage): number {
  return (stage.expectedHvps ?? stage.maxHvps) * (stage.costFactor ?? 1);
}

/** A projection this far past the budget is said (estimates of a few seconds are noisy). */
const BUDGET_SLACK = 1.2;

export class ProgressTracker {
  private readonly started = performance.now();
  private readonly costs: StageCost[] = [];
  private current = -1;
  private stageStartHvps = 0;
  private stageStartTime = 0;
  private hvpSeconds = 0;
  private hvpsTimed = 0;
  private estimate: { seconds: number; peakBytes: number } | null = null;
  private budget: { seconds: number; onExceeded: (projected: number) => void } | null = null;

  constructor(
    private stages: PlannedStage[],
    private readonly hvpCount: () => number,
    private readonly listener?: (event: ProgressEvent) => void,
    private readonly signal?: AbortSignal,
  ) {}

  /** Replaces the plan of the stages after the current one (the time budget changed the settings). */
  replan(stages: PlannedStage[]): void {
    const current = this.current >= 0 ? this.stages[this.current].name : null;
    this.stages = stages;
    if (current !== null) this.current = stages.findIndex((s) => s.name === current);
  }

  /** The stages still to come after the current one. */
  remainingStages(): PlannedStage[] {
    return this.stages.slice(this.current + 1);
  }

  /** The whole analysis's estimate, shown with every later event. */
  setEstimate(estimate: { seconds: number; peakBytes: number }): void {
    this.estimate = estimate;
  }

  /** Calls `onExceeded` once, as soon as the elapsed time plus the time left exceeds the budget. */
  watchBudget(seconds: number, onExceeded: (projected: number) => void): void {
    this.budget = { seconds, onExceeded };
  }

  /** Adds a separately timed HVP to the cost per HVP. */
  recordHvpTime(hvps: number, seconds: number): void {
    this.hvpSeconds += seconds;
    this.hvpsTimed += hvps;
  }

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
    if (hvps > 0 && !this.stages[this.current].untimed) {
      this.hvpSeconds += seconds;
      this.hvpsTimed += hvps * (this.stages[this.current].costFactor ?? 1);
    }
    this.current = -1;
  }

  private emit(iteration: number | null, maxIterations: number | null, detail: string | null): void {
    if (this.current < 0) return;
    const stage = this.stages[this.current];
    const doneInStage = this.hvpCount() - this.stageStartHvps;
    const inStageSeconds = (performance.now() - this.stageStartTime) / 1000;
    const inStage = stage.untimed ? 0 : doneInStage * (stage.costFactor ?? 1);
    const timed = this.hvpsTimed + inStage;
    const perHvp = timed > 0 ? (this.hvpSeconds + (inStage > 0 ? inStageSeconds : 0)) / timed : null;
    // The stage's expected products, or a tenth more once they are spent (never past its cap).
    const expected = stage.expectedHvps ?? stage.maxHvps;
    const leftInStage =
      doneInStage < expected ? expected - doneInStage : Math.max(0, Math.min(stage.maxHvps - doneInStage, Math.ceil(0.1 * expected) + 1));
    const remaining = leftInStage * (stage.costFactor ?? 1) + this.stages.slice(this.current + 1).reduce((s, x) => s + expectedCost(x), 0);
    const eta = perHvp === null ? null : perHvp * remaining;
    const elapsed = (performance.now() - this.started) / 1000;
    if (this.budget && eta !== null && elapsed + eta > this.budget.seconds * BUDGET_SLACK) {
      const { onExceeded } = this.budget;
      this.budget = null;
      onExceeded(elapsed + eta);
    }
    if (!this.listener) return;
    this.listener({
      stage: stage.name,
      stageIndex: this.current + 1,
      stageCount: this.stages.length,
      iteration,
      maxIterations,
      detail,
      hvpCount: this.hvpCount(),
      elapsedSeconds: elapsed,
      etaSeconds: eta,
      estimate: this.estimate,
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
