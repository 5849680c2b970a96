// The before/after comparison on a real function-preserving rescaling (5, 4, 0.05 of the reference
// MLP): the invariant measures stay at 1×, the Euclidean ones move by orders of magnitude. And the
// form's validation against the model's scale links (the engine's rule, src/shared/rescaling.ts): one
// positive factor per kernel layer that keep the function.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ScaleLink } from '../../../src/shared/report.ts';
import { balancingFactor, SCALE_TOLERANCE } from '../../../src/shared/rescaling.ts';
import {
  defaultDraft,
  draftFromChoice,
  parseFactor,
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

/** The reference MLP's links, as its report gives them: a chain of three kernels. */
const chain: ScaleLink[] = mlp.model.symmetries.scaleLinks;
const pair = (n: number): ScaleLink[] => chain.slice(0, n - 1).concat([{ ...chain[chain.length - 1], from: n - 1 }]);
/** Two parallel branches merged, then an output layer: the branches must carry one scale. */
const branches: ScaleLink[] = [
  { layer: 'left', from: 0, to: 1 },
  { layer: 'right', from: 0, to: 1 },
  { layer: 'out', from: 1, to: 0 },
];

test('the report carries the chain of scale links the form checks against', () => {
  assert.deepEqual(chain, [
    { layer: 'dense_Dense1', from: 0, to: 1 },
    { layer: 'dense_Dense2', from: 1, to: 2 },
    { layer: 'dense_Dense3', from: 2, to: 0 },
  ]);
  assert.deepEqual(
    chain.map((l) => l.layer),
    mlp.model.symmetries.kernelLayers,
  );
});

test('factors: one per kernel layer, positive, keeping the function', () => {
  assert.deepEqual(validateFactors([5, 4, 0.05], chain), { ok: true, product: 5 * 4 * 0.05, fieldErrors: [null, null, null], error: null });
  const product = validateFactors([2, 2, 2], chain);
  assert.equal(product.ok, false);
  assert.equal(product.product, 8);
  assert.match(product.error!, /factors up to "dense_Dense3" multiply to 8\.00000, but they must multiply to 1 there/);
  const negative = validateFactors([-1, -1, 1], chain);
  assert.equal(negative.ok, false);
  assert.deepEqual(negative.fieldErrors, ['must be positive', 'must be positive', null]);
  assert.equal(validateFactors([1, 0, 1], chain).fieldErrors[1], 'must be positive');
  assert.equal(validateFactors([1, parseFactor('abc'), 1], chain).fieldErrors[1], 'not a number');
  assert.equal(validateFactors([1, parseFactor(''), 1], chain).fieldErrors[1], 'not a number');
  assert.equal(validateFactors([1, Infinity, 1], chain).fieldErrors[1], 'must be finite');
  assert.match(validateFactors([0.5, 2], chain).error!, /one factor per kernel layer: 3, got 2/);
  assert.equal(validateFactors([1 + SCALE_TOLERANCE / 2, 1], pair(2)).ok, true);
  assert.equal(validateFactors([1 + 10 * SCALE_TOLERANCE, 1], pair(2)).ok, false);
  assert.equal(parseFactor(' 1e-2 '), 0.01);
});

test('parallel branches: equal scales are required, not a product of 1', () => {
  // 2 · 2 · 0.5 = 2, yet the function is kept: both branches ×2, the output layer ÷2.
  assert.equal(validateFactors([2, 2, 0.5], branches).ok, true);
  const unequal = validateFactors([4, 1, 0.25], branches);
  assert.equal(unequal.ok, false, 'a product of 1 with unequal branches changes the function');
  assert.match(unequal.error!, /up to "right" multiply to 1\.00000, but they must multiply to 4 there \(another branch merged with it/);
});

test('the balancing factor keeps the function; it needs valid others', () => {
  const last = balancingFactor(chain, [3, 7, Number.NaN])!;
  assert.equal(validateFactors([3, 7, last], chain).ok, true);
  assert.equal(balancingFactor(branches, [2, 2, Number.NaN]), 0.5);
  assert.equal(balancingFactor(branches, [2, 3, Number.NaN]), null, 'the others already disagree');
  assert.equal(balancingFactor(chain, [Number.NaN, 1, 1]), null);
  assert.equal(balancingFactor([], []), null);
});

test('the draft becomes a rescaling choice only when valid; layer-wise factors wait for the links', () => {
  const draft = defaultDraft(chain);
  assert.deepEqual(draft.factors, ['10', '1', '0.1']);
  assert.deepEqual(rescalingChoice(draft, chain), { kind: 'layer-wise', factors: [10, 1, 0.1] });
  assert.equal(rescalingChoice(draft, null), null, 'before the engine has described the model');
  assert.equal(rescalingChoice({ ...draft, factors: ['10', '1', '1'] }, chain), null);
  assert.deepEqual(rescalingChoice({ ...draft, kind: 'random-layer-wise', seed: '7', spread: '100' }, null), {
    kind: 'random-layer-wise',
    seed: 7,
    spread: 100,
  });
  assert.equal(rescalingChoice({ ...draft, kind: 'random-layer-wise', seed: '7', spread: '101' }, chain), null);
  assert.equal(rescalingChoice({ ...draft, kind: 'random-layer-wise', seed: '1.5', spread: '10' }, chain), null);
  assert.deepEqual(rescalingChoice({ ...draft, kind: 'neuron-wise', seed: '3' }, null), { kind: 'neuron-wise', seed: 3 });
  assert.equal(validateSeed('-1') !== null, true);
  assert.equal(validateSeed('') !== null, true);
  assert.equal(validateSpread('1') !== null, true);
  assert.equal(validateSpread('1.5'), null);
});

test('the default draft keeps the function on any links: every free scale ×10', () => {
  for (const links of [chain, branches, pair(2), [{ layer: 'only', from: 0, to: 0 }]]) {
    const draft = defaultDraft(links);
    assert.equal(validateFactors(draft.factors.map(parseFactor), links).ok, true, JSON.stringify(links));
  }
  assert.deepEqual(defaultDraft(branches).factors, ['10', '10', '0.1']);
  assert.deepEqual(defaultDraft([{ layer: 'only', from: 0, to: 0 }]).factors, ['1']);
});

test('a rescaling that was run fills the form back in', () => {
  assert.deepEqual(draftFromChoice({ kind: 'layer-wise', factors: [5, 4, 0.05] }, chain).factors, ['5', '4', '0.05']);
  assert.deepEqual(draftFromChoice({ kind: 'layer-wise', factors: [5, 0.2] }, chain).factors, defaultDraft(chain).factors);
  const random = draftFromChoice({ kind: 'random-layer-wise', seed: 4, spread: 50 }, chain);
  assert.deepEqual([random.kind, random.seed, random.spread], ['random-layer-wise', '4', '50']);
  assert.equal(draftFromChoice({ kind: 'neuron-wise', seed: 9 }, chain).seed, '9');
});
