/**
 * Chart.js, tree-shaken, themed from VS Code's colours. Each chart is a <figure>: a canvas with
 * role="img" and a summarising aria-label (the numbers are in a table beside it), a PNG export
 * button, and data-rendered="true" once it has painted at a real size (the e2e tests wait for it).
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  ScatterController,
  Title,
  Tooltip,
  type ChartConfiguration,
  type ChartDataset,
  type Plugin,
  type Scale,
  type TooltipItem,
} from 'chart.js';
import type { PanelToHost } from '../src/shared/protocol.ts';
import { button, el } from './dom.ts';
import { readTheme, withAlpha, type ChartTheme, type SeriesColor } from './theme.ts';
import { formatValue } from './view-model/numbers.ts';

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  LogarithmicScale,
  LineController,
  LineElement,
  PointElement,
  ScatterController,
  Legend,
  Tooltip,
  Title,
);

export interface SeriesSpec {
  label: string;
  color: SeriesColor;
  /** Bars: one value per label (null = a gap). Lines: points. */
  data: (number | null)[] | { x: number; y: number }[];
  /** Points drawn hollow with a red outline: e.g. an eigenvalue that did not converge. */
  flagged?: boolean[];
}

export interface ChartSpec {
  /** Stable id: the figure's data-chart, and the name the host gives the PNG. */
  id: string;
  title: string;
  /** The canvas's aria-label: what the chart shows, with its numbers. */
  description: string;
  type: 'bar' | 'line';
  /** Category labels (bar charts); an array is drawn as lines. */
  labels?: (string | string[])[];
  series: SeriesSpec[];
  xTitle: string;
  yTitle: string;
  yLog: boolean;
  yMin?: number;
  /** Line charts: the x axis spans exactly this range (no padding to round numbers). */
  xRange?: [number, number];
  /** Extra tooltip lines for a point. */
  tooltipExtra?: (seriesIndex: number, index: number) => string | null;
  /** A click on a bar or point selects its category. */
  onSelect?: (index: number) => void;
  /** A visible note under the chart (e.g. what outlined bars mean). */
  legendNote?: string;
}

type AnyChart = Chart<'bar' | 'line', (number | null | { x: number; y: number })[], string | string[]>;

interface Entry {
  chart: AnyChart;
  spec: ChartSpec;
  figure: HTMLElement;
}

/** An axis label: "1e-4" rather than "1.0e-4" where formatValue would switch to exponents. */
function tickLabel(value: number): string {
  const magnitude = Math.abs(value);
  return value !== 0 && (magnitude >= 1e6 || magnitude < 1e-3) ? value.toExponential(0) : formatValue(value, 3);
}

/** Log-axis labels at 1·10ⁿ only when the axis spans many decades, else at 1, 2 and 5. */
function logTick(this: Scale, tickValue: number | string): string {
  const value = Number(tickValue);
  if (!(value > 0)) return '';
  const significand = Math.round((value / 10 ** Math.floor(Math.log10(value) + 1e-9)) * 1000) / 1000;
  const decades = this.max > 0 && this.min > 0 ? Math.log10(this.max / this.min) : 0;
  return (decades > 2 ? [1] : [1, 2, 5]).includes(significand) ? tickLabel(value) : '';
}

function dataset(
  spec: ChartSpec,
  s: SeriesSpec,
  theme: ChartTheme,
): ChartDataset<'bar' | 'line', (number | null | { x: number; y: number })[]> {
  const color = theme.series[s.color];
  if (spec.type === 'line') {
    return {
      type: 'line',
      label: s.label,
      data: s.data,
      borderColor: color,
      backgroundColor: color,
      borderWidth: 1.5,
      pointRadius: 0,
      pointHitRadius: 4,
      tension: 0,
      spanGaps: false,
    };
  }
  // Scriptable per bar; the legend (no dataIndex) shows the series' own colour.
  const flagged = (context: { dataIndex?: number }) => context.dataIndex !== undefined && s.flagged?.[context.dataIndex] === true;
  return {
    type: 'bar',
    label: s.label,
    data: s.data,
    backgroundColor: (context) => (flagged(context) ? withAlpha(color, 0.35) : color),
    borderColor: (context) => (flagged(context) ? theme.series.red : color),
    borderWidth: (context) => (flagged(context) ? 2 : 0),
  };
}

function axisTitle(text: string, theme: ChartTheme) {
  return { display: true, text, color: theme.muted, font: { family: theme.fontFamily, size: theme.fontSize } };
}

function configuration(
  spec: ChartSpec,
  theme: ChartTheme,
): ChartConfiguration<'bar' | 'line', (number | null | { x: number; y: number })[], string | string[]> {
  const ticks = { color: theme.foreground, font: { family: theme.fontFamily, size: theme.fontSize - 1 } };
  const grid = { color: theme.grid };
  // Unlabelled log ticks (2…9 × 10ⁿ) get fainter lines, so the decades stand out.
  const logGrid = { color: (context: { tick?: { label?: unknown } }) => (context.tick?.label ? theme.grid : withAlpha(theme.grid, 0.25)) };
  return {
    type: spec.type,
    data: { labels: spec.labels, datasets: spec.series.map((s) => dataset(spec, s, theme)) },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      color: theme.foreground,
      interaction: spec.type === 'line' ? { mode: 'nearest', axis: 'x', intersect: false } : { mode: 'nearest', intersect: true },
      scales: {
        x:
          spec.type === 'line'
            ? {
                type: 'linear',
                min: spec.xRange?.[0],
                max: spec.xRange?.[1],
                title: axisTitle(spec.xTitle, theme),
                ticks: { ...ticks, includeBounds: false, callback: (v: number | string) => tickLabel(Number(v)) },
                grid,
              }
            : { type: 'category', title: axisTitle(spec.xTitle, theme), ticks, grid: { display: false } },
        y: spec.yLog
          ? {
              type: 'logarithmic',
              min: spec.yMin,
              title: axisTitle(spec.yTitle, theme),
              ticks: { ...ticks, callback: logTick },
              grid: logGrid,
            }
          : {
              type: 'linear',
              min: spec.yMin,
              title: axisTitle(spec.yTitle, theme),
              ticks: { ...ticks, callback: (v: number | string) => tickLabel(Number(v)) },
              grid,
            },
      },
      plugins: {
        title: {
          display: true,
          text: spec.title,
          color: theme.foreground,
          font: { family: theme.fontFamily, size: theme.fontSize + 1, weight: 'bold' },
        },
        legend: {
          labels: {
            color: theme.foreground,
            font: { family: theme.fontFamily, size: theme.fontSize },
            // The legend would take the first bar's style, outlined when that bar did not converge.
            generateLabels: (chart) =>
              Chart.defaults.plugins.legend.labels.generateLabels(chart).map((item) => {
                const color = theme.series[spec.series[item.datasetIndex ?? 0]?.color ?? 'blue'];
                return spec.type === 'bar' ? { ...item, fillStyle: color, strokeStyle: color, lineWidth: 0 } : item;
              }),
          },
        },
        tooltip: {
          callbacks: {
            label: (item: TooltipItem<'bar' | 'line'>) => {
              const value = spec.type === 'line' ? (item.raw as { y: number }).y : (item.raw as number | null);
              return `${item.dataset.label ?? ''}: ${formatValue(value)}`;
            },
            afterLabel: (item: TooltipItem<'bar' | 'line'>) => spec.tooltipExtra?.(item.datasetIndex, item.dataIndex) ?? '',
          },
        },
      },
      onClick: (_event, elements) => {
        if (spec.onSelect && elements.length > 0) spec.onSelect(elements[0].index);
      },
      onHover: (event, elements) => {
        const target = event.native?.target;
        if (spec.onSelect && target instanceof HTMLElement) target.classList.toggle('clickable', elements.length > 0);
      },
    },
  };
}

/** Paints the theme's background first, so an exported PNG looks like the panel (not transparent). */
function backgroundPlugin(theme: () => ChartTheme): Plugin<'bar' | 'line'> {
  return {
    id: 'sharpnessBackground',
    beforeDraw: (chart) => {
      const { ctx } = chart;
      ctx.save();
      ctx.fillStyle = theme().background;
      ctx.fillRect(0, 0, chart.width, chart.height);
      ctx.restore();
    },
  };
}

function renderedPlugin(figure: HTMLElement): Plugin<'bar' | 'line'> {
  return {
    id: 'sharpnessRendered',
    afterRender: (chart) => {
      if (chart.width > 0 && chart.height > 0) figure.dataset.rendered = 'true';
    },
  };
}

/** Every live chart of the panel: built from specs, repainted on a theme change, destroyed when gone. */
export class ChartRegistry {
  private entries: Entry[] = [];
  private theme: ChartTheme;

  constructor(private readonly post: (message: PanelToHost) => void) {
    this.theme = this.readTheme();
  }

  private readTheme(): ChartTheme {
    const theme = readTheme(getComputedStyle(document.documentElement), document.body.className);
    Chart.defaults.color = theme.foreground;
    Chart.defaults.borderColor = theme.grid;
    Chart.defaults.font.family = theme.fontFamily;
    Chart.defaults.font.size = theme.fontSize;
    return theme;
  }

  /** The chart's figure; the chart draws once the figure is in the document and has a size. */
  figure(spec: ChartSpec): HTMLElement {
    const canvas = el('canvas', { role: 'img', 'aria-label': spec.description });
    const figure = el(
      'figure',
      { class: 'chart', 'data-chart': spec.id, 'data-testid': `chart-${spec.id}` },
      el(
        'figcaption',
        { class: 'chart-caption' },
        el('span', { class: 'sr-only' }, spec.title),
        button(
          'PNG',
          {
            class: 'secondary small',
            'data-testid': 'export-png',
            'data-chart': spec.id,
            'aria-label': `Export “${spec.title}” as PNG`,
            title: 'Save this chart as a PNG image',
          },
          () => this.exportImage(spec.id),
          'file-media',
        ),
      ),
      el('div', { class: 'chart-canvas' }, canvas),
      spec.legendNote ? el('p', { class: 'note chart-note' }, spec.legendNote) : null,
    );
    const chart = new Chart(canvas, {
      ...configuration(spec, this.theme),
      plugins: [backgroundPlugin(() => this.theme), renderedPlugin(figure)],
    }) as AnyChart;
    this.entries.push({ chart, spec, figure });
    return figure;
  }

  private exportImage(id: string): void {
    const entry = this.entries.find((e) => e.spec.id === id && e.figure.isConnected);
    if (entry) this.post({ type: 'exportImage', chart: id, dataUrl: entry.chart.canvas.toDataURL('image/png') });
  }

  /** Re-reads the --vscode-* colours and repaints every chart with them. */
  repaint(): void {
    this.theme = this.readTheme();
    for (const { chart, spec } of this.entries) {
      const config = configuration(spec, this.theme);
      chart.options = config.options ?? {};
      chart.data = config.data;
      chart.update('none');
    }
  }

  /** Destroys the charts whose figure a re-render removed. */
  prune(): void {
    const [live, gone] = [this.entries.filter((e) => e.figure.isConnected), this.entries.filter((e) => !e.figure.isConnected)];
    for (const e of gone) e.chart.destroy();
    this.entries = live;
  }
}
