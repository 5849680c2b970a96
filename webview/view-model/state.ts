/**
 * The panel's state and how host messages change it. Pure: the message loop in main.ts applies these
 * and saves the result with setState, so a reloaded panel shows exactly what it showed.
 */
import type { HostToPanel, PanelState, RunRole, RunState } from '../../src/shared/protocol.ts';
import { mainModel } from '../../src/shared/panel-model.ts';
import type { Report, ScaleLink } from '../../src/shared/report.ts';

/** What the user was looking at, kept beside the PanelState in the webview's saved state. */
export interface ViewState {
  tab: string;
  /** The layer whose details the Per layer tab shows. */
  layer: string | null;
  rescaleDraft: RescaleDraft | null;
}

/** The rescaling form as typed (text, so a half-typed or invalid entry survives a reload too). */
export interface RescaleDraft {
  kind: 'layer-wise' | 'random-layer-wise' | 'neuron-wise';
  factors: string[];
  seed: string;
  spread: string;
}

export const INITIAL_VIEW: ViewState = { tab: 'summary', layer: null, rescaleDraft: null };

/** The object given to setState: the PanelState itself, plus the view under one extra key. */
export type SavedState = PanelState & { view?: ViewState };

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Enough of a shape check to refuse a stale or foreign saved state rather than crash on it. */
export function isPanelState(x: unknown): x is PanelState {
  return (
    isRecord(x) &&
    typeof x.modelPath === 'string' &&
    typeof x.title === 'string' &&
    Array.isArray(x.runs) &&
    x.runs.every((r) => isRecord(r) && typeof r.role === 'string' && typeof r.label === 'string')
  );
}

export function isHostToPanel(x: unknown): x is HostToPanel {
  if (!isRecord(x)) return false;
  switch (x.type) {
    case 'state':
      return isPanelState(x.state);
    case 'progress':
      return typeof x.runIndex === 'number' && isRecord(x.event);
    case 'report':
      return typeof x.runIndex === 'number' && isRecord(x.report);
    case 'error':
      return typeof x.runIndex === 'number' && typeof x.message === 'string';
    case 'theme':
      return true;
    default:
      return false;
  }
}

function withRun(state: PanelState, runIndex: number, change: (run: RunState) => RunState): PanelState {
  if (!Number.isInteger(runIndex) || runIndex < 0 || runIndex >= state.runs.length) return state;
  return { ...state, runs: state.runs.map((run, i) => (i === runIndex ? change(run) : run)) };
}

/**
 * A report ends a run's progress and replaces its partial results (the protocol has no separate
 * "done"); partial results come with the state messages until then.
 */
export function applyHostMessage(state: PanelState, message: HostToPanel): PanelState {
  switch (message.type) {
    case 'state':
      return message.state;
    case 'progress':
      return withRun(state, message.runIndex, (run) => ({ ...run, progress: message.event, error: null }));
    case 'report':
      return withRun(state, message.runIndex, (run) => ({ ...run, report: message.report, partials: [], progress: null, error: null }));
    case 'error':
      return withRun(state, message.runIndex, (run) => ({ ...run, error: message.message, progress: null }));
    case 'theme':
      return state;
  }
}

export interface IndexedRun {
  index: number;
  run: RunState;
}

export function runsWithRole(state: PanelState, role: RunRole): IndexedRun[] {
  return state.runs.flatMap((run, index) => (run.role === role ? [{ index, run }] : []));
}

/** The run the Summary, Per layer and Spectrum tabs are about: the main run, else the first. */
export function primaryRun(state: PanelState): IndexedRun | null {
  const main = runsWithRole(state, 'main')[0];
  if (main) return main;
  return state.runs.length > 0 ? { index: 0, run: state.runs[0] } : null;
}

/** The latest rescaling experiment (a new one is appended, or replaces the old, by the host). */
export function rescaledRun(state: PanelState): IndexedRun | null {
  const rescaled = runsWithRole(state, 'rescaled');
  return rescaled.length > 0 ? rescaled[rescaled.length - 1] : null;
}

export interface LabelledReport {
  label: string;
  modelPath: string;
  report: Report;
}

/**
 * The models of the Compare tab: the main run (unless a compare run already analyses the same model)
 * and every compare run, those with a report.
 */
export function comparedRuns(state: PanelState): IndexedRun[] {
  const compare = runsWithRole(state, 'compare');
  const main = runsWithRole(state, 'main')[0];
  return main && !compare.some((c) => c.run.modelPath === main.run.modelPath) ? [main, ...compare] : compare;
}

export function labelledReports(runs: IndexedRun[]): LabelledReport[] {
  return runs.flatMap(({ run }) => (run.report ? [{ label: run.label, modelPath: run.modelPath, report: run.report }] : []));
}

/** Running: progress has come, or the run has just started (no report, no error yet). */
/**
 * What a run shows, as a short key: the views rebuild only when it changes. The host sends the whole
 * state again with each streamed result, so equal content arrives in new objects: compare content,
 * not references. A report is identified by its creation time, model and cost; partials by content.
 */
export function reportKey(report: Report | null | undefined): string {
  return report ? `${report.createdAt}|${report.model.path}|${report.cost.hvpCount}|${report.cost.seconds}` : '';
}

export function runContentKey(run: RunState | null | undefined): string {
  if (!run) return '';
  return run.report ? `report:${reportKey(run.report)}` : `partials:${JSON.stringify(run.partials ?? [])}`;
}

export function isRunning(run: RunState | undefined | null): boolean {
  return !!run && run.error === null && !run.cancelled && (run.progress !== null || run.report === null);
}

/**
 * The scale links the rescaling form asks factors for (one per kernel layer), as the engine describes
 * the model: from the main run's report or its first stage result; null until then.
 */
export function scaleLinksOf(state: PanelState): ScaleLink[] | null {
  return mainModel(state)?.symmetries.scaleLinks ?? null;
}
