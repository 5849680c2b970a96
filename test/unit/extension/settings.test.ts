// The extension's declared settings (package.json contributes.configuration) are the shared option
// table: one setting per analysis option, with the table's default and a type that accepts exactly
// what the option accepts; what Restricted Mode withholds is the machine's part of the table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULTS, EXTENSION_DEFAULTS, INTERVALS_AUTO_FREE_SECONDS, INTERVALS_AUTO_MAX_SHARE } from '../../../src/shared/defaults';
import { OPTION_SPECS, parseOption } from '../../../src/shared/options';

interface SettingSchema {
  type: string | string[];
  default: unknown;
  enum?: string[];
  enumDescriptions?: string[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  description?: string;
}

const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8'));
const properties: Record<string, SettingSchema> = pkg.contributes.configuration.properties;
const setting = (key: string) => properties[`sharpnessLens.${key}`];

test('every analysis option is a setting whose default is the shared default, and nothing else is declared', () => {
  for (const spec of OPTION_SPECS) {
    assert.ok(setting(spec.key), `sharpnessLens.${spec.key} is declared`);
    assert.deepEqual(setting(spec.key).default, DEFAULTS[spec.key], `sharpnessLens.${spec.key} defaults to ${String(DEFAULTS[spec.key])}`);
    assert.ok(setting(spec.key).description, `sharpnessLens.${spec.key} says what it does`);
  }
  for (const [key, value] of Object.entries(EXTENSION_DEFAULTS)) assert.equal(setting(key).default, value, key);
  assert.deepEqual(
    Object.keys(properties).sort(),
    [...OPTION_SPECS.map((s) => s.key), ...Object.keys(EXTENSION_DEFAULTS)].map((k) => `sharpnessLens.${k}`).sort(),
  );
});

test('each declared schema matches what the option accepts', () => {
  for (const spec of OPTION_SPECS) {
    const schema = setting(spec.key);
    const kind = spec.kind;
    switch (kind.type) {
      case 'integer':
        assert.deepEqual(schema.type, kind.nullable ? ['integer', 'null'] : 'integer', spec.key);
        assert.equal(schema.minimum, kind.min, spec.key);
        assert.equal(schema.maximum, kind.max, spec.key);
        break;
      case 'positive':
        assert.equal(schema.type, 'number', spec.key);
        assert.equal(schema.exclusiveMinimum, 0, spec.key);
        break;
      case 'boolean':
        assert.equal(schema.type, 'boolean', spec.key);
        break;
      case 'choice':
        assert.deepEqual(schema.enum, kind.choices, spec.key);
        break;
      case 'loss':
        // Every value offered parses, and to itself: the settings UI offers the canonical names.
        for (const value of schema.enum!) assert.equal(parseOption('loss', value, false), value);
        assert.equal(schema.enum![0], 'auto');
        break;
      case 'threads':
        assert.deepEqual(schema.type, ['string', 'integer']);
        break;
      case 'labelColumn':
        assert.deepEqual(schema.type, ['integer', 'string', 'null']);
        break;
    }
    // The declared default is a value the option accepts from JSON.
    assert.deepEqual(parseOption(spec.key, schema.default, false), schema.default, spec.key);
  }
});

test('Restricted Mode: supported with limits, and the limits are exactly the machine options', () => {
  const untrusted = pkg.capabilities.untrustedWorkspaces;
  assert.equal(untrusted.supported, 'limited');
  assert.match(untrusted.description, /never runs code from the workspace/);
  assert.deepEqual(
    [...untrusted.restrictedConfigurations].sort(),
    OPTION_SPECS.filter((s) => s.machine)
      .map((s) => `sharpnessLens.${s.key}`)
      .sort(),
  );
});

test('@tensorflow/tfjs-node is an optional peer, so npm ci never builds it', () => {
  assert.equal(pkg.peerDependencies['@tensorflow/tfjs-node'], '4.22.0');
  assert.deepEqual(pkg.peerDependenciesMeta['@tensorflow/tfjs-node'], { optional: true });
  assert.equal(pkg.dependencies['@tensorflow/tfjs-node'], undefined);
  assert.equal(pkg.optionalDependencies, undefined);
  const lock = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package-lock.json'), 'utf8'));
  assert.equal(lock.packages['node_modules/@tensorflow/tfjs-node'], undefined, 'the lock file installs no tfjs-node');
});

test("the intervals setting's description states the 'auto' rule's thresholds", () => {
  const auto = setting('intervals').enumDescriptions?.[0] ?? '';
  assert.ok(auto.includes(`at most ${INTERVALS_AUTO_MAX_SHARE * 100}% of the analysis or at most ${INTERVALS_AUTO_FREE_SECONDS} s`), auto);
});
