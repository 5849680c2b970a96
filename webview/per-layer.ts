/**
 * The Per layer tab: invariant vs Euclidean λ_max per layer (grouped bars, log axis), the same numbers
 * in a table, and the details of the layer chosen by clicking its bars or its row. Nested layers are
 * named by their full path in the table, the details and the tooltips, by its shortest distinguishing
 * ending under the bars; frozen layers are rows of their own, greyed, without bars or numbers.
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
  layerTableRows,
  PER_LAYER_COLUMNS,
  perLayerRows,
  sharpestLayer,
  type FrozenLayerRow,
  type LayerSource,
  type LayerTableRow,
  type PerLayerRow,
} from './view-model/per-layer.ts';
import { runResults } from './view-model/results.ts';
import { isRunning, primaryRun, runContentKey } from './view-model/state.ts';

/** "1 frozen layer", "3 frozen layers". */
const frozenLayers = (n: number) => (n === 1 ? '1 frozen layer' : `${n} frozen layers`);

function chartDescription(rows: PerLayerRow[], frozen: number): string {
  const parts = rows.map((r) => `${r.name}: invariant ${r.cells[0].text}, Euclidean ${r.cells[1].text}`);
  const frozenPart = frozen > 0 ? ` Not charted: ${frozenLayers(frozen)}.` : '';
  return `Grouped bar chart, logarithmic scale: λ_max of D H D (invariant) and of H (Euclidean) for each of ${rows.length} layers. ${parts.join('; ')}.${frozenPart}`;
}

/** A layer path that may wrap after each "/" but never inside a name. */
function pathText(name: string): (HTMLElement | string)[] {
  return name.split('/').flatMap((segment, i) => [...(i > 0 ? ['/', el('wbr')] : []), el('span', { class: 'path-segment' }, segment)]);
}

function frozenNote(count: number): HTMLElement {
  return note(
    `Frozen (trainable: false): its ${formatCount(count)} parameters are constants of the analysis, not part of θ, so this layer has no per-layer sharpness.`,
    { 'data-testid': 'layer-frozen' },
  );
}

function detailsView(report: LayerSource, name: string): HTMLElement {
  const d = layerDetails(report, name);
  if (!d) return note(`No layer named ${name} in this report.`);
  const s = d.sharpness;
  const facts: [string, string, number | null][] = [
    ['Class', d.layer.className, null],
    ['Parameters', `${formatCount(d.layer.parameterCount)} (${formatPercent(d.parameterShare)} of the model)`, d.layer.parameterCount],
  ];
  if (d.frozenParameterCount > 0) facts.push(['Frozen parameters', formatCount(d.frozenParameterCount), d.frozenParameterCount]);
  facts.push(['Output shape', formatShape(d.layer.outputShape), null]);
  if (s) {
    facts.push(
      ['λ_max(D H D)', formatConverged(s.invariantSharpness, s.converged), s.invariantSharpness],
      ['λ_max(H)', formatConverged(s.euclideanSharpness, s.converged), s.euclideanSharpness],
      ['tr(D H D)', formatWithError(s.invariantTrace, s.invariantTraceStandardError), s.invariantTrace],
      ['tr(H)', formatWithError(s.euclideanTrace, s.euclideanTraceStandardError), s.euclideanTrace],
      ['λ_max(D H D) / λ_max(H)', formatValue(d.invariantToEuclidean), d.invariantToEuclidean],
    );
  }
  const weights = d.weights.map((w) =>
    el(
      'tr',
      { 'data-weight': w.manifestName },
      el('th', { scope: 'row' }, w.label),
      el('td', {}, formatShape(w.shape)),
      el('td', {}, w.status),
      el('td', { class: 'manifest-name' }, w.manifestName),
    ),
  );
  return section(
    `Layer ${name}`,
    { 'data-testid': 'layer-details', 'data-layer': name, class: 'layer-details' },
    !s && d.frozenParameterCount > 0 ? frozenNote(d.frozenParameterCount) : null,
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
          table(
            `Weights of ${name}`,
            ['Weight', 'Shape', 'In the analysis', 'In the manifest'],
            weights,
            { 'data-testid': 'layer-weights' },
            [0, 1, 2, 3],
          ),
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
    const tableRows = layerTableRows(report);
    const frozen = tableRows.filter((r) => r.kind === 'frozen').length;
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
      description: chartDescription(rows, frozen),
      type: 'bar',
      labels: rows.map((r) => r.chartLabel),
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
      // The full path under a shortened label, and what makes a bar uncertain.
      tooltipExtra: (_s, i) =>
        [rows[i].chartLabel !== rows[i].name ? rows[i].name : null, rows[i].converged ? null : 'not converged']
          .filter((t) => t !== null)
          .join(' · ') || null,
      onSelect: (i) => this.select(rows[i].name),
      legendNote:
        `Click a layer’s bars, or its name in the table, for its details.${anyUnconverged ? ' Outlined bars did not converge.' : ''}` +
        (frozen > 0 ? ` No bars for ${frozenLayers(frozen)} (trainable: false): frozen weights are not part of θ.` : ''),
    });
    replaceContent(this.element, soFar, figure, this.tableView(tableRows, !!results?.report), this.details);
    const chosen =
      this.context.view.layer && tableRows.some((r) => r.row.name === this.context.view.layer)
        ? this.context.view.layer
        : sharpestLayer(report);
    if (chosen) this.select(chosen);
  }

  private layerButton(name: string): HTMLButtonElement {
    const choose = on(
      el(
        'button',
        { type: 'button', class: 'link layer-button', 'aria-pressed': 'false', 'data-testid': 'select-layer', 'data-layer': name },
        pathText(name),
      ),
      'click',
      () => this.select(name),
    );
    this.rowButtons.set(name, choose);
    return choose;
  }

  /** A frozen layer's row, greyed: its frozen parameters and no numbers. */
  private frozenRow(r: FrozenLayerRow): HTMLTableRowElement {
    return el(
      'tr',
      { 'data-layer': r.name, 'data-testid': 'per-layer-row-frozen', class: 'frozen' },
      el('th', { scope: 'row' }, this.layerButton(r.name)),
      numberCell(`${formatCount(r.frozenParameterCount)} frozen`, r.frozenParameterCount, { 'data-measure': 'frozenParameterCount' }),
      el(
        'td',
        { colspan: String(PER_LAYER_COLUMNS.length), class: 'frozen-note' },
        icon('lock'),
        ' frozen (trainable: false): not part of θ',
      ),
    );
  }

  /** Rows are "per-layer-row" in a finished report, "per-layer-row-partial" while layers stream in, "per-layer-row-frozen" for frozen layers. */
  private tableView(rows: LayerTableRow[], complete: boolean): HTMLElement {
    const body = rows.map(({ kind, row }) => {
      if (kind === 'frozen') return this.frozenRow(row);
      const r = row;
      return el(
        'tr',
        {
          'data-layer': r.name,
          'data-testid': complete ? 'per-layer-row' : 'per-layer-row-partial',
          'data-converged': String(r.converged),
        },
        el('th', { scope: 'row' }, this.layerButton(r.name)),
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
        'Per-layer sharpness: λ_max and traces of each layer’s diagonal block, ± standard error where estimated; frozen layers have none',
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
