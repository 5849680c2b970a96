/**
 * The Per layer tab: one row per layer with its sharpness (nested layers by their path, a recurrent
 * or wrapped layer as one block of all its weights, as the report groups them), a row marked frozen
 * for each frozen layer (no numbers: its weights are not part of θ), and the details of a chosen layer.
 */
import type { LayerReport, PerLayerSharpness, Report } from '../../src/shared/report.ts';
import { chartLabels, frozenParameterCount, WEIGHT_STATUS_TEXT, weightLabel, weightStatus } from './layers.ts';

/** A report, or the layers streamed so far with the model they belong to. */
export interface LayerSource {
  model: Pick<Report['model'], 'layers' | 'parameterCount'>;
  perLayer: PerLayerSharpness[];
}
import { formatConverged, formatWithError } from './numbers.ts';

/** The per-layer numbers in the table's column order; `key` is the report's field name. */
export const PER_LAYER_COLUMNS = [
  { key: 'invariantSharpness', label: 'λ_max(D H D)' },
  { key: 'euclideanSharpness', label: 'λ_max(H)' },
  { key: 'invariantTrace', label: 'tr(D H D)' },
  { key: 'euclideanTrace', label: 'tr(H)' },
] as const;

export type PerLayerMeasure = (typeof PER_LAYER_COLUMNS)[number]['key'];

export interface PerLayerCell {
  key: PerLayerMeasure;
  value: number;
  text: string;
}

export interface PerLayerRow {
  /** The layer's full path, as the report names it. */
  name: string;
  /** The chart's axis label: the path's shortest distinguishing ending. */
  chartLabel: string;
  className: string;
  parameterCount: number;
  converged: boolean;
  positivelyHomogeneous: boolean;
  cells: PerLayerCell[];
}

function cellText(layer: PerLayerSharpness, key: PerLayerMeasure): string {
  switch (key) {
    case 'invariantSharpness':
      return formatConverged(layer.invariantSharpness, layer.converged);
    case 'euclideanSharpness':
      return formatConverged(layer.euclideanSharpness, layer.converged);
    case 'invariantTrace':
      return formatWithError(layer.invariantTrace, layer.invariantTraceStandardError);
    case 'euclideanTrace':
      return formatWithError(layer.euclideanTrace, layer.euclideanTraceStandardError);
  }
}

export function perLayerRows(report: LayerSource): PerLayerRow[] {
  const labels = chartLabels(report.perLayer.map((l) => l.name));
  return report.perLayer.map((layer, i) => {
    const model = report.model.layers.find((l) => l.name === layer.name);
    return {
      name: layer.name,
      chartLabel: labels[i],
      className: model?.className ?? '',
      parameterCount: layer.parameterCount,
      converged: layer.converged,
      positivelyHomogeneous: model?.positivelyHomogeneous ?? false,
      cells: PER_LAYER_COLUMNS.map(({ key }) => ({ key, value: layer[key], text: cellText(layer, key) })),
    };
  });
}

/** A frozen layer: listed, with its frozen parameters, and no sharpness (there is none to compute). */
export interface FrozenLayerRow {
  name: string;
  className: string;
  frozenParameterCount: number;
}

/** The table's rows in the model's order: the measured layers (so far, while running) and every frozen one. */
export type LayerTableRow = { kind: 'measured'; row: PerLayerRow } | { kind: 'frozen'; row: FrozenLayerRow };

export function layerTableRows(report: LayerSource): LayerTableRow[] {
  const measured = new Map(perLayerRows(report).map((row) => [row.name, row]));
  return report.model.layers.flatMap((layer): LayerTableRow[] => {
    const row = measured.get(layer.name);
    if (row) return [{ kind: 'measured', row }];
    const frozen = frozenParameterCount(layer);
    return frozen > 0 ? [{ kind: 'frozen', row: { name: layer.name, className: layer.className, frozenParameterCount: frozen } }] : [];
  });
}

/** One weight of the chosen layer: its role in the layer, where the manifest has it, and what it is to the analysis. */
export interface WeightRow {
  label: string;
  manifestName: string;
  shape: number[];
  status: string;
}

export interface LayerDetails {
  layer: LayerReport;
  sharpness: PerLayerSharpness | null;
  /** Parameters of this layer that are frozen: not part of θ, so it has no per-layer numbers when all are. */
  frozenParameterCount: number;
  weights: WeightRow[];
  /** The layer's share of the model's parameters, 0…1. */
  parameterShare: number;
  homogeneity: string;
  /** λ_max(DHD) / λ_max(H) of the block: how much the normalisation rescales this layer. */
  invariantToEuclidean: number | null;
}

export function layerDetails(report: LayerSource, name: string): LayerDetails | null {
  const layer = report.model.layers.find((l) => l.name === name);
  if (!layer) return null;
  const sharpness = report.perLayer.find((l) => l.name === name) ?? null;
  const homogeneity = layer.positivelyHomogeneous
    ? 'Positively homogeneous: scaling its kernel by α scales its output by α, so a rescaling can move sharpness into or out of this layer without changing the function.'
    : `Not positively homogeneous${layer.note ? ` (${layer.note})` : ''}: the scale of its input must be undone before it.`;
  return {
    layer,
    sharpness,
    frozenParameterCount: frozenParameterCount(layer),
    weights: layer.weights.map((w) => ({
      label: weightLabel(w),
      manifestName: w.name,
      shape: w.shape,
      status: WEIGHT_STATUS_TEXT[weightStatus(w)],
    })),
    parameterShare: report.model.parameterCount > 0 ? layer.parameterCount / report.model.parameterCount : 0,
    homogeneity,
    invariantToEuclidean:
      sharpness && sharpness.euclideanSharpness > 0 ? sharpness.invariantSharpness / sharpness.euclideanSharpness : null,
  };
}

/** The layer shown first: the one with the largest invariant sharpness. */
export function sharpestLayer(report: LayerSource): string | null {
  let best: PerLayerSharpness | null = null;
  for (const l of report.perLayer) if (!best || l.invariantSharpness > best.invariantSharpness) best = l;
  return best?.name ?? null;
}
