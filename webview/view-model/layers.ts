/**
 * Layers and weights as the panel names them, for the Per layer and Summary tabs: a nested layer by
 * its path (`sequential_1/model2/Conv1`), shortened for chart axes only; a weight by its role in the
 * layer (`forward/recurrent_kernel` in a Bidirectional); a frozen layer (`trainable: false`) told
 * apart from one that only holds statistics (BatchNormalization's moving mean, Normalization's mean).
 */
import type { LayerReport } from '../../src/shared/report.ts';
import { isStatisticWeight } from '../../src/shared/weights.ts';

type Weight = LayerReport['weights'][number];

/** What a weight is to the analysis: part of θ, a frozen constant, or a statistic (never a parameter). */
export type WeightStatus = 'trainable' | 'frozen' | 'statistic';

export function weightStatus(weight: Weight): WeightStatus {
  if (weight.trainable) return 'trainable';
  return isStatisticWeight(weight.role ?? weight.name) ? 'statistic' : 'frozen';
}

export const WEIGHT_STATUS_TEXT: Record<WeightStatus, string> = {
  trainable: 'trainable',
  frozen: 'frozen',
  statistic: 'statistic, not a parameter',
};

/** The weight's name within its layer: the engine's role, or (in reports without roles) the manifest name's last segment. */
export function weightLabel(weight: Weight): string {
  return weight.role ?? weight.name.split('/').pop()!;
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Parameters of the layer that are frozen (`trainable: false`): constants of the analysis, not part of θ. */
export function frozenParameterCount(layer: Pick<LayerReport, 'weights'>): number {
  return layer.weights.filter((w) => weightStatus(w) === 'frozen').reduce((sum, w) => sum + size(w.shape), 0);
}

/** Longer chart labels are cut in the middle (the end tells layers of one block apart: `…_depthwise_BN`). */
export const MAX_CHART_LABEL = 24;

function cut(label: string): string {
  if (label.length <= MAX_CHART_LABEL) return label;
  const tail = Math.floor((MAX_CHART_LABEL - 1) / 2);
  return `${label.slice(0, MAX_CHART_LABEL - 1 - tail)}…${label.slice(-tail)}`;
}

/**
 * Chart labels for layer paths: the shortest ending (in whole path segments) that no other of the
 * names shares, cut to MAX_CHART_LABEL characters. The table and the tooltips show the full path.
 */
export function chartLabels(names: readonly string[]): string[] {
  const segments = names.map((name) => name.split('/'));
  const ending = (parts: string[], k: number) => parts.slice(-k).join('/');
  return segments.map((parts, i) => {
    let k = 1;
    while (k < parts.length && segments.some((other, j) => j !== i && ending(other, k) === ending(parts, k))) k++;
    return cut(ending(parts, k));
  });
}
