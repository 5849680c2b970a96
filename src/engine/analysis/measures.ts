/**
 * The curvature measures of a model: the Euclidean spectrum of H, the invariant spectrum of D H D,
 * their traces, and per-layer λ_max and traces of the diagonal blocks. Small models get the exact
 * dense Hessian (every number exact up to float32 HVPs); larger ones Lanczos with full
 * re-orthogonalisation, Hutchinson and stochastic Lanczos quadrature.
 */
import type { MeasureSettings } from '../../shared/analysis-request';
import { DEFAULTS } from '../../shared/defaults';
import type { Problem } from '../../shared/problems';
import type { PartialResult } from '../../shared/progress';
import type { Density, Eigenpair, PerLayerSharpness, PowerIterationCheck, Report, SpectrumSummary } from '../../shared/report';
import type { CurvatureProvider } from '../curvature/provider';
import { hutchinson, type TraceTarget } from '../linalg/hutchinson';
import { deflatedSampleValues, krylovTracePart } from '../linalg/deflated-trace';
import { defaultLanczosIterations, lanczos, type LanczosDecomposition, type LanczosProgress } from '../linalg/lanczos';
import type { KnownProduct } from '../linalg/operator';
import { powerIteration } from '../linalg/power-iteration';
import { smoothedDensity, spectralDensity } from '../linalg/slq';
import { symmetricEigen } from '../linalg/symmetric-eigen';
import type { RegularizerTerm } from '../loss/regularizers';
import { blockUnitDirections, CurvatureOperator, horizontalProjection, normalizationScales } from './curvature-operator';
import type { PlannedStage, ProgressTracker } from './progress-tracker';

export type { MeasureSettings };

/** The measure settings of an analysis that asks for nothing: the user-facing ones come from the shared table. */
export const DEFAULT_MEASURE_SETTINGS: MeasureSettings = {
  topK: DEFAULTS.topK,
  normalization: DEFAULTS.normalization,
  operator: DEFAULTS.horizontal ? 'horizontal' : 'dhd',
  density: DEFAULTS.density,
  perLayer: DEFAULTS.perLayer,
  exactThreshold: DEFAULTS.exactThreshold,
  lanczosTolerance: DEFAULTS.tolerance,
  // One well-separated eigenvalue: the error of a Ritz value is about residual²/gap, so a 1e-3
  // residual is ample and saves a third of the per-layer products.
  perLayerTolerance: 1e-3,
  lanczosMaxIterations: DEFAULTS.maxIterations,
  traceMaxSamples: DEFAULTS.traceSamples,
  traceRelativeError: 2e-2,
  densityRuns: 1,
  densitySteps: 80,
  densityGridPoints: 600,
  crossCheck: DEFAULTS.crossCheck,
  seed: DEFAULTS.seed,
};

export interface LayerBlocks {
  name: string;
  blocks: number[];
  parameterCount: number;
}

/** Products taken before the stages, each released once its run has used it (2n doubles each: on a large model they are not small). */
export type FirstProducts = Partial<Record<'invariant' | 'euclidean' | 'euclideanTrace', KnownProduct>>;

function takeFirst(context: MeasureContext, key: keyof FirstProducts): KnownProduct | undefined {
  const known = context.firstProducts?.[key];
  if (context.firstProducts) delete context.firstProducts[key];
  return known;
}

export interface MeasureContext {
  provider: CurvatureProvider;
  theta: Float64Array;
  layers: LayerBlocks[];
  regularizers: readonly RegularizerTerm[];
  settings: MeasureSettings;
  tracker: ProgressTracker;
  signal?: AbortSignal;
  onPartial?: (partial: PartialResult) => void;
  /**
   * Products already taken (those timed for the estimate): of each spectrum operator on the first
   * Lanczos vector, and of H on the first trace probe; the runs use them instead of recomputing them.
   */
  firstProducts?: FirstProducts;
}

export interface Measures {
  method: 'exact' | 'iterative';
  crossCheck: Report['crossCheck'];
  euclidean: SpectrumSummary;
  invariant: SpectrumSummary;
  perLayer: Omit<PerLayerSharpness, 'name' | 'parameterCount'>[];
  density: { euclidean: Density; invariant: Density } | null;
  warnings: Problem[];
  /** The unit top eigenvectors behind each λ_max, over the full θ (zero outside a layer's blocks), for the sampling intervals. */
  vectors: MeasureVectors;
}

export interface MeasureVectors {
  euclidean: Float64Array;
  /** In the invariant operator's own coordinates: λ = vᵀ(P D H D P)v. */
  invariant: Float64Array;
  perLayer: { euclidean: Float64Array; invariant: Float64Array }[];
}

/** A vector over a layer's blocks (in `blocks` order) spread over the full θ, zero elsewhere. */
function extendToFull(v: Float64Array, indices: readonly number[], n: number): Float64Array {
  const full = new Float64Array(n);
  indices.forEach((i, k) => (full[i] = v[k]));
  return full;
}

/** The stages each method goes through, with the most HVPs each may take (for the time estimate). */
/**
 * The stages each method goes through, with the most HVPs each may take and the number it usually
 * takes (for the time estimate): Lanczos for the top k usually converges in about 2k + 12 products,
 * a single well-separated per-layer eigenvalue (tolerance 1e-3) in about 8; the trace probes
 * usually run to their cap; power iteration stops near 30.
 */
export function plannedStages(n: number, layerCount: number, settings: MeasureSettings): PlannedStage[] {
  const stages: PlannedStage[] =
    n <= settings.exactThreshold
      ? [
          { name: 'dense Hessian', maxHvps: n },
          { name: 'eigendecomposition', maxHvps: 0 },
        ]
      : iterativeStages(n, layerCount, settings);
  if (settings.crossCheck) stages.push({ ...CROSS_CHECK_STAGE, expectedHvps: 2 * 30 });
  return stages;
}

/** A block-restricted product's cost in full products: it skips the sweeps before and after its layer, about half the work. */
export const BLOCK_PRODUCT_COST = 0.5;

function iterativeStages(n: number, layerCount: number, settings: MeasureSettings): PlannedStage[] {
  const lanczosCap = (k: number, dimension: number) => Math.min(dimension, settings.lanczosMaxIterations ?? defaultLanczosIterations(k));
  const spectrum = { maxHvps: lanczosCap(settings.topK, n), expectedHvps: Math.min(lanczosCap(settings.topK, n), 2 * settings.topK + 12) };
  // The invariant spectrum first: λ_max(D H D) is the number a user waits for.
  const stages: PlannedStage[] = [
    { name: 'invariant spectrum', ...spectrum },
    { name: 'Euclidean spectrum', ...spectrum },
    { name: 'traces', maxHvps: 2 * settings.traceMaxSamples },
  ];
  if (settings.perLayer)
    stages.push({
      name: 'per-layer sharpness',
      maxHvps: 2 * layerCount * lanczosCap(1, n),
      expectedHvps: 2 * layerCount * Math.min(8, n),
      costFactor: BLOCK_PRODUCT_COST,
    });
  if (settings.density) stages.push({ name: 'spectral density', maxHvps: 2 * settings.densityRuns * Math.min(n, settings.densitySteps) });
  return stages;
}

const POWER_ITERATION_CAP = 100;
/**
 * Relative accuracy of one float32 Hessian-vector product: what the engine achieves against float64
 * PyTorch (test/unit/engine/reference.test.ts). No residual below it is reported.
 */
const HVP_PRECISION = 1e-6;
/** A whole-network trace whose standard error exceeds this fraction of it gets a warning. */
const UNRELIABLE_TRACE = 0.1;
const CROSS_CHECK_STAGE = { name: 'power-iteration cross-check', maxHvps: 2 * POWER_ITERATION_CAP };

export async function computeMeasures(context: MeasureContext): Promise<Measures> {
  const exact = context.provider.dimension <= context.settings.exactThreshold;
  const measures = exact ? await exactMeasures(context) : await iterativeMeasures(context);
  if (context.settings.crossCheck) {
    measures.crossCheck = await powerIterationCheck(context, measures);
  }
  return measures;
}

/** PyHessian's power iteration (maxIter 100, tol 1e-3) on H and D H D, beside the reported λ_max. */
async function powerIterationCheck(context: MeasureContext, measures: Measures): Promise<NonNullable<Report['crossCheck']>> {
  const { provider, tracker, settings, regularizers } = context;
  tracker.begin(CROSS_CHECK_STAGE.name);
  const { scales, horizontal } = scalesFor(context);
  const run = async (operator: CurvatureOperator, reference: number, label: string): Promise<PowerIterationCheck> => {
    const result = await powerIteration(operator, {
      maxIterations: POWER_ITERATION_CAP,
      tolerance: 1e-3,
      seed: settings.seed + 4,
      signal: context.signal,
      onIteration: ({ iteration, maxIterations, value }) =>
        tracker.tick(iteration, maxIterations, `${label} ≈ ${formatNumber(value)} by power iteration`),
    });
    return {
      value: result.value,
      iterations: result.iterations,
      converged: result.converged,
      relativeDifference: Math.abs(result.value - reference) / Math.abs(reference),
    };
  };
  return {
    euclidean: await run(new CurvatureOperator(provider, { regularizers }), measures.euclidean.topEigenvalues[0], 'λ₁(H)'),
    invariant: await run(
      new CurvatureOperator(provider, { regularizers, scales, horizontal }),
      measures.invariant.topEigenvalues[0],
      'λ₁(DHD)',
    ),
  };
}

function scalesFor(context: Pick<MeasureContext, 'theta' | 'provider' | 'settings'>): { scales: Float64Array; horizontal?: Float64Array } {
  const { theta, provider, settings } = context;
  const scales = normalizationScales(theta, provider.blocks, settings.normalization);
  return settings.operator === 'horizontal' ? { scales, horizontal: blockUnitDirections(theta, provider.blocks) } : { scales };
}

/** The seed of the traces' Rademacher probes (the same for H and D H D). */
export function traceProbeSeed(settings: Pick<MeasureSettings, 'seed'>): number {
  return settings.seed + 1;
}

/** The two operators whose top eigenpairs the spectrum stages compute: H and D H D (projected when horizontal). */
export function spectrumOperators(context: Pick<MeasureContext, 'theta' | 'provider' | 'settings' | 'regularizers'>): {
  hessian: CurvatureOperator;
  invariant: CurvatureOperator;
} {
  const { provider, regularizers } = context;
  const { scales, horizontal } = scalesFor(context);
  return {
    hessian: new CurvatureOperator(provider, { regularizers }),
    invariant: new CurvatureOperator(provider, { regularizers, scales, horizontal }),
  };
}

function layerIndices(context: MeasureContext, layer: LayerBlocks): number[] {
  const indices: number[] = [];
  for (const b of layer.blocks) {
    const block = context.provider.blocks[b];
    for (let i = block.offset; i < block.offset + block.size; i++) indices.push(i);
  }
  return indices;
}

// ── exact: the dense Hessian ──────────────────────────────────────────────────────────────────

async function exactMeasures(context: MeasureContext): Promise<Measures> {
  const { provider, tracker, settings } = context;
  const n = provider.dimension;
  tracker.begin('dense Hessian');
  const operator = new CurvatureOperator(provider, { regularizers: context.regularizers });
  const hessian = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const unit = new Float64Array(n);
    unit[j] = 1;
    const column = await operator.apply(unit, context.signal);
    for (let i = 0; i < n; i++) hessian[i * n + j] = column[i];
    tracker.tick(j + 1, n, `column ${j + 1} of ${n}`);
  }
  // The float32 HVPs are symmetric to ~1e-7; the symmetric part is the Hessian.
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const mean = (hessian[i * n + j] + hessian[j * n + i]) / 2;
      hessian[i * n + j] = mean;
      hessian[j * n + i] = mean;
    }
  }
  tracker.begin('eigendecomposition');
  const { scales, horizontal } = scalesFor(context);
  let invariantMatrix: Float64Array = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) invariantMatrix[i * n + j] = scales[i] * hessian[i * n + j] * scales[j];
  if (horizontal) invariantMatrix = projectBothSides(invariantMatrix, n, horizontal, context);
  const euclideanEigen = symmetricEigen(hessian, n, { vectors: true });
  const invariantEigen = symmetricEigen(invariantMatrix, n, { vectors: true });
  const euclideanValues = euclideanEigen.values;
  const invariantValues = invariantEigen.values;
  const layerVectors: MeasureVectors['perLayer'] = [];
  const summary = (values: Float64Array, matrix: Float64Array): SpectrumSummary => ({
    topEigenvalues: Array.from(values.subarray(0, settings.topK)),
    eigenpairs: Array.from(values.subarray(0, settings.topK), (value) => ({ value, residual: 0, converged: true })),
    trace: diagonalSum(matrix, n, null),
    traceStandardError: 0,
    minEigenvalue: values[n - 1],
  });
  const perLayer = settings.perLayer
    ? context.layers.map((layer) => {
        const indices = layerIndices(context, layer);
        const blockOf = (matrix: Float64Array) => {
          const m = indices.length;
          const sub = new Float64Array(m * m);
          indices.forEach((r, a) => indices.forEach((c, b) => (sub[a * m + b] = matrix[r * n + c])));
          const { values, vectors } = symmetricEigen(sub, m, { vectors: true });
          return { value: values[0], vector: extendToFull(vectors!.subarray(0, m), indices, n) };
        };
        const scaledBlock = new Float64Array(n * n);
        for (const r of indices) for (const c of indices) scaledBlock[r * n + c] = scales[r] * hessian[r * n + c] * scales[c];
        const [e, i] = [blockOf(hessian), blockOf(scaledBlock)];
        layerVectors.push({ euclidean: e.vector, invariant: i.vector });
        return {
          euclideanSharpness: e.value,
          invariantSharpness: i.value,
          euclideanTrace: diagonalSum(hessian, n, indices),
          invariantTrace: diagonalSum(scaledBlock, n, indices),
          euclideanTraceStandardError: 0,
          invariantTraceStandardError: 0,
          converged: true,
        };
      })
    : [];
  const exactDensity = (values: Float64Array): Density => {
    const { x, y } = smoothedDensity([Array.from(values)], [Array.from(values, () => 1 / n)], settings.densityGridPoints, 1e-5);
    return { x, y };
  };
  const euclidean = summary(euclideanValues, hessian);
  const invariant = summary(invariantValues, invariantMatrix);
  for (const [operator, spectrum] of [
    ['euclidean', euclidean],
    ['invariant', invariant],
  ] as const) {
    context.onPartial?.({ kind: 'spectrum', operator, eigenpairs: spectrum.eigenpairs });
    context.onPartial?.({ kind: 'trace', operator, trace: spectrum.trace, standardError: 0 });
  }
  perLayer.forEach((numbers, i) =>
    context.onPartial?.({
      kind: 'layer',
      layer: { name: context.layers[i].name, parameterCount: context.layers[i].parameterCount, ...numbers },
    }),
  );
  return {
    method: 'exact',
    euclidean,
    invariant,
    perLayer,
    density: settings.density ? { euclidean: exactDensity(euclideanValues), invariant: exactDensity(invariantValues) } : null,
    crossCheck: null,
    warnings: [],
    vectors: { euclidean: euclideanEigen.vectors!.slice(0, n), invariant: invariantEigen.vectors!.slice(0, n), perLayer: layerVectors },
  };
}

function diagonalSum(matrix: Float64Array, n: number, indices: number[] | null): number {
  let sum = 0;
  if (indices) for (const i of indices) sum += matrix[i * n + i];
  else for (let i = 0; i < n; i++) sum += matrix[i * n + i];
  return sum;
}

/** P M P for the horizontal projection, by projecting every column and then every row. */
function projectBothSides(matrix: Float64Array, n: number, horizontal: Float64Array, context: MeasureContext): Float64Array {
  const project = (u: Float64Array) => horizontalProjection(u, horizontal, context.provider.blocks);
  const out = new Float64Array(n * n);
  const column = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) column[i] = matrix[i * n + j];
    const projected = project(column);
    for (let i = 0; i < n; i++) out[i * n + j] = projected[i];
  }
  for (let i = 0; i < n; i++) out.set(project(out.slice(i * n, (i + 1) * n)), i * n);
  return out;
}

// ── iterative: Lanczos, Hutchinson, SLQ ──────────────────────────────────────────────────────

function lanczosProgress(tracker: ProgressTracker, label: string) {
  return (info: LanczosProgress) =>
    tracker.tick(
      info.iteration,
      info.maxIterations,
      `${label} ≈ ${formatNumber(info.ritzValues[0])} (${info.convergedCount} of ${info.ritzValues.length} converged)`,
    );
}

function formatNumber(x: number | undefined): string {
  return x === undefined ? '?' : Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(3) : x.toPrecision(5);
}

/**
 * The top k eigenpairs by Lanczos. With `stream`, the leading pair is sent as a partial result as soon
 * as it has converged, before the others: the first number on screen does not wait for the k-th.
 */
async function topEigenpairs(
  operator: CurvatureOperator,
  k: number,
  context: MeasureContext,
  label: string,
  tolerance = context.settings.lanczosTolerance,
  stream?: 'euclidean' | 'invariant',
  firstProduct?: KnownProduct,
): Promise<{ pairs: Eigenpair[]; decomposition: LanczosDecomposition; top: Float64Array }> {
  const { settings, tracker } = context;
  const progress = lanczosProgress(tracker, label);
  let streamed = !stream || k === 1;
  const result = await lanczos(operator, {
    k,
    tolerance,
    maxIterations: settings.lanczosMaxIterations ?? undefined,
    seed: settings.seed,
    signal: context.signal,
    onIteration: (info) => {
      progress(info);
      if (!streamed && info.converged[0]) {
        streamed = true;
        context.onPartial?.({
          kind: 'spectrum',
          operator: stream!,
          eigenpairs: [{ value: info.ritzValues[0], residual: info.residuals[0], converged: true }],
        });
      }
    },
    returnDecomposition: true,
    returnVectors: true,
    productPrecision: HVP_PRECISION,
    firstProduct,
  });
  return {
    pairs: result.eigenpairs.map(({ value, residual, converged }) => ({ value, residual, converged })),
    decomposition: result.decomposition!,
    top: result.eigenpairs[0].vector!,
  };
}

async function iterativeMeasures(context: MeasureContext): Promise<Measures> {
  const { provider, tracker, settings, regularizers } = context;
  const warnings: Problem[] = [];
  const { scales } = scalesFor(context);
  const { hessian, invariant } = spectrumOperators(context);

  tracker.begin('invariant spectrum');
  const {
    pairs: invariantPairs,
    decomposition: invariantKrylov,
    top: invariantVector,
  } = await topEigenpairs(
    invariant,
    settings.topK,
    context,
    'λ₁(DHD)',
    settings.lanczosTolerance,
    'invariant',
    takeFirst(context, 'invariant'),
  );
  context.onPartial?.({ kind: 'spectrum', operator: 'invariant', eigenpairs: invariantPairs });
  tracker.begin('Euclidean spectrum');
  const {
    pairs: euclideanPairs,
    decomposition: euclideanKrylov,
    top: euclideanVector,
  } = await topEigenpairs(hessian, settings.topK, context, 'λ₁(H)', settings.lanczosTolerance, undefined, takeFirst(context, 'euclidean'));
  context.onPartial?.({ kind: 'spectrum', operator: 'euclidean', eigenpairs: euclideanPairs });
  for (const [name, pairs] of [
    ['H', euclideanPairs],
    ['D H D', invariantPairs],
  ] as const) {
    const open = pairs.filter((p) => !p.converged).length;
    if (open > 0)
      warnings.push({
        code: 'unconverged-eigenvalues',
        message: `${open} of the top ${pairs.length} eigenvalues of ${name} did not converge to the tolerance; their residuals are reported`,
        option: null,
      });
  }

  tracker.begin('traces');
  // Each operator gets its own Rademacher probes (the same seed for both): probing D H D itself,
  // rather than weighting probes of H by d², makes the invariant estimate invariant sample by
  // sample, since a rescaled model has exactly the same D H D. A 0/1 mask gives a layer's block.
  // The Krylov space of each operator's eigenvalue run holds the top of its spectrum exactly, so
  // the probes only estimate what it leaves (deflated-trace.ts).
  const rangesOf = (layer: LayerBlocks) =>
    layer.blocks.map((b) => [provider.blocks[b].offset, provider.blocks[b].offset + provider.blocks[b].size] as const);
  const maskOf = (ranges: readonly (readonly [number, number])[]) => {
    const w = new Float64Array(provider.dimension);
    for (const [start, end] of ranges) w.fill(1, start, end);
    return w;
  };
  const traceRun = async (op: CurvatureOperator, label: string, operator: 'euclidean' | 'invariant', krylov: LanczosDecomposition) => {
    const layers = settings.perLayer ? context.layers.map((layer) => ({ layer, ranges: rangesOf(layer) })) : [];
    const targets: TraceTarget[] = [
      { name: 'network', offset: krylovTracePart(krylov) },
      ...layers.map(({ layer, ranges }) => ({ name: layer.name, offset: krylovTracePart(krylov, maskOf(ranges)) })),
    ];
    const sampleValues = deflatedSampleValues(krylov, [{ ranges: null }, ...layers.map(({ ranges }) => ({ ranges }))]);
    const result = await hutchinson(op, targets, {
      sampleValues,
      maxSamples: settings.traceMaxSamples,
      relativeStandardError: settings.traceRelativeError,
      seed: traceProbeSeed(settings),
      firstProduct: operator === 'euclidean' ? takeFirst(context, 'euclideanTrace') : undefined,
      signal: context.signal,
      onIteration: ({ sample, maxSamples, estimates }) =>
        tracker.tick(sample, maxSamples, `${label} ≈ ${formatNumber(estimates[0].mean)} ± ${formatNumber(estimates[0].standardError)}`),
    });
    const network = result.estimates[0];
    if (Math.abs(network.standardError) > UNRELIABLE_TRACE * Math.abs(network.mean)) {
      warnings.push({
        code: 'uncertain-trace',
        message: `the ${label} estimate is uncertain (± ${((100 * network.standardError) / Math.abs(network.mean)).toFixed(0)}% after ${network.samples} samples)`,
        option: { name: 'traceSamples', action: 'raise' },
      });
    }
    context.onPartial?.({ kind: 'trace', operator, trace: result.estimates[0].mean, standardError: result.estimates[0].standardError });
    return (name: string) => result.estimates.find((e) => e.name === name)!;
  };
  const euclideanTrace = await traceRun(hessian, 'tr(H)', 'euclidean', euclideanKrylov);
  const invariantTrace = await traceRun(invariant, 'tr(DHD)', 'invariant', invariantKrylov);

  const perLayer: Measures['perLayer'] = [];
  const layerVectors: MeasureVectors['perLayer'] = [];
  if (settings.perLayer) {
    tracker.begin('per-layer sharpness');
    for (const layer of context.layers) {
      const restricted = (withScales: boolean) =>
        new CurvatureOperator(provider, { blocks: layer.blocks, regularizers, scales: withScales ? scales : undefined });
      const euclideanRun = await topEigenpairs(restricted(false), 1, context, `λ₁(H) of ${layer.name}`, settings.perLayerTolerance);
      const invariantRun = await topEigenpairs(restricted(true), 1, context, `λ₁(DHD) of ${layer.name}`, settings.perLayerTolerance);
      const [euclideanTop, invariantTop] = [euclideanRun.pairs[0], invariantRun.pairs[0]];
      // The restricted operators take their blocks in θ order.
      const indices = layerIndices(context, { ...layer, blocks: [...layer.blocks].sort((a, b) => a - b) });
      layerVectors.push({
        euclidean: extendToFull(euclideanRun.top, indices, provider.dimension),
        invariant: extendToFull(invariantRun.top, indices, provider.dimension),
      });
      const e = euclideanTrace(layer.name);
      const i = invariantTrace(layer.name);
      const numbers = {
        euclideanSharpness: euclideanTop.value,
        invariantSharpness: invariantTop.value,
        euclideanTrace: e.mean,
        invariantTrace: i.mean,
        euclideanTraceStandardError: e.standardError,
        invariantTraceStandardError: i.standardError,
        converged: euclideanTop.converged && invariantTop.converged,
      };
      perLayer.push(numbers);
      context.onPartial?.({ kind: 'layer', layer: { name: layer.name, parameterCount: layer.parameterCount, ...numbers } });
    }
    const open = perLayer.filter((p) => !p.converged).length;
    if (open > 0)
      warnings.push({
        code: 'unconverged-layers',
        message: `the per-layer λ_max of ${open} layer(s) did not converge to the tolerance`,
        option: null,
      });
  }

  let density: Measures['density'] = null;
  if (settings.density) {
    tracker.begin('spectral density');
    const options = {
      runs: settings.densityRuns,
      steps: settings.densitySteps,
      gridPoints: settings.densityGridPoints,
      seed: settings.seed + 3,
      signal: context.signal,
    };
    const progress =
      (label: string) =>
      ({ step, steps, run, runs }: { step: number; steps: number; run: number; runs: number }) =>
        tracker.tick(step, steps, `${label}: run ${run} of ${runs}`);
    const euclideanDensity = await spectralDensity(hessian, { ...options, onIteration: progress('density of H') });
    const invariantDensity = await spectralDensity(invariant, { ...options, onIteration: progress('density of D H D') });
    density = { euclidean: { x: euclideanDensity.x, y: euclideanDensity.y }, invariant: { x: invariantDensity.x, y: invariantDensity.y } };
  }

  const spectrum = (pairs: Eigenpair[], estimate: { mean: number; standardError: number }): SpectrumSummary => ({
    topEigenvalues: pairs.map((p) => p.value),
    eigenpairs: pairs,
    trace: estimate.mean,
    traceStandardError: estimate.standardError,
    minEigenvalue: null,
  });
  return {
    method: 'iterative',
    crossCheck: null,
    euclidean: spectrum(euclideanPairs, euclideanTrace('network')),
    invariant: spectrum(invariantPairs, invariantTrace('network')),
    perLayer,
    density,
    warnings,
    vectors: { euclidean: euclideanVector, invariant: invariantVector, perLayer: layerVectors },
  };
}
