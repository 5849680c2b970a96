// The rescaling symmetries the engine finds are real on every model of the corpus: a random
// layer-wise rescaling (factors drawn by the engine within the scale links it derived) and a random
// neuron-wise rescaling keep the model's outputs, and keep λ_max(D H D) for the normalisation built
// for them (layer D and element D), while λ_max(H) is free to move. A symmetry the engine claims but
// the model does not have (a kernel axis taken for the wrong one, a scale let through a non-homogeneous
// layer) fails here, on whichever real model shows it.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { analyze } from '../../../src/engine/analysis/analyze';
import type { AnalyzeRequest } from '../../../src/shared/analysis-request';

const CORPUS = join(__dirname, '..', '..', 'fixtures', 'corpus');
/** Relative agreement of λ_max(D H D) before and after: float32 HVPs and a converged Lanczos. */
const INVARIANT = 2e-4;
/** The rescaled model's outputs against the original's (float32 forward passes). */
const SAME_FUNCTION = 1e-4;

/** How many models each kind of rescaling was really applied to: the test must not pass by skipping them all. */
const exercised = { 'layer-wise': 0, 'neuron-wise': 0 };

const settings = { topK: 1, perLayer: false, exactThreshold: 0, traceMaxSamples: 2, lanczosTolerance: 1e-7 };

async function sharpness(dir: string, extra: Partial<AnalyzeRequest>, normalization: 'layer' | 'element') {
  const report = await analyze({
    model: join(dir, 'model.json'),
    data: join(dir, 'data.npz'),
    backend: 'cpu',
    threads: 1,
    // The invariance of the measures is the subject here, not their sampling intervals.
    intervals: false,
    ...extra,
    settings: { ...settings, normalization },
  });
  return report;
}

for (const name of readdirSync(CORPUS)) {
  const dir = join(CORPUS, name);
  test(`${name}: the rescalings the engine finds keep the function and the invariant measure`, async () => {
    for (const [kind, normalization, extra] of [
      ['layer-wise', 'layer', { rescaleRandom: { seed: 7, spread: 10 } }],
      ['neuron-wise', 'element', { rescaleNeurons: 11 }],
    ] as const) {
      const before = await sharpness(dir, {}, normalization);
      let after;
      try {
        after = await sharpness(dir, extra, normalization);
      } catch (error) {
        // A model without the symmetry says so, and that is not a failure of it.
        if (/no hidden units that a neuron-wise rescaling can scale|has no layer-wise rescaling symmetry/.test((error as Error).message))
          continue;
        throw error;
      }
      const rescaling = after.rescaling!;
      const scale = Math.max(1, ...(before.invariant.topEigenvalues.map(Math.abs) as number[]));
      assert.ok(
        rescaling.maxOutputDifference <= SAME_FUNCTION * Math.max(1, scale),
        `${kind}: outputs moved by ${rescaling.maxOutputDifference}`,
      );
      const [a, b] = [before.invariant.sharpness, after.invariant.sharpness];
      assert.ok(Math.abs(a - b) <= INVARIANT * Math.abs(a), `${kind}: λ_max(D H D) ${a} → ${b} (${rescaling.description})`);
      assert.ok(Math.abs(before.loss - after.loss) <= 1e-4 * Math.max(1, before.loss), `${kind}: loss ${before.loss} → ${after.loss}`);
      exercised[kind]++;
    }
  });
}

after(() => {
  assert.ok(exercised['layer-wise'] >= 20, `a layer-wise rescaling applied to only ${exercised['layer-wise']} corpus models`);
  assert.ok(exercised['neuron-wise'] >= 10, `a neuron-wise rescaling applied to only ${exercised['neuron-wise']} corpus models`);
  console.log(`# rescalings applied: layer-wise ${exercised['layer-wise']}, neuron-wise ${exercised['neuron-wise']} corpus models`);
});
