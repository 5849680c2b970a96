// Which manifest entry holds which layer weight: exact, or provably unambiguous, never a guess.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SharpnessError } from '../../../src/engine/errors';
import type { WeightEntry } from '../../../src/engine/model/manifest';
import { WeightIndex } from '../../../src/engine/model/weight-names';

const entry = (name: string): WeightEntry => ({ name, shape: [1], dtype: 'float32' });
const index = (...names: string[]) => new WeightIndex(names.map(entry), 'model.json');
const kernel = (layer: string, scopes: string[] = [], paths = [['kernel']]) => ({ layer, scopes, paths });

test('each naming real files use resolves to its entry', () => {
  assert.equal(index('dense_Dense1/kernel', 'dense_Dense1/bias').find(kernel('dense_Dense1'), 'k').name, 'dense_Dense1/kernel');
  assert.equal(index('dense/kernel:0').find(kernel('dense'), 'k').name, 'dense/kernel:0');
  assert.equal(index('sequential/conv2d/kernel').find(kernel('conv2d'), 'k').name, 'sequential/conv2d/kernel');
  assert.equal(index('lstm/lstm_cell/kernel').find(kernel('lstm'), 'k').name, 'lstm/lstm_cell/kernel');
  assert.equal(index('lstm_1/lstm_cell_3/kernel:0').find(kernel('lstm_1'), 'k').name, 'lstm_1/lstm_cell_3/kernel:0');
  const bidirectional = index('bidirectional/forward_lstm/lstm_cell_1/kernel', 'bidirectional/backward_lstm/lstm_cell_2/kernel');
  assert.equal(
    bidirectional.find(kernel('bidirectional', [], [['forward_lstm', 'kernel']]), 'f').name,
    'bidirectional/forward_lstm/lstm_cell_1/kernel',
  );
  assert.equal(
    bidirectional.find(kernel('bidirectional', [], [['backward_lstm', 'kernel']]), 'b').name,
    'bidirectional/backward_lstm/lstm_cell_2/kernel',
  );
});

test('two nested models with a layer of one name each get their own weight, by the model path', () => {
  const names = index('outer/a/dense/kernel', 'outer/b/dense/kernel');
  assert.equal(names.find(kernel('dense', ['a']), 'a').name, 'outer/a/dense/kernel');
  assert.equal(names.find(kernel('dense', ['b']), 'b').name, 'outer/b/dense/kernel');
});

test('a name that could be two entries is an error naming both', () => {
  assert.throws(
    () => index('dense_Dense3/kernel', 'dense_Dense3/kernel:0'),
    (error: SharpnessError) =>
      /has both "dense_Dense3\/kernel" and "dense_Dense3\/kernel:0", which name the same weight/.test(error.message) &&
      error.file === 'model.json',
  );
  assert.throws(
    () => index('dense_Dense3/kernel', 'model/dense_Dense3/kernel').find(kernel('dense_Dense3', ['other']), 'the kernel of "dense_Dense3"'),
    /ambiguous for the kernel of "dense_Dense3": "dense_Dense3\/kernel" and "model\/dense_Dense3\/kernel" could both be it/,
  );
  assert.throws(() => index('a/kernel', 'a/kernel'), /lists "a\/kernel" twice/);
});

test('one entry cannot serve two weights, and a missing one is named', () => {
  const names = index('shared/kernel');
  names.find(kernel('shared'), 'the kernel of "x/shared"');
  assert.throws(
    () => names.find(kernel('shared'), 'the kernel of "y/shared"'),
    /would serve both the kernel of "x\/shared" and the kernel of "y\/shared"/,
  );
  assert.throws(
    () => index('dense/bias').find(kernel('dense'), 'the kernel of "dense"'),
    /the weights manifest has no "dense\/kernel" for the kernel of "dense"/,
  );
});

test('entries no layer claimed are listed', () => {
  const names = index('dense/kernel', 'dense/bias', 'optimizer/iterations');
  names.find(kernel('dense'), 'k');
  assert.deepEqual(names.unclaimed(), ['dense/bias', 'optimizer/iterations']);
});

test('a manifest of 20,000 layers resolves: every lookup touches only its own candidates', () => {
  const n = 20_000;
  const names = index(...Array.from({ length: n }, (_, i) => `scope/d${i}/kernel`));
  for (let i = 0; i < n; i++) assert.equal(names.find(kernel(`d${i}`), `d${i}`).name, `scope/d${i}/kernel`);
  assert.deepEqual(names.unclaimed(), []);
});
