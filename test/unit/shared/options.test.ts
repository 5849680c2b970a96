// The shared option table's checks, for command-line text and for JSON settings alike, and the one
// progress line of the CLI and the extension's notification.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULTS } from '../../../src/shared/defaults';
import { OPTION_SPECS, OptionValueError, parseLossName, parseOption, withDefaults } from '../../../src/shared/options';
import { progressLine } from '../../../src/shared/progress';

test('text from the command line and JSON from settings parse to the same values', () => {
  assert.equal(parseOption('samples', '500', true), 500);
  assert.equal(parseOption('samples', 500, false), 500);
  assert.throws(() => parseOption('samples', '500', false), OptionValueError, 'JSON numbers are numbers, not text');
  assert.equal(parseOption('tolerance', '1e-6', true), 1e-6);
  assert.equal(parseOption('threads', 'auto', true), 'auto');
  assert.equal(parseOption('threads', '3', true), 3);
  assert.equal(parseOption('maxIterations', null, false), null);
  assert.equal(parseOption('labelColumn', '-1', true), -1, 'digits on the command line are an index');
  assert.equal(parseOption('labelColumn', 'species', true), 'species');
  assert.equal(parseOption('labelColumn', '2', false), '2', 'a JSON string is a header name');
  assert.equal(parseOption('labelColumn', 2, false), 2);
  assert.equal(parseOption('loss', 'mse', true), 'mean_squared_error');
  assert.equal(parseOption('loss', 'categoricalCrossentropy', false), 'categorical_crossentropy');
  assert.equal(parseLossName('hinge'), null);
});

test('values that do not fit say what the option takes and what it got', () => {
  const message = (key: Parameters<typeof parseOption>[0], raw: unknown, fromText: boolean) => {
    try {
      parseOption(key, raw, fromText);
    } catch (error) {
      assert.ok(error instanceof OptionValueError);
      return error.message;
    }
    assert.fail(`${key} accepted ${JSON.stringify(raw)}`);
  };
  assert.equal(message('topK', '0', true), 'must be an integer ≥ 1, got "0"');
  assert.equal(message('topK', '2.5', true), 'must be an integer ≥ 1, got "2.5"');
  assert.equal(message('topK', '', true), 'must be an integer ≥ 1, got ""');
  assert.equal(message('normalization', 'row', true), 'must be one of layer, element, got "row"');
  assert.equal(message('tolerance', -1, false), 'must be a positive number, got -1');
  assert.equal(message('density', 1, false), 'must be true or false, got 1');
  assert.equal(message('labelColumn', 1.5, false), 'must be a column index or a header name, got 1.5');
  assert.match(
    message('loss', 'hinge', true),
    /^must be auto, categorical_crossentropy, sparse_categorical_crossentropy, binary_crossentropy or mse, got "hinge"$/,
  );
});

test('the defaults layer under the choices, later layers winning', () => {
  assert.deepEqual(withDefaults(), { ...DEFAULTS });
  assert.equal(withDefaults({ samples: 5 }, { samples: 7 }).samples, 7);
  assert.equal(withDefaults({ samples: 5 }, {}).samples, 5);
  assert.equal(new Set(OPTION_SPECS.map((s) => s.flag)).size, OPTION_SPECS.length, 'one flag per option');
  assert.deepEqual(OPTION_SPECS.map((s) => s.key).sort(), Object.keys(DEFAULTS).sort(), 'the table covers every option, no more');
});

test('one progress line for the terminal and the notification', () => {
  const event = {
    stage: 'Euclidean spectrum',
    stageIndex: 2,
    stageCount: 5,
    iteration: 12,
    maxIterations: 60,
    detail: 'λ₁(H) ≈ 58.2',
    hvpCount: 340,
    elapsedSeconds: 3,
    etaSeconds: 11.2,
  };
  assert.equal(progressLine(event), '[2/5] Euclidean spectrum 12/60 · λ₁(H) ≈ 58.2 · 340 HVPs · about 11 s left');
  // Once the estimate is made, the whole analysis's time and memory with the time left.
  assert.equal(
    progressLine({ ...event, etaSeconds: 150, estimate: { seconds: 200, peakBytes: 600 * 2 ** 20 } }),
    '[2/5] Euclidean spectrum 12/60 · λ₁(H) ≈ 58.2 · 340 HVPs · about 2 min 30 s left (of about 3 min 20 s, 600 MB)',
  );
  assert.equal(
    progressLine({ ...event, iteration: null, maxIterations: null, detail: null, etaSeconds: null }),
    '[2/5] Euclidean spectrum · 340 HVPs',
  );
});
