/**
 * The Per layer tab: invariant vs Euclidean λ_max per layer (grouped bars, log axis), the same numbers
 * in a table, and the details of the layer chosen by clicking its bars or its row.
 */
import type { PanelState } from '../src/shared/protocol.ts';
import { Dependencies, type PanelContext, type PanelSection } from './context.ts';
import { el, icon, note, numberCell, on, replaceContent, section, table, tableRegion } from './dom.ts';
import {
  formatConverged,
  formatCount,
  formatPercent,
  formatShape,
  formatValue,
  formatWithError,
  logAxisValue,
} from './view-model/numbers.ts';
import {
  layerDetails,
  PER_LAYER_COLUMNS,
  perLayerRows,
  sharpestLayer,
  type LayerSource,
  type PerLayerRow,
} from './view-model/per-layer.ts';
import { runResults } from './view-model/results.ts';
import { isRunning, primaryRun, runContentKey } from './view-model/state.ts';

function chartDescription(rows: PerLayerRow[]): string {
  const parts = rows.map((r) => `${r.name}: invariant ${r.cells[0].text}, Euclidean ${r.cells[1].text}`);
  return `Grouped bar chart, logarithmic scale: λ_max of D H D (invariant) and of H (Euclidean) for each of ${rows.length} layers. ${parts.join('; ')}.`;
}

function detailsView(report: LayerSource, name: string): HTMLElement {
  const d = layerDetails(report, name);
  if (!d) return note(`No layer named ${name} in this report.`);
  const s = d.sharpness;
  const facts: [string, string, number | null][] = [
    ['Class', d.layer.className, null],
    ['Parameters', `${formatCount(d.layer.parameterCount)} (${formatPercent(d.parameterShare)} of the model)`, d.layer.parameterCount],
    ['Output shape', formatShape(d.layer.outputShape), null],
  ];
  if (s) {
    facts.push(
      ['λ_max(D H D)', formatConverged(s.invariantSharpness, s.converged), s.invariantSharpness],
      ['λ_max(H)', formatConverged(s.euclideanSharpness, s.converged), s.euclideanSharpness],
      ['tr(D H D)', formatWithError(s.invariantTrace, s.invariantTraceStandardError), s.invariantTrace],
      ['tr(H)', formatWithError(s.euclideanTrace, s.euclideanTraceStandardError), s.euclideanTrace],
      ['λ_max(D H D) / λ_max(H)', formatValue(d.invariantToEuclidean), d.invariantToEuclidean],
    );
  }
  const weights = d.layer.weights.map((w) =>
    el(
      'tr',
      {},
      el('th', { scope: 'row' }, w.name),
      el('td', {}, formatShape(w.shape)),
      el('td', {}, w.trainable ? 'trainable' : 'frozen'),
    ),
  );
  return section(
    `Layer ${name}`,
    { 'data-testid': 'layer-details', 'data-layer': name, class: 'layer-details' },
    el(
      'dl',
      { class: 'facts' },
      facts.map(([label, text, value]) =>
        el(
          'div',
          { class: 'fact', 'data-value': value === null ? null : String(value) },
          el('dt', {}, label),
          el('dd', { class: 'item-value' }, text),
        ),
      ),
    ),
    el(
      'p',
      { class: d.layer.positivelyHomogeneous ? 'homogeneity' : 'homogeneity not-homogeneous' },
      icon(d.layer.positivelyHomogeneous ? 'check' : 'circle-slash'),
      ` ${d.homogeneity}`,
    ),
    weights.length > 0
      ? tableRegion(
          `Weights of ${name}`,
          table(`Weights of ${name}`, ['Weight', 'Shape', 'Trainable'], weights, { 'data-testid': 'layer-weights' }, [0, 1, 2]),
        )
      : note('This layer has no weights.'),
  );
}

export class PerLayerSection implements PanelSection {
  readonly id = 'per-layer';
  readonly label = 'Per layer';
  readonly element = el('div');
  private readonly built = new Dependencies();
  private readonly details = el('div');
  private rowButtons = new Map<string, HTMLButtonElement>();
  private report: LayerSource | null = null;

  constructor(private readonly context: PanelContext) {}

  update(state: PanelState): void {
    const run = primaryRun(state)?.run ?? null;
    if (!this.built.changed([runContentKey(run), isRunning(run)])) return;
    const results = runResults(run);
    // While the analysis runs, the layers finished so far (each streamed as its stage ends).
    const report: LayerSource | null =
      results?.report ?? (results?.evaluation ? { model: results.evaluation.model, perLayer: results.perLayer } : null);
    this.report = report;
    this.rowButtons = new Map();
    if (!report || (report.perLayer.length === 0 && !results?.report)) {
      const message = isRunning(run)
        ? 'Per-layer sharpness shows here as the analysis finishes each layer.'
        : 'Per-layer sharpness shows here once the analysis has a report.';
      return replaceContent(this.element, note(message, { 'data-testid': 'per-layer-empty' }));
    }
    if (report.perLayer.length === 0) {
      return replaceContent(
        this.element,
        note('This report has no per-layer sharpness: it was computed with the per-layer measures turned off.', {
          'data-testid': 'per-layer-empty',
        }),
      );
    }
    const rows = perLayerRows(report);
    const layersWithParameters = report.model.layers.filter((l) => l.parameterCount > 0).length;
    const soFar = results?.report
      ? null
      : note(`${rows.length} of ${layersWithParameters} layers so far; the analysis is still running.`, {
          'data-testid': 'per-layer-partial',
        });
    const anyUnconverged = rows.some((r) => !r.converged);
    const figure = this.context.charts.figure({
      id: 'per-layer',
      title: 'λ_max per layer: invariant (D H D) vs Euclidean (H)',
      description: chartDescription(rows),
      type: 'bar',
      labels: rows.map((r) => r.name),
      series: [
        {
          label: 'λ_max(D H D), invariant',
          color: 'blue',
          data: rows.map((r) => logAxisValue(r.cells[0].value)),
          flagged: rows.map((r) => !r.converged),
        },
        {
          label: 'λ_max(H), Euclidean',
          color: 'orange',
          data: rows.map((r) => logAxisValue(r.cells[1].value)),
          flagged: rows.map((r) => !r.converged),
        },
      ],
      xTitle: 'layer',
      yTitle: 'λ_max (log scale)',
      yLog: true,
      tooltipExtra: (_s, i) => (rows[i].converged ? null : 'not converged'),
      onSelect: (i) => this.select(rows[i].name),
      legendNote: `Click a layer’s bars, or its name in the table, for its details.${anyUnconverged ? ' Outlined bars did not converge.' : ''}`,
    });
    replaceContent(this.element, soFar, figure, this.tableView(rows, !!results?.report), this.details);
    const chosen =
      this.context.view.layer && rows.some((r) => r.name === this.context.view.layer) ? this.context.view.layer : sharpestLayer(report);
    if (chosen) this.select(chosen);
  }

  /** Rows are "per-layer-row" in a finished report, "per-layer-row-partial" while layers stream in. */
  private tableView(rows: PerLayerRow[], complete: boolean): HTMLElement {
    const body = rows.map((r) => {
      const choose = on(
        el(
          'button',
          { type: 'button', class: 'link layer-button', 'aria-pressed': 'false', 'data-testid': 'select-layer', 'data-layer': r.name },
          r.name,
        ),
        'click',
        () => this.select(r.name),
      );
      this.rowButtons.set(r.name, choose);
      return el(
        'tr',
        {
          'data-layer': r.name,
          'data-testid': complete ? 'per-layer-row' : 'per-layer-row-partial',
          'data-converged': String(r.converged),
        },
        el('th', { scope: 'row' }, choose),
        numberCell(formatCount(r.parameterCount), r.parameterCount, { 'data-measure': 'parameterCount' }),
        r.cells.map((c) =>
          numberCell(c.text, c.value, {
            'data-measure': c.key,
            class: r.converged || !c.key.endsWith('Sharpness') ? 'num' : 'num not-converged',
          }),
        ),
      );
    });
    return tableRegion(
      'Per-layer sharpness table',
      table(
        'Per-layer sharpness: λ_max and traces of each layer’s diagonal block, ± standard error where estimated',
        ['Layer', 'Parameters', ...PER_LAYER_COLUMNS.map((c) => c.label)],
        body,
        { 'data-testid': 'per-layer-table', 'data-complete': String(complete) },
      ),
    );
  }

  private select(name: string): void {
    if (!this.report) return;
    for (const [layer, b] of this.rowButtons) {
      b.setAttribute('aria-pressed', String(layer === name));
      b.closest('tr')?.classList.toggle('selected', layer === name);
    }
    replaceContent(this.details, detailsView(this.report, name));
    if (this.context.view.layer !== name) {
      this.context.view.layer = name;
      this.context.viewChanged();
    }
  }
}
