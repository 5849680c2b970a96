/**
 * The time estimate and the time budget (docs/measures.md, "Time budget"). After the loss and
 * gradient, one HVP over every analysis sample is timed; the stages' expected products
 * (plannedStages) times that cost is the estimate of what is left. An HVP costs in proportion to
 * the samples, so when the estimate exceeds the budget the sample count goes down first (never
 * below MIN_BUDGET_SAMPLES, and not at all when it was asked for explicitly), then the estimators'
 * work: fewer trace probes, no sampling intervals, no per-layer numbers. Each choice is said, with why.
 */
import type { MeasureSettings } from '../../shared/analysis-request';
import { formatDuration } from '../../shared/progress';
import { expectedCost, type PlannedStage } from './progress-tracker';

/** The budget never takes the analysis below this many samples: the intervals need 2 groups of 128. */
export const MIN_BUDGET_SAMPLES = 256;
/** Trace probes the budget may go down to (from the default 30: a standard error about √3 larger). */
const BUDGET_TRACE_SAMPLES = 10;
/** Sample counts the budget chooses are multiples of this (the convergence ladder's step). */
const SAMPLE_STEP = 128;

export interface BudgetInput {
  budgetSeconds: number;
  elapsedSeconds: number;
  /** Seconds of one timed HVP over the current samples. */
  hvpSeconds: number;
  samples: number;
  /** The sample count was asked for: the budget may not lower it. */
  samplesForced: boolean;
  settings: MeasureSettings;
  intervals: boolean;
  /** The stages still to run for these settings and this sample count. */
  stages: (settings: MeasureSettings, intervals: boolean, samples: number) => PlannedStage[];
}

export interface BudgetPlan {
  samples: number;
  settings: MeasureSettings;
  intervals: boolean;
  /** Seconds the rest of the analysis is expected to take with these choices. */
  remainingSeconds: number;
  /** What was chosen and why, one sentence each (empty when nothing had to change). */
  choices: string[];
  /** The estimate still exceeds the budget. */
  exceeds: boolean;
}

/** Seconds the stages take at `samples`, from an HVP timed at `timedSamples`. */
export function remainingSeconds(stages: readonly PlannedStage[], hvpSeconds: number, samples: number, timedSamples: number): number {
  return stages.reduce((s, stage) => s + expectedCost(stage), 0) * hvpSeconds * (samples / timedSamples);
}

export function planBudget(input: BudgetInput): BudgetPlan {
  const { budgetSeconds, elapsedSeconds, hvpSeconds, samplesForced } = input;
  const left = Math.max(0, budgetSeconds - elapsedSeconds);
  const cost = (settings: MeasureSettings, intervals: boolean, samples: number) =>
    remainingSeconds(input.stages(settings, intervals, samples), hvpSeconds, samples, input.samples);
  let { settings, intervals, samples } = input;
  const choices: string[] = [];
  const budget = `the time budget of ${formatDuration(budgetSeconds)}`;
  const first = cost(settings, intervals, samples);
  if (elapsedSeconds + first <= budgetSeconds) return { samples, settings, intervals, remainingSeconds: first, choices, exceeds: false };
  if (!samplesForced && samples > MIN_BUDGET_SAMPLES) {
    const fitting = Math.floor((samples * left) / first / SAMPLE_STEP) * SAMPLE_STEP;
    const chosen = Math.max(MIN_BUDGET_SAMPLES, Math.min(samples, fitting));
    choices.push(
      `${samples.toLocaleString('en-US')} samples would take about ${formatDuration(elapsedSeconds + first)}, over ${budget}: analysed ${chosen.toLocaleString('en-US')} of them (a seeded random subset)${chosen === MIN_BUDGET_SAMPLES && fitting < MIN_BUDGET_SAMPLES ? `, the fewest the budget chooses` : ''}`,
    );
    samples = chosen;
  }
  const over = () => elapsedSeconds + cost(settings, intervals, samples) > budgetSeconds;
  if (over() && settings.traceMaxSamples > BUDGET_TRACE_SAMPLES) {
    choices.push(
      `trace probes lowered from ${settings.traceMaxSamples} to ${BUDGET_TRACE_SAMPLES} to fit ${budget} (a larger standard error)`,
    );
    settings = { ...settings, traceMaxSamples: BUDGET_TRACE_SAMPLES };
  }
  if (over() && intervals) {
    choices.push(`the sampling intervals were skipped to fit ${budget}`);
    intervals = false;
  }
  if (over() && settings.perLayer) {
    choices.push(`the per-layer numbers were skipped to fit ${budget}`);
    settings = { ...settings, perLayer: false };
  }
  const remaining = cost(settings, intervals, samples);
  return { samples, settings, intervals, remainingSeconds: remaining, choices, exceeds: elapsedSeconds + remaining > budgetSeconds };
}
