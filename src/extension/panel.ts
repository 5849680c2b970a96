/**
 * One Sharpness panel (a webview panel, or the read-only custom editor): the state it shows, the
 * analyses behind it (main, rescaled, compared models), exports, and the message loop with the
 * webview. Messages wait until the webview says it is ready; the webview persists the state, so a
 * reload (WebviewPanelSerializer) restores the results without recomputing them.
 */
import { basename, dirname, extname, join } from 'node:path';
import * as vscode from 'vscode';
import type { AnalyzeRequest } from '../shared/analysis-request';
import { forComparison, SETTING_WORDING } from '../shared/options';
import { needsMainRun } from '../shared/panel-model';
import type { ExportFormat, HostToPanel, PanelState, PanelToHost, RescalingChoice, RunRole, RunState } from '../shared/protocol';
import type { Report } from '../shared/report';
import { formatComparison, formatCsv, formatMarkdown } from '../shared/report-format';
import { AnalysisError, type AnalysisRunner, type RunHandle } from './analysis-runner';
import type { ModelIndex } from './model-index';
import { showAnalysisError } from './notifications';
import { panelHtml } from './panel-html';

export interface PanelDependencies {
  extensionUri: vscode.Uri;
  runner: AnalysisRunner;
  index: ModelIndex;
  log: vscode.LogOutputChannel;
  /** The request for a model with the user's data choice and settings (asks for data if needed). */
  requestFor(modelPath: string, rescaling?: RescalingChoice): Promise<AnalyzeRequest | undefined>;
}

export const PANEL_VIEW_TYPE = 'sharpnessLens.panel';

/** A panel before its first run: what the model's layers allow comes later, from the engine (panel-model.ts). */
export function initialState(modelPath: string): PanelState {
  return { modelPath, title: titleOf(modelPath), runs: [] };
}

export function titleOf(modelPath: string): string {
  return basename(modelPath) === 'model.json' ? basename(dirname(modelPath)) : basename(modelPath);
}

export class SharpnessPanel implements vscode.Disposable {
  private ready = false;
  private readonly queue: HostToPanel[] = [];
  private readonly handles = new Map<number, RunHandle>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private disposed = false;
  private readonly closed = new vscode.EventEmitter<void>();
  readonly onDidClose = this.closed.event;

  constructor(
    readonly webviewPanel: vscode.WebviewPanel,
    private readonly deps: PanelDependencies,
    private state: PanelState,
  ) {
    const webview = webviewPanel.webview;
    webview.options = {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(deps.extensionUri, 'dist'), vscode.Uri.joinPath(deps.extensionUri, 'media')],
    };
    // Runs interrupted by a reload cannot resume: say so instead of showing a spinner forever.
    this.state.runs = this.state.runs.map((run) =>
      run.report || run.error || run.cancelled
        ? run
        : { ...run, progress: null, partials: [], error: 'interrupted (the window reloaded); run it again' },
    );
    const uri = (...path: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(deps.extensionUri, ...path)).toString();
    webview.html = panelHtml(
      {
        cspSource: webview.cspSource,
        scriptUri: uri('dist', 'webview.js'),
        styleUri: uri('media', 'panel.css'),
        codiconsUri: uri('dist', 'codicons', 'codicon.css'),
      },
      this.state,
    );
    this.subscriptions.push(
      webview.onDidReceiveMessage((message: PanelToHost) => void this.receive(message)),
      vscode.window.onDidChangeActiveColorTheme(() => this.post({ type: 'theme' })),
      webviewPanel.onDidDispose(() => this.dispose()),
    );
  }

  get modelPath(): string {
    return this.state.modelPath;
  }

  /** The panel's state as the webview shows it (read-only: the panel changes it through its runs). */
  get current(): Readonly<PanelState> {
    return this.state;
  }

  reveal(): void {
    this.webviewPanel.reveal();
  }

  private post(message: HostToPanel): void {
    if (this.disposed) return;
    if (this.ready) void this.webviewPanel.webview.postMessage(message);
    else this.queue.push(message);
  }

  private publishState(): void {
    this.post({ type: 'state', state: this.state });
  }

  private async receive(message: PanelToHost): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.ready = true;
        this.publishState();
        for (const queued of this.queue.splice(0)) void this.webviewPanel.webview.postMessage(queued);
        return;
      case 'rescale':
        return this.startRescaling(message.choice);
      case 'cancel':
        this.handles.get(message.runIndex)?.cancel();
        return;
      case 'rerun':
        await this.startMain();
        return;
      case 'export':
        return this.exportReports(message.format);
      case 'exportImage':
        return this.exportImage(message.chart, message.dataUrl);
      case 'openFile':
        await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(message.path));
        return;
    }
  }

  /**
   * Analyses the panel's model (again) as the main run; `request` when the caller already asked for the
   * data. False when the user dismissed the data question.
   */
  async startMain(request?: AnalyzeRequest): Promise<boolean> {
    const resolved = request ?? (await this.deps.requestFor(this.state.modelPath));
    if (resolved) this.start('main', resolved, this.state.title, null);
    return resolved !== undefined;
  }

  /**
   * A rescaling experiment: the rescaled model is analysed beside the main run, which is started first
   * when the panel has none to compare with (before the first analysis, or after a failed or cancelled
   * one). The engine draws random factors itself, from the model's own scale links, so nothing here
   * needs the model's layers.
   */
  async startRescaling(choice: RescalingChoice): Promise<void> {
    if (needsMainRun(this.state) && !(await this.startMain())) return;
    const request = await this.deps.requestFor(this.state.modelPath, choice);
    if (request) this.start('rescaled', request, `${this.state.title}, rescaled`, choice);
  }

  /** Adds another model to the comparison. */
  async startCompare(modelPath: string): Promise<void> {
    const request = await this.deps.requestFor(modelPath);
    if (request) this.start('compare', forComparison(request), titleOf(modelPath), null);
  }

  private start(role: RunRole, request: AnalyzeRequest, label: string, rescaling: RescalingChoice | null): void {
    // A new main or rescaled run replaces the previous one; compare runs accumulate, one per model.
    const existing = this.state.runs.findIndex((r) => r.role === role && (role !== 'compare' || r.modelPath === request.model));
    const run: RunState = { role, modelPath: request.model, label, progress: null, partials: [], report: null, error: null, rescaling };
    const runIndex = existing >= 0 ? existing : this.state.runs.length;
    this.handles.get(runIndex)?.cancel();
    this.state.runs[runIndex] = run;
    this.publishState();
    const handle = this.deps.runner.run(request, {
      label,
      onProgress: (event) => {
        run.progress = event;
        this.post({ type: 'progress', runIndex, event });
      },
      onPartial: (partial) => {
        run.partials = [...(run.partials ?? []), partial];
        this.publishState();
      },
    });
    this.handles.set(runIndex, handle);
    handle.done.then(
      (report) => this.finished(runIndex, run, report),
      (error: unknown) => {
        if (this.handles.get(runIndex) !== handle) return;
        this.handles.delete(runIndex);
        run.progress = null;
        if (error instanceof AnalysisError && error.cancelled) {
          run.cancelled = true;
          this.publishState();
          return;
        }
        run.error = error instanceof Error ? error.message : String(error);
        this.post({ type: 'error', runIndex, message: run.error });
        void showAnalysisError(error, this.deps.log);
      },
    );
  }

  private finished(runIndex: number, run: RunState, report: Report): void {
    this.handles.delete(runIndex);
    run.report = report;
    run.progress = null;
    run.partials = [];
    this.post({ type: 'report', runIndex, report });
    void this.deps.index.record(run.modelPath, report);
  }

  /** The reports the panel holds, labelled. */
  private reports(): { label: string; report: Report }[] {
    return this.state.runs.filter((r) => r.report).map((r) => ({ label: r.label, report: r.report! }));
  }

  async exportReports(format: ExportFormat): Promise<void> {
    const reports = this.reports();
    if (reports.length === 0) {
      void vscode.window.showWarningMessage('Sharpness Lens: nothing to export yet; the analysis has not finished.');
      return;
    }
    const extension = { json: 'json', csv: 'csv', markdown: 'md' }[format];
    const stem = basename(this.state.modelPath, extname(this.state.modelPath));
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(join(dirname(this.state.modelPath), `${stem}.sharpness-report.${extension}`)),
      filters: { [format.toUpperCase()]: [extension] },
      title: 'Export Sharpness Report',
    });
    if (!target) return;
    const text =
      format === 'json'
        ? JSON.stringify(
            reports.length === 1 ? reports[0].report : { schemaVersion: 1, reports: reports.map((r) => ({ label: r.label, ...r.report })) },
            null,
            2,
          ) + '\n'
        : format === 'csv'
          ? formatCsv(reports.length === 1 ? reports[0].report : reports)
          : reports.length > 1 && this.state.runs.some((r) => r.role === 'compare')
            ? formatComparison(
                reports.map((r) => r.report),
                'markdown',
              )
            : reports.map((r) => formatMarkdown(r.report, SETTING_WORDING)).join('\n');
    await vscode.workspace.fs.writeFile(target, Buffer.from(text, 'utf8'));
    this.deps.log.info(`exported ${format} to ${target.fsPath}`);
  }

  private async exportImage(chart: string, dataUrl: string): Promise<void> {
    const match = /^data:image\/png;base64,(.+)$/.exec(dataUrl);
    if (!match) return;
    const stem = basename(this.state.modelPath, extname(this.state.modelPath));
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(join(dirname(this.state.modelPath), `${stem}.${chart.replace(/[^a-z0-9-]+/gi, '-')}.png`)),
      filters: { PNG: ['png'] },
      title: 'Save Chart as PNG',
    });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, Buffer.from(match[1], 'base64'));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const handle of this.handles.values()) handle.cancel();
    this.handles.clear();
    for (const s of this.subscriptions) s.dispose();
    this.closed.fire();
    this.closed.dispose();
    this.webviewPanel.dispose();
  }
}
