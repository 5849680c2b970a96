/** The demo's table and Markdown, with the verdicts computed from the numbers. */
import type { Report } from '../shared/report';
import { formatPercent, formatValue, markdownTable, significance, textTable } from '../shared/report-format';
import type { Assessment } from './assess';

export interface DemoEntry extends Assessment {
  batchSize: number | null;
  path: string;
}

export interface DemoResult {
  schemaVersion: 1;
  kind: 'sharpness-lens demo';
  models: DemoEntry[];
  rescaled: DemoEntry & { factors: number[]; of: string };
  flatLabel: string;
  sharpLabel: string;
}

function rows(result: DemoResult): { header: string[]; body: string[][] } {
  const header = [
    'model',
    'batch',
    'train acc',
    'test acc',
    'acc gap',
    'loss gap',
    'λ_max(H)',
    'tr(H)',
    'λ_max(DHD) layer',
    'λ_max(DHD) element',
  ];
  const entry = (e: DemoEntry, label: string) => [
    label,
    e.batchSize === null ? '—' : String(e.batchSize),
    formatPercent(e.report.accuracy),
    formatPercent(e.test.accuracy),
    formatPercent(e.accuracyGap),
    formatValue(e.lossGap),
    formatValue(e.report.euclidean.topEigenvalues[0]),
    formatValue(e.report.euclidean.trace),
    formatValue(e.report.invariant.sharpness),
    formatValue(e.elementSharpness),
  ];
  return {
    header,
    body: [
      ...result.models.map((m) => entry(m, m.label)),
      entry(result.rescaled, `${result.rescaled.of}, α = (${result.rescaled.factors.join(', ')})`),
    ],
  };
}

function layerRows(result: DemoResult): { header: string[]; body: string[][] } {
  const entries = [...result.models, result.rescaled];
  const header = ['layer: λ_max(D_l H_ll D_l)', ...entries.map((e) => e.label)];
  // Same architecture, so layers match by position; names can differ between separately built models.
  const body = result.models[0].report.perLayer.map((_, i) => [
    [...new Set(entries.map((e) => e.report.perLayer[i]?.name ?? '?'))].join(' / '),
    ...entries.map((e) => formatValue(e.report.perLayer[i]?.invariantSharpness)),
  ]);
  return { header, body };
}

function ratio(a: number, b: number): string {
  return `×${(a / b).toFixed(2)}`;
}

export function verdicts(result: DemoResult): string[] {
  const byLabel = (label: string) => result.models.find((m) => m.label === label)!;
  const small = result.models.find((m) => m.label === 'small batch');
  const large = result.models.find((m) => m.label === 'large batch');
  const lines: string[] = [];
  if (small && large) {
    const sharper = large.report.invariant.sharpness > small.report.invariant.sharpness;
    lines.push(
      sharper
        ? `The invariant measure ranks the large-batch minimum sharper (λ_max(DHD) ${ratio(large.report.invariant.sharpness, small.report.invariant.sharpness)}), as Rangamani et al. found;`
        : `On these models the invariant measure ranks the small-batch minimum sharper (λ_max(DHD) ${ratio(small.report.invariant.sharpness, large.report.invariant.sharpness)}), unlike Rangamani et al.'s finding;`,
    );
    const test = significance(small.report, large.report, 'invariantSharpness');
    if (test)
      lines.push(
        `the difference in λ_max(DHD) (${formatValue(test.difference)}) is ${test.significant ? 'larger' : 'not larger'} than the combined sampling and solver errors (± ${formatValue(test.combinedError, 3)} at 95%${test.significant ? '' : ': on these samples the two minima cannot be told apart by it'});`,
      );
    const wider = large.accuracyGap > small.accuracyGap;
    lines.push(
      `the large-batch model's generalization gap is ${wider ? 'larger' : 'not larger'} (${formatPercent(large.accuracyGap)} vs ${formatPercent(small.accuracyGap)} in accuracy).`,
    );
  }
  const flat = byLabel(result.flatLabel);
  const sharp = byLabel(result.sharpLabel);
  const r = result.rescaled;
  const euclideanFlipped = r.report.euclidean.topEigenvalues[0] > sharp.report.euclidean.topEigenvalues[0];
  const invariantHolds = r.report.invariant.sharpness < sharp.report.invariant.sharpness;
  lines.push(
    `Rescaling the ${flat.label} model by α = (${r.factors.join(', ')}) changes its outputs by at most ${formatValue(r.report.rescaling?.maxOutputDifference ?? NaN, 2)}, ` +
      `moves its λ_max(H) from ${formatValue(flat.report.euclidean.topEigenvalues[0])} to ${formatValue(r.report.euclidean.topEigenvalues[0])} ` +
      `(${euclideanFlipped ? 'now above' : 'still below'} the ${sharp.label} model's ${formatValue(sharp.report.euclidean.topEigenvalues[0])}), ` +
      `while λ_max(DHD) stays ${formatValue(r.report.invariant.sharpness)} (was ${formatValue(flat.report.invariant.sharpness)}): ` +
      `the invariant measure ${invariantHolds ? 'still ranks it flatter' : 'no longer ranks it flatter'}.`,
  );
  return lines;
}

function describe(report: Report): string {
  const shape = [
    report.model.inputShape.join('×'),
    ...report.model.layers.filter((l) => l.className === 'Dense').map((l) => l.outputShape.join('×')),
  ].join('-');
  return `ReLU MLP ${shape} (${report.model.parameterCount.toLocaleString('en-US')} parameters), ${report.data.loss}; curvature on ${report.data.sampleCount.toLocaleString('en-US')} training digits, ${report.backend}, ${report.method}`;
}

/** The demo's text in either rendering: the heading lines, both tables, the verdicts. */
function demoText(
  result: DemoResult,
  heading: string[],
  table: (header: string[], body: string[][]) => string,
  verdict: (v: string) => string,
): string[] {
  const { header, body } = rows(result);
  const layers = layerRows(result);
  return [
    ...heading,
    describe(result.models[0].report),
    '',
    table(header, body),
    '',
    table(layers.header, layers.body),
    '',
    ...verdicts(result).map(verdict),
  ];
}

export function demoTable(result: DemoResult): string {
  return demoText(result, ['Sharpness Lens demo: small-batch vs large-batch minima on real MNIST digits'], textTable, (v) => v).join('\n');
}

export function demoMarkdown(result: DemoResult): string {
  return [...demoText(result, ['## Small-batch vs large-batch minima on MNIST', ''], markdownTable, (v) => `- ${v}`), ''].join('\n');
}
