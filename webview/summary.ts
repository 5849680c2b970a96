/** The Summary tab: the headline measures, how they were computed, the model and its symmetries. */
import type { PanelState } from '../src/shared/protocol.ts';
import type { Report } from '../src/shared/report.ts';
import { runResults, type RunResults } from './view-model/results.ts';
import { Dependencies, type PanelContext, type PanelSection } from './context.ts';
import { el, icon, note, numberCell, replaceContent, section, table, tableRegion } from './dom.ts';
import { RunStatusView } from './progress.ts';
import { formatCount, formatValue } from './view-model/numbers.ts';
import { isRunning, primaryRun, runContentKey } from './view-model/state.ts';
import { headlineItems, modelLayerRows, PENDING, runItems, warningTexts, type SummaryItem } from './view-model/summary.ts';

/**
 * One measure or fact. Its data-testid is "summary-<key>" for the finished report's value only, so a
 * test waiting for it reads the final number; while the run streams results it is
 * "summary-<key>-partial" (known) or "summary-<key>-pending" (not computed yet).
 */
function item(i: SummaryItem, className: string, complete: boolean): HTMLElement {
  const pending = i.text === PENDING;
  return el(
    'div',
    {
      class: `${className}${i.qualifier ? ' not-converged' : ''}${pending ? ' pending' : ''}`,
      'data-testid': `summary-${i.key}${pending ? '-pending' : complete ? '' : '-partial'}`,
      'data-value': i.value === null ? null : String(i.value),
    },
    el('dt', {}, i.label),
    el(
      'dd',
      { class: 'item-value' },
      i.qualifier ? icon('warning') : null,
      i.text,
      i.qualifier ? el('span', { class: 'qualifier' }, ` (${i.qualifier})`) : null,
    ),
    i.interval ? el('dd', { class: 'item-interval', 'data-testid': `summary-${i.key}-interval` }, i.interval) : null,
    i.curve && i.curve.length > 1 ? el('dd', { class: 'item-curve' }, convergenceChart(i)) : null,
    i.hint ? el('dd', { class: 'item-hint' }, i.hint) : null,
  );
}

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag: string, attributes: Record<string, string | number>): SVGElement {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, String(v));
  return node;
}

/**
 * The measure at 128, 256, … samples as a small chart beside the number: the value as a line, its
 * 95% half-width as a band, samples on a log axis. Drawn with SVG, the figures' colours from the theme.
 */
function convergenceChart(i: SummaryItem): SVGElement {
  const points = i.curve!;
  const [width, height, pad] = [120, 36, 2];
  const lows = points.map((p) => p.value - p.halfWidth);
  const highs = points.map((p) => p.value + p.halfWidth);
  const [yMin, yMax] = [Math.min(...lows), Math.max(...highs)];
  const [xMin, xMax] = [Math.log(points[0].samples), Math.log(points[points.length - 1].samples)];
  const x = (s: number) => pad + ((Math.log(s) - xMin) / (xMax - xMin || 1)) * (width - 2 * pad);
  const y = (v: number) => height - pad - ((v - yMin) / (yMax - yMin || 1)) * (height - 2 * pad);
  const chart = svg('svg', {
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    class: 'convergence-chart',
    role: 'img',
    'data-testid': `summary-${i.key}-convergence`,
  });
  const label = `${i.label} against the number of analysis samples: ${points.map((p) => `${formatCount(p.samples)}: ${formatValue(p.value)} ± ${formatValue(p.halfWidth, 2)}`).join('; ')}`;
  chart.setAttribute('aria-label', label);
  const title = svg('title', {});
  title.textContent = label;
  chart.append(title);
  const band = [
    ...points.map((p, k) => `${x(p.samples)},${y(highs[k])}`),
    ...[...points].reverse().map((p, k) => `${x(p.samples)},${y(lows[points.length - 1 - k])}`),
  ];
  chart.append(svg('polygon', { points: band.join(' '), class: 'convergence-band' }));
  chart.append(svg('polyline', { points: points.map((p) => `${x(p.samples)},${y(p.value)}`).join(' '), class: 'convergence-line' }));
  return chart;
}

function layersTable(model: Report['model']): HTMLElement {
  const rows = modelLayerRows(model).map((r) =>
    el(
      'tr',
      { 'data-layer': r.name, class: r.frozenParameterCount > 0 ? 'frozen' : null, 'data-frozen': String(r.frozenParameterCount > 0) },
      el('th', { scope: 'row', class: 'layer-path' }, r.name),
      el('td', {}, r.className),
      numberCell(
        `${formatCount(r.parameterCount)}${r.frozenParameterCount > 0 ? ` + ${formatCount(r.frozenParameterCount)} frozen` : ''}`,
        r.parameterCount,
      ),
      el('td', { class: 'weights' }, r.weights),
      el('td', { 'data-homogeneous': String(r.homogeneous) }, icon(r.homogeneous ? 'check' : 'circle-slash'), ` ${r.homogeneityText}`),
    ),
  );
  return tableRegion(
    'Layers',
    table(
      'The model’s layers',
      ['Layer', 'Class', 'Parameters', 'Weights', 'Positively homogeneous'],
      rows,
      { 'data-testid': 'summary-layers' },
      [0, 1, 3, 4],
    ),
  );
}

function resultsView(results: RunResults): (HTMLElement | null)[] {
  const { report, evaluation } = results;
  const model = evaluation?.model ?? null;
  const facts = runItems(results);
  return [
    report ? null : note('Results so far: the rest fills in as the analysis finishes each stage.', { 'data-testid': 'summary-partial' }),
    el(
      'dl',
      { class: 'metrics', 'data-testid': 'summary-metrics', 'data-complete': String(report !== null) },
      headlineItems(results).map((i) => item(i, 'metric', report !== null)),
    ),
    facts.length > 0
      ? section(
          'Run',
          { 'data-testid': 'summary-run' },
          el(
            'dl',
            { class: 'facts' },
            facts.map((i) => item(i, 'fact', report !== null)),
          ),
        )
      : null,
    model ? section('Layers', { 'data-testid': 'summary-model-layers' }, layersTable(model)) : null,
    model
      ? section(
          'Rescaling symmetries',
          { 'data-testid': 'summary-symmetries' },
          model.symmetries.summary.length > 0
            ? el(
                'ul',
                {},
                model.symmetries.summary.map((s) => el('li', {}, s)),
              )
            : note('No function-preserving rescaling applies to this model: every measure is already comparable.'),
        )
      : null,
    report && report.warnings.length > 0
      ? section(
          'Warnings',
          { 'data-testid': 'summary-warnings', class: 'warnings' },
          el(
            'ul',
            {},
            warningTexts(report).map((w) => el('li', {}, icon('warning'), ` ${w}`)),
          ),
        )
      : null,
  ];
}

export class SummarySection implements PanelSection {
  readonly id = 'summary';
  readonly label = 'Summary';
  readonly element = el('div');
  private readonly runStatus: RunStatusView;
  private readonly content = el('div', { class: 'section-content' });
  private readonly built = new Dependencies();

  constructor(context: PanelContext) {
    this.runStatus = new RunStatusView(context.post, false);
    this.element.append(this.runStatus.element, this.content);
  }

  update(state: PanelState): void {
    const primary = primaryRun(state);
    this.runStatus.update(primary);
    const run = primary?.run ?? null;
    if (!this.built.changed([runContentKey(run), !!primary, isRunning(run)])) return;
    const results = runResults(run);
    if (results) replaceContent(this.content, resultsView(results));
    else if (!primary)
      replaceContent(
        this.content,
        note('No analysis yet. Run “Sharpness: Inspect Model” on a model.json.', { 'data-testid': 'summary-empty' }),
      );
    else if (isRunning(run))
      replaceContent(this.content, note('The results show here as soon as the analysis has them.', { 'data-testid': 'summary-pending' }));
    else replaceContent(this.content);
  }

  status(state: PanelState): 'running' | 'error' | null {
    const run = primaryRun(state)?.run;
    return run?.error ? 'error' : isRunning(run) ? 'running' : null;
  }
}
