/**
 * The workspace's TF.js models: found with findFiles plus a cheap content check, refreshed when JSON
 * files change, their layer summaries (read asynchronously during the scan, so the sidebar's
 * synchronous tree callbacks read only memory), and the latest per-layer invariant sharpness of each
 * (kept in workspace state so the sidebar shows it after a reload). Publishes the model paths as the
 * `sharpnessLens.modelPaths` context key, which the explorer's context menu uses.
 */
import * as vscode from 'vscode';
import { EXTENSION_DEFAULTS } from '../shared/defaults';
import type { Report } from '../shared/report';
import { looksLikeModelJson, summarizeModel, type ModelRead } from './model-file';

export interface LatestSharpness {
  invariant: number;
  euclidean: number;
  normalization: string;
  perLayer: Record<string, number>;
  at: string;
}

const STATE_KEY = 'sharpnessLens.latest';
const SCAN_BATCH = 16;

export class ModelIndex implements vscode.Disposable {
  private models: vscode.Uri[] = [];
  private readonly summaries = new Map<string, ModelRead>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly watcher = vscode.workspace.createFileSystemWatcher('**/*.json');
  private refreshTimer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> | null = null;

  constructor(private readonly state: vscode.Memento) {
    const schedule = (uri: vscode.Uri) => {
      if (uri.fsPath.includes('node_modules')) return;
      this.summaries.delete(uri.fsPath);
      clearTimeout(this.refreshTimer);
      this.refreshTimer = setTimeout(() => void this.refresh(), 300);
    };
    this.watcher.onDidCreate(schedule);
    this.watcher.onDidChange(schedule);
    this.watcher.onDidDelete(schedule);
  }

  get list(): readonly vscode.Uri[] {
    return this.models;
  }

  /** Finds the models again (concurrent calls share one scan). */
  refresh(): Promise<void> {
    this.scanning ??= (async () => {
      const limit = vscode.workspace.getConfiguration('sharpnessLens').get<number>('maxModelFiles', EXTENSION_DEFAULTS.maxModelFiles);
      const candidates = await vscode.workspace.findFiles('**/*.json', '{**/node_modules/**,**/.git/**,**/*.sharpness.json}', limit);
      const models: vscode.Uri[] = [];
      const files = candidates.filter((uri) => uri.scheme === 'file');
      // A few files at a time: a large workspace must not open hundreds of descriptors at once.
      for (let start = 0; start < files.length; start += SCAN_BATCH) {
        await Promise.all(
          files.slice(start, start + SCAN_BATCH).map(async (uri) => {
            if (!(await looksLikeModelJson(uri.fsPath))) return;
            models.push(uri);
            if (!this.summaries.has(uri.fsPath)) this.summaries.set(uri.fsPath, await summarizeModel(uri.fsPath));
          }),
        );
      }
      this.models = models.sort((a, b) => a.fsPath.localeCompare(b.fsPath));
      await vscode.commands.executeCommand(
        'setContext',
        'sharpnessLens.modelPaths',
        this.models.map((uri) => uri.fsPath),
      );
      this.changed.fire();
    })().finally(() => (this.scanning = null));
    return this.scanning;
  }

  /** What the last scan read of the model: its layer summary, or why it could not (undefined before the scan). */
  summary(uri: vscode.Uri): ModelRead | undefined {
    return this.summaries.get(uri.fsPath);
  }

  latest(uri: vscode.Uri): LatestSharpness | undefined {
    return this.state.get<Record<string, LatestSharpness>>(STATE_KEY, {})[uri.fsPath];
  }

  async record(modelPath: string, report: Report): Promise<void> {
    if (report.rescaling) return; // the sidebar shows the model as stored
    const all = { ...this.state.get<Record<string, LatestSharpness>>(STATE_KEY, {}) };
    all[modelPath] = {
      invariant: report.invariant.sharpness,
      euclidean: report.euclidean.topEigenvalues[0],
      normalization: report.invariant.normalization,
      perLayer: Object.fromEntries(report.perLayer.map((l) => [l.name, l.invariantSharpness])),
      at: report.createdAt,
    };
    await this.state.update(STATE_KEY, all);
    this.changed.fire();
  }

  dispose(): void {
    clearTimeout(this.refreshTimer);
    this.watcher.dispose();
    this.changed.dispose();
  }
}
