// The before/after comparison on a real function-preserving rescaling (5, 4, 0.05 of the reference
// MLP): the invariant measures stay at 1×, the Euclidean ones move by orders of magnitude. And the
// form's validation: one positive factor per kernel layer, multiplying to 1.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  balancingFactor,
  defaultDraft,
  draftFromChoice,
  parseFactor,
  PRODUCT_TOLERANCE,
  ratioChange,
  rescalingChoice,
  rescalingComparison,
  rescalingVerdict,
  validateFactors,
  validateSeed,
  validateSpread,
} from '../../../webview/view-model/rescaling.ts';
import { mlp, mlpRescaled } from './fixtures.ts';

const rows = rescalingComparison(mlp, mlpRescaled);
const row = (key: string) => rows.find((r) => r.key === key)!;

test('every measure of the network and of each layer, with after/before computed from the reports', () => {
  assert.equal(rows.length, 7 + 4 * mlp.perLayer.length);
  const lambda = row('network:euclidean-lambda-max');
  assert.equal(lambda.before, mlp.euclidean.topEigenvalues[0]);
  assert.equal(lambda.after, mlpRescaled.euclidean.topEigenvalues[0]);
  assert.equal(lambda.ratio, mlpRescaled.euclidean.topEigenvalues[0] / mlp.euclidean.topEigenvalues[0]);
  const layer = row('layer:dense_Dense3:euclideanSharpness');
  assert.equal(layer.layer, 'dense_Dense3');
  assert.equal(layer.ratio, mlpRescaled.perLayer[2].euclideanSharpness / mlp.perLayer[2].euclideanSharpness);
  assert.equal(row('network:accuracy').ratio, 1);
});

test('the invariant measures stay ≈ 1×, the Euclidean ones move far', () => {
  const invariant = rows.filter((r) => r.invariant);
  assert.deepEqual(invariant.map((r) => r.measure).sort(), [
    'accuracy',
    'loss',
    'tr(D H D)',
    'tr(D H D)',
    'tr(D H D)',
    'tr(D H D)',
    'λ_max(D H D)',
    'λ_max(D H D)',
    'λ_max(D H D)',
    'λ_max(D H D)',
  ]);
  for (const r of invariant) {
    assert.ok(Math.abs(r.ratio! - 1) < 1e-4, `${r.key}: ${r.ratio}`);
    assert.equal(r.change, 'unchanged');
    assert.equal(r.ratioText, '1.000×');
    assert.equal(r.unexpected, false);
  }
  // Scaling layer 3's kernel by 0.05 multiplies its block of H by 1/0.05² = 400; layer 1's by 1/25.
  assert.ok(Math.abs(row('layer:dense_Dense3:euclideanSharpness').ratio! / 400 - 1) < 0.01);
  assert.ok(Math.abs(row('layer:dense_Dense1:euclideanSharpness').ratio! * 25 - 1) < 0.01);
  for (const key of [
    'network:euclidean-lambda-max',
    'network:euclidean-trace',
    'layer:dense_Dense1:euclideanTrace',
    'layer:dense_Dense2:euclideanSharpness',
  ]) {
    assert.equal(row(key).change, 'far', key);
  }
});

test('the verdict names the largest Euclidean move and the invariant measures’ stability', () => {
  const verdict = rescalingVerdict(rows);
  assert.equal(verdict.euclideanWorst?.key, 'layer:dense_Dense3:euclideanSharpness');
  assert.equal(verdict.invariantWorst?.unexpected, false);
  assert.match(verdict.text, /invariant measures stayed within/);
  assert.match(verdict.text, /moved by up to ×399 \(λ_max\(H\) of dense_Dense3\)/);
});

test('an invariant measure that moves is flagged as unexpected', () => {
  const broken = structuredClone(mlpRescaled);
  broken.invariant.sharpness *= 3;
  const flagged = rescalingComparison(mlp, broken).find((r) => r.key === 'network:invariant-lambda-max')!;
  assert.equal(flagged.change, 'far');
  assert.equal(flagged.unexpected, true);
  assert.match(rescalingVerdict(rescalingComparison(mlp, broken)).text, /An invariant measure moved: λ_max\(D H D\) ×3/);
});

test('ratios: within 1 % unchanged, beyond 2× either way far, missing unknown', () => {
  assert.equal(ratioChange(1.0099), 'unchanged');
  assert.equal(ratioChange(0.9901), 'unchanged');
  assert.equal(ratioChange(1.5), 'moved');
  assert.equal(ratioChange(2), 'far');
  assert.equal(ratioChange(0.5), 'far');
  assert.equal(ratioChange(null), 'unknown');
  assert.equal(ratioChange(-1), 'unknown');
  const zero = structuredClone(mlp);
  zero.loss = 0;
  assert.equal(rescalingComparison(zero, mlpRescaled).find((r) => r.key === 'network:loss')!.ratio, null);
});

test('factors: one per kernel layer, positive, multiplying to 1', () => {
  assert.deepEqual(validateFactors([5, 4, 0.05], 3), { ok: true, product: 5 * 4 * 0.05, fieldErrors: [null, null, null], error: null });
  const product = validateFactors([2, 2, 2], 3);
  assert.equal(product.ok, false);
  assert.equal(product.product, 8);
  assert.match(product.error!, /multiply to 8; they must multiply to 1/);
  const negative = validateFactors([-1, -1, 1], 3);
  assert.equal(negative.ok, false);
  assert.deepEqual(negative.fieldErrors, ['must be positive', 'must be positive', null]);
  assert.equal(validateFactors([1, 0, 1], 3).fieldErrors[1], 'must be positive');
  assert.equal(validateFactors([1, parseFactor('abc'), 1], 3).fieldErrors[1], 'not a number');
  assert.equal(validateFactors([1, parseFactor(''), 1], 3).fieldErrors[1], 'not a number');
  assert.equal(validateFactors([1, Infinity, 1], 3).fieldErrors[1], 'must be finite');
  assert.match(validateFactors([0.5, 2], 3).error!, /one factor per kernel layer: 3, got 2/);
  assert.equal(validateFactors([1 + PRODUCT_TOLERANCE / 2, 1], 2).ok, true);
  assert.equal(validateFactors([1 + 10 * PRODUCT_TOLERANCE, 1], 2).ok, false);
  assert.equal(parseFactor(' 1e-2 '), 0.01);
});

test('the balancing factor makes the product 1; it needs valid others', () => {
  const factors = [3, 7, Number.NaN];
  const last = balancingFactor(factors)!;
  assert.equal(validateFactors([3, 7, last], 3).ok, true);
  assert.equal(balancingFactor([Number.NaN, 1, 1]), null);
  assert.equal(balancingFactor([]), null);
});

test('the draft becomes a rescaling choice only when valid', () => {
  const draft = defaultDraft(3);
  assert.deepEqual(draft.factors, ['10', '1', '0.1']);
  assert.deepEqual(rescalingChoice(draft, 3), { kind: 'layer-wise', factors: [10, 1, 0.1] });
  assert.equal(rescalingChoice({ ...draft, factors: ['10', '1', '1'] }, 3), null);
  assert.deepEqual(rescalingChoice({ ...draft, kind: 'random-layer-wise', seed: '7', spread: '100' }, 3), {
    kind: 'random-layer-wise',
    seed: 7,
    spread: 100,
  });
  assert.equal(rescalingChoice({ ...draft, kind: 'random-layer-wise', seed: '7', spread: '101' }, 3), null);
  assert.equal(rescalingChoice({ ...draft, kind: 'random-layer-wise', seed: '1.5', spread: '10' }, 3), null);
  assert.deepEqual(rescalingChoice({ ...draft, kind: 'neuron-wise', seed: '3' }, 3), { kind: 'neuron-wise', seed: 3 });
  assert.equal(validateSeed('-1') !== null, true);
  assert.equal(validateSeed('') !== null, true);
  assert.equal(validateSpread('1') !== null, true);
  assert.equal(validateSpread('1.5'), null);
  assert.deepEqual(defaultDraft(1).factors, ['1']);
});

test('a rescaling that was run fills the form back in', () => {
  assert.deepEqual(draftFromChoice({ kind: 'layer-wise', factors: [5, 4, 0.05] }, 3).factors, ['5', '4', '0.05']);
  assert.deepEqual(draftFromChoice({ kind: 'layer-wise', factors: [5, 0.2] }, 3).factors, defaultDraft(3).factors);
  const random = draftFromChoice({ kind: 'random-layer-wise', seed: 4, spread: 50 }, 3);
  assert.deepEqual([random.kind, random.seed, random.spread], ['random-layer-wise', '4', '50']);
  assert.equal(draftFromChoice({ kind: 'neuron-wise', seed: 9 }, 3).seed, '9');
});
