// From settings, a model's sidecar and the data choice to the engine's request: the same shared
// option table as the CLI, so a CLI analysis can be reproduced from VS Code value by value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analysisRequest, readSettings, SettingError } from '../../../src/extension/request';
import { DEFAULTS } from '../../../src/shared/defaults';
import { analyzeRequestFor } from '../../../src/shared/options';

const read = (given: Record<string, unknown>) => readSettings((key) => given[key]);

test('settings are read under the option names; a value the analysis cannot use names the setting', () => {
  assert.deepEqual(read({ topK: 3, normalization: 'element', threads: 2, exactThreshold: 100 }), {
    topK: 3,
    normalization: 'element',
    threads: 2,
    exactThreshold: 100,
  });
  assert.deepEqual(read({}), {});
  // The intervals setting was a boolean before 'auto': true and false still mean on and off (from
  // JSON only; the command line takes the words).
  assert.deepEqual(read({ intervals: true }), { intervals: 'on' });
  assert.deepEqual(read({ intervals: false }), { intervals: 'off' });
  assert.deepEqual(read({ intervals: 'auto' }), { intervals: 'auto' });
  assert.throws(() => read({ intervals: 'sometimes' }), /sharpnessLens\.intervals must be one of auto, on, off, got "sometimes"/);
  for (const [given, problem] of [
    [{ samples: -5 }, /^the setting sharpnessLens\.samples must be an integer ≥ 1, got -5$/],
    [{ backend: 'gpu' }, /^the setting sharpnessLens\.backend must be one of auto, wasm, cpu, tensorflow, got "gpu"$/],
    [{ density: 'yes' }, /^the setting sharpnessLens\.density must be true or false, got "yes"$/],
    [{ seed: 1.5 }, /sharpnessLens\.seed must be an integer ≥ 0, got 1\.5/],
    [{ traceSamples: '40' }, /sharpnessLens\.traceSamples must be an integer ≥ 1, got "40"/],
    [{ tolerance: 0 }, /sharpnessLens\.tolerance must be a positive number, got 0/],
    [{ threads: 0 }, /sharpnessLens\.threads must be an integer ≥ 1 or "auto", got 0/],
    [{ loss: 'hinge' }, /sharpnessLens\.loss must be auto, categorical_crossentropy, .* or mse, got "hinge"/],
  ] as const) {
    assert.throws(
      () => read(given),
      (error: Error) => error instanceof SettingError && problem.test(error.message),
      JSON.stringify(given),
    );
  }
});

test('every CLI analysis option has a setting, and the request carries each of them to the engine', () => {
  const settings = read({
    samples: 77,
    seed: 3,
    loss: 'mean_squared_error',
    includeRegularizers: true,
    labelColumn: 'label',
    topK: 2,
    normalization: 'layer',
    horizontal: true,
    density: true,
    crossCheck: true,
    perLayer: false,
    exactThreshold: 10,
    tolerance: 1e-6,
    maxIterations: 90,
    traceSamples: 64,
    backend: 'cpu',
    threads: 1,
    batchSize: 32,
    cacheMb: 64,
    workingMb: 128,
    maxParameters: 5000,
    intervals: 'off',
    budgetSeconds: 0,
  });
  const request = analysisRequest('/w/model.json', { data: '/w/data.csv' }, settings, null);
  assert.deepEqual(request, {
    model: '/w/model.json',
    data: '/w/data.csv',
    labels: undefined,
    labelColumn: 'label',
    samples: 77,
    seed: 3,
    loss: 'mean_squared_error',
    includeRegularizers: true,
    backend: 'cpu',
    threads: 1,
    chunkSize: 32,
    cacheMegabytes: 64,
    workingMegabytes: 128,
    maxParameters: 5000,
    intervals: false,
    budgetSeconds: null,
    settings: {
      topK: 2,
      normalization: 'layer',
      operator: 'horizontal',
      density: true,
      crossCheck: true,
      perLayer: false,
      exactThreshold: 10,
      lanczosTolerance: 1e-6,
      lanczosMaxIterations: 90,
      traceMaxSamples: 64,
    },
  });
});

test('without settings the request is the defaults, exactly what the CLI sends without options', () => {
  const request = analysisRequest('/w/model.json', { data: '/w/x.npy', labels: '/w/y.npy' }, {}, null);
  assert.deepEqual(request, analyzeRequestFor('/w/model.json', { data: '/w/x.npy', labels: '/w/y.npy' }, { ...DEFAULTS }));
  assert.equal(request.samples, 1024);
  assert.equal(request.settings!.traceMaxSamples, 30);
});

test('the sidecar overrides the settings for its model; the rescaling choice becomes the engine’s field', () => {
  const withSidecar = analysisRequest(
    '/w/model.json',
    { data: '/w/d.npz' },
    { samples: 500, topK: 4 },
    { options: { samples: 77 } },
    { kind: 'layer-wise', factors: [2, 0.5] },
  );
  assert.equal(withSidecar.samples, 77);
  // The sidecar's count is the model's own: the time budget may not lower it; the settings' count is a cap.
  assert.equal(withSidecar.samplesForced, true);
  assert.equal(analysisRequest('/w/m.json', { data: '/w/d.npz' }, { samples: 500 }, null).samplesForced, undefined);
  assert.equal(withSidecar.settings!.topK, 4);
  assert.deepEqual(withSidecar.rescale, [2, 0.5]);
  const random = analysisRequest('/w/m.json', { data: '/w/d.npz' }, {}, null, { kind: 'random-layer-wise', seed: 3, spread: 100 });
  assert.deepEqual(random.rescaleRandom, { seed: 3, spread: 100 });
  assert.equal(random.rescale, undefined);
  assert.equal(analysisRequest('/w/m.json', { data: '/w/d.npz' }, {}, null, { kind: 'neuron-wise', seed: 9 }).rescaleNeurons, 9);
});
