/**
 * Every message that crosses a thread or a webview boundary, in one place: the extension host and
 * its analysis worker, the extension host and the panel. Plain data only (structured-clone safe);
 * nothing here imports the engine or VS Code, so all three bundles can share it.
 */
import type { AnalyzeRequest } from './analysis-request';
import type { PartialResult, ProgressEvent } from './progress';
import type { FileProblem } from './problems';
import type { Report } from './report';

// ── extension host ⇄ analysis worker (worker_threads) ───────────────────────────────────────────

export type WorkerRequest = { type: 'analyze'; request: AnalyzeRequest };

export type WorkerMessage =
  | { type: 'progress'; event: ProgressEvent }
  | { type: 'partial'; partial: PartialResult }
  | { type: 'result'; report: Report }
  /** An analysis error as data: the host words its option (a setting) and offers to open `problem.file`. */
  | { type: 'error'; problem: FileProblem };

// ── extension host ⇄ panel (webview) ────────────────────────────────────────────────────────────

/** Which analysis of the panel a report or progress belongs to. */
export type RunRole = 'main' | 'rescaled' | 'compare';

export type RescalingChoice =
  | { kind: 'layer-wise'; factors: number[] }
  | { kind: 'random-layer-wise'; seed: number; spread: number }
  | { kind: 'neuron-wise'; seed: number };

export interface RunState {
  role: RunRole;
  /** The model this run analyses (for compare runs, one of several). */
  modelPath: string;
  label: string;
  progress: ProgressEvent | null;
  /** Results of the stages finished so far, until `report` arrives (sent with the state). */
  partials?: PartialResult[];
  report: Report | null;
  /** The run's error, one line, worded for VS Code (settings, not flags). */
  error: string | null;
  /** The user cancelled the run (not an error: the panel shows a neutral note and Re-run). */
  cancelled?: boolean;
  /** The rescaling applied, for a 'rescaled' run. */
  rescaling: RescalingChoice | null;
}

/** Everything the panel shows; the webview keeps it with setState so a reload restores it. */
export interface PanelState {
  /** The model the panel is about (the first of a comparison). */
  modelPath: string;
  title: string;
  runs: RunState[];
}

export type HostToPanel =
  | { type: 'state'; state: PanelState }
  | { type: 'progress'; runIndex: number; event: ProgressEvent }
  | { type: 'report'; runIndex: number; report: Report }
  | { type: 'error'; runIndex: number; message: string }
  /** The theme changed: re-read the --vscode-* colours and repaint the charts. */
  | { type: 'theme' };

export type ExportFormat = 'json' | 'csv' | 'markdown';

export type PanelToHost =
  /** The panel's script runs: the host may send the state (it queues messages until then). */
  | { type: 'ready' }
  | { type: 'rescale'; choice: RescalingChoice }
  | { type: 'cancel'; runIndex: number }
  | { type: 'rerun' }
  | { type: 'export'; format: ExportFormat }
  /** A chart as a PNG data URL, to be saved where the user chooses. */
  | { type: 'exportImage'; chart: string; dataUrl: string }
  | { type: 'openFile'; path: string };
