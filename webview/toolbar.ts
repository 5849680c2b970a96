/** The panel's header: which model, open it, re-run, and export the report (the host writes the files). */
import type { ExportFormat, PanelState, PanelToHost } from '../src/shared/protocol.ts';
import { button, el, on } from './dom.ts';
import { isRunning, primaryRun } from './view-model/state.ts';

const EXPORTS: { format: ExportFormat; label: string; title: string }[] = [
  { format: 'json', label: 'JSON', title: 'Save the report as JSON (the CLI’s schema)' },
  { format: 'csv', label: 'CSV', title: 'Save the per-layer numbers as CSV' },
  { format: 'markdown', label: 'Markdown', title: 'Save the report as Markdown' },
];

export class Toolbar {
  readonly element: HTMLElement;
  private readonly title = el('h1', { class: 'panel-title', 'data-testid': 'panel-title' });
  private readonly modelLink: HTMLButtonElement;
  private readonly rerun: HTMLButtonElement;
  private readonly exports: HTMLButtonElement[];
  private modelPath = '';

  constructor(post: (message: PanelToHost) => void) {
    this.modelLink = on(
      el('button', { type: 'button', class: 'link', 'data-testid': 'open-model', title: 'Open model.json' }),
      'click',
      () => {
        if (this.modelPath) post({ type: 'openFile', path: this.modelPath });
      },
    );
    this.rerun = button(
      'Re-run',
      { class: 'secondary', 'data-testid': 'rerun', title: 'Run the analysis again' },
      () => post({ type: 'rerun' }),
      'refresh',
    );
    this.exports = EXPORTS.map(({ format, label, title }) =>
      button(
        label,
        { class: 'secondary', 'data-testid': `export-${format}`, title, 'aria-label': `Export report as ${label}` },
        () => post({ type: 'export', format }),
        'export',
      ),
    );
    this.element = el(
      'header',
      { class: 'toolbar', 'data-testid': 'toolbar' },
      el('div', { class: 'toolbar-title' }, this.title, this.modelLink),
      el(
        'div',
        { class: 'toolbar-actions', role: 'group', 'aria-label': 'Report actions' },
        this.rerun,
        el('span', { class: 'toolbar-separator', 'aria-hidden': 'true' }),
        this.exports,
      ),
    );
  }

  update(state: PanelState): void {
    this.title.textContent = state.title;
    this.modelPath = state.modelPath;
    this.modelLink.textContent = state.modelPath;
    this.modelLink.hidden = !state.modelPath;
    const primary = primaryRun(state);
    const hasReport = !!primary?.run.report;
    this.rerun.disabled = !primary || isRunning(primary.run);
    for (const b of this.exports) b.disabled = !hasReport;
  }
}
