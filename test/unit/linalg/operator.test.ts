import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CancelledError, SharpnessError } from '../../../src/engine/errors';
import {
  applyChecked,
  axpy,
  countingOperator,
  denseOperator,
  dot,
  norm,
  scale,
  type SymmetricOperator,
} from '../../../src/engine/linalg/operator';

describe('denseOperator', () => {
  it('multiplies by the row-major matrix without touching the input', async () => {
    const op = denseOperator(Float64Array.of(2, 1, 0, 1, 3, -1, 0, -1, 4), 3);
    const v = Float64Array.of(1, 2, 3);
    const y = await op.apply(v);
    assert.deepEqual(Array.from(y), [4, 4, 10]);
    assert.deepEqual(Array.from(v), [1, 2, 3]);
    assert.notEqual(y, v);
    assert.equal(op.dimension, 3);
  });

  it('rejects a matrix of the wrong size and vectors of the wrong length', async () => {
    assert.throws(() => denseOperator(new Float64Array(5), 2), RangeError);
    assert.throws(() => denseOperator(new Float64Array(0), 0), RangeError);
    await assert.rejects(denseOperator(new Float64Array(4), 2).apply(new Float64Array(3)), RangeError);
  });
});

describe('countingOperator', () => {
  it('counts applications and passes results through', async () => {
    const op = countingOperator(denseOperator(Float64Array.of(5), 1));
    assert.equal(op.applications, 0);
    assert.deepEqual(Array.from(await op.apply(Float64Array.of(2))), [10]);
    await op.apply(Float64Array.of(1));
    assert.equal(op.applications, 2);
    assert.equal(op.dimension, 1);
  });
});

describe('applyChecked', () => {
  const returning = (y: Float64Array, dimension = y.length): SymmetricOperator => ({
    dimension,
    apply: () => Promise.resolve(Float64Array.from(y)),
  });

  it('rejects wrong lengths and non-finite values, naming the problem', async () => {
    await assert.rejects(applyChecked(returning(new Float64Array(2), 3), new Float64Array(3), undefined), SharpnessError);
    await assert.rejects(
      applyChecked(returning(Float64Array.of(1, NaN)), new Float64Array(2), undefined),
      /non-finite value \(NaN\) at index 1/,
    );
    await assert.rejects(applyChecked(returning(Float64Array.of(Infinity)), new Float64Array(1), undefined), SharpnessError);
  });

  it('throws CancelledError before a product when aborted, and after one aborted meanwhile', async () => {
    const aborted = new AbortController();
    aborted.abort();
    const op = countingOperator(returning(Float64Array.of(1)));
    await assert.rejects(applyChecked(op, Float64Array.of(1), aborted.signal), CancelledError);
    assert.equal(op.applications, 0);

    const controller = new AbortController();
    const abortingDuringProduct: SymmetricOperator = {
      dimension: 1,
      apply: () => {
        controller.abort();
        return Promise.resolve(Float64Array.of(1));
      },
    };
    await assert.rejects(applyChecked(abortingDuringProduct, Float64Array.of(1), controller.signal), CancelledError);
  });
});

describe('vector helpers', () => {
  it('dot, norm, axpy and scale', () => {
    const x = Float64Array.of(3, 4);
    const y = Float64Array.of(1, -1);
    assert.equal(dot(x, y), -1);
    assert.equal(norm(x), 5);
    axpy(2, x, y);
    assert.deepEqual(Array.from(y), [7, 7]);
    scale(x, -0.5);
    assert.deepEqual(Array.from(x), [-1.5, -2]);
  });
});
