/**
 * Runs analyses off the extension host: each in its own analysis worker, with a cancellable
 * progress notification, a status-bar item while it runs and a log in the output channel.
 * Cancelling terminates the worker: nothing is half-written because the worker writes nothing.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import * as vscode from 'vscode';
import type { AnalyzeRequest } from '../shared/analysis-request';
import { progressLine, type PartialResult, type ProgressEvent } from '../shared/progress';
import type { WorkerMessage, WorkerRequest } from '../shared/protocol';
import type { Report } from '../shared/report';
import { problemMessage } from './problem-text';

export class AnalysisError extends Error {
  constructor(
    message: string,
    readonly file: string | null,
    readonly cancelled = false,
  ) {
    super(message);
  }
}

export interface RunHandle {
  readonly id: number;
  readonly label: string;
  /** Resolves with the report; rejects with an AnalysisError (cancelled or failed). */
  readonly done: Promise<Report>;
  cancel(): void;
}

export interface RunOptions {
  label: string;
  onProgress?: (event: ProgressEvent) => void;
  onPartial?: (partial: PartialResult) => void;
  /** Show the cancellable notification (default true). */
  notify?: boolean;
}

export class AnalysisRunner implements vscode.Disposable {
  private readonly running = new Map<number, { handle: RunHandle; worker: Worker; stage: string }>();
  private nextId = 1;
  private readonly statusBar = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 50);

  constructor(
    private readonly extensionPath: string,
    readonly log: vscode.LogOutputChannel,
  ) {
    this.statusBar.command = 'sharpnessLens.cancelAnalysis';
  }

  get activeCount(): number {
    return this.running.size;
  }

  run(request: AnalyzeRequest, options: RunOptions): RunHandle {
    const id = this.nextId++;
    const worker = new Worker(join(this.extensionPath, 'dist', 'analysis-worker.js'));
    let settle!: { resolve: (report: Report) => void; reject: (error: AnalysisError) => void };
    const done = new Promise<Report>((resolve, reject) => (settle = { resolve, reject }));
    let finished = false;
    const finish = (outcome: () => void) => {
      if (finished) return;
      finished = true;
      this.running.delete(id);
      void worker.terminate();
      this.updateStatusBar();
      outcome();
    };
    const handle: RunHandle = {
      id,
      label: options.label,
      done,
      cancel: () => {
        this.log.info(`[${id}] cancelled; analysis worker (thread ${worker.threadId}) terminated`);
        finish(() => settle.reject(new AnalysisError('analysis cancelled', null, true)));
      },
    };
    this.running.set(id, { handle, worker, stage: 'starting' });
    this.updateStatusBar();
    this.log.info(`[${id}] analysing ${request.model} with ${request.data} (worker thread ${worker.threadId})`);
    let notify: ((event: ProgressEvent) => void) | undefined;
    if (options.notify !== false) {
      void vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Sharpness: ${options.label}`, cancellable: true },
        (progress, token) => {
          token.onCancellationRequested(() => handle.cancel());
          notify = (event) => progress.report({ message: progressLine(event) });
          return done.then(
            () => undefined,
            () => undefined,
          );
        },
      );
    }
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'progress') {
        notify?.(message.event);
        const entry = this.running.get(id);
        if (entry && entry.stage !== message.event.stage) {
          entry.stage = message.event.stage;
          this.log.info(`[${id}] ${message.event.stage} (${message.event.hvpCount} HVPs, ${message.event.elapsedSeconds.toFixed(1)} s)`);
          this.updateStatusBar();
        }
        options.onProgress?.(message.event);
      } else if (message.type === 'partial') {
        options.onPartial?.(message.partial);
      } else if (message.type === 'result') {
        this.log.info(
          `[${id}] done: λ_max(H) ${message.report.euclidean.topEigenvalues[0]}, λ_max(DHD) ${message.report.invariant.sharpness}, ${message.report.cost.hvpCount} HVPs in ${message.report.cost.seconds.toFixed(1)} s`,
        );
        finish(() => settle.resolve(message.report));
      } else {
        const text = problemMessage(message.problem);
        this.log.error(`[${id}] ${text}`);
        finish(() => settle.reject(new AnalysisError(text, message.problem.file)));
      }
    });
    worker.on('error', (error) => {
      this.log.error(`[${id}] worker failed: ${error.stack ?? error.message}`);
      finish(() => settle.reject(new AnalysisError(`internal error: ${error.message}`, null)));
    });
    worker.on('exit', (code) => {
      if (!finished) finish(() => settle.reject(new AnalysisError(`the analysis worker stopped unexpectedly (exit code ${code})`, null)));
    });
    worker.postMessage({ type: 'analyze', request } satisfies WorkerRequest);
    return handle;
  }

  cancelAll(): number {
    const handles = [...this.running.values()].map((r) => r.handle);
    for (const handle of handles) handle.cancel();
    return handles.length;
  }

  private updateStatusBar(): void {
    void vscode.commands.executeCommand('setContext', 'sharpnessLens.analysisRunning', this.running.size > 0);
    if (this.running.size === 0) {
      this.statusBar.hide();
      return;
    }
    const [first] = this.running.values();
    const more = this.running.size > 1 ? ` (+${this.running.size - 1})` : '';
    this.statusBar.text = `$(sync~spin) Sharpness: ${first.stage}${more}`;
    this.statusBar.tooltip = `Analysing ${first.handle.label}; click to cancel`;
    this.statusBar.show();
  }

  dispose(): void {
    this.cancelAll();
    this.statusBar.dispose();
  }
}
