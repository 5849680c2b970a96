/**
 * The Spectrum tab: the top-k eigenvalues of H and of D H D with their residuals and convergence,
 * and the SLQ spectral density of both operators when the report has it.
 */
import type { Eigenpair, Report } from '../src/shared/report.ts';
import type { PanelState } from '../src/shared/protocol.ts';
import { Dependencies, type PanelContext, type PanelSection } from './context.ts';
import { el, icon, note, numberCell, replaceContent, section, table, tableRegion } from './dom.ts';
import { formatValue } from './view-model/numbers.ts';
import { runResults, type RunResults } from './view-model/results.ts';
import { primaryRun, runContentKey } from './view-model/state.ts';
import {
  densityDescription,
  densitySeries,
  eigenDescription,
  OPERATOR_LABEL,
  OPERATORS,
  spectrumRows,
  spectrumSeries,
  type DensitySeries,
  type EigenSeries,
  type Operator,
} from './view-model/spectrum.ts';
import type { SeriesColor } from './theme.ts';

const COLOR: Record<Operator, SeriesColor> = { invariant: 'blue', euclidean: 'orange' };

/** Power iteration's λ_max beside Lanczos', when the analysis ran the cross-check. */
function crossCheckFacts(report: Report | null): string[] {
  const check = report?.crossCheck;
  if (!check) return [];
  return OPERATORS.map((o) => {
    const c = check[o];
    return `power iteration λ_max(${OPERATOR_LABEL[o]}) = ${formatValue(c.value)} after ${c.iterations} iterations${c.converged ? '' : ' (not converged)'}, relative difference ${formatValue(c.relativeDifference, 2)}`;
  });
}

function pairCells(operator: Operator, pair: Eigenpair | null, text: string): HTMLTableCellElement[] {
  if (!pair) return [el('td', { class: 'num' }, '—'), el('td', { class: 'num' }, '—'), el('td', {}, '—')];
  return [
    numberCell(formatValue(pair.value), pair.value, { 'data-measure': `${operator}-eigenvalue`, title: text }),
    numberCell(formatValue(pair.residual, 2), pair.residual, { 'data-measure': `${operator}-residual` }),
    el(
      'td',
      { 'data-converged': String(pair.converged), class: pair.converged ? 'converged' : 'not-converged' },
      icon(pair.converged ? 'check' : 'warning'),
      pair.converged ? ' yes' : ' not converged',
    ),
  ];
}

export class SpectrumSection implements PanelSection {
  readonly id = 'spectrum';
  readonly label = 'Spectrum';
  readonly element = el('div');
  private readonly built = new Dependencies();

  constructor(private readonly context: PanelContext) {}

  update(state: PanelState): void {
    const run = primaryRun(state)?.run ?? null;
    if (!this.built.changed([runContentKey(run)])) return;
    const results = runResults(run);
    if (!results || (!results.eigenpairs.euclidean && !results.eigenpairs.invariant)) {
      return replaceContent(
        this.element,
        note('The spectrum shows here as soon as the analysis has the top eigenvalues.', { 'data-testid': 'spectrum-empty' }),
      );
    }
    replaceContent(this.element, this.eigenvalues(results), results.report ? this.density(results.report) : null);
  }

  private eigenChart(s: EigenSeries): HTMLElement {
    const unconverged = s.pairs.length - s.convergedCount;
    return this.context.charts.figure({
      id: `spectrum-${s.operator}`,
      title: `Top ${s.pairs.length} eigenvalues of ${OPERATOR_LABEL[s.operator]}`,
      description: eigenDescription(s),
      type: 'bar',
      labels: s.labels,
      series: [
        {
          label: `λ_k(${OPERATOR_LABEL[s.operator]})`,
          color: COLOR[s.operator],
          data: s.plotted,
          flagged: s.pairs.map((p) => !p.converged),
        },
      ],
      xTitle: 'rank k',
      yTitle: 'eigenvalue (log scale)',
      yLog: true,
      tooltipExtra: (_series, i) => `residual ${formatValue(s.pairs[i].residual, 2)}${s.pairs[i].converged ? '' : ', not converged'}`,
      legendNote: [
        unconverged > 0 ? `${unconverged} of ${s.pairs.length} did not converge (outlined).` : 'All converged.',
        s.hiddenCount > 0 ? `${s.hiddenCount} value(s) ≤ 0 cannot be drawn on the log axis: see the table.` : '',
      ]
        .join(' ')
        .trim(),
    });
  }

  private eigenvalues(results: RunResults): HTMLElement {
    const { report } = results;
    const series = spectrumSeries(results);
    const rows = spectrumRows(series).map((r) =>
      el(
        'tr',
        { 'data-rank': r.rank },
        el('th', { scope: 'row' }, `λ${r.rank}`),
        pairCells('euclidean', r.euclidean, r.euclideanText),
        pairCells('invariant', r.invariant, r.invariantText),
      ),
    );
    const header = ['k', 'λ_k(H)', 'residual (H)', 'converged (H)', 'λ_k(D H D)', 'residual (D H D)', 'converged (D H D)'];
    const facts = [
      ...OPERATORS.map((o) => (series[o]?.trace ? `tr(${OPERATOR_LABEL[o]}) = ${series[o]!.trace}` : null)),
      ...OPERATORS.map((o) =>
        series[o]?.minEigenvalue != null ? `λ_min(${OPERATOR_LABEL[o]}) = ${formatValue(series[o]!.minEigenvalue)}` : null,
      ),
      ...crossCheckFacts(report),
      report
        ? report.method === 'exact'
          ? 'computed exactly from the dense Hessian'
          : 'λ by Lanczos (residual ‖Av − λv‖ of each Ritz pair), traces by Hutchinson (± standard error)'
        : null,
    ].filter((f): f is string => f !== null);
    const chartOrPending = (o: Operator) =>
      series[o]
        ? this.eigenChart(series[o]!)
        : note(`The top eigenvalues of ${OPERATOR_LABEL[o]} show here when their stage finishes.`, {
            'data-testid': `spectrum-pending-${o}`,
          });
    return section(
      'Top eigenvalues',
      { 'data-testid': 'spectrum-top' },
      el('div', { class: 'chart-grid' }, OPERATORS.map(chartOrPending)),
      tableRegion(
        'Top eigenvalues table',
        table(
          'Top eigenvalues of H and D H D with residuals and convergence',
          header,
          rows,
          { 'data-testid': 'spectrum-table', 'data-complete': String(report !== null) },
          [0, 3, 6],
        ),
      ),
      note(facts.join(' · ')),
    );
  }

  private densityChart(s: DensitySeries): HTMLElement {
    return this.context.charts.figure({
      id: `density-${s.operator}`,
      title: `Spectral density of ${OPERATOR_LABEL[s.operator]}`,
      description: densityDescription(s),
      type: 'line',
      series: [{ label: `density of ${OPERATOR_LABEL[s.operator]}`, color: COLOR[s.operator], data: s.plotted }],
      xTitle: 'eigenvalue',
      yTitle: 'density (log scale)',
      yLog: true,
      yMin: s.yMin ?? undefined,
      xRange: s.xRange ?? undefined,
    });
  }

  private density(report: Report): HTMLElement {
    if (!report.density) {
      return section(
        'Spectral density',
        { 'data-testid': 'spectrum-density' },
        note(
          'This report has no spectral density. Turn on the setting “Sharpness Lens: Density” (sharpnessLens.density) and re-run, or pass --density to the CLI.',
          { 'data-testid': 'density-absent' },
        ),
      );
    }
    const series = [densitySeries('euclidean', report.density.euclidean), densitySeries('invariant', report.density.invariant)];
    const valuesTable = (s: DensitySeries) =>
      tableRegion(
        `Spectral density of ${OPERATOR_LABEL[s.operator]}, values`,
        table(
          `Spectral density of ${OPERATOR_LABEL[s.operator]}`,
          ['eigenvalue', 'density'],
          s.points.map((p) => el('tr', {}, numberCell(formatValue(p.x), p.x), numberCell(formatValue(p.y), p.y))),
          { 'data-testid': `density-table-${s.operator}` },
          [],
        ),
      );
    return section(
      'Spectral density',
      { 'data-testid': 'spectrum-density' },
      el(
        'div',
        { class: 'chart-grid' },
        series.map((s) => this.densityChart(s)),
      ),
      note(
        'Stochastic Lanczos quadrature with Gaussian smoothing. Densities under 10⁻⁸ of the peak are drawn on the axis floor; the table has every value.',
      ),
      el(
        'details',
        { class: 'density-values' },
        el('summary', {}, `Density values (${series[0].points.length} and ${series[1].points.length} points)`),
        series.map(valuesTable),
      ),
    );
  }
}
