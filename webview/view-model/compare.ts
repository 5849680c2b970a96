/**
 * The Compare tab: several models (e.g. the same architecture trained with small and large batches)
 * on the same data, their invariant and Euclidean sharpness side by side and per layer.
 */
import { significance, significanceSentence } from '../../src/shared/report-format.ts';
import { formatPercent, formatValue, formatWithError } from './numbers.ts';
import type { LabelledReport } from './state.ts';

export interface CompareModel {
  label: string;
  modelPath: string;
  loss: number;
  accuracy: number | null;
  gradientNorm: number;
  invariantSharpness: number;
  euclideanSharpness: number | null;
  invariantTrace: number;
  euclideanTrace: number;
  /** The table's cells, in COMPARE_COLUMNS order. */
  cells: { key: string; value: number | null; text: string }[];
}

export const COMPARE_COLUMNS = [
  { key: 'invariantSharpness', label: 'λ_max(D H D)' },
  { key: 'euclideanSharpness', label: 'λ_max(H)' },
  { key: 'invariantTrace', label: 'tr(D H D)' },
  { key: 'euclideanTrace', label: 'tr(H)' },
  { key: 'loss', label: 'loss' },
  { key: 'accuracy', label: 'accuracy' },
  { key: 'gradientNorm', label: '‖∇L‖' },
] as const;

export interface CompareSeries {
  models: CompareModel[];
  /**
   * The layers, matched by name; or by position when every model has as many layers but the names
   * differ (the same architecture built twice gets dense_1… and dense_4…), labelled "a / b".
   */
  layers: string[];
  layerMatching: 'name' | 'position';
  /** [model][layer]: λ_max of the layer's block of D H D, null where the model has no such layer. */
  perLayerInvariant: (number | null)[][];
  perLayerEuclidean: (number | null)[][];
  /** Why the comparison may not be like for like. */
  warnings: string[];
  /**
   * Each model against the first, by λ_max(D H D) and λ_max(H): whether the difference exceeds the
   * combined sampling and solver errors (empty when a report has no sampling intervals).
   */
  significance: { model: string; measure: 'invariantSharpness' | 'euclideanSharpness'; significant: boolean; text: string }[];
}

/** Distinct labels: a repeated label gets the model's path, then a number. */
function distinctLabels(entries: LabelledReport[]): string[] {
  const count = (label: string) => entries.filter((e) => e.label === label).length;
  const labels = entries.map((e) => (count(e.label) > 1 ? `${e.label} (${e.modelPath})` : e.label));
  return labels.map((l, i) => (labels.indexOf(l) !== i ? `${l} #${i + 1}` : l));
}

function differing<T>(entries: LabelledReport[], pick: (e: LabelledReport) => T): boolean {
  return new Set(entries.map((e) => JSON.stringify(pick(e)))).size > 1;
}

export function compareSeries(entries: LabelledReport[]): CompareSeries {
  const labels = distinctLabels(entries);
  const models = entries.map(({ modelPath, report: r }, i): CompareModel => {
    const euclideanSharpness = r.euclidean.topEigenvalues[0] ?? null;
    return {
      label: labels[i],
      modelPath,
      loss: r.loss,
      accuracy: r.accuracy,
      gradientNorm: r.gradientNorm,
      invariantSharpness: r.invariant.sharpness,
      euclideanSharpness,
      invariantTrace: r.invariant.trace,
      euclideanTrace: r.euclidean.trace,
      cells: [
        { key: 'invariantSharpness', value: r.invariant.sharpness, text: formatValue(r.invariant.sharpness) },
        { key: 'euclideanSharpness', value: euclideanSharpness, text: formatValue(euclideanSharpness) },
        { key: 'invariantTrace', value: r.invariant.trace, text: formatWithError(r.invariant.trace, r.invariant.traceStandardError) },
        { key: 'euclideanTrace', value: r.euclidean.trace, text: formatWithError(r.euclidean.trace, r.euclidean.traceStandardError) },
        { key: 'loss', value: r.loss, text: formatValue(r.loss) },
        { key: 'accuracy', value: r.accuracy, text: formatPercent(r.accuracy) },
        { key: 'gradientNorm', value: r.gradientNorm, text: formatValue(r.gradientNorm, 3) },
      ],
    };
  });
  const names = [...new Set(entries.flatMap((e) => e.report.perLayer.map((l) => l.name)))];
  const depth = entries[0]?.report.perLayer.length ?? 0;
  const layerMatching = depth > 0 && names.length > depth && entries.every((e) => e.report.perLayer.length === depth) ? 'position' : 'name';
  const layers =
    layerMatching === 'name'
      ? names
      : Array.from({ length: depth }, (_, i) => [...new Set(entries.map((e) => e.report.perLayer[i].name))].join(' / '));
  const perLayer = (field: 'invariantSharpness' | 'euclideanSharpness') =>
    entries.map((e) =>
      layerMatching === 'name'
        ? layers.map((name) => e.report.perLayer.find((l) => l.name === name)?.[field] ?? null)
        : e.report.perLayer.map((l) => l[field]),
    );
  const warnings: string[] = [];
  if (differing(entries, (e) => [e.report.data.path, e.report.data.labelsPath, e.report.data.sampleCount, e.report.data.seed])) {
    warnings.push('The models were analysed on different data or samples: their sharpness is not measured on the same loss.');
  }
  if (differing(entries, (e) => e.report.data.loss)) warnings.push('The models use different loss functions.');
  if (differing(entries, (e) => [e.report.invariant.normalization, e.report.invariant.operator])) {
    warnings.push('The invariant measure was computed with different normalisations: its values are not comparable.');
  }
  const unconverged = models.filter((_, i) => entries[i].report.invariant.eigenpairs[0]?.converged === false);
  if (unconverged.length > 0) warnings.push(`λ_max(D H D) did not converge for ${unconverged.map((m) => m.label).join(', ')}.`);
  const tests = entries.slice(1).flatMap((e, i) =>
    (['invariantSharpness', 'euclideanSharpness'] as const).flatMap((measure) => {
      const s = significance(entries[0].report, e.report, measure);
      return s
        ? [{ model: labels[i + 1], measure, significant: s.significant, text: significanceSentence(s, { a: labels[0], b: labels[i + 1] }) }]
        : [];
    }),
  );
  return {
    significance: tests,
    models,
    layers,
    layerMatching,
    perLayerInvariant: perLayer('invariantSharpness'),
    perLayerEuclidean: perLayer('euclideanSharpness'),
    warnings,
  };
}

/** The flattest model by a measure (lowest λ_max), the answer to "which minimum is flatter?". */
export function flattestModel(
  series: CompareSeries,
  measure: 'invariantSharpness' | 'euclideanSharpness' = 'invariantSharpness',
): CompareModel | null {
  return series.models.reduce<CompareModel | null>((best, m) => {
    const value = m[measure];
    return value !== null && (!best || value < best[measure]!) ? m : best;
  }, null);
}
