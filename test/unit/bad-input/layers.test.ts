// A layers model.json whose topology the engine cannot run: an unknown layer class or activation, a
// nested model, another model class, or a layer config with a wrong value. The layer is named.
import { test } from 'node:test';
import { copyFixture, editJson } from '../cli/helpers';
import { assertCleanFailure } from './expect-failure';

interface Topology {
  class_name: string;
  keras_version?: string;
  config: { layers: { class_name: string; config: Record<string, unknown> }[] };
}

async function topologyFails(edit: (topology: Topology) => void, problem: RegExp): Promise<void> {
  const fixture = copyFixture('mlp');
  editJson(fixture.model, (json) => edit(json.modelTopology as Topology));
  await assertCleanFailure(['analyze', fixture.model, '--data', fixture.data], { folder: fixture.folder, file: fixture.model, problem });
}

test('a layer class the engine does not know', () =>
  topologyFails((topology) => {
    topology.config.layers[1].class_name = 'FancyAttention';
  }, /unsupported layer FancyAttention \("dense_Dense2"\): not a layer class Sharpness Lens knows \(a custom layer\?\).*replace it with built-in Keras layers/));

test('a layer the engine refuses, with what to do about it', () =>
  topologyFails((topology) => {
    topology.config.layers[1].class_name = 'TFOpLambda';
  }, /unsupported layer TFOpLambda \("dense_Dense2"\): a TensorFlow function call .* rebuild that part of the model from Keras layers/));

test('models nested deeper than the engine allows', () =>
  topologyFails((topology) => {
    const { layers } = topology.config;
    let inner: (typeof layers)[number] = { class_name: 'Sequential', config: { name: 'block0', layers: layers.slice(1) } };
    for (let depth = 1; depth <= 70; depth++) inner = { class_name: 'Sequential', config: { name: `block${depth}`, layers: [inner] } };
    topology.config.layers = [layers[0], inner];
  }, /models are nested more than 64 deep/));

test('a model class other than Sequential or Functional', () =>
  topologyFails((topology) => {
    topology.class_name = 'MyCustomModel';
  }, /the model class "MyCustomModel" is not supported/));

test('an activation the engine does not know', () =>
  topologyFails((topology) => {
    topology.config.layers[1].config.activation = 'swishy';
  }, /layer "dense_Dense2" uses the activation "swishy", which is not supported/));

test('a layer config value of the wrong type', () =>
  topologyFails((topology) => {
    topology.config.layers[1].config.units = 'six';
  }, /layer "dense_Dense2" \(Dense\): "units" must be a number/));

test('two layers with the same name', () =>
  topologyFails((topology) => {
    topology.config.layers[2].config.name = 'dense_Dense2';
  }, /two layers are named "dense_Dense2"/));

test('hard_sigmoid in a file that does not say which Keras wrote it', () =>
  topologyFails((topology) => {
    delete topology.keras_version;
    topology.config.layers[1].config.activation = 'hard_sigmoid';
  }, /layer "dense_Dense2" uses hard_sigmoid, which Keras 3 .* and Keras 2 \/ tfjs-layers .* define differently/));

test('a ReLU with a negative threshold', () =>
  topologyFails((topology) => {
    topology.config.layers[1] = { class_name: 'ReLU', config: { name: 'relu', threshold: -1 } };
  }, /layer "relu" \(ReLU\): "threshold" must not be negative \(Keras refuses it\), not -1/));

test("LayerNormalization with Keras 3's deprecated rms_scaling", () =>
  topologyFails((topology) => {
    topology.config.layers[1] = { class_name: 'LayerNormalization', config: { name: 'norm', axis: -1, rms_scaling: true } };
  }, /layer "norm" \(LayerNormalization\): rms_scaling: true is not supported/));
