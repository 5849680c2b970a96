/** The experiment's results as Markdown (per seed and on average) and as an SVG plot. */
import { formatPercent, formatValue, markdownTable } from '../../src/shared/report-format';
import type { ExperimentRun } from './run';

export interface ExperimentSummary {
  smallBatch: number;
  largeBatch: number;
  targetLoss: number;
  optimizer: string;
  trainCount: number;
  testCount: number;
  seconds: number;
  runs: ExperimentRun[];
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sharpness = (r: ExperimentRun) => r.assessment.report.invariant.sharpness;

function pairs(summary: ExperimentSummary): { seed: number; small: ExperimentRun; large: ExperimentRun }[] {
  const seeds = [...new Set(summary.runs.map((r) => r.seed))];
  return seeds.map((seed) => ({
    seed,
    small: summary.runs.find((r) => r.seed === seed && r.batchSize === summary.smallBatch)!,
    large: summary.runs.find((r) => r.seed === seed && r.batchSize === summary.largeBatch)!,
  }));
}

export function experimentMarkdown(summary: ExperimentSummary): string {
  const header = [
    'seed',
    'batch',
    'epochs',
    'train loss (all)',
    'loss (sample)',
    'test acc',
    'acc gap',
    'λ_max(H)',
    'tr(H)',
    'λ_max(DHD) layer',
    'λ_max(DHD) element',
  ];
  const row = (r: ExperimentRun) => [
    String(r.seed),
    String(r.batchSize),
    String(r.epochs),
    formatValue(r.trainLoss),
    formatValue(r.assessment.report.loss),
    formatPercent(r.assessment.test.accuracy ?? 0),
    formatPercent(r.assessment.accuracyGap),
    formatValue(r.assessment.report.euclidean.topEigenvalues[0]),
    formatValue(r.assessment.report.euclidean.trace),
    formatValue(sharpness(r)),
    formatValue(r.assessment.elementSharpness),
  ];
  const all = pairs(summary);
  const averageRow = (batch: number, runs: ExperimentRun[]) => [
    'mean',
    String(batch),
    formatValue(mean(runs.map((r) => r.epochs))),
    formatValue(mean(runs.map((r) => r.trainLoss))),
    formatValue(mean(runs.map((r) => r.assessment.report.loss))),
    formatPercent(mean(runs.map((r) => r.assessment.test.accuracy ?? 0))),
    formatPercent(mean(runs.map((r) => r.assessment.accuracyGap))),
    formatValue(mean(runs.map((r) => r.assessment.report.euclidean.topEigenvalues[0]))),
    formatValue(mean(runs.map((r) => r.assessment.report.euclidean.trace))),
    formatValue(mean(runs.map(sharpness))),
    formatValue(mean(runs.map((r) => r.assessment.elementSharpness))),
  ];
  const holds = all.filter((p) => sharpness(p.large) > sharpness(p.small)).length;
  const gapHolds = all.filter((p) => p.large.assessment.accuracyGap > p.small.assessment.accuracyGap).length;
  return [
    `Batch ${summary.smallBatch} vs ${summary.largeBatch}, ${summary.optimizer}, trained to a training loss of ${summary.targetLoss}; ${summary.trainCount} training / ${summary.testCount} test digits; ${Math.round(summary.seconds)} s in all.`,
    '',
    markdownTable(header, [
      ...all.flatMap((p) => [row(p.small), row(p.large)]),
      averageRow(
        summary.smallBatch,
        all.map((p) => p.small),
      ),
      averageRow(
        summary.largeBatch,
        all.map((p) => p.large),
      ),
    ]),
    '',
    `Large batch sharper by λ_max(DHD) on ${holds} of ${all.length} seeds; larger accuracy gap on ${gapHolds} of ${all.length}.`,
    '',
  ].join('\n');
}

/** Invariant sharpness (log scale) against the generalization gap, one point per model. */
export function experimentSvg(summary: ExperimentSummary): string {
  const width = 640;
  const height = 400;
  const margin = { left: 80, right: 20, top: 40, bottom: 60 };
  const xs = summary.runs.map((r) => 100 * r.assessment.accuracyGap);
  const ys = summary.runs.map((r) => Math.log10(sharpness(r)));
  const span = (values: number[]) => {
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    const pad = (hi - lo || 1) * 0.15;
    return [lo - pad, hi + pad];
  };
  const [x0, x1] = span(xs);
  const [y0, y1] = span(ys);
  const px = (x: number) => margin.left + ((x - x0) / (x1 - x0)) * (width - margin.left - margin.right);
  const py = (y: number) => height - margin.bottom - ((y - y0) / (y1 - y0)) * (height - margin.top - margin.bottom);
  const colour = (r: ExperimentRun) => (r.batchSize === summary.smallBatch ? '#1f77b4' : '#d62728');
  const pairLines = pairs(summary)
    .map(({ small, large }) => {
      const [a, b] = [summary.runs.indexOf(small), summary.runs.indexOf(large)];
      return `<line x1="${px(xs[a]).toFixed(1)}" y1="${py(ys[a]).toFixed(1)}" x2="${px(xs[b]).toFixed(1)}" y2="${py(ys[b]).toFixed(1)}" stroke="#bbbbbb" stroke-dasharray="4 3"/>`;
    })
    .join('\n  ');
  const points = summary.runs
    .map(
      (r, i) =>
        `<circle cx="${px(xs[i]).toFixed(1)}" cy="${py(ys[i]).toFixed(1)}" r="6" fill="${colour(r)}"><title>batch ${r.batchSize}, seed ${r.seed}</title></circle><text x="${(px(xs[i]) + 9).toFixed(1)}" y="${(py(ys[i]) + 4).toFixed(1)}" font-size="11">s${r.seed}</text>`,
    )
    .join('\n  ');
  const ticks = (lo: number, hi: number, count: number) => Array.from({ length: count + 1 }, (_, k) => lo + ((hi - lo) * k) / count);
  const xTicks = ticks(x0, x1, 5)
    .map(
      (x) => `<text x="${px(x).toFixed(1)}" y="${height - margin.bottom + 18}" font-size="11" text-anchor="middle">${x.toFixed(2)}</text>`,
    )
    .join('');
  const yTicks = ticks(y0, y1, 5)
    .map(
      (y) =>
        `<text x="${margin.left - 8}" y="${(py(y) + 4).toFixed(1)}" font-size="11" text-anchor="end">${formatValue(10 ** y, 3)}</text>`,
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">
  <rect width="100%" height="100%" fill="white"/>
  <text x="${width / 2}" y="22" font-size="14" text-anchor="middle">Invariant sharpness vs generalization gap (MNIST, ReLU MLP)</text>
  <line x1="${margin.left}" y1="${height - margin.bottom}" x2="${width - margin.right}" y2="${height - margin.bottom}" stroke="black"/>
  <line x1="${margin.left}" y1="${margin.top}" x2="${margin.left}" y2="${height - margin.bottom}" stroke="black"/>
  ${xTicks}${yTicks}
  ${pairLines}
  <text x="${(margin.left + width - margin.right) / 2}" y="${height - 18}" font-size="12" text-anchor="middle">generalization gap: train − test accuracy (percentage points)</text>
  <text transform="translate(18 ${(margin.top + height - margin.bottom) / 2}) rotate(-90)" font-size="12" text-anchor="middle">λ_max(D H D), layer D (log scale)</text>
  ${points}
  <circle cx="${width - 170}" cy="${margin.top + 10}" r="6" fill="#1f77b4"/><text x="${width - 158}" y="${margin.top + 14}" font-size="12">batch ${summary.smallBatch}</text>
  <circle cx="${width - 170}" cy="${margin.top + 30}" r="6" fill="#d62728"/><text x="${width - 158}" y="${margin.top + 34}" font-size="12">batch ${summary.largeBatch}</text>
</svg>
`;
}
