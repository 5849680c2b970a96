// --help states the defaults the analysis really uses: each option's line carries the shared table's
// value (src/shared/defaults.ts), and the flags the CLI words engine problems with are the ones it parses.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { helpText } from '../../../src/cli';
import { DEFAULTS } from '../../../src/shared/defaults';
import { FLAG_WORDING, OPTION_SPECS } from '../../../src/shared/options';
import { DEFAULT_MEASURE_SETTINGS } from '../../../src/engine/analysis/measures';

const help = helpText();
/** The help line of a flag, with its continuation lines. */
function entry(flag: string): string {
  const lines = help.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`  --${flag} `) || l === `  --${flag}` || l.startsWith(`  --${flag}  `));
  assert.ok(start >= 0, `--help lists --${flag}`);
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((l) => !l.startsWith(' '.repeat(26)));
  return [lines[start], ...rest.slice(0, end)].join(' ');
}

test('the numbers --help prints are the ones the engine uses', () => {
  assert.match(entry('trace-samples'), /\(default 30\)$/);
  assert.equal(DEFAULT_MEASURE_SETTINGS.traceMaxSamples, 30);
  assert.match(entry('samples'), /at most N samples.*\(default 1024\)$/);
  assert.match(entry('tolerance'), /\(default 1e-4\)$/);
  assert.equal(DEFAULT_MEASURE_SETTINGS.lanczosTolerance, 1e-4);
  assert.match(entry('exact-threshold'), /\(default 400\)$/);
  assert.match(entry('max-parameters'), /\(default 20000000\)$/);
});

test('every analysis option is in --help with the shared default', () => {
  for (const spec of OPTION_SPECS) {
    const line = entry(spec.flag);
    const value = DEFAULTS[spec.key];
    if (spec.kind.type === 'boolean' || value === null) assert.doesNotMatch(line, /\(default [^:]/, spec.flag);
    else {
      const shown = typeof value === 'number' && value > 0 && value < 1e-2 ? value.toExponential() : String(value);
      assert.ok(line.endsWith(`(default ${shown})`), `--${spec.flag}: "${line}" should end with (default ${shown})`);
    }
    assert.equal(FLAG_WORDING(spec.key), `--${spec.flag}`);
  }
});

test('no line of --help is wider than a terminal', () => {
  for (const line of help.split('\n')) assert.ok(line.length <= 110, line);
});
