/**
 * Reports as text: the terminal table, Markdown, CSV, and side-by-side comparisons. Shared by the
 * CLI and the extension's export (and free of engine imports, like report.ts).
 */
import { describeProblem, type OptionWording } from './problems';
import type { Report, SampledMeasure, SamplingInterval, SamplingReport } from './report';

/** Numbers as people read them: 4–5 significant digits, exponent notation for very large or small. */
export function formatValue(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined) return '—';
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const magnitude = Math.abs(x);
  if (magnitude >= 1e6 || magnitude < 1e-3) return x.toExponential(digits - 1);
  return Number(x.toPrecision(digits)).toLocaleString('en-US', { maximumFractionDigits: 10 });
}

/** `value ± error` for estimates (Hutchinson traces); the bare value when exact. */
export function formatWithError(value: number, error: number): string {
  return error > 0 && Number.isFinite(error) ? `${formatValue(value)} ± ${formatValue(error, 2)}` : formatValue(value);
}

/** A fraction as a percentage with two decimals ("94.50%"); "—" when there is none. */
export function formatPercent(x: number | null): string {
  return x === null ? '—' : `${(100 * x).toFixed(2)}%`;
}

/** Left-aligned first column, right-aligned numbers. */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c])))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)].join('\n');
}

export function markdownTable(header: string[], rows: string[][]): string {
  const escape = (s: string) => s.replace(/\|/g, '\\|');
  return [
    `| ${header.map(escape).join(' | ')} |`,
    `|${header.map((_, c) => (c === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
    ...rows.map((r) => `| ${r.map(escape).join(' | ')} |`),
  ].join('\n');
}

/** `[low, high]` of an interval. */
export function formatInterval(interval: SamplingInterval | undefined): string {
  return interval ? `[${formatValue(interval.low, 3)}, ${formatValue(interval.high, 3)}]` : '';
}

/** `value ± half-width` of an interval (half-width over t·SE). */
export function formatHalfWidth(value: number, halfWidth: number): string {
  return `${formatValue(value)} ± ${formatValue(halfWidth, 2)}`;
}

/** The measures' names as the text outputs print them. */
export const SAMPLED_LABELS: Record<SampledMeasure, string> = {
  gradientNorm: '‖∇L‖',
  loss: 'loss',
  euclideanSharpness: 'λ_max(H)',
  invariantSharpness: 'λ_max(D H D)',
  normalizedSharpness: 'λ·ε²/(2(1+L))',
  euclideanTrace: 'tr(H)',
  invariantTrace: 'tr(D H D)',
};

/** "λ_max(D H D) within ±5% from 512 samples on", or how many samples it would take. */
export function recommendationLine(sampling: SamplingReport, measure: SampledMeasure = 'invariantSharpness'): string | null {
  const r = sampling.recommended.find((x) => x.measure === measure);
  if (!r) return null;
  const percent = `±${Math.round(100 * r.relativeHalfWidth)}%`;
  return r.samples !== null
    ? `${SAMPLED_LABELS[measure]} within ${percent} from ${r.samples.toLocaleString('en-US')} samples on`
    : `${SAMPLED_LABELS[measure]} not within ${percent} at any count analysed: about ${r.projectedSamples.toLocaleString('en-US')} samples would be (projected at 1/√n)`;
}

/** The sampling section of the table and Markdown: what was done, then the convergence with samples. */
function samplingLines(sampling: SamplingReport): { intro: string; header: string[]; rows: string[][]; recommendations: string[] } {
  const level = Math.round(100 * sampling.level);
  const intro = `${level}% intervals over the choice of analysis samples: ${sampling.method} over ${sampling.groups} random groups of about ${sampling.groupSize} samples (${sampling.hvpCount} grouped HVPs, ${sampling.seconds.toFixed(1)} s)`;
  const measures = ['euclideanSharpness', 'invariantSharpness', 'euclideanTrace', 'invariantTrace', 'gradientNorm'] as const;
  const header = ['samples', ...measures.map((m) => SAMPLED_LABELS[m])];
  const rows = sampling.convergence.invariantSharpness.map((point, i) => [
    point.samples.toLocaleString('en-US'),
    ...measures.map((m) => {
      const p = sampling.convergence[m][i];
      return p ? formatHalfWidth(p.value, p.halfWidth) : '';
    }),
  ]);
  const recommendations = (['invariantSharpness', 'euclideanSharpness'] as const).map((m) => recommendationLine(sampling, m)!);
  return { intro, header, rows, recommendations };
}

function invariantLabel(report: Report): string {
  return `D H D, ${report.invariant.normalization} D${report.invariant.operator === 'horizontal' ? ', horizontal' : ''}`;
}

function summaryRows(report: Report): string[][] {
  const { euclidean: e, invariant: i } = report;
  const rows = [
    ['λ_max', formatValue(e.topEigenvalues[0]), formatValue(i.sharpness)],
    [
      `top-${e.topEigenvalues.length}`,
      e.topEigenvalues.map((v) => formatValue(v, 3)).join(' '),
      i.topEigenvalues.map((v) => formatValue(v, 3)).join(' '),
    ],
    ['trace', formatWithError(e.trace, e.traceStandardError), formatWithError(i.trace, i.traceStandardError)],
  ];
  const sampling = report.sampling?.measures;
  if (sampling) {
    const level = `${Math.round(100 * report.sampling!.level)}%`;
    rows.splice(1, 0, [
      `λ_max ${level} (samples)`,
      formatInterval(sampling.euclideanSharpness),
      formatInterval(sampling.invariantSharpness),
    ]);
    rows.push([`trace ${level} (samples)`, formatInterval(sampling.euclideanTrace), formatInterval(sampling.invariantTrace)]);
  }
  if (e.minEigenvalue !== null && i.minEigenvalue !== null)
    rows.push(['λ_min', formatValue(e.minEigenvalue), formatValue(i.minEigenvalue)]);
  rows.push(['λ·ε²/(2(1+L)), ε=1e-3', '', formatValue(i.normalizedSharpness)]);
  if (sampling) rows.push(['λ·ε²/(2(1+L)) (samples)', '', formatInterval(sampling.normalizedSharpness)]);
  const check = report.crossCheck;
  if (check) {
    const cell = (c: { value: number; iterations: number; relativeDifference: number }) =>
      `${formatValue(c.value)} (${c.iterations} it., Δ ${formatValue(c.relativeDifference, 2)})`;
    rows.push(['λ_max by power iteration', cell(check.euclidean), cell(check.invariant)]);
  }
  return rows;
}

function layerRows(report: Report): string[][] {
  const intervals = report.sampling?.perLayer;
  return report.perLayer.map((l) => {
    const s = intervals?.find((x) => x.name === l.name);
    const cells = [
      l.name,
      l.parameterCount.toLocaleString('en-US'),
      formatValue(l.euclideanSharpness),
      formatValue(l.invariantSharpness),
      formatWithError(l.euclideanTrace, l.euclideanTraceStandardError),
      formatWithError(l.invariantTrace, l.invariantTraceStandardError),
    ];
    return intervals ? [...cells, formatInterval(s?.invariantSharpness), formatInterval(s?.invariantTrace)] : cells;
  });
}

function layerHeader(report: Report): string[] {
  const level = report.sampling ? `${Math.round(100 * report.sampling.level)}%` : '';
  return report.sampling ? [...LAYER_HEADER, `λ_max(DHD) ${level}`, `tr(DHD) ${level}`] : LAYER_HEADER;
}

const LAYER_HEADER = ['layer', 'params', 'λ_max(H)', 'λ_max(DHD)', 'tr(H)', 'tr(DHD)'];

/** ‖∇L‖ with its sampling interval when there is one. */
function gradientText(report: Report): string {
  const s = report.sampling?.measures.gradientNorm;
  return `${formatValue(report.gradientNorm, 3)}${s ? ` ${formatInterval(s)}` : ''}`;
}

function describeRun(report: Report): string[] {
  const method = report.method === 'exact' ? 'exact dense Hessian' : 'Lanczos + Hutchinson';
  // Reports written before `outputs` existed have none; a single output's loss is the data line's.
  const outputs = (report.outputs ?? []).length > 1 ? report.outputs : [];
  const loss =
    outputs.length > 0 ? `the loss Σ weight × loss over ${outputs.length} outputs` : `${report.data.loss} (${report.data.lossSource})`;
  return [
    `model     ${report.model.path} (${report.model.format}, ${report.model.layers.length} layers, ${report.model.parameterCount.toLocaleString('en-US')} parameters)`,
    `data      ${report.data.path}: ${report.data.sampleCount.toLocaleString('en-US')} of ${report.data.availableCount.toLocaleString('en-US')} samples, ${loss}`,
    ...outputs.map(
      (o) =>
        `output    ${o.name}: ${o.loss} (${o.lossSource}), weight ${o.weight}, loss ${formatValue(o.lossValue)}, accuracy ${formatPercent(o.accuracy)}`,
    ),
    `compute   ${report.backend}${report.backendNote ? ` (${report.backendNote})` : ''}, ${report.threads} thread${report.threads > 1 ? 's' : ''}, ${method}, ${report.cost.hvpCount} HVPs in ${report.cost.seconds.toFixed(1)} s`,
  ];
}

function rescalingLine(report: Report): string | null {
  const r = report.rescaling;
  return r ? `rescaled  ${r.description}; max output difference ${formatValue(r.maxOutputDifference, 2)}` : null;
}

/** The terminal table; warnings name options as `wording` does (the front end's). */
export function formatTable(report: Report, wording: OptionWording): string {
  const parts = [
    ...describeRun(report),
    ...(rescalingLine(report) ? [rescalingLine(report)!] : []),
    '',
    `loss ${formatValue(report.loss)}   accuracy ${formatPercent(report.accuracy)}   ‖∇L‖ ${gradientText(report)}`,
    '',
    textTable(['', 'Euclidean (H)', `invariant (${invariantLabel(report)})`], summaryRows(report)),
  ];
  if (report.perLayer.length > 0) parts.push('', textTable(layerHeader(report), layerRows(report)));
  if (report.sampling) {
    const { intro, header, rows, recommendations } = samplingLines(report.sampling);
    parts.push('', `sampling  ${intro}`, textTable(header, rows), ...recommendations.map((r) => `samples   ${r}`));
  }
  parts.push('', ...report.model.symmetries.summary.map((s) => `symmetry  ${s}`));
  for (const w of report.warnings) parts.push(`warning   ${describeProblem(w, wording)}`);
  return parts.join('\n');
}

export function formatMarkdown(report: Report, wording: OptionWording): string {
  const parts = [
    `## Sharpness of \`${report.model.path}\``,
    '',
    ...describeRun(report).map((l) => `- ${l.replace(/^(\w+)\s+/, '**$1** ')}`),
    ...(rescalingLine(report) ? [`- ${rescalingLine(report)!.replace(/^(\w+)\s+/, '**$1** ')}`] : []),
    `- **loss** ${formatValue(report.loss)}, **accuracy** ${formatPercent(report.accuracy)}, **‖∇L‖** ${gradientText(report)}`,
    '',
    markdownTable(['measure', 'Euclidean (H)', `invariant (${invariantLabel(report)})`], summaryRows(report)),
  ];
  if (report.perLayer.length > 0) parts.push('', markdownTable(layerHeader(report), layerRows(report)));
  if (report.sampling) {
    const { intro, header, rows, recommendations } = samplingLines(report.sampling);
    parts.push('', `**Sampling error.** ${intro}.`, '', markdownTable(header, rows), '', ...recommendations.map((r) => `- ${r}`));
  }
  parts.push('', ...report.model.symmetries.summary.map((s) => `- symmetry: ${s}`));
  for (const w of report.warnings) parts.push(`- warning: ${describeProblem(w, wording)}`);
  return parts.join('\n') + '\n';
}

function csvCell(value: string | number | null): string {
  const text = value === null ? '' : String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const CSV_HEADER = [
  'scope',
  'parameters',
  'euclidean_lambda_max',
  'invariant_lambda_max',
  'euclidean_trace',
  'invariant_trace',
  'euclidean_trace_se',
  'invariant_trace_se',
  // The 95% data-sampling intervals (empty when the report has none).
  'euclidean_lambda_max_low',
  'euclidean_lambda_max_high',
  'invariant_lambda_max_low',
  'invariant_lambda_max_high',
  'euclidean_trace_low',
  'euclidean_trace_high',
  'invariant_trace_low',
  'invariant_trace_high',
];

type IntervalSet = Partial<Record<'euclideanSharpness' | 'invariantSharpness' | 'euclideanTrace' | 'invariantTrace', SamplingInterval>>;

function intervalCells(set: IntervalSet | undefined): (number | null)[] {
  return (['euclideanSharpness', 'invariantSharpness', 'euclideanTrace', 'invariantTrace'] as const).flatMap((k) =>
    set?.[k] ? [set[k]!.low, set[k]!.high] : [null, null],
  );
}

function csvRows(report: Report): (string | number | null)[][] {
  return [
    [
      'network',
      report.model.parameterCount,
      report.euclidean.topEigenvalues[0],
      report.invariant.sharpness,
      report.euclidean.trace,
      report.invariant.trace,
      report.euclidean.traceStandardError,
      report.invariant.traceStandardError,
      ...intervalCells(report.sampling?.measures),
    ],
    ...report.perLayer.map((l) => [
      l.name,
      l.parameterCount,
      l.euclideanSharpness,
      l.invariantSharpness,
      l.euclideanTrace,
      l.invariantTrace,
      l.euclideanTraceStandardError,
      l.invariantTraceStandardError,
      ...intervalCells(report.sampling?.perLayer.find((x) => x.name === l.name)),
    ]),
  ];
}

/** One row per layer plus one for the whole network, full precision; with labels, a leading "run" column tells several reports apart. */
export function formatCsv(reports: Report | { label: string; report: Report }[]): string {
  const table = Array.isArray(reports)
    ? [['run', ...CSV_HEADER], ...reports.flatMap(({ label, report }) => csvRows(report).map((row) => [label, ...row]))]
    : [CSV_HEADER, ...csvRows(reports)];
  return table.map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}

/** The measures a comparison tests, with each report's value and its solver error (a residual bound or a Hutchinson SE). */
const COMPARED: { measure: SampledMeasure; value: (r: Report) => number; solverError: (r: Report) => number }[] = [
  { measure: 'invariantSharpness', value: (r) => r.invariant.sharpness, solverError: (r) => r.invariant.eigenpairs[0]?.residual ?? 0 },
  {
    measure: 'euclideanSharpness',
    value: (r) => r.euclidean.topEigenvalues[0],
    solverError: (r) => r.euclidean.eigenpairs[0]?.residual ?? 0,
  },
  { measure: 'invariantTrace', value: (r) => r.invariant.trace, solverError: (r) => r.invariant.traceStandardError },
  { measure: 'euclideanTrace', value: (r) => r.euclidean.trace, solverError: (r) => r.euclidean.traceStandardError },
];

/** z of a two-sided 95% interval. */
const Z_95 = 1.959964;

export interface Significance {
  measure: SampledMeasure;
  /** b − a. */
  difference: number;
  /** Half-width of the 95% interval of the difference from both reports' sampling and solver errors. */
  combinedError: number;
  significant: boolean;
}

/**
 * Whether two models' values of a measure differ by more than their combined errors: the sampling
 * standard errors and the solver errors (eigenpair residuals, Hutchinson standard errors) added in
 * quadrature, times 1.96. Treating the two sampling errors as independent is conservative when both
 * models were analysed on the same samples (their errors then move together). Null when a report has no intervals.
 */
export function significance(a: Report, b: Report, measure: SampledMeasure): Significance | null {
  const spec = COMPARED.find((c) => c.measure === measure);
  const [sa, sb] = [a.sampling?.measures[measure], b.sampling?.measures[measure]];
  if (!spec || !sa || !sb) return null;
  const variance = sa.standardError ** 2 + sb.standardError ** 2 + spec.solverError(a) ** 2 + spec.solverError(b) ** 2;
  const difference = spec.value(b) - spec.value(a);
  const combinedError = Z_95 * Math.sqrt(variance);
  return { measure, difference, combinedError, significant: Math.abs(difference) > combinedError };
}

/** "λ_max(D H D): b − a = +12.3, larger than the combined sampling and solver errors (± 4.5 at 95%)". */
export function significanceSentence(s: Significance, names?: { a: string; b: string }): string {
  const signed = `${s.difference >= 0 ? '+' : ''}${formatValue(s.difference)}`;
  const what = names ? `${names.b} − ${names.a}` : 'the difference';
  return `${SAMPLED_LABELS[s.measure]}: ${what} = ${signed}, ${s.significant ? 'larger' : 'not larger'} than the combined sampling and solver errors (± ${formatValue(s.combinedError, 3)} at 95%)`;
}

/** One sentence per measure and per report after the first, against the first. */
export function significanceLines(reports: Report[]): string[] {
  const [first, ...rest] = reports;
  if (!first) return [];
  return rest.flatMap((r) =>
    COMPARED.flatMap(({ measure }) => {
      const s = significance(first, r, measure);
      return s ? [significanceSentence(s, { a: first.model.path, b: r.model.path })] : [];
    }),
  );
}

function comparisonRows(reports: Report[]): { header: string[]; rows: string[][] } {
  const header = ['model', 'loss', 'accuracy', '‖∇L‖', 'λ_max(H)', 'tr(H)', `λ_max(DHD)`, 'tr(DHD)'];
  const rows = reports.map((r) => [
    r.model.path,
    formatValue(r.loss),
    formatPercent(r.accuracy),
    formatValue(r.gradientNorm, 3),
    formatValue(r.euclidean.topEigenvalues[0]),
    formatValue(r.euclidean.trace),
    formatValue(r.invariant.sharpness),
    formatValue(r.invariant.trace),
  ]);
  return { header, rows };
}

export function formatComparison(reports: Report[], format: 'table' | 'markdown'): string {
  const { header, rows } = comparisonRows(reports);
  const layerNames = [...new Set(reports.flatMap((r) => r.perLayer.map((l) => l.name)))];
  const perLayerHeader = ['layer λ_max(DHD)', ...reports.map((r) => r.model.path)];
  const perLayerRows = layerNames.map((name) => [
    name,
    ...reports.map((r) => formatValue(r.perLayer.find((l) => l.name === name)?.invariantSharpness)),
  ]);
  const render = format === 'markdown' ? markdownTable : textTable;
  const normalization = reports[0]?.invariant.normalization ?? 'layer';
  const note = `invariant = D H D with ${normalization} D; data ${reports[0]?.data.path}, ${reports[0]?.data.sampleCount} samples`;
  const tests = significanceLines(reports).map((line) => (format === 'markdown' ? `- ${line}` : line));
  return (
    [render(header, rows), '', render(perLayerHeader, perLayerRows), '', note, ...(tests.length > 0 ? ['', ...tests] : [])].join('\n') +
    '\n'
  );
}
