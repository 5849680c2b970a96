// Engine problems as data, worded by each front end: the CLI names flags, the extension settings and
// sidecar keys, and plain callers the option's own name; the line always starts with the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SharpnessError } from '../../../src/engine/errors';
import { FLAG_WORDING, SETTING_WORDING } from '../../../src/shared/options';
import { describeProblem, PLAIN_WORDING, type FileProblem, type Problem } from '../../../src/shared/problems';

const tooMany: FileProblem = {
  code: 'too-many-parameters',
  message: 'the model has 107 trainable parameters, over the limit of 100',
  option: { name: 'maxParameters', action: 'raise' },
  file: '/m/model.json',
};

test('each front end names the option its own way, in one line that starts with the file', () => {
  assert.equal(
    describeProblem(tooMany, FLAG_WORDING),
    '/m/model.json: the model has 107 trainable parameters, over the limit of 100 (raise it with --max-parameters)',
  );
  assert.equal(
    describeProblem(tooMany, SETTING_WORDING),
    '/m/model.json: the model has 107 trainable parameters, over the limit of 100 (raise it with the setting sharpnessLens.maxParameters)',
  );
  assert.equal(
    describeProblem(tooMany, PLAIN_WORDING),
    '/m/model.json: the model has 107 trainable parameters, over the limit of 100 (raise it with maxParameters)',
  );
});

test('every kind of hint, and a value problem that starts with the option', () => {
  const problem = (option: Problem['option'], message = 'm'): Problem => ({ code: 'invalid-option', message, option });
  const cases: [Problem, string, string][] = [
    [
      problem({ name: 'samples', action: 'value' }, 'must be at least 1'),
      '--samples must be at least 1',
      'the setting sharpnessLens.samples or "samples" in the model\'s .sharpness.json sidecar must be at least 1',
    ],
    [
      problem({ name: 'loss', action: 'choose' }),
      'm (choose one with --loss)',
      'm (choose one with the setting sharpnessLens.loss or "loss" in the model\'s .sharpness.json sidecar)',
    ],
    [
      problem({ name: 'labels', action: 'give' }),
      'm (give --labels)',
      'm (give the labels file with Sharpness: Select Analysis Data… or "labels" in the model\'s .sharpness.json sidecar)',
    ],
    [
      problem({ name: 'includeRegularizers', action: 'include' }),
      'm (--include-regularizers includes them)',
      'm (the setting sharpnessLens.includeRegularizers or "includeRegularizers" in the model\'s .sharpness.json sidecar includes them)',
    ],
    [
      problem({ name: 'intervals', action: 'turn-on' }),
      'm (set --intervals to on to compute them)',
      'm (set the setting sharpnessLens.intervals or "intervals" in the model\'s .sharpness.json sidecar to on to compute them)',
    ],
    [
      problem({ name: 'threads', action: 'value' }, 'must be a positive integer, got 0'),
      '--threads must be a positive integer, got 0',
      'the setting sharpnessLens.threads must be a positive integer, got 0',
    ],
    [
      problem({ name: 'perLayer', action: 'value' }, 'x'),
      '--no-per-layer x',
      'the setting sharpnessLens.perLayer or "perLayer" in the model\'s .sharpness.json sidecar x',
    ],
    [problem({ name: 'rescaleNeurons', action: 'value' }, 'x'), '--rescale-neurons x', 'the rescaling of the Rescaling Experiment x'],
    [problem(null, 'no option'), 'no option', 'no option'],
  ];
  for (const [p, cli, extension] of cases) {
    assert.equal(describeProblem(p, FLAG_WORDING), cli);
    assert.equal(describeProblem(p, SETTING_WORDING), extension);
    assert.doesNotMatch(describeProblem(p, SETTING_WORDING), /--[a-z]/);
  }
});

test('SharpnessError keeps the file, carries its problem, and its message names options plainly', () => {
  const error = new SharpnessError('the model has 107 trainable parameters, over the limit of 100', '/m/model.json', {
    code: 'too-many-parameters',
    option: { name: 'maxParameters', action: 'raise' },
  });
  assert.equal(error.file, '/m/model.json');
  assert.deepEqual(error.problem, tooMany);
  assert.equal(error.message, describeProblem(tooMany, PLAIN_WORDING));
  const plain = new SharpnessError('no such file', '/m/x.npz');
  assert.deepEqual(plain.problem, { code: 'invalid-input', message: 'no such file', option: null, file: '/m/x.npz' });
  assert.equal(plain.message, '/m/x.npz: no such file');
  assert.equal(new SharpnessError('bare').message, 'bare');
});
