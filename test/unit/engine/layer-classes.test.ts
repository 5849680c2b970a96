// Every layer class a real file may name is either supported, and then proven by at least one model of
// the corpus or the reference fixtures (test/fixtures/{corpus,reference}/*/model.json, which
// reference.test.ts checks against PyTorch), or refused with a reason that says what to do
// (REFUSED_LAYER_CLASSES): the classes tfjs-layers registers, and the Keras-only classes issue 9 names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { loadModel } from '../../../src/engine/model/load-model';
import { MODEL_CLASSES } from '../../../src/engine/model/topology';
import { layerKind, REFUSED_LAYER_CLASSES, supportedLayerClasses } from '../../../src/engine/network/layers/registry';
import { temporaryDirectory } from '../../helpers/model-writer';

const FIXTURES = join(__dirname, '..', '..', 'fixtures');

/** Every class_name in every corpus and reference model, nested models and wrapped layers included. */
function classesInCases(): Set<string> {
  const found = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (typeof value === 'object' && value !== null) {
      const record = value as Record<string, unknown>;
      if (typeof record.class_name === 'string') found.add(record.class_name);
      Object.values(record).forEach(walk);
    }
  };
  for (const root of ['corpus', 'reference']) {
    for (const name of readdirSync(join(FIXTURES, root))) {
      const file = join(FIXTURES, root, name, 'model.json');
      if (existsSync(file)) walk(JSON.parse(readFileSync(file, 'utf8')));
    }
  }
  return found;
}

/** The Layer subclasses tfjs-layers registers for deserialisation (what a model.json may name). */
function tfjsLayerClasses(): string[] {
  const map = tf.serialization.SerializationMap.getMap().classNameMap;
  return Object.entries(map)
    .filter(([, [constructor]]) => constructor.prototype instanceof tfl.layers.Layer)
    .map(([name]) => name)
    .sort();
}

/** The Keras-only layer classes issue 9 lists (tfjs-layers has none of them). */
const KERAS_ONLY_CLASSES = [
  'ZeroPadding1D',
  'Subtract',
  'Normalization',
  'RandomFlip',
  'RandomRotation',
  'RandomZoom',
  'RandomTranslation',
  'RandomContrast',
  'RandomBrightness',
  'RandomCrop',
  'RandomHeight',
  'TensorFlowOpLayer',
  'TFOpLambda',
];

/** Model containers and their input layer: the topology reader handles them, not a layer kind. */
const STRUCTURE_CLASSES = new Set([...MODEL_CLASSES, 'InputLayer']);

interface Verdict {
  unproven: string[];
  unhandled: string[];
}

/** Classes that are supported without a case using them, and classes neither supported nor refused. */
function judge(classes: string[], used: Set<string>): Verdict {
  const unproven: string[] = [];
  const unhandled: string[] = [];
  for (const name of classes) {
    if (STRUCTURE_CLASSES.has(name)) {
      if (!used.has(name)) unproven.push(name);
    } else if (layerKind(name)) {
      if (!used.has(name)) unproven.push(name);
    } else if (!(name in REFUSED_LAYER_CLASSES)) unhandled.push(name);
  }
  return { unproven, unhandled };
}

function assertJudged(what: string, verdict: Verdict): void {
  const lines = [
    verdict.unhandled.length > 0 ? `neither supported nor refused with a reason: ${verdict.unhandled.join(', ')}` : '',
    verdict.unproven.length > 0 ? `supported, but no corpus or reference model uses them: ${verdict.unproven.join(', ')}` : '',
  ].filter(Boolean);
  assert.equal(lines.length, 0, `${what}:\n  ${lines.join('\n  ')}`);
}

test('tfjs-layers registers layer classes, and the walk sees them', () => {
  const classes = tfjsLayerClasses();
  for (const name of ['Dense', 'LSTM', 'Conv2D', 'LayerNormalization', 'Sequential', 'InputLayer']) assert.ok(classes.includes(name), name);
  assert.ok(!classes.includes('Adam') && !classes.includes('GlorotUniform'), 'optimizers and initialisers are not layers');
});

test('every layer class tfjs-layers registers is supported with a case, or refused with a reason', () => {
  assertJudged('tfjs-layers classes', judge(tfjsLayerClasses(), classesInCases()));
});

test('every Keras-only class issue 9 names is supported with a case, or refused with a reason', () => {
  assertJudged('Keras-only classes', judge(KERAS_ONLY_CLASSES, classesInCases()));
});

test('every layer kind the engine supports is used by a corpus or reference model (by one of its class names)', () => {
  const used = classesInCases();
  const kinds = new Map<unknown, string[]>();
  for (const name of supportedLayerClasses()) kinds.set(layerKind(name), [...(kinds.get(layerKind(name)) ?? []), name]);
  const unproven = [...kinds.values()].filter((names) => !names.some((name) => used.has(name))).map((names) => names.join('/'));
  assert.deepEqual(unproven, [], `supported without a case: ${unproven.join(', ')}`);
});

test('a refused class is named in one line with its reason when a model uses it', () => {
  const dir = temporaryDirectory('sharpness-refused-');
  try {
    for (const [className, reason] of Object.entries(REFUSED_LAYER_CLASSES)) {
      assert.equal(layerKind(className), undefined, `${className} is supported and refused`);
      assert.ok(reason.length > 20, `${className} has a reason`);
      const file = join(dir, 'model.json');
      const layer = { class_name: className, config: { name: 'refused', batch_input_shape: [null, 4] } };
      const modelTopology = { class_name: 'Sequential', config: { name: 'model', layers: [layer] }, keras_version: 'tfjs-layers 4.22.0' };
      writeFileSync(file, JSON.stringify({ modelTopology, weightsManifest: [] }));
      assert.throws(
        () => loadModel(file),
        (error: Error) => error.message.includes(`${className} ("refused"): ${reason}`) && !error.message.includes('\n'),
        className,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
