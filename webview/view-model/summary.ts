/** The Summary tab's content as plain data: headline measures, how the run was made, the model. */
import type { ProgressEvent } from '../../src/shared/progress';
import type { Report } from '../../src/shared/report';
import { formatCount, formatEigenpair, formatPercent, formatSeconds, formatShape, formatValue, formatWithError } from './numbers';

export interface SummaryItem {
  /** Stable key, used as the element's data-testid suffix. */
  key: string;
  label: string;
  text: string;
  /** The raw number behind `text`, for data-value (null when the item is not a number). */
  value: number | null;
  hint: string | null;
}

/** The measures at the top of the Summary, the invariant one first. */
export function headlineItems(report: Report): SummaryItem[] {
  const e = report.euclidean;
  const i = report.invariant;
  const invariantTop = i.eigenpairs[0];
  const euclideanTop = e.eigenpairs[0];
  return [
    {
      key: 'invariant-sharpness',
      label: 'λ_max(D H D)',
      text: invariantTop ? formatEigenpair(invariantTop) : formatValue(i.sharpness),
      value: i.sharpness,
      hint: `rescaling-invariant sharpness (${i.normalization} normalisation${i.operator === 'horizontal' ? ', horizontal' : ''})`,
    },
    {
      key: 'euclidean-sharpness',
      label: 'λ_max(H)',
      text: euclideanTop ? formatEigenpair(euclideanTop) : formatValue(e.topEigenvalues[0]),
      value: e.topEigenvalues[0] ?? null,
      hint: 'Euclidean sharpness: changes under rescaling',
    },
    { key: 'invariant-trace', label: 'tr(D H D)', text: formatWithError(i.trace, i.traceStandardError), value: i.trace, hint: null },
    { key: 'euclidean-trace', label: 'tr(H)', text: formatWithError(e.trace, e.traceStandardError), value: e.trace, hint: null },
    { key: 'loss', label: 'Loss', text: formatValue(report.loss), value: report.loss, hint: report.data.loss },
    { key: 'accuracy', label: 'Accuracy', text: formatPercent(report.accuracy), value: report.accuracy, hint: null },
    { key: 'gradient-norm', label: '‖∇L‖', text: formatValue(report.gradientNorm, 3), value: report.gradientNorm, hint: 'how close to a minimum: 0 at a critical point' },
    { key: 'parameters', label: 'Parameters', text: formatCount(report.model.parameterCount), value: report.model.parameterCount, hint: `${report.model.layers.length} layers` },
  ];
}

function methodText(report: Report): string {
  return report.method === 'exact' ? 'exact (dense Hessian, all eigenvalues)' : 'iterative (Lanczos for λ, Hutchinson for traces)';
}

function stagesText(report: Report): string | null {
  const stages = report.cost.stages.filter((s) => s.seconds >= 0.005 || s.hvpCount > 0);
  return stages.length > 0 ? stages.map((s) => `${s.name} ${formatSeconds(s.seconds)}${s.hvpCount > 0 ? `, ${formatCount(s.hvpCount)} HVPs` : ''}`).join('; ') : null;
}

/** How the numbers were made: backend, method, cost, data. */
export function runItems(report: Report): SummaryItem[] {
  const d = report.data;
  const lossSource = `${d.loss}${d.fromLogits ? ' (from logits)' : ''}, from the ${d.lossSource}`;
  const items: SummaryItem[] = [
    { key: 'backend', label: 'Backend', text: report.backend, value: null, hint: report.backendNote },
    { key: 'threads', label: 'Threads', text: String(report.threads), value: report.threads, hint: null },
    { key: 'method', label: 'Method', text: methodText(report), value: null, hint: null },
    { key: 'cost', label: 'Cost', text: `${formatCount(report.cost.hvpCount)} HVPs in ${formatSeconds(report.cost.seconds)}`, value: report.cost.seconds, hint: stagesText(report) },
    { key: 'data', label: 'Data', text: d.path, value: null, hint: d.labelsPath ? `labels ${d.labelsPath}` : null },
    { key: 'samples', label: 'Samples', text: `${formatCount(d.sampleCount)} of ${formatCount(d.availableCount)}`, value: d.sampleCount, hint: `seed ${d.seed}` },
    { key: 'loss-function', label: 'Loss function', text: lossSource, value: null, hint: d.regularizers === 'none' ? null : `weight regularizers ${d.regularizers}` },
    { key: 'model', label: 'Model', text: report.model.path, value: null, hint: `${report.model.name}, ${report.model.format}, input ${formatShape(report.model.inputShape)} → output ${formatShape(report.model.outputShape)}` },
  ];
  if (report.rescaling) {
    items.push({ key: 'rescaling', label: 'Rescaled', text: report.rescaling.description, value: report.rescaling.maxOutputDifference, hint: `max output difference ${formatValue(report.rescaling.maxOutputDifference, 2)}` });
  }
  return items;
}

export interface ModelLayerRow {
  name: string;
  className: string;
  parameterCount: number;
  weights: string;
  homogeneous: boolean;
  homogeneityText: string;
}

export function modelLayerRows(report: Report): ModelLayerRow[] {
  return report.model.layers.map((l) => ({
    name: l.name,
    className: l.className,
    parameterCount: l.parameterCount,
    weights: l.weights.map((w) => `${w.name.split('/').pop()} ${formatShape(w.shape)}${w.trainable ? '' : ' (frozen)'}`).join(', ') || '—',
    homogeneous: l.positivelyHomogeneous,
    homogeneityText: l.positivelyHomogeneous ? 'yes' : `no${l.note ? ` (${l.note})` : ''}`,
  }));
}

export interface ProgressView {
  stage: string;
  iteration: string | null;
  time: string;
  detail: string | null;
  /** 0…1 over all stages, iterations filling the current one. */
  fraction: number;
}

export function progressView(p: ProgressEvent): ProgressView {
  const withinStage = p.iteration !== null && p.maxIterations !== null && p.maxIterations > 0 ? Math.min(1, p.iteration / p.maxIterations) : 0;
  const fraction = p.stageCount > 0 ? Math.min(1, Math.max(0, (p.stageIndex - 1 + withinStage) / p.stageCount)) : 0;
  const iteration = p.iteration === null ? null : `iteration ${p.iteration}${p.maxIterations !== null ? ` of at most ${p.maxIterations}` : ''}`;
  const left = p.etaSeconds === null ? 'estimating time left' : `about ${formatSeconds(p.etaSeconds)} left`;
  return {
    stage: `Stage ${p.stageIndex} of ${p.stageCount}: ${p.stage}`,
    iteration,
    time: `${formatSeconds(p.elapsedSeconds)} elapsed, ${left}, ${formatCount(p.hvpCount)} HVPs`,
    detail: p.detail,
    fraction,
  };
}
