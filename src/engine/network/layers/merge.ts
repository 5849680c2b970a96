/** Add, Average and Concatenate: weightless linear maps of several inputs. */
import * as tf from '@tensorflow/tfjs-core';
import { linearOp } from '../ops';
import type { BuiltLayer, LayerKind } from './kind';
import type { Shape } from '../types';

export function requireEqualShapes(fail: (problem: string) => never, shapes: Shape[]): void {
  if (shapes.length < 2) fail('needs at least two inputs');
  const first = shapes[0].join(',');
  if (shapes.some((s) => s.join(',') !== first))
    fail(`inputs have different shapes (${shapes.map((s) => `[${s.join(', ')}]`).join(' vs ')}); broadcasting merges are not supported`);
}

function elementwiseSum(classNames: string[], averaged: boolean): LayerKind {
  return {
    classNames,
    exactPath: averaged ? 'linear node: the mean of the inputs' : 'linear node: the sum of the inputs',
    build({ config, inputShapes }): BuiltLayer {
      requireEqualShapes((p) => config.fail(p), inputShapes);
      const factor = averaged ? 1 / inputShapes.length : 1;
      return {
        outputShape: inputShapes[0],
        weights: [],
        ops: [
          linearOp({
            forward: (inputs) => (averaged ? tf.mul(tf.addN(inputs), factor) : tf.addN(inputs)),
            adjoint: (dy, record) => record.inputs.map(() => (averaged ? tf.mul(dy, factor) : dy)),
          }),
        ],
        symmetry: { role: 'merge' },
      };
    },
  };
}

const concatenate: LayerKind = {
  classNames: ['Concatenate'],
  exactPath: 'linear node: a concatenation; its adjoint splits dy',
  build({ config, inputShapes }): BuiltLayer {
    const rank = inputShapes[0].length;
    const rawAxis = config.number('axis', -1);
    const axis = rawAxis < 0 ? rank + 1 + rawAxis : rawAxis;
    if (axis < 1 || axis > rank) config.fail(`axis ${rawAxis} is out of range`);
    const sizes = inputShapes.map((s) => s[axis - 1]);
    const output = [...inputShapes[0]];
    output[axis - 1] = sizes.reduce((a, b) => a + b, 0);
    return {
      outputShape: output,
      weights: [],
      ops: [linearOp({ forward: (inputs) => tf.concat(inputs, axis), adjoint: (dy) => tf.split(dy, sizes, axis) })],
      symmetry: { role: 'merge' },
    };
  },
};

export const mergeLayers: LayerKind[] = [elementwiseSum(['Add'], false), elementwiseSum(['Average'], true), concatenate];
