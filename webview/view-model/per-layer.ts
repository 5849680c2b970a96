/** The Per layer tab: one row per layer with its sharpness, and the details of a chosen layer. */
import type { LayerReport, PerLayerSharpness, Report } from '../../src/shared/report.ts';

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
  name: string;
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
  return report.perLayer.map((layer) => {
    const model = report.model.layers.find((l) => l.name === layer.name);
    return {
      name: layer.name,
      className: model?.className ?? '',
      parameterCount: layer.parameterCount,
      converged: layer.converged,
      positivelyHomogeneous: model?.positivelyHomogeneous ?? false,
      cells: PER_LAYER_COLUMNS.map(({ key }) => ({ key, value: layer[key], text: cellText(layer, key) })),
    };
  });
}

export interface LayerDetails {
  layer: LayerReport;
  sharpness: PerLayerSharpness | null;
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
