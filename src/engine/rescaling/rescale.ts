/**
 * Function-preserving rescalings of θ (docs/measures.md, "Rescaling symmetries"), applied to copies of the weights:
 * - layer-wise: kernel l times α_l, its bias times the scale of its output (given, or drawn at random);
 * - neuron-wise: a hidden unit's incoming weights and bias times λ_j, its outgoing weights ÷ λ_j
 *   (or, into a BatchNormalization, its moving mean × λ_j and variance × λ_j²).
 * Each is θ → Aθ with A positive diagonal, so L(Aθ) = L(θ) while H moves to A⁻¹HA⁻¹.
 */
import type { AnalyzeRequest } from '../../shared/analysis-request';
import { DEFAULT_RESCALING_SPREAD } from '../../shared/defaults';
import { checkLayerwiseFactors } from '../../shared/rescaling';
import { SharpnessError } from '../errors';
import { SeededRandom } from '../linalg/random';
import type { LoadedModel, ModelLayer } from '../model/load-model';
import type { WeightRole } from '../network/types';
import { kernelLayers, neuronGroups, scaleLinks } from './symmetries';

export type WeightValuesMap = Map<string, Float32Array>;

export interface Rescaling {
  kind: 'layer-wise' | 'neuron-wise';
  /** Layer-wise: one factor per kernel layer (drawn ones too). */
  factors: number[] | null;
  /** The seed of a random rescaling. */
  seed: number | null;
  values: WeightValuesMap;
  /** For neuron-wise: the units rescaled per layer and the range of λ used. */
  description: string;
}

function copyWeights(model: LoadedModel): WeightValuesMap {
  const copy: WeightValuesMap = new Map();
  for (const layer of model.layers) {
    for (const { manifestName } of layer.weights) copy.set(manifestName, Float32Array.from(model.weights.get(manifestName)!.values));
  }
  return copy;
}

function weightOf(layer: ModelLayer, values: WeightValuesMap, role: WeightRole): Float32Array | null {
  const slot = layer.weights.find((w) => w.slot.role === role);
  return slot ? values.get(slot.manifestName)! : null;
}

function scaleAll(values: Float32Array | null, factor: number): void {
  if (!values) return;
  for (let i = 0; i < values.length; i++) values[i] *= factor;
}

/** A factor log-uniform in [1/spread, spread]: the draw of every random rescaling. */
export function logUniform(random: SeededRandom, spread: number): number {
  return Math.exp((2 * random.uniform() - 1) * Math.log(spread));
}

/** Applies one factor per kernel layer, after checking that they keep the function (src/shared/rescaling.ts). */
export function layerwiseRescaling(
  model: LoadedModel,
  factors: number[],
  seed: number | null = null,
  what = 'layer-wise factors',
): Rescaling {
  const links = scaleLinks(model);
  const check = checkLayerwiseFactors(links, factors);
  if (!check.ok) throw new SharpnessError(check.message, model.path, { code: 'invalid-rescaling' });
  const values = copyWeights(model);
  for (const [i, layer] of kernelLayers(model).entries()) {
    const s = layer.symmetry;
    if (s.role !== 'kernel') continue;
    scaleAll(weightOf(layer, values, s.kernelRole), factors[i]);
    // The bias is added after the kernel: it carries the scale of the layer's output.
    if (s.biasRole) scaleAll(weightOf(layer, values, s.biasRole), check.scales.get(links[i].to)!);
  }
  return {
    kind: 'layer-wise',
    factors,
    seed,
    values,
    description: `${what} ${factors.map((f) => Number(f.toPrecision(4))).join(', ')}`,
  };
}

/**
 * A seeded random layer-wise rescaling that keeps the function of any model with such a symmetry: each
 * scale class (scaleLinks) gets a scale log-uniform in [1/√spread, √spread], and each kernel the ratio of
 * its output's scale to its input's, so every factor lies within [1/spread, spread] and the factors
 * multiply to 1 along every path that must keep its scale.
 */
export function randomLayerwiseRescaling(model: LoadedModel, seed: number, spread = DEFAULT_RESCALING_SPREAD): Rescaling {
  const links = scaleLinks(model);
  const classes = Math.max(0, ...links.flatMap((l) => [l.from, l.to]));
  if (classes === 0)
    throw new SharpnessError(
      'the model has no layer-wise rescaling symmetry: every kernel must keep scale 1 (its activations, merges and output fix them)',
      model.path,
      { code: 'invalid-rescaling' },
    );
  const random = new SeededRandom(seed);
  const scales = [1, ...Array.from({ length: classes }, () => logUniform(random, Math.sqrt(spread)))];
  const factors = links.map((l) => scales[l.to] / scales[l.from]);
  return layerwiseRescaling(model, factors, seed, `random layer-wise (seed ${seed}, within [1/${spread}, ${spread}]): factors`);
}

/** A random positive scale per rescalable unit, log-uniform in [1/spread, spread]. */
export function neuronwiseRescaling(model: LoadedModel, seed: number, spread = DEFAULT_RESCALING_SPREAD): Rescaling {
  const random = new SeededRandom(seed);
  const values = copyWeights(model);
  const groups = neuronGroups(model);
  for (const { producer, units, consumer } of groups) {
    const s = producer.symmetry;
    if (s.role !== 'kernel') continue;
    const lambda = Float64Array.from({ length: units }, () => logUniform(random, spread));
    scaleUnits(
      weightOf(producer, values, s.kernelRole)!,
      producer.weights.find((w) => w.slot.role === s.kernelRole)!.slot.shape,
      lambda,
      s.depthwise,
      s.outputChannelAxis,
    );
    if (s.biasRole) scaleUnits(weightOf(producer, values, s.biasRole)!, [units], lambda, false);
    const cs = consumer.symmetry;
    if (cs.role === 'batchnorm') {
      // γ(x − μ)/√(σ² + ε) with x, μ ×λ and σ² ×λ² is γλ(x − μ)/√(λ²σ² + ε): γ × √(λ²σ² + ε)/(λ√(σ² + ε))
      // restores it exactly, for every θ (the statistics are constants), so this is θ → Aθ with A
      // diagonal, not an approximation that holds only as ε → 0.
      const epsilon = typeof consumer.config.epsilon === 'number' ? consumer.config.epsilon : 1e-3;
      const variance = weightOf(consumer, values, 'moving_variance')!;
      const gammaFactor = Float64Array.from(
        lambda,
        (l, c) => Math.sqrt(l * l * variance[c] + epsilon) / (l * Math.sqrt(variance[c] + epsilon)),
      );
      scaleUnits(weightOf(consumer, values, 'gamma')!, [units], gammaFactor, false);
      scaleUnits(weightOf(consumer, values, 'moving_mean')!, [units], lambda, false);
      scaleUnits(
        variance,
        [units],
        lambda.map((l) => l * l),
        false,
      );
    } else if (cs.role === 'kernel' && cs.inputChannelAxis !== null) {
      const shape = consumer.weights.find((w) => w.slot.role === cs.kernelRole)!.slot.shape;
      // After a channels-last Flatten, input row r belongs to unit r mod units.
      const rows = shape[cs.inputChannelAxis];
      const perRow = Float64Array.from({ length: rows }, (_, r) => 1 / lambda[r % units]);
      scaleAxis(weightOf(consumer, values, cs.kernelRole)!, shape, cs.inputChannelAxis, perRow);
    }
  }
  if (groups.length === 0)
    throw new SharpnessError(
      'the model has no hidden units that a neuron-wise rescaling can scale (it needs a kernel layer with a ReLU-like activation feeding another kernel layer)',
      model.path,
      { code: 'invalid-rescaling' },
    );
  return {
    kind: 'neuron-wise',
    factors: null,
    seed,
    values,
    description: `neuron-wise, λ log-uniform in [1/${spread}, ${spread}], seed ${seed}: ${groups.map((g) => `${g.units} units of ${g.producer.name}`).join('; ')}`,
  };
}

/** The rescaling an analysis asks for, if any: at most one of layer-wise factors, a random layer-wise seed, a neuron-wise seed. */
export function requestedRescaling(
  model: LoadedModel,
  request: Pick<AnalyzeRequest, 'rescale' | 'rescaleNeurons' | 'rescaleRandom'>,
): Rescaling | null {
  const given = [request.rescale, request.rescaleRandom, request.rescaleNeurons].filter((r) => r !== undefined && r !== null);
  if (given.length > 1)
    throw new SharpnessError(
      'a rescaling is asked for more than once (layer-wise factors, a random layer-wise one, a neuron-wise one); give one',
      undefined,
      {
        code: 'conflicting-options',
      },
    );
  if (request.rescale) return layerwiseRescaling(model, request.rescale);
  if (request.rescaleRandom) return randomLayerwiseRescaling(model, request.rescaleRandom.seed, request.rescaleRandom.spread);
  if (request.rescaleNeurons !== undefined && request.rescaleNeurons !== null) return neuronwiseRescaling(model, request.rescaleNeurons);
  return null;
}

/** Multiplies slice j of `axis` by factors[j] (row-major tensor of `shape`). */
function scaleAxis(values: Float32Array, shape: number[], axis: number, factors: Float64Array): void {
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const length = shape[axis];
  for (let i = 0; i < values.length; i++) values[i] *= factors[Math.floor(i / inner) % length];
}

/**
 * Scales a producer's output units: the kernel's output-channel axis (the last one, except for a
 * Conv2DTranspose's [kh, kw, out, in]), or (channel, multiplier) of a depthwise kernel.
 */
function scaleUnits(values: Float32Array, shape: number[], lambda: Float64Array, depthwise: boolean, axis?: number): void {
  if (!depthwise) {
    scaleAxis(values, shape, axis ?? shape.length - 1, lambda);
    return;
  }
  // Depthwise kernel [kh, kw, C, m]: unit c·m + k is the flat index over the last two axes.
  const units = shape[2] * shape[3];
  for (let i = 0; i < values.length; i++) values[i] *= lambda[i % units];
}
