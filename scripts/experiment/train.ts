/**
 * Trains the experiment's ReLU MLP (784-32-32-10, softmax) on MNIST digits at a given batch size
 * until the loss on the whole training set reaches a target — so small- and large-batch runs end at
 * a comparable training loss, as the comparison needs. (The whole-set loss is measured only once the
 * epoch's running loss is near the target: it costs more than a large-batch epoch.) Seeded: the
 * initial weights and the batch order of every epoch.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { SeededRandom } from '../../src/engine/linalg/random';
import { CLASSES, PIXELS, type DigitSet } from './mnist-digits';

export const HIDDEN_UNITS = [32, 32];

export interface TrainingRun {
  model: tfl.LayersModel;
  epochs: number;
  steps: number;
  seconds: number;
  reachedTarget: boolean;
  /** Mean cross-entropy and accuracy on the whole training set after the last epoch. */
  trainLoss: number;
  trainAccuracy: number;
}

export function buildMlp(seed: number): tfl.LayersModel {
  const model = tfl.sequential();
  HIDDEN_UNITS.forEach((units, i) =>
    model.add(
      tfl.layers.dense({
        // Fixed names, so every model of the experiment names its layers alike (tfjs would number them per process).
        name: `hidden${i + 1}`,
        units,
        activation: 'relu',
        inputShape: i === 0 ? [PIXELS] : undefined,
        kernelInitializer: tfl.initializers.heNormal({ seed: seed * 100 + i }),
      }),
    ),
  );
  model.add(
    tfl.layers.dense({
      name: 'output',
      units: CLASSES,
      activation: 'softmax',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: seed * 100 + 99 }),
    }),
  );
  return model;
}

export function evaluateSet(model: tfl.LayersModel, set: DigitSet): { loss: number; accuracy: number } {
  return tf.tidy(() => {
    const x = tf.tensor2d(set.x, [set.count, PIXELS]);
    const labels = tf.tensor1d(set.y, 'int32');
    const p = model.predict(x, { batchSize: 1024 }) as tf.Tensor2D;
    const loss = tf.mean(tf.neg(tf.log(tf.maximum(tf.sum(tf.mul(p, tf.oneHot(labels, CLASSES)), 1), 1e-12)))).dataSync()[0];
    const accuracy = tf.mean(tf.cast(tf.equal(tf.argMax(p, 1), labels), 'float32')).dataSync()[0];
    return { loss, accuracy };
  });
}

export type OptimizerChoice = { kind: 'sgd'; learningRate: number; momentum: number } | { kind: 'adam'; learningRate: number };

export function describeOptimizer(choice: OptimizerChoice): string {
  return choice.kind === 'sgd'
    ? `SGD (learning rate ${choice.learningRate}, momentum ${choice.momentum})`
    : `Adam (learning rate ${choice.learningRate})`;
}

export async function trainMlp(
  train: DigitSet,
  options: {
    batchSize: number;
    seed: number;
    targetLoss: number;
    maxEpochs: number;
    optimizer: OptimizerChoice;
    log?: (line: string) => void;
  },
): Promise<TrainingRun> {
  const model = buildMlp(options.seed);
  const { optimizer } = options;
  model.compile({
    optimizer:
      optimizer.kind === 'sgd' ? tf.train.momentum(optimizer.learningRate, optimizer.momentum) : tf.train.adam(optimizer.learningRate),
    loss: 'sparseCategoricalCrossentropy',
  });
  const random = new SeededRandom(options.seed + 7919);
  const order = Array.from({ length: train.count }, (_, i) => i);
  const started = performance.now();
  let steps = 0;
  let epochs = 0;
  let trainLoss = Infinity;
  while (epochs < options.maxEpochs && trainLoss > options.targetLoss) {
    random.shuffle(order);
    let lossSum = 0;
    for (let start = 0; start < train.count; start += options.batchSize) {
      const batch = order.slice(start, start + options.batchSize);
      const x = new Float32Array(batch.length * PIXELS);
      batch.forEach((index, k) => x.set(train.x.subarray(index * PIXELS, (index + 1) * PIXELS), k * PIXELS));
      const xs = tf.tensor2d(x, [batch.length, PIXELS]);
      const ys = tf.tensor1d(
        Int32Array.from(batch, (index) => train.y[index]),
        'float32',
      );
      lossSum += ((await model.trainOnBatch(xs, ys)) as number) * batch.length;
      xs.dispose();
      ys.dispose();
      steps++;
    }
    epochs++;
    const runningLoss = lossSum / train.count;
    if (runningLoss <= 1.5 * options.targetLoss) trainLoss = evaluateSet(model, train).loss;
    if (options.log && (epochs % 50 === 0 || trainLoss <= options.targetLoss))
      options.log(`batch ${options.batchSize}, seed ${options.seed}: epoch ${epochs}, running training loss ${runningLoss.toFixed(4)}`);
  }
  const seconds = (performance.now() - started) / 1000;
  const final = evaluateSet(model, train);
  return {
    model,
    epochs,
    steps,
    seconds,
    reachedTarget: final.loss <= options.targetLoss,
    trainLoss: final.loss,
    trainAccuracy: final.accuracy,
  };
}
