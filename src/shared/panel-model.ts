/**
 * What a panel knows about its model, for the host and the webview alike: the engine's description of
 * it (layers, symmetries, scale links) from the main run's report, or from the run's first stage
 * result before the report arrives.
 */
import type { PanelState, RunState } from './protocol';
import type { Report } from './report';

export function mainRun(state: PanelState): RunState | undefined {
  return state.runs.find((run) => run.role === 'main');
}

/** The model section of the main run's report, else of its evaluation result; null before either. */
export function mainModel(state: PanelState): Report['model'] | null {
  const run = mainRun(state);
  if (run?.report) return run.report.model;
  const evaluation = run?.partials?.find((p) => p.kind === 'evaluation');
  return evaluation?.kind === 'evaluation' ? evaluation.model : null;
}

/**
 * A rescaling experiment compares against the main run: one is started first unless there is one that
 * has its report or is still running (none yet, a failed or a cancelled one do not count).
 */
export function needsMainRun(state: PanelState): boolean {
  const run = mainRun(state);
  return !run || run.error !== null || run.cancelled === true;
}
