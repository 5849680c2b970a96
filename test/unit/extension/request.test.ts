// From settings and choices to the engine's request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analysisRequest, DEFAULT_SETTINGS, randomLayerwiseFactors, readSettings, resolveRescaling } from '../../../src/extension/request';

test('settings fall back to defaults when invalid', () => {
  const given: Record<string, unknown> = {
    samples: -5,
    topK: 3,
    normalization: 'element',
    backend: 'gpu',
    threads: 2,
    density: 'yes',
    seed: 1.5,
    exactThreshold: 100,
  };
  const settings = readSettings(<T>(key: string, fallback: T) => (key in given ? (given[key] as T) : fallback));
  assert.deepEqual(settings, { ...DEFAULT_SETTINGS, topK: 3, normalization: 'element', threads: 2, exactThreshold: 100 });
  assert.deepEqual(
    readSettings(<T>(_key: string, fallback: T) => fallback),
    DEFAULT_SETTINGS,
  );
});

test('the request carries the data choice, the sidecar sample count and the rescaling', () => {
  const plain = analysisRequest('/w/model.json', { data: '/w/x.npy', labels: '/w/y.npy' }, DEFAULT_SETTINGS, null);
  assert.equal(plain.model, '/w/model.json');
  assert.equal(plain.labels, '/w/y.npy');
  assert.equal(plain.samples, DEFAULT_SETTINGS.samples);
  assert.equal(plain.rescale, undefined);
  const withSidecar = analysisRequest(
    '/w/model.json',
    { data: '/w/d.npz' },
    DEFAULT_SETTINGS,
    { samples: 77 },
    { kind: 'layer-wise', factors: [2, 0.5] },
  );
  assert.equal(withSidecar.samples, 77);
  assert.deepEqual(withSidecar.rescale, [2, 0.5]);
  assert.equal(
    analysisRequest('/w/m.json', { data: '/w/d.npz' }, DEFAULT_SETTINGS, null, { kind: 'neuron-wise', seed: 9 }).rescaleNeurons,
    9,
  );
});

test('random layer-wise factors are seeded, within the spread, and multiply to 1', () => {
  const factors = randomLayerwiseFactors(4, 3, 100);
  assert.equal(factors.length, 4);
  assert.deepEqual(randomLayerwiseFactors(4, 3, 100), factors);
  assert.notDeepEqual(randomLayerwiseFactors(4, 4, 100), factors);
  assert.ok(Math.abs(factors.reduce((a, b) => a * b, 1) - 1) < 1e-12);
  for (const f of factors.slice(0, -1)) assert.ok(f >= 1 / 100 && f <= 100);
  assert.deepEqual(randomLayerwiseFactors(0, 1, 10), []);
  const resolved = resolveRescaling({ kind: 'random-layer-wise', seed: 3, spread: 100 }, 4);
  assert.deepEqual(resolved, { kind: 'layer-wise', factors });
});
