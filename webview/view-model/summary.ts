/** The Summary tab's content as plain data: headline measures, how they were computed, the model. */
import { SETTING_WORDING } from '../../src/shared/options.ts';
import { describeProblem } from '../../src/shared/problems.ts';
import type { ProgressEvent } from '../../src/shared/progress.ts';
import type { ConvergencePoint, Eigenpair, Report, SampledMeasure } from '../../src/shared/report.ts';
import { formatInterval, recommendationLine } from '../../src/shared/report-format.ts';
import { formatBytes, formatDuration } from '../../src/shared/progress.ts';
import { formatCount, formatPercent, formatSeconds, formatShape, formatValue, formatWithError } from './numbers.ts';
import { frozenParameterCount, weightLabel, weightStatus, type WeightStatus } from './layers.ts';
import type { Evaluation, RunResults } from './results.ts';

const LOSS_SOURCES: Record<Report['data']['lossSource'], string> = {
  'training config': "from the model's training config",
  inferred: 'inferred from the labels and the output layer',
  option: `chosen with ${SETTING_WORDING('loss')}`,
};

/** The report's warnings as VS Code users read them: options named as settings, never as CLI flags. */
export function warningTexts(report: Report): string[] {
  return report.warnings.map((w) => describeProblem(w, SETTING_WORDING));
}

export interface SummaryItem {
  /** Stable key, used as the element's data-testid suffix. */
  key: string;
  label: string;
  text: string;
  /** The raw number behind `text`, for data-value (null when the item is not a number or not known yet). */
  value: number | null;
  /** What makes the value uncertain ("not converged, residual 120"): shown with it, never dropped. */
  qualifier: string | null;
  hint: string | null;
  /** The 95% interval over the choice of analysis samples ("95% over samples: [a, b]"), once the report has it. */
  interval?: string | null;
  /** The measure at 128, 256, … samples with its half-width, for the small chart beside the number. */
  curve?: ConvergencePoint[] | null;
}

/** The headline items' sampled measures. */
const SAMPLED_KEYS: Record<string, SampledMeasure> = {
  'invariant-sharpness': 'invariantSharpness',
  'euclidean-sharpness': 'euclideanSharpness',
  'invariant-trace': 'invariantTrace',
  'euclidean-trace': 'euclideanTrace',
  loss: 'loss',
  'gradient-norm': 'gradientNorm',
};

/** Adds each item's sampling interval and convergence curve from the finished report. */
function withSampling(items: SummaryItem[], report: Report | null): SummaryItem[] {
  const sampling = report?.sampling;
  if (!sampling) return items;
  const level = Math.round(100 * sampling.level);
  return items.map((i) => {
    const measure = SAMPLED_KEYS[i.key];
    if (!measure) return i;
    const curve = measure in sampling.convergence ? sampling.convergence[measure as keyof typeof sampling.convergence] : null;
    return { ...i, interval: `${level}% over samples: ${formatInterval(sampling.measures[measure])}`, curve };
  });
}

/** Shown for a measure whose stage has not finished yet. */
export const PENDING = 'computing…';

/** "not converged, residual …" for a Ritz pair that did not converge, else null. */
function convergence(pair: Eigenpair | undefined): string | null {
  return pair && !pair.converged ? `not converged, residual ${formatValue(pair.residual, 2)}` : null;
}

function item(
  key: string,
  label: string,
  value: number | null,
  text: string | null,
  hint: string | null,
  qualifier: string | null = null,
): SummaryItem {
  return { key, label, text: text ?? PENDING, value: text === null ? null : value, qualifier, hint };
}

/** The layer count, and the frozen parameters the analysis leaves out (reports before frozen layers have no count). */
function parametersHint(model: Evaluation['model']): string {
  const frozen = model.frozenParameterCount ?? 0;
  return `${model.layers.length} layers${frozen > 0 ? `; ${formatCount(frozen)} more frozen (trainable: false), not analysed` : ''}`;
}

/** The measures at the top of the Summary, the invariant one first; those not computed yet say so. */
export function headlineItems(results: RunResults): SummaryItem[] {
  return withSampling(measureItems(results), results.report);
}

function measureItems(results: RunResults): SummaryItem[] {
  const { evaluation: ev, eigenpairs, traces, report } = results;
  const invariantTop = eigenpairs.invariant?.[0];
  const euclideanTop = eigenpairs.euclidean?.[0];
  const normalization = report
    ? ` (${report.invariant.normalization} normalisation${report.invariant.operator === 'horizontal' ? ', horizontal' : ''})`
    : '';
  const traceHint = (t: RunResults['traces']['invariant']) => (t && t.standardError > 0 ? 'Hutchinson estimate ± standard error' : null);
  return [
    item(
      'invariant-sharpness',
      'λ_max(D H D)',
      invariantTop?.value ?? null,
      invariantTop ? formatValue(invariantTop.value) : null,
      `rescaling-invariant sharpness${normalization}`,
      convergence(invariantTop),
    ),
    item(
      'euclidean-sharpness',
      'λ_max(H)',
      euclideanTop?.value ?? null,
      euclideanTop ? formatValue(euclideanTop.value) : null,
      'Euclidean sharpness: changes under rescaling',
      convergence(euclideanTop),
    ),
    item(
      'invariant-trace',
      'tr(D H D)',
      traces.invariant?.trace ?? null,
      traces.invariant ? formatWithError(traces.invariant.trace, traces.invariant.standardError) : null,
      traceHint(traces.invariant),
    ),
    item(
      'euclidean-trace',
      'tr(H)',
      traces.euclidean?.trace ?? null,
      traces.euclidean ? formatWithError(traces.euclidean.trace, traces.euclidean.standardError) : null,
      traceHint(traces.euclidean),
    ),
    item('loss', 'Loss', ev?.loss ?? null, ev ? formatValue(ev.loss) : null, ev?.data.loss ?? null),
    item('accuracy', 'Accuracy', ev?.accuracy ?? null, ev ? formatPercent(ev.accuracy) : null, null),
    item(
      'gradient-norm',
      '‖∇L‖',
      ev?.gradientNorm ?? null,
      ev ? formatValue(ev.gradientNorm, 3) : null,
      'how close to a minimum: 0 at a critical point',
    ),
    item(
      'parameters',
      'Parameters',
      ev?.model.parameterCount ?? null,
      ev ? formatCount(ev.model.parameterCount) : null,
      ev ? parametersHint(ev.model) : null,
    ),
  ];
}

function methodText(report: Report): string {
  return report.method === 'exact' ? 'exact (dense Hessian, all eigenvalues)' : 'iterative (Lanczos for λ, Hutchinson for traces)';
}

function stagesText(report: Report): string | null {
  const stages = report.cost.stages.filter((s) => s.seconds >= 0.005 || s.hvpCount > 0);
  return stages.length > 0
    ? stages.map((s) => `${s.name} ${formatSeconds(s.seconds)}${s.hvpCount > 0 ? `, ${formatCount(s.hvpCount)} HVPs` : ''}`).join('; ')
    : null;
}

function evaluationItems(ev: Evaluation): SummaryItem[] {
  const d = ev.data;
  return [
    item('backend', 'Backend', null, ev.backend, ev.backendNote ?? null),
    item('threads', 'Threads', ev.threads, String(ev.threads), null),
    item('data', 'Data', null, d.path, d.labelsPath ? `labels ${d.labelsPath}` : null),
    item('samples', 'Samples', d.sampleCount, `${formatCount(d.sampleCount)} of ${formatCount(d.availableCount)}`, `seed ${d.seed}`),
    item(
      'loss-function',
      'Loss function',
      null,
      `${d.loss}${d.fromLogits ? ' (from logits)' : ''}, ${LOSS_SOURCES[d.lossSource]}`,
      d.regularizers === 'none' ? null : `weight regularizers ${d.regularizers}`,
    ),
    item(
      'model',
      'Model',
      null,
      ev.model.path,
      `${ev.model.name}, ${ev.model.format}, input ${formatShape(ev.model.inputShape)} → output ${formatShape(ev.model.outputShape)}`,
    ),
  ];
}

/** How the numbers were made: backend, method, cost, data (method and cost once the report is done). */
export function runItems(results: RunResults): SummaryItem[] {
  const { report, evaluation } = results;
  const items = evaluation ? evaluationItems(evaluation) : [];
  if (report) {
    items.splice(
      2,
      0,
      item('method', 'Method', null, methodText(report), null),
      item(
        'cost',
        'Cost',
        report.cost.seconds,
        `${formatCount(report.cost.hvpCount)} HVPs in ${formatSeconds(report.cost.seconds)}`,
        stagesText(report),
      ),
    );
    if (report.sampling) {
      const s = report.sampling;
      items.push(
        item(
          'sampling',
          'Sampling error',
          s.groups,
          `${Math.round(100 * s.level)}% intervals from ${s.groups} random groups of about ${formatCount(s.groupSize)} samples`,
          `${s.method}; ${recommendationLine(s) ?? ''}. Assumes: ${s.assumptions.join('; ')}.`,
        ),
      );
    }
    if (report.estimate) {
      const e = report.estimate;
      items.push(
        item(
          'estimate',
          'Estimate',
          e.seconds,
          `about ${formatDuration(e.seconds)}, ${formatBytes(e.peakBytes)}`,
          e.budgetSeconds !== null
            ? `time budget ${formatDuration(e.budgetSeconds)}${e.choices.length > 0 ? `: ${e.choices.join('; ')}` : ''}`
            : 'no time budget',
        ),
      );
    }
    if (report.rescaling) {
      items.push(
        item(
          'rescaling',
          'Rescaled',
          report.rescaling.maxOutputDifference,
          report.rescaling.description,
          `max output difference ${formatValue(report.rescaling.maxOutputDifference, 2)}`,
        ),
      );
    }
  }
  return items;
}

export interface ModelLayerRow {
  /** The layer's full path. */
  name: string;
  className: string;
  parameterCount: number;
  frozenParameterCount: number;
  /** Each weight by its role in the layer, its shape, and "(frozen)" or "(statistic)" when it is not trainable. */
  weights: string;
  homogeneous: boolean;
  homogeneityText: string;
}

const WEIGHT_SUFFIX: Record<WeightStatus, string> = { trainable: '', frozen: ' (frozen)', statistic: ' (statistic)' };

export function modelLayerRows(model: Report['model']): ModelLayerRow[] {
  return model.layers.map((l) => ({
    name: l.name,
    className: l.className,
    parameterCount: l.parameterCount,
    frozenParameterCount: frozenParameterCount(l),
    weights: l.weights.map((w) => `${weightLabel(w)} ${formatShape(w.shape)}${WEIGHT_SUFFIX[weightStatus(w)]}`).join(', ') || '—',
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
  const withinStage =
    p.iteration !== null && p.maxIterations !== null && p.maxIterations > 0 ? Math.min(1, p.iteration / p.maxIterations) : 0;
  const fraction = p.stageCount > 0 ? Math.min(1, Math.max(0, (p.stageIndex - 1 + withinStage) / p.stageCount)) : 0;
  const iteration =
    p.iteration === null ? null : `iteration ${p.iteration}${p.maxIterations !== null ? ` of at most ${p.maxIterations}` : ''}`;
  const total = p.estimate ? ` (of about ${formatDuration(p.estimate.seconds)}, ${formatBytes(p.estimate.peakBytes)})` : '';
  const left = p.etaSeconds === null ? 'estimating time left' : `about ${formatSeconds(p.etaSeconds)} left${total}`;
  return {
    stage: `Stage ${p.stageIndex} of ${p.stageCount}: ${p.stage}`,
    iteration,
    time: `${formatSeconds(p.elapsedSeconds)} elapsed, ${left}, ${formatCount(p.hvpCount)} HVPs`,
    detail: p.detail,
    fraction,
  };
}
