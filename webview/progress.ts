/**
 * A run's status: its progress (stage, iteration, time left) with a Cancel button while it runs, its
 * error when it failed, nothing when it is done. Updated in place, since progress arrives with every
 * iteration: the stage line is a polite live region that changes only when the stage does.
 */
import type { PanelToHost } from '../src/shared/protocol.ts';
import { button, el, icon } from './dom.ts';
import { isRunning, type IndexedRun } from './view-model/state.ts';
import { progressView } from './view-model/summary.ts';

export class RunStatusView {
  readonly element: HTMLElement;
  private readonly stage = el('strong', { class: 'progress-stage', 'aria-live': 'polite' });
  private readonly bar = el('progress', { max: 1, value: 0, 'aria-label': 'Analysis progress' });
  private readonly detail = el('div', { class: 'progress-detail' });
  private readonly time = el('div', { class: 'progress-time' });
  private readonly cancel: HTMLButtonElement;
  private readonly progress: HTMLElement;
  private readonly error = el('div', { class: 'run-error', role: 'alert', 'data-testid': 'run-error' });
  private readonly cancelledNote = el('div', { class: 'run-cancelled', role: 'status', 'data-testid': 'run-cancelled' });
  private runIndex = -1;
  private shownError: string | null = null;

  constructor(
    post: (message: PanelToHost) => void,
    private readonly showLabel: boolean,
  ) {
    this.cancel = button(
      'Cancel',
      { class: 'secondary', 'data-testid': 'cancel-run' },
      () => {
        this.cancel.disabled = true;
        this.cancel.querySelector('span:last-child')!.textContent = 'Cancelling…';
        post({ type: 'cancel', runIndex: this.runIndex });
      },
      'debug-stop',
    );
    this.progress = el(
      'div',
      { class: 'progress', 'data-testid': 'run-progress' },
      el('div', { class: 'progress-head' }, icon('loading codicon-modifier-spin'), this.stage, this.cancel),
      this.bar,
      this.detail,
      this.time,
    );
    this.element = el('div', { class: 'run-status' }, this.progress, this.error, this.cancelledNote);
    this.progress.hidden = true;
    this.error.hidden = true;
    this.cancelledNote.hidden = true;
  }

  update(indexed: IndexedRun | null): void {
    const run = indexed?.run ?? null;
    const index = indexed?.index ?? -1;
    const label = run && this.showLabel ? `${run.label}: ` : '';
    if (index !== this.runIndex || !isRunning(run)) this.resetCancel();
    this.runIndex = index;
    this.element.dataset.runIndex = String(index);
    this.progress.hidden = !isRunning(run);
    if (run?.progress) {
      const view = progressView(run.progress);
      setText(this.stage, `${label}${view.stage}`);
      this.bar.value = view.fraction;
      this.bar.setAttribute('aria-valuetext', `${Math.round(100 * view.fraction)}%`);
      setText(this.detail, [view.iteration, view.detail].filter((s) => s).join(' · '));
      setText(this.time, view.time);
    } else if (isRunning(run)) {
      // Started, no progress yet (loading the model and data): an indeterminate bar.
      setText(this.stage, `${label}Starting the analysis…`);
      this.bar.removeAttribute('value');
      this.bar.removeAttribute('aria-valuetext');
      setText(this.detail, '');
      setText(this.time, '');
    }
    this.cancelledNote.hidden = !run?.cancelled || !!run.report;
    if (run?.cancelled) setText(this.cancelledNote, `${label}Cancelled. Re-run to start the analysis again.`);
    this.error.hidden = !run?.error;
    const error = run?.error ? `${label}${run.error}` : null;
    if (error !== null && error !== this.shownError) this.error.replaceChildren(icon('error'), el('span', {}, error));
    this.shownError = error;
  }

  private resetCancel(): void {
    this.cancel.disabled = false;
    this.cancel.querySelector('span:last-child')!.textContent = 'Cancel';
  }
}

function setText(element: HTMLElement, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}
