/**
 * Function-preserving rescalings of θ (docs/measures.md, "Rescaling symmetries"), applied to copies of the weights:
 * - layer-wise: kernel l times α_l, its bias times the running scale of its output;
 * - neuron-wise: a hidden unit's incoming weights and bias times λ_j, its outgoing weights ÷ λ_j
 *   (or, into a BatchNormalization, its moving mean × λ_j and variance × λ_j²).
 * Each is θ → Aθ with A positive diagonal, so L(Aθ) = L(θ) while H moves to A⁻¹HA⁻¹.
 */
import { SharpnessError } from '../errors';
import { SeededRandom } from '../linalg/random';
import type { LoadedModel, ModelLayer } from '../model/load-model';
import type { WeightRole } from '../network/types';
import { findNeuronConsumer } from './symmetries';

export type WeightValuesMap = Map<string, Float32Array>;

export interface Rescaling {
  kind: 'layer-wise' | 'neuron-wise';
  /** Layer-wise: one factor per kernel layer. Neuron-wise: the seed. */
  factors: number[] | null;
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

/** Propagates output scales through the graph; throws where a scale would change the function. */
export function layerwiseRescaling(model: LoadedModel, factors: number[]): Rescaling {
  const kernelLayers = model.layers.filter((l) => l.symmetry.role === 'kernel');
  if (factors.length !== kernelLayers.length) {
    throw new SharpnessError(
      `a layer-wise rescaling needs one factor per kernel layer (${kernelLayers.length}: ${kernelLayers.map((l) => l.name).join(', ')}), got ${factors.length}`,
      model.path,
    );
  }
  const bad = factors.find((f) => !(Number.isFinite(f) && f > 0));
  if (bad !== undefined) throw new SharpnessError(`rescaling factors must be positive numbers, got ${bad}`, model.path);
  const values = copyWeights(model);
  const scales = new Map<string, number>(model.inputs.map((input) => [input.name, 1]));
  const sameScale = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
  const require1 = (layer: ModelLayer, scale: number, why: string) => {
    if (!sameScale(scale, 1)) {
      throw new SharpnessError(
        `the rescaling factors up to "${layer.name}" multiply to ${scale.toPrecision(6)}, but ${why}; they must multiply to 1 there`,
        model.path,
      );
    }
  };
  let next = 0;
  for (const layer of model.layers) {
    const inputScales = layer.inbound.map((name) => scales.get(name)!);
    const s = layer.symmetry;
    let out = inputScales[0];
    if (s.role === 'kernel') {
      out = (layer.className === 'Embedding' ? 1 : inputScales[0]) * factors[next++];
      scaleAll(weightOf(layer, values, s.kernelRole), factors[next - 1]);
      if (s.biasRole) scaleAll(weightOf(layer, values, s.biasRole), out);
      if (!s.homogeneousActivation) require1(layer, out, `its activation ${String(layer.config.activation)} is not positively homogeneous`);
    } else if (s.role === 'merge') {
      if (!inputScales.every((x) => sameScale(x, inputScales[0]))) {
        throw new SharpnessError(
          `the rescaling would give the branches merged by "${layer.name}" different scales (${inputScales.map((x) => x.toPrecision(4)).join(' vs ')})`,
          model.path,
        );
      }
    } else if (s.role === 'batchnorm' || s.role === 'barrier') {
      require1(
        layer,
        out,
        s.role === 'batchnorm'
          ? 'a BatchNormalization with fixed statistics does not pass a scale through'
          : `${s.reason} is not positively homogeneous`,
      );
    }
    scales.set(layer.name, out);
  }
  const final = scales.get(model.outputs[0].name)!;
  if (!sameScale(final, 1))
    throw new SharpnessError(
      `the rescaling factors must multiply to 1 (they multiply to ${final.toPrecision(6)}), or the output changes`,
      model.path,
    );
  return {
    kind: 'layer-wise',
    factors,
    seed: null,
    values,
    description: `layer-wise factors ${factors.map((f) => Number(f.toPrecision(4))).join(', ')}`,
  };
}

/** A random positive scale per rescalable unit, log-uniform in [1/spread, spread]. */
export function neuronwiseRescaling(model: LoadedModel, seed: number, spread = 10): Rescaling {
  const random = new SeededRandom(seed);
  const values = copyWeights(model);
  const touched: string[] = [];
  for (const producer of model.layers) {
    const s = producer.symmetry;
    if (s.role !== 'kernel' || !s.homogeneousActivation) continue;
    const found = findNeuronConsumer(model, producer);
    if (!found) continue;
    const lambda = Float64Array.from({ length: s.units }, () => Math.exp((2 * random.uniform() - 1) * Math.log(spread)));
    scaleUnits(
      weightOf(producer, values, s.kernelRole)!,
      producer.weights.find((w) => w.slot.role === s.kernelRole)!.slot.shape,
      lambda,
      s.depthwise,
    );
    if (s.biasRole) scaleUnits(weightOf(producer, values, s.biasRole)!, [s.units], lambda, false);
    const consumer = found.consumer;
    const cs = consumer.symmetry;
    if (cs.role === 'batchnorm') {
      scaleUnits(weightOf(consumer, values, 'moving_mean')!, [s.units], lambda, false);
      scaleUnits(
        weightOf(consumer, values, 'moving_variance')!,
        [s.units],
        lambda.map((l) => l * l),
        false,
      );
    } else if (cs.role === 'kernel' && cs.inputChannelAxis !== null) {
      const shape = consumer.weights.find((w) => w.slot.role === cs.kernelRole)!.slot.shape;
      // After a channels-last Flatten, input row r belongs to unit r mod units.
      const rows = shape[cs.inputChannelAxis];
      const perRow = Float64Array.from({ length: rows }, (_, r) => 1 / lambda[r % s.units]);
      scaleAxis(weightOf(consumer, values, cs.kernelRole)!, shape, cs.inputChannelAxis, perRow);
    }
    touched.push(`${s.units} units of ${producer.name}`);
  }
  if (touched.length === 0)
    throw new SharpnessError(
      'the model has no hidden units that a neuron-wise rescaling can scale (it needs a kernel layer with a ReLU-like activation feeding another kernel layer)',
      model.path,
    );
  return {
    kind: 'neuron-wise',
    factors: null,
    seed,
    values,
    description: `neuron-wise, λ log-uniform in [1/${spread}, ${spread}], seed ${seed}: ${touched.join('; ')}`,
  };
}

/** Multiplies slice j of `axis` by factors[j] (row-major tensor of `shape`). */
function scaleAxis(values: Float32Array, shape: number[], axis: number, factors: Float64Array): void {
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const length = shape[axis];
  for (let i = 0; i < values.length; i++) values[i] *= factors[Math.floor(i / inner) % length];
}

/** Scales a producer's output units: the last axis, or (channel, multiplier) of a depthwise kernel. */
function scaleUnits(values: Float32Array, shape: number[], lambda: Float64Array, depthwise: boolean): void {
  if (!depthwise) {
    scaleAxis(values, shape, shape.length - 1, lambda);
    return;
  }
  // Depthwise kernel [kh, kw, C, m]: unit c·m + k is the flat index over the last two axes.
  const units = shape[2] * shape[3];
  for (let i = 0; i < values.length; i++) values[i] *= lambda[i % units];
}
