import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CancelledError } from '../../../src/engine/errors';
import { countingOperator, denseOperator } from '../../../src/engine/linalg/operator';
import { SeededRandom } from '../../../src/engine/linalg/random';
import { spectralDensity, type SpectralDensity } from '../../../src/engine/linalg/slq';
import { assertAllClose, assertClose, descending, matrixWithSpectrum, trace } from './fixtures';

function integral(density: SpectralDensity, below = Infinity): number {
  const spacing = density.x[1] - density.x[0];
  return density.y.reduce((sum, y, g) => (density.x[g] < below ? sum + y * spacing : sum), 0);
}

describe('spectralDensity', () => {
  it('integrates to 1 on an even grid covering every node', async () => {
    const n = 60;
    const matrix = matrixWithSpectrum(
      Array.from({ length: n }, (_, i) => 5 * Math.sin(i * i)),
      51,
    );
    const density = await spectralDensity(denseOperator(matrix, n), { runs: 3, steps: 20, gridPoints: 500 });
    assert.equal(density.x.length, 500);
    assert.equal(density.y.length, 500);
    assertClose(integral(density), 1, 1e-10, 'integral');
    assert.ok(density.y.every((y) => y >= 0 && Number.isFinite(y)));
    const spacing = density.x[1] - density.x[0];
    density.x.forEach((x, g) => assertClose(x, density.x[0] + g * spacing, 1e-9, `x[${g}]`));
    const nodes = density.nodes.flat();
    assert.ok(density.x[0] < Math.min(...nodes) && density.x[499] > Math.max(...nodes));
    assert.equal(density.nodes.length, 3);
    density.weights.forEach((weights) =>
      assertClose(
        weights.reduce((sum, w) => sum + w, 0),
        1,
        1e-12,
        'weights sum',
      ),
    );
    assert.ok(density.sigmaSquared >= spacing * spacing * (1 - 1e-12), 'bumps at least one grid step wide');
  });

  it('has per-run mean Σ τθ = vᵀAv, which matches tr(A)/n in expectation', async () => {
    const n = 50;
    const spectrum = Array.from({ length: n }, (_, i) => (i < 3 ? 20 : 0) + Math.cos(i));
    const matrix = matrixWithSpectrum(spectrum, 52);
    const density = await spectralDensity(denseOperator(matrix, n), { runs: 200, steps: 4 });
    const means = density.nodes.map((nodes, run) => nodes.reduce((sum, node, j) => sum + node * density.weights[run][j], 0));
    const average = means.reduce((sum, m) => sum + m, 0) / means.length;
    const standardError = Math.sqrt(means.reduce((sum, m) => sum + (m - average) ** 2, 0) / (means.length - 1) / means.length);
    assert.ok(Math.abs(average - trace(matrix, n) / n) <= 4 * standardError, `${average} ± ${standardError} vs ${trace(matrix, n) / n}`);
    // The first run's start is the first Rademacher vector of the seed, so its mean is exact.
    const z = new SeededRandom(0).rademacherVector(n);
    let zAz = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) zAz += z[i] * matrix[i * n + j] * z[j];
    assertClose(means[0], zAz / n, 1e-12);
  });

  it('splits its mass between two well-separated eigenvalue clusters', async () => {
    const random = new SeededRandom(53);
    const n = 100;
    const spectrum = Array.from({ length: n }, (_, i) => (i < 30 ? -5 : 10) + 0.2 * (random.uniform() - 0.5));
    const density = await spectralDensity(denseOperator(matrixWithSpectrum(spectrum, 54), n), { runs: 10, steps: 30 });
    assertClose(integral(density, 2.5), 0.3, 0.06, 'mass of the lower cluster');
    // No mass in the gap between the clusters.
    assertClose(integral(density, 7) - integral(density, -2), 0, 1e-6, 'mass in the gap');
  });

  it('has the exact eigenvalues as nodes after n steps', async () => {
    const spectrum = [6, 4.5, 3, 1, 0.5, -0.5, -2, -3.5];
    const density = await spectralDensity(denseOperator(matrixWithSpectrum(spectrum, 55), 8));
    assert.equal(density.applications, 8, 'steps default to min(n, 100)');
    assertAllClose(density.nodes[0], descending(spectrum), 1e-12);
    assert.equal(density.x.length, 1000);
  });

  it('handles the zero matrix and n = 1', async () => {
    for (const [matrix, n, value] of [
      [new Float64Array(9), 3, 0],
      [Float64Array.of(-2), 1, -2],
    ] as const) {
      const density = await spectralDensity(denseOperator(matrix, n), { runs: 2 });
      assert.deepEqual(density.nodes, [[value], [value]]);
      assert.deepEqual(density.weights, [[1], [1]]);
      assert.equal(density.applications, 2);
      assertClose(integral(density), 1, 1e-10);
      const peak = density.x[density.y.indexOf(Math.max(...density.y))];
      assertClose(peak, value, 2 * (density.x[1] - density.x[0]));
    }
  });

  it('is deterministic for a seed, counts products and reports progress', async () => {
    const n = 40;
    const op = denseOperator(
      matrixWithSpectrum(
        Array.from({ length: n }, (_, i) => i - 10),
        56,
      ),
      n,
    );
    const counted = countingOperator(op);
    const progress: string[] = [];
    const first = await spectralDensity(counted, {
      runs: 2,
      steps: 5,
      seed: 3,
      onIteration: (info) => progress.push(`${info.run}/${info.runs}:${info.step}/${info.steps}`),
    });
    assert.equal(first.applications, 10);
    assert.equal(counted.applications, 10);
    assert.deepEqual(progress.slice(0, 2), ['1/2:1/5', '1/2:2/5']);
    assert.equal(progress.length, 10);
    assert.deepEqual(await spectralDensity(op, { runs: 2, steps: 5, seed: 3 }), first);
    assert.notDeepEqual((await spectralDensity(op, { runs: 2, steps: 5, seed: 4 })).nodes, first.nodes);
  });

  it('stops with CancelledError when its signal is aborted, and rejects bad options', async () => {
    const op = denseOperator(matrixWithSpectrum([1, 2, 3, 4], 57), 4);
    const controller = new AbortController();
    await assert.rejects(
      spectralDensity(op, {
        signal: controller.signal,
        onIteration: (info) => {
          if (info.step === 2) controller.abort();
        },
      }),
      CancelledError,
    );
    await assert.rejects(spectralDensity(op, { gridPoints: 1 }), RangeError);
    await assert.rejects(spectralDensity(op, { runs: 0 }), RangeError);
  });
});
