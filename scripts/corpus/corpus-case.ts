/**
 * A corpus case: a model built with tfjs-layers' own API (so its model.json is what tfjs-layers
 * really writes), seeded weights, seeded data and labels, and the file format to save it in. The
 * model's predictions on the data, computed by tfjs-layers itself, are saved beside it, so the PyTorch
 * reference (scripts/reference/corpus_reference.py) can prove its re-implementation of each layer's
 * Keras semantics before it computes the exact Hessian (docs/testing.md, "The model corpus").
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { SeededRandom } from '../../src/engine/linalg/random';
import type { KerasEdit } from './keras-placeholders';
import type { SavedArtifacts } from './formats';

/** How the case is written to disk: as tfjs-layers saves it, or as a converter writes a Keras model. */
export type CorpusFormat =
  /** `model.save()` by tfjs-layers 4.x (tfjs-node's file handler layout). */
  | 'tfjs-layers'
  /** `model.save()` by tfjs-layers 1.x: no generatedBy / convertedBy keys (Teachable Machine exports). */
  | 'tfjs-layers-1'
  /** `tensorflowjs_converter` output for a Keras 2 (2.13) model. */
  | 'keras2'
  /** The old converter, for Keras 2.1: the Sequential config as a plain list, shards without `.bin`, no format key. */
  | 'keras2.1'
  /** `tensorflowjs_converter` output for a Keras 3 model: batch_shape, DTypePolicy, `{args, kwargs}` nodes, prefixed weight names. */
  | 'keras3';

export type CorpusLoss = 'categoricalCrossentropy' | 'sparseCategoricalCrossentropy' | 'binaryCrossentropy' | 'meanSquaredError';

export interface CorpusInput {
  /** Shape of one sample. */
  shape: number[];
  /** Integer inputs (Embedding indices) are drawn in [0, vocabulary). */
  vocabulary?: number;
}

/** One output of a case: its classes (for cross-entropies) or regression width, and its loss. */
export interface CorpusOutput {
  classes: number;
  loss: CorpusLoss;
}

export interface CorpusCase {
  name: string;
  /** One line: what the case proves. */
  description: string;
  format: CorpusFormat;
  /** Builds the model (called once, with tfjs-layers' cpu backend active). */
  build(layers: typeof tfl): tfl.LayersModel;
  inputs: CorpusInput[];
  /** Classes of the classification target (for cross-entropies), or the regression width; the first output's, with several. */
  classes: number;
  loss: CorpusLoss;
  /** A model of several outputs: the outputs after the first, their weights, and how the training config gives their losses. */
  multiOutput?: {
    more: CorpusOutput[];
    /** Keras `loss_weights`, one per output, written into the training config (default: none, every weight 1). */
    weights?: number[];
    /** A list in output order, or a map keyed by the outputs' names. */
    lossConfig: 'list' | 'map';
  };
  /** The data file's array names, one per input and per output (default x or x0, x1, …; y or y0, y1, …). */
  arrays?: { inputs: string[]; targets: string[] };
  samples: number;
  /** Full-batch Adam steps in tfjs-layers before saving (0: the seeded weights as they are). */
  trainSteps?: number;
  /** Scale of the seeded kernels relative to 1/√fan-in (default 1). */
  weightScale?: number;
  seed?: number;
  /** Layers whose `trainable` is set to false before saving (transfer learning). */
  frozen?: string[];
  /** Placeholder layers turned into Keras layers tfjs-layers lacks, after saving (keras-placeholders.ts). */
  keras?: KerasEdit;
  /**
   * For an option tfjs-layers lacks: rewrites the trained, saved model (config and weights) into what
   * Keras writes (scripts/corpus/keras-only.ts). tfjs-layers' predictions then do not describe the
   * model, so none are saved, and the PyTorch reading is the reference for its forward pass.
   */
  kerasOnly?(artifacts: SavedArtifacts, random: SeededRandom): SavedArtifacts;
}

/** Seeded weights: kernels ~ U(±√(3/fan-in))·scale, biases small, BN statistics positive and moderate. */
export function seedWeights(model: tfl.LayersModel, random: SeededRandom, scale: number): void {
  for (const weight of model.weights) {
    const shape = weight.shape as number[];
    const size = shape.reduce((a, b) => a * b, 1);
    const role = weight.originalName.split('/').pop()!;
    const fanIn = shape.length > 1 ? size / shape[shape.length - 1] : shape[0];
    const uniform = (low: number, high: number) => Float32Array.from({ length: size }, () => low + (high - low) * random.uniform());
    let data: Float32Array;
    if (role === 'moving_variance' || role === 'gamma') data = uniform(0.6, 1.4);
    else if (role === 'moving_mean' || role === 'beta' || role === 'bias') data = uniform(-0.2, 0.2);
    else if (role === 'alpha') data = uniform(0.05, 0.4);
    else {
      const a = scale * Math.sqrt(3 / Math.max(1, fanIn));
      data = uniform(-a, a);
    }
    const value = tf.tensor(data, shape, 'float32');
    weight.write(value);
    value.dispose();
  }
}

/** Every output of a case, one for a single-output case. */
export function corpusOutputs(spec: CorpusCase): CorpusOutput[] {
  return [{ classes: spec.classes, loss: spec.loss }, ...(spec.multiOutput?.more ?? [])];
}

export interface CorpusData {
  inputs: (Float32Array | Int32Array)[];
  /** Per output: class indices (classification) or targets (regression), one row per sample. */
  targets: { labels: Float32Array; labelShape: number[] }[];
}

/**
 * Seeded inputs, and labels from a random linear teacher of the flattened inputs (another for each
 * further output), so the classes depend on the data and a briefly trained model fits them as a real
 * one would.
 */
export function seedData(spec: CorpusCase, random: SeededRandom): CorpusData {
  const n = spec.samples;
  const inputs = spec.inputs.map((input) => {
    const size = n * input.shape.reduce((a, b) => a * b, 1);
    return input.vocabulary
      ? Int32Array.from({ length: size }, () => random.integer(input.vocabulary!))
      : Float32Array.from({ length: size }, () => random.normal());
  });
  const features = spec.inputs.map((input) => input.shape.reduce((a, b) => a * b, 1));
  const scores = (sample: number, out: number, seed: number) => {
    let s = 0;
    inputs.forEach((values, k) => {
      for (let f = 0; f < features[k]; f++) s += Math.sin(1.7 * (f + 1) * (out + 1) + seed + k) * values[sample * features[k] + f];
    });
    return s / Math.sqrt(features.reduce((a, b) => a + b, 0));
  };
  const targets = corpusOutputs(spec).map(({ classes, loss }, m) => {
    // The first output's teacher is the one single-output cases have always had.
    const shift = 2.3 * m;
    const width = loss === 'meanSquaredError' || loss === 'binaryCrossentropy' ? classes : 1;
    const labels = new Float32Array(n * width);
    for (let i = 0; i < n; i++) {
      if (loss === 'meanSquaredError') {
        for (let o = 0; o < width; o++) labels[i * width + o] = Math.tanh(scores(i, o, 0.3 + shift));
      } else if (loss === 'binaryCrossentropy') {
        for (let o = 0; o < width; o++) labels[i * width + o] = scores(i, o, 0.7 + shift) > 0 ? 1 : 0;
      } else {
        let best = 0;
        for (let c = 1; c < classes; c++) if (scores(i, c, 0.5 + shift) > scores(i, best, 0.5 + shift)) best = c;
        labels[i] = best;
      }
    }
    return { labels, labelShape: [width] };
  });
  return { inputs, targets };
}
