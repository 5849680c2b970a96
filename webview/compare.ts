/**
 * The Compare tab: several models on the same data — typically small-batch vs large-batch training of
 * one architecture — with the invariant and the Euclidean sharpness of each, whole and per layer.
 */
import type { PanelState } from '../src/shared/protocol.ts';
import { Dependencies, type PanelContext, type PanelSection } from './context.ts';
import { el, icon, note, numberCell, replaceContent, section, table, tableRegion } from './dom.ts';
import { RunStatusView } from './progress.ts';
import { MODEL_COLORS } from './theme.ts';
import { COMPARE_COLUMNS, compareSeries, flattestModel, type CompareSeries } from './view-model/compare.ts';
import { formatValue, logAxisValue } from './view-model/numbers.ts';
import { comparedRuns, isRunning, labelledReports, reportKey, type IndexedRun } from './view-model/state.ts';

export class CompareSection implements PanelSection {
  readonly id = 'compare';
  readonly label = 'Compare';
  readonly element = el('div');
  private readonly statusList = el('div', { class: 'run-status-list' });
  private readonly content = el('div', { class: 'section-content' });
  private statusViews: RunStatusView[] = [];
  private readonly statusBuilt = new Dependencies();
  private readonly built = new Dependencies();

  constructor(private readonly context: PanelContext) {
    this.element.append(this.statusList, this.content);
  }

  update(state: PanelState): void {
    const runs = comparedRuns(state).filter(({ run }) => run.role === 'compare');
    this.updateStatus(runs);
    const entries = labelledReports(comparedRuns(state));
    const pending = runs.some(({ run }) => isRunning(run));
    if (!this.built.changed([...entries.map((e) => `${e.label}|${reportKey(e.report)}`), entries.length, pending])) return;
    if (entries.length < 2) {
      replaceContent(
        this.content,
        pending
          ? note('The comparison shows here once two or more of the models have been analysed.', { 'data-testid': 'compare-pending' })
          : note(
              'Compare models: run “Sharpness: Compare Models…” with two or more models of one architecture (e.g. trained with small and large batches) on the same data.',
              { 'data-testid': 'compare-empty' },
            ),
      );
      return;
    }
    const series = compareSeries(entries);
    replaceContent(this.content, this.overview(series), this.perLayer(series));
  }

  status(state: PanelState): 'running' | 'error' | null {
    const runs = comparedRuns(state).filter(({ run }) => run.role === 'compare');
    return runs.some(({ run }) => run.error) ? 'error' : runs.some(({ run }) => isRunning(run)) ? 'running' : null;
  }

  private updateStatus(runs: IndexedRun[]): void {
    if (this.statusBuilt.changed([runs.map((r) => r.index).join(',')])) {
      this.statusViews = runs.map(() => new RunStatusView(this.context.post, true));
      replaceContent(
        this.statusList,
        this.statusViews.map((v) => v.element),
      );
    }
    runs.forEach((run, i) => this.statusViews[i].update(run));
  }

  private overview(series: CompareSeries): HTMLElement {
    const flattest = flattestModel(series);
    const flattestEuclidean = flattestModel(series, 'euclideanSharpness');
    const rows = series.models.map((m) =>
      el(
        'tr',
        { 'data-testid': 'compare-row', 'data-model': m.label, 'data-path': m.modelPath },
        el('th', { scope: 'row' }, m.label),
        m.cells.map((c) => numberCell(c.text, c.value, { 'data-measure': c.key })),
      ),
    );
    return section(
      'Models',
      { 'data-testid': 'compare-models' },
      series.warnings.length > 0
        ? el(
            'ul',
            { class: 'warnings', 'data-testid': 'compare-warnings' },
            series.warnings.map((w) => el('li', {}, icon('warning'), ` ${w}`)),
          )
        : null,
      flattest
        ? el(
            'p',
            { class: 'verdict', 'data-testid': 'compare-verdict' },
            `Flattest by the invariant λ_max(D H D): ${flattest.label} (${formatValue(flattest.invariantSharpness)}).`,
            flattestEuclidean
              ? ` By the Euclidean λ_max(H): ${flattestEuclidean.label} (${formatValue(flattestEuclidean.euclideanSharpness)})${flattestEuclidean === flattest ? ', the same model' : ', a different model: the Euclidean measure depends on the weights’ scale'}.`
              : null,
          )
        : null,
      series.significance.length > 0
        ? el(
            'ul',
            { class: 'significance', 'data-testid': 'compare-significance' },
            series.significance.map((s) =>
              el(
                'li',
                { 'data-model': s.model, 'data-measure': s.measure, 'data-significant': String(s.significant) },
                icon(s.significant ? 'check' : 'circle-slash'),
                ` ${s.text}.`,
              ),
            ),
          )
        : null,
      this.context.charts.figure({
        id: 'compare-models',
        title: 'Sharpness per model: invariant vs Euclidean',
        description: `Grouped bar chart, logarithmic scale: λ_max(D H D) and λ_max(H) of ${series.models.length} models. ${series.models.map((m) => `${m.label}: invariant ${formatValue(m.invariantSharpness)}, Euclidean ${formatValue(m.euclideanSharpness)}`).join('; ')}.`,
        type: 'bar',
        labels: series.models.map((m) => m.label),
        series: [
          { label: 'λ_max(D H D), invariant', color: 'blue', data: series.models.map((m) => logAxisValue(m.invariantSharpness)) },
          { label: 'λ_max(H), Euclidean', color: 'orange', data: series.models.map((m) => logAxisValue(m.euclideanSharpness)) },
        ],
        xTitle: 'model',
        yTitle: 'λ_max (log scale)',
        yLog: true,
      }),
      tableRegion(
        'Models table',
        table('Each model’s sharpness, loss and accuracy', ['Model', ...COMPARE_COLUMNS.map((c) => c.label)], rows, {
          'data-testid': 'compare-table',
        }),
      ),
    );
  }

  private perLayer(series: CompareSeries): HTMLElement {
    if (series.layers.length === 0) return note('None of these reports has per-layer sharpness.');
    const rows = series.layers.map((layer, l) =>
      el(
        'tr',
        { 'data-layer': layer },
        el('th', { scope: 'row' }, layer),
        series.models.map((m, i) =>
          numberCell(formatValue(series.perLayerInvariant[i][l]), series.perLayerInvariant[i][l], { 'data-model': m.label }),
        ),
      ),
    );
    return section(
      'Per layer',
      { 'data-testid': 'compare-per-layer' },
      series.layerMatching === 'position'
        ? note('The models name their layers differently: layers are matched by position.', { 'data-testid': 'compare-layer-matching' })
        : null,
      this.context.charts.figure({
        id: 'compare-layers',
        title: 'Invariant λ_max per layer, per model',
        description: `Grouped bar chart, logarithmic scale: λ_max of each layer's block of D H D, grouped by layer, one bar per model. ${series.layers
          .map(
            (layer, l) =>
              `${layer}: ${series.models.map((m, i) => `${m.label} ${formatValue(series.perLayerInvariant[i][l])}`).join(', ')}`,
          )
          .join('; ')}.`,
        type: 'bar',
        labels: series.layers,
        series: series.models.map((m, i) => ({
          label: m.label,
          color: MODEL_COLORS[i % MODEL_COLORS.length],
          data: series.perLayerInvariant[i].map(logAxisValue),
        })),
        xTitle: 'layer',
        yTitle: 'λ_max(D H D) of the layer (log scale)',
        yLog: true,
      }),
      tableRegion(
        'Per-layer comparison table',
        table('Invariant λ_max of each layer, per model', ['Layer', ...series.models.map((m) => m.label)], rows, {
          'data-testid': 'compare-layers-table',
        }),
      ),
    );
  }
}
