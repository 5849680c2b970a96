/**
 * One analysis from files to report: backend, data, model, loss, an optional function-preserving
 * rescaling, loss and gradient, then the measures (see measures.ts). Used by the CLI, the extension's
 * analysis worker and the tests alike.
 */
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { version } from '../../../package.json';
import type { AnalyzeRequest } from '../../shared/analysis-request';
import type { PartialResult, ProgressEvent } from '../../shared/progress';
import type { LayerReport, Report } from '../../shared/report';
import { initializeBackend } from '../backend';
import { sliceSamples } from '../curvature/curvature-engine';
import { measureWorkingSet, planChunkSize } from '../curvature/memory-plan';
import { LocalCurvatureProvider, type CurvatureProvider } from '../curvature/provider';
import type { AnalysisData } from '../data/prepare';
import { SharpnessError, throwIfAborted } from '../errors';
import { addRegularizerGradient, findRegularizers, regularizerValue } from '../loss/regularizers';
import type { LoadedModel } from '../model/load-model';
import { Network } from '../network/network';
import { ParallelCurvatureProvider } from '../parallel/pool';
import { requestedRescaling } from '../rescaling/rescale';
import { analyzeSymmetries, homogeneityOf } from '../rescaling/symmetries';
import type { MeasureSettings } from '../../shared/analysis-request';
import { DEFAULTS, INTERVALS_AUTO_FREE_SECONDS, INTERVALS_AUTO_MAX_SHARE } from '../../shared/defaults';
import { intervalsRequest } from '../../shared/options';
import type { Problem } from '../../shared/problems';
import { defaultLanczosIterations, lanczosStartVector } from '../linalg/lanczos';
import { NonFiniteProductError } from '../linalg/operator';
import {
  computeMeasures,
  DEFAULT_MEASURE_SETTINGS,
  plannedStages,
  spectrumOperators,
  traceProbeSeed,
  type FirstProducts,
  type LayerBlocks,
  type Measures,
} from './measures';
import { hutchinsonFirstProbe } from '../linalg/hutchinson';
import { openInputs, outputResults } from './inputs';
import { blockUnitDirections, normalizationScales } from './curvature-operator';
import { ProgressTracker } from './progress-tracker';
import {
  EngineGroups,
  groupEngineOptions,
  groupSampleSets,
  groupSeed,
  probeSeed,
  randomGroups,
  samplingGroupCount,
  samplingIntervals,
  samplingPasses,
  type GroupedCurvature,
} from './sampling';
import type { CostEstimate, SamplingReport } from '../../shared/report';
import { formatDuration } from '../../shared/progress';
import { SeededRandom } from '../linalg/random';
import { planBudget, remainingSeconds } from './budget';
import { expectedCost, type PlannedStage } from './progress-tracker';

export type { AnalyzeRequest };

export interface AnalyzeHooks {
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
  /** Each stage's results as soon as it finishes. */
  onPartial?: (partial: PartialResult) => void;
  /** A request that was reduced to fit the model or the machine (top-k, threads), when it is decided; also in the report's warnings. */
  onWarning?: (problem: Problem) => void;
}

/** An option the engine reduced to fit the model or the machine, as a warning that names the option. */
function capped(option: 'threads' | 'topK', message: string): Problem {
  return { code: 'capped-option', message, option: { name: option, action: 'value' } };
}

/**
 * samples × (parameters + activation numbers per sample) above which worker threads pay for their
 * start-up. The activations count too: MobileNetV2 at 224×224 has half a million parameters but
 * needs 126 MB of working memory per sample, and 16 of its images are seconds per product.
 */
export const PARALLEL_WORK_THRESHOLD = 2e7;

/**
 * Worker threads for the HVPs, and why fewer were started than asked for. More workers than cores
 * only take turns (wasm runs one thread each) and each holds its own model, about 27 MB; more than
 * samples would leave workers with nothing to do.
 */
export function chooseThreads(
  requested: number | 'auto' | undefined,
  samples: number,
  parameters: number,
  chunkSize: number,
  bytesPerSample: number,
  cores = availableParallelism(),
): { threads: number; note: Problem | null } {
  if (typeof requested === 'number') {
    if (!Number.isInteger(requested) || requested < 1)
      throw new SharpnessError(`must be a positive integer, got ${requested}`, undefined, {
        code: 'invalid-option',
        option: { name: 'threads', action: 'value' },
      });
    const threads = Math.max(1, Math.min(requested, cores, samples));
    if (threads === requested) return { threads, note: null };
    const bound = threads === samples && samples < cores ? `one per sample (${samples})` : `one per available core (${cores})`;
    return { threads, note: capped('threads', `${requested} was capped at ${threads}: ${bound}`) };
  }
  if (samples * (parameters + bytesPerSample / 4) < PARALLEL_WORK_THRESHOLD) return { threads: 1, note: null };
  return { threads: Math.max(1, Math.min(cores, 4, Math.ceil(samples / chunkSize))), note: null };
}

/**
 * Up to this many parameters, a top-k request the Lanczos method could only answer with as many
 * products as there are parameters gets the dense Hessian instead: the same products, then two n×n
 * eigendecompositions (about 10 s each at 2,000) instead of re-orthogonalising against every vector.
 */
const DENSE_SPECTRUM_LIMIT = 2000;
/** The most eigenvalues asked of the Lanczos method: each adds two basis vectors of n values, re-orthogonalised at every step. */
const MAX_LANCZOS_TOP_K = 100;

/** The measure settings for a model of n parameters, with --top-k fitted to it, and what was changed. */
export function fitTopK(settings: MeasureSettings, n: number, model: string): { settings: MeasureSettings; notes: Problem[] } {
  const notes: Problem[] = [];
  let fitted = settings;
  if (settings.topK > n) {
    notes.push(
      capped('topK', `${settings.topK} is more than the model's ${n} parameters, the number of eigenvalues it has: computed all ${n}`),
    );
    fitted = { ...fitted, topK: n };
  }
  if (n <= fitted.exactThreshold) return { settings: fitted, notes };
  const steps = Math.min(n, fitted.lanczosMaxIterations ?? defaultLanczosIterations(fitted.topK));
  if (steps >= n && n <= DENSE_SPECTRUM_LIMIT) {
    notes.push(
      capped('topK', `${fitted.topK} of ${n} eigenvalues takes as many products as the whole Hessian: computed with the dense Hessian`),
    );
    return { settings: { ...fitted, exactThreshold: n }, notes };
  }
  if (fitted.topK > MAX_LANCZOS_TOP_K) {
    throw new SharpnessError(
      `${fitted.topK} is too many eigenvalues for the Lanczos method on a model of ${n.toLocaleString('en-US')} parameters: ask for at most ${MAX_LANCZOS_TOP_K} (models of up to ${DENSE_SPECTRUM_LIMIT.toLocaleString('en-US')} parameters get any number from the dense Hessian)`,
      model,
      { code: 'invalid-option', option: { name: 'topK', action: 'value' } },
    );
  }
  return { settings: fitted, notes };
}

/**
 * A rescaling far from 1 (factors like 1e30, 1e-30) keeps the function but moves the curvature out of
 * float32's range: the Hessian of the rescaled weights under- or overflows. The error names the
 * rescaling as the cause, never a bare non-finite value.
 */
function rescalingOverflow(what: string, description: string, file: string): SharpnessError {
  return new SharpnessError(
    `${what}: the rescaling (${description}) moves the curvature outside float32's range; use factors nearer 1`,
    file,
  );
}

/** The measures, or one error when any of them is not finite (a NaN in a report would be a silently wrong number). */
async function finiteMeasures(pending: Promise<Measures>, rescaling: string | null, file: string): Promise<Measures> {
  let measures: Measures;
  try {
    measures = await pending;
  } catch (error) {
    if (rescaling && error instanceof NonFiniteProductError)
      throw rescalingOverflow('a Hessian-vector product of the rescaled model is not finite', rescaling, file);
    throw error;
  }
  const values = [
    ...measures.euclidean.topEigenvalues,
    measures.euclidean.trace,
    ...measures.invariant.topEigenvalues,
    measures.invariant.trace,
    ...measures.perLayer.flatMap((layer) =>
      layer ? [layer.euclideanSharpness, layer.invariantSharpness, layer.euclideanTrace, layer.invariantTrace] : [],
    ),
  ];
  if (values.every((v) => v === null || Number.isFinite(v))) return measures;
  if (rescaling) throw rescalingOverflow('the curvature of the rescaled model is not finite', rescaling, file);
  throw new SharpnessError(
    "the curvature on the analysis data is not finite: the model overflows or divides by zero on these inputs (check the data's scale and the model's weights)",
    file,
  );
}

/** max |f(x) − f′(x)| over the analysis samples and every output: the proof that a rescaling kept the function. */
function maxOutputDifference(a: Network, b: Network, data: AnalysisData, chunkSize: number): number {
  let largest = 0;
  for (let start = 0; start < data.count; start += chunkSize) {
    const end = Math.min(data.count, start + chunkSize);
    const difference = tf.tidy(() => {
      const x = data.inputs.map((array) => tf.tensor(sliceSamples(array, start, end).values, [end - start, ...array.shape], array.dtype));
      const [fa, fb] = [a.forward(x), b.forward(x)];
      return Math.max(...fa.map((o, k) => tf.max(tf.abs(tf.sub(o, fb[k]))).dataSync()[0]));
    });
    largest = Math.max(largest, difference);
  }
  return largest;
}

function layerGroups(model: LoadedModel, network: Network): LayerBlocks[] {
  return model.layers
    .map((layer) => {
      const blocks = network.blocks.filter((b) => b.layer === layer.name);
      return { name: layer.name, blocks: blocks.map((b) => b.index), parameterCount: blocks.reduce((s, b) => s + b.size, 0) };
    })
    .filter((l) => l.blocks.length > 0);
}

function layerReports(model: LoadedModel): LayerReport[] {
  return model.layers.map((layer) => {
    const { positivelyHomogeneous, note } = homogeneityOf(layer);
    return {
      name: layer.name,
      className: layer.className,
      parameterCount: layer.weights.filter((w) => w.slot.trainable).reduce((s, w) => s + w.slot.shape.reduce((a, b) => a * b, 1), 0),
      weights: layer.weights.map((w) => ({ name: w.manifestName, role: w.slot.role, shape: w.slot.shape, trainable: w.slot.trainable })),
      positivelyHomogeneous,
      note,
      outputShape: layer.outputShape,
    };
  });
}

const SAMPLING_STAGE = 'sampling error';
/** HVPs taken for the estimate after the loss and gradient (all reused: the spectrum runs' first steps, the trace's first probe). */
const TIMED_HVPS = 3;
/**
 * A grouped pass's cost in HVPs of the analysis: the groups are spread over the same threads, in
 * chunks no larger than a group, each group's engine filling its own cache on its first pass
 * (measured 1.76 and 1.78 on the bundled MNIST models with 2 threads).
 */
const GROUPED_PASS_COST = 1.8;

/** A seeded random subset of the analysis samples (in their order). */
function randomSubset(data: AnalysisData, count: number, seed: number): AnalysisData {
  const chosen = new SeededRandom(seed).sampleIndices(data.count, count);
  const take = (array: AnalysisData['inputs'][number]) => {
    const per = array.shape.reduce((a, b) => a * b, 1);
    const values = array.dtype === 'int32' ? new Int32Array(count * per) : new Float32Array(count * per);
    chosen.forEach((i, k) => values.set(array.values.subarray(i * per, (i + 1) * per), k * per));
    return { ...array, values };
  };
  return {
    ...data,
    inputs: data.inputs.map(take),
    targets: data.targets.map(take),
    count,
    notes: [...data.notes, `the time budget analysed a seeded random ${count} of these ${data.count} samples`],
  };
}

/**
 * The peak memory to expect: what the process holds once the loss and gradient have filled the
 * caches, one chunk's measured working set per thread, and the Lanczos basis (n doubles a step).
 */
function estimatePeakBytes(
  working: { bytesPerSample: number; fixedBytes: number },
  chunkSize: number,
  threads: number,
  n: number,
  settings: MeasureSettings,
): number {
  const steps = Math.min(n, settings.lanczosMaxIterations ?? defaultLanczosIterations(settings.topK));
  const basis = n <= settings.exactThreshold ? 8 * n * n * 3 : 8 * n * (steps + 4);
  return process.memoryUsage().rss + threads * (working.fixedBytes + working.bytesPerSample * chunkSize) + basis;
}
/** ε of the normalised sharpness λ·ε²/(2(1+L)). */
const EPSILON = 1e-3;

function scalesFor(theta: Float64Array, network: Network, settings: MeasureSettings): { scales: Float64Array; horizontal?: Float64Array } {
  const scales = normalizationScales(theta, network.blocks, settings.normalization);
  return settings.operator === 'horizontal' ? { scales, horizontal: blockUnitDirections(theta, network.blocks) } : { scales };
}

export async function analyze(request: AnalyzeRequest, hooks: AnalyzeHooks = {}): Promise<Report> {
  const settings: MeasureSettings = {
    ...DEFAULT_MEASURE_SETTINGS,
    ...request.settings,
    seed: request.seed ?? DEFAULT_MEASURE_SETTINGS.seed,
  };
  if (!Number.isInteger(settings.topK) || settings.topK < 1)
    throw new SharpnessError(`must be a positive integer, got ${settings.topK}`, undefined, {
      code: 'invalid-option',
      option: { name: 'topK', action: 'value' },
    });
  if (settings.operator === 'horizontal' && settings.normalization !== 'layer')
    throw new SharpnessError('is defined for the layer normalization only', undefined, {
      code: 'conflicting-options',
      option: { name: 'horizontal', action: 'value' },
    });
  const requestedChunk = request.chunkSize ?? DEFAULTS.batchSize;
  const maxParameters = request.maxParameters ?? DEFAULTS.maxParameters;
  const started = performance.now();

  const backend = await initializeBackend(request.backend ?? 'auto');
  throwIfAborted(hooks.signal);
  const inputs = openInputs({ ...request, seed: settings.seed, maxParameters }, () => request.samples ?? DEFAULTS.samples);
  const { model, network: original, outputLosses, losses } = inputs;
  let data = inputs.data;
  const networks: Network[] = [original];
  // Held in an object so the closures below and the finally clause see the same one.
  const held: { provider: CurvatureProvider | null } = { provider: null };
  let providerDisposed = false;
  let grouped: GroupedCurvature | null = null;
  let groupedPasses = 0;
  /** HVPs of a provider the time budget replaced. */
  let hvpsBefore = 0;
  try {
    const rescaling = requestedRescaling(model, request);
    const network = rescaling ? new Network(model, rescaling.values) : original;
    if (network !== original) networks.push(network);
    // The working set is measured before anything large runs, so a model with large activations is
    // processed a few samples at a time instead of exhausting the backend's heap.
    const { settings: fittedSettings, notes: topKNotes } = fitTopK(settings, network.dimension, request.model);
    const working = measureWorkingSet(network, losses, data, request.model);
    const workingBytes = (request.workingMegabytes ?? DEFAULTS.workingMb) * 2 ** 20;
    const { threads, note: threadsNote } = chooseThreads(
      request.threads,
      data.count,
      network.dimension,
      planChunkSize(working, requestedChunk, data.count, workingBytes).chunkSize,
      working.bytesPerSample,
    );
    // Said at once, before the minutes of work, as well as among the report's warnings.
    const notes = [...topKNotes, ...(threadsNote ? [threadsNote] : [])];
    for (const note of notes) hooks.onWarning?.(note);
    const plan = planChunkSize(working, requestedChunk, Math.ceil(data.count / threads), workingBytes / threads);
    const chunkSize = plan.chunkSize;
    const difference = rescaling ? maxOutputDifference(original, network, data, chunkSize) : null;
    // The stages' products, and the plan's, once the time budget has had its say.

    const theta = network.theta();
    const regularizerTerms = findRegularizers(model, network.blocks);
    const regularizers = request.includeRegularizers ? regularizerTerms : [];
    const layers = layerGroups(model, network);
    const intervalsMode = request.intervals ?? intervalsRequest(DEFAULTS.intervals);
    // 'auto' plans for the intervals (the estimate includes them) and decides on their measured cost.
    let intervals = intervalsMode !== false;
    let measureSettings = fittedSettings;
    const stagesFor = (s: MeasureSettings, withIntervals: boolean, samples: number): PlannedStage[] => {
      const groups = withIntervals ? samplingGroupCount(samples) : 0;
      return [
        ...plannedStages(network.dimension, layers.length, s),
        ...(groups >= 2
          ? [{ name: SAMPLING_STAGE, maxHvps: samplingPasses(s.perLayer ? layers.length : 0) + 1, costFactor: GROUPED_PASS_COST }]
          : []),
      ];
    };
    const tracker = new ProgressTracker(
      [{ name: 'loss and gradient', maxHvps: TIMED_HVPS, untimed: true }, ...stagesFor(measureSettings, intervals, data.count)],
      () => hvpsBefore + (held.provider?.hvpCount ?? 0) + groupedPasses,
      hooks.onProgress,
      hooks.signal,
    );
    tracker.begin('loss and gradient', threads > 1 ? `starting ${threads} worker threads` : null);
    const cacheBytes = (request.cacheMegabytes ?? DEFAULTS.cacheMb) * 2 ** 20;
    /** The provider over `samples`, its loss and gradient, and a timed HVP for the estimate. */
    const start = async (samples: AnalysisData) => {
      const options = { chunkSize, cacheBytes, totalSamples: samples.count };
      const provider =
        threads > 1
          ? await ParallelCurvatureProvider.start(
              threads,
              {
                modelPath: request.model,
                inputShapes: model.inputs.map((input) => input.shape),
                maxParameters,
                weightOverrides: rescaling ? [...rescaling.values] : null,
                backend: backend.name,
                losses: losses.map(({ name, weight }) => ({ name, weight })),
                options: { ...options, cacheBytes: cacheBytes / threads },
              },
              samples,
              network.blocks,
              network.dimension,
            )
          : new LocalCurvatureProvider(network, losses, samples, options);
      held.provider = provider;
      const result = await provider.evaluate();
      // The timed products are the spectrum stages' first Lanczos steps (the same start vector) and
      // the Euclidean trace's first probe, handed to them so that none is spent on the estimate alone.
      // The first fills the caches (about twice as slow); the kernels warm up over the next few, so
      // the faster of the other two is the one timed.
      const vector = lanczosStartVector(network.dimension, settings.seed);
      const probe = hutchinsonFirstProbe(network.dimension, traceProbeSeed(settings));
      const operators = spectrumOperators({ provider, theta, settings: fittedSettings, regularizers });
      const invariant = await operators.invariant.apply(vector);
      let seconds = Infinity;
      const timed = async (u: Float64Array) => {
        const begun = performance.now();
        const product = await operators.hessian.apply(u);
        seconds = Math.min(seconds, (performance.now() - begun) / 1000);
        return { vector: u, product };
      };
      const euclidean = await timed(vector);
      const euclideanTrace = await timed(probe);
      return {
        evaluation: result,
        hvpSeconds: seconds,
        firstProducts: { invariant: { vector, product: invariant }, euclidean, euclideanTrace } as FirstProducts | undefined,
      };
    };
    let { evaluation, hvpSeconds, firstProducts } = await start(data);
    const budgetSeconds = request.budgetSeconds ?? null;
    const choices: string[] = [];
    if (budgetSeconds !== null) {
      const budgetPlan = planBudget({
        budgetSeconds,
        elapsedSeconds: (performance.now() - started) / 1000,
        hvpSeconds,
        samples: data.count,
        samplesForced: request.samplesForced ?? false,
        settings: measureSettings,
        intervals,
        stages: stagesFor,
      });
      choices.push(...budgetPlan.choices);
      for (const choice of budgetPlan.choices) {
        const problem: Problem = { code: 'budget-choice', message: choice, option: { name: 'budgetSeconds', action: 'raise' } };
        notes.push(problem);
        hooks.onWarning?.(problem);
      }
      if (budgetPlan.samples < data.count) {
        hvpsBefore = held.provider!.hvpCount;
        await held.provider!.dispose();
        data = randomSubset(data, budgetPlan.samples, settings.seed + 9);
        ({ evaluation, hvpSeconds, firstProducts } = await start(data));
      }
      measureSettings = budgetPlan.settings;
      intervals = budgetPlan.intervals;
    }
    const samplingGroups = intervals ? samplingGroupCount(data.count) : 0;
    tracker.replan([
      { name: 'loss and gradient', maxHvps: TIMED_HVPS, untimed: true },
      ...stagesFor(measureSettings, intervals, data.count),
    ]);
    tracker.recordHvpTime(1, hvpSeconds);
    const remaining = remainingSeconds(stagesFor(measureSettings, intervals, data.count), hvpSeconds, 1, 1);
    const elapsedNow = (performance.now() - started) / 1000;
    const estimate: CostEstimate = {
      seconds: elapsedNow + remaining,
      peakBytes: estimatePeakBytes(working, chunkSize, threads, network.dimension, measureSettings),
      hvpSeconds,
      expectedHvps: stagesFor(measureSettings, intervals, data.count).reduce((s, stage) => s + expectedCost(stage), 0),
      budgetSeconds,
      choices,
    };
    tracker.setEstimate({ seconds: estimate.seconds, peakBytes: estimate.peakBytes });
    if (budgetSeconds !== null) {
      const overBudget = (projected: number, early: boolean): Problem => ({
        code: 'over-budget',
        message: `the analysis ${early ? 'is estimated to take' : 'is now expected to take'} about ${formatDuration(projected)}, over its time budget of ${formatDuration(budgetSeconds)}${request.samplesForced ? ' (the sample count was asked for)' : ''}; it can be cancelled`,
        option: { name: 'budgetSeconds', action: 'raise' },
      });
      if (estimate.seconds > budgetSeconds) {
        const problem = overBudget(estimate.seconds, true);
        notes.push(problem);
        hooks.onWarning?.(problem);
      } else
        tracker.watchBudget(budgetSeconds, (projected) => {
          const problem = overBudget(projected, false);
          notes.push(problem);
          hooks.onWarning?.(problem);
        });
    }
    let lossValue = evaluation.loss;
    if (regularizers.length > 0) {
      lossValue += regularizerValue(regularizers, network.blocks, theta);
      addRegularizerGradient(regularizers, network.blocks, theta, evaluation.gradient);
    }
    const gradientNorm = Math.sqrt(evaluation.gradient.reduce((s, g) => s + g * g, 0));
    if (!Number.isFinite(lossValue) || !Number.isFinite(gradientNorm)) {
      // Every number after this would be NaN too: say so now, with what usually causes it.
      const what = Number.isFinite(lossValue) ? 'its gradient' : 'the loss';
      const value = Number.isFinite(lossValue) ? gradientNorm : lossValue;
      if (rescaling)
        throw rescalingOverflow(`${what} of the rescaled model is not finite (${value})`, rescaling.description, request.model);
      throw new SharpnessError(
        `${what} on the analysis data is not finite (${value}): the model overflows or divides by zero on these inputs (check the data's scale and the model's weights)`,
        request.model,
      );
    }
    const { outputs, accuracy } = outputResults({ ...inputs, data }, evaluation);
    const modelSection: Report['model'] = {
      path: request.model,
      format: model.json.format,
      name: model.topology.name,
      parameterCount: network.dimension,
      frozenParameterCount: model.frozenParameterCount,
      inputShape: model.inputShape,
      outputShape: model.outputs[0].shape,
      layers: layerReports(model),
      symmetries: (({ summary, kernelLayers, scaleLinks, neuronwise, batchNormalized }) => ({
        summary,
        kernelLayers,
        scaleLinks,
        neuronwise,
        batchNormalized,
      }))(analyzeSymmetries(model)),
    };
    const dataSection: Report['data'] = {
      path: request.data,
      labelsPath: request.labels ?? null,
      inputs: model.inputs.map((input, k) => ({ name: input.name, array: inputs.raw.inputs[k].name, shape: input.shape })),
      sampleCount: data.count,
      availableCount: data.availableCount,
      loss: outputLosses[0].name,
      lossSource: outputLosses[0].source,
      fromLogits: outputLosses[0].fromLogits,
      regularizers: regularizerTerms.length === 0 ? 'none' : request.includeRegularizers ? 'included' : 'excluded',
      seed: settings.seed,
      notes: plan.note ? [...data.notes, plan.note] : data.notes,
    };
    hooks.onPartial?.({
      kind: 'evaluation',
      model: modelSection,
      data: dataSection,
      backend: backend.name,
      threads: held.provider!.threads,
      loss: lossValue,
      accuracy,
      gradientNorm,
    });

    const measures = await finiteMeasures(
      computeMeasures({
        provider: held.provider!,
        theta,
        layers,
        regularizers,
        settings: measureSettings,
        tracker,
        signal: hooks.signal,
        onPartial: hooks.onPartial,
        // Handed over: the stages release each once used.
        firstProducts: (() => {
          const handed = firstProducts;
          firstProducts = undefined;
          return handed;
        })(),
      }),
      rescaling?.description ?? null,
      request.model,
    );
    let sampling: SamplingReport | null = null;
    if (samplingGroups >= 2) {
      const stageStarted = performance.now();
      tracker.begin(SAMPLING_STAGE, `${samplingGroups} random groups of about ${Math.round(data.count / samplingGroups)} samples`);
      const groups = randomGroups(data.count, samplingGroups, groupSeed(settings.seed));
      // Each thread holds its groups' working sets at once, as the analysis held its shares'.
      const groupChunk = planChunkSize(working, requestedChunk, groups[0].length, workingBytes / threads).chunkSize;
      // The main provider's products are done: its memory goes to the groups' caches. With worker
      // threads the groups are spread over them (a grouped pass takes the analysis' threads too).
      if (held.provider instanceof ParallelCurvatureProvider) {
        grouped = await held.provider.groups(groupSampleSets(data, groups), groupEngineOptions(groups, groupChunk, cacheBytes));
      } else {
        await held.provider!.dispose();
        providerDisposed = true;
        grouped = new EngineGroups(network, losses, data, groups, groupChunk, cacheBytes);
      }
      const { scales, horizontal } = scalesFor(theta, network, measureSettings);
      const euclideanTrace = measures.euclidean.trace;
      sampling = await samplingIntervals({
        grouped,
        blocks: network.blocks,
        scales,
        horizontal,
        layerBlocks: measureSettings.perLayer ? layers.map((l) => l.blocks) : [],
        vectors: measures.vectors,
        reported: {
          loss: lossValue,
          gradient: evaluation.gradient,
          euclideanSharpness: measures.euclidean.topEigenvalues[0],
          invariantSharpness: measures.invariant.topEigenvalues[0],
          euclideanTrace,
          invariantTrace: measures.invariant.trace,
          perLayer: measureSettings.perLayer ? layers.map((layer, i) => ({ name: layer.name, ...measures.perLayer[i] })) : [],
        },
        epsilon: EPSILON,
        seed: probeSeed(settings.seed),
        signal: hooks.signal,
        onPass: (pass, passes, what) => {
          groupedPasses = pass;
          tracker.tick(pass, passes, what);
        },
        afford:
          intervalsMode === 'auto'
            ? (remainingSeconds) => {
                const projected = (performance.now() - stageStarted) / 1000 + remainingSeconds;
                const share = projected / ((stageStarted - started) / 1000 + projected);
                const { maxShare, freeSeconds } = request.intervalsAuto ?? {
                  maxShare: INTERVALS_AUTO_MAX_SHARE,
                  freeSeconds: INTERVALS_AUTO_FREE_SECONDS,
                };
                if (share <= maxShare || projected <= freeSeconds) return true;
                notes.push({
                  code: 'intervals-skipped',
                  message: `the sampling intervals were skipped: they would have taken about ${formatDuration(projected)}, ${Math.round(share * 100)}% of the analysis, and intervals "auto" computes them when they take at most ${Math.round(maxShare * 100)}% or ${formatDuration(freeSeconds)}`,
                  option: { name: 'intervals', action: 'turn-on' },
                });
                hooks.onWarning?.(notes[notes.length - 1]);
                return false;
              }
            : undefined,
      });
    }
    const stages = tracker.finish();
    const warnings: Problem[] = [...notes, ...measures.warnings];
    if (regularizerTerms.length > 0 && !request.includeRegularizers) {
      warnings.push({
        code: 'regularizers-excluded',
        message: `the model has weight regularizers (${regularizerTerms.map((t) => t.weight).join(', ')}); they are excluded`,
        option: { name: 'includeRegularizers', action: 'include' },
      });
    }
    return {
      schemaVersion: 1,
      tool: { name: 'sharpness-lens', version },
      createdAt: new Date().toISOString(),
      model: modelSection,
      data: dataSection,
      backend: backend.name,
      backendNote: backend.note,
      threads: held.provider!.threads,
      method: measures.method,
      loss: lossValue,
      accuracy,
      outputs,
      gradientNorm,
      euclidean: measures.euclidean,
      invariant: {
        ...measures.invariant,
        normalization: settings.normalization,
        operator: settings.operator,
        sharpness: measures.invariant.topEigenvalues[0],
        normalizedSharpness: (measures.invariant.topEigenvalues[0] * EPSILON * EPSILON) / (2 * (1 + lossValue)),
      },
      perLayer: layers
        .map((layer, i) => ({ name: layer.name, parameterCount: layer.parameterCount, ...measures.perLayer[i] }))
        .filter((_, i) => measures.perLayer[i] !== undefined),
      rescaling: rescaling
        ? {
            kind: rescaling.kind,
            factors: rescaling.factors,
            seed: rescaling.seed,
            description: rescaling.description,
            maxOutputDifference: difference!,
          }
        : null,
      density: measures.density,
      crossCheck: measures.crossCheck,
      sampling,
      estimate,
      cost: { hvpCount: hvpsBefore + held.provider!.hvpCount + groupedPasses, seconds: (performance.now() - started) / 1000, stages },
      warnings,
    };
  } finally {
    grouped?.dispose();
    if (!providerDisposed) await held.provider?.dispose();
    for (const n of networks) n.dispose();
  }
}
