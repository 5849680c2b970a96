// A weights manifest that disagrees with the topology (shape, name, dtype) or is malformed is refused
// before any shard is read.
import { test } from 'node:test';
import { copyFixture, editJson } from '../cli/helpers';
import { assertCleanFailure } from './expect-failure';

interface ManifestWeight {
  name: string;
  shape: number[];
  dtype: string;
}

async function manifestFails(edit: (weights: ManifestWeight[], json: Record<string, unknown>) => void, problem: RegExp): Promise<void> {
  const fixture = copyFixture('mlp');
  editJson(fixture.model, (json) => edit((json.weightsManifest as { weights: ManifestWeight[] }[])[0].weights, json));
  await assertCleanFailure(['analyze', fixture.model, '--data', fixture.data], { folder: fixture.folder, file: fixture.model, problem });
}

test('a manifest shape that disagrees with the topology', () =>
  manifestFails((weights) => {
    weights[0].shape = [6, 8];
  }, /weight "dense_Dense1\/kernel" has shape \[6, 8\] in the manifest, but layer "dense_Dense1" needs \[8, 6\]/));

test('a manifest shape of the right size but the wrong dimensions', () =>
  manifestFails((weights) => {
    weights[1].shape = [2, 3];
  }, /weight "dense_Dense1\/bias" has shape \[2, 3\].*needs \[6\]/));

test('a weight the topology needs is missing from the manifest', () =>
  manifestFails((weights) => {
    weights.splice(5, 1);
  }, /the weights manifest has no "dense_Dense3\/bias"/));

test('a negative dimension in the manifest', () =>
  manifestFails((weights) => {
    weights[2].shape = [6, -5];
  }, /weight "dense_Dense2\/kernel" has an invalid shape \[6,-5\]/));

test('an unsupported weight dtype', () =>
  manifestFails((weights) => {
    weights[0].dtype = 'complex64';
  }, /dtype "complex64"/));

test('an unsupported quantization', () =>
  manifestFails((weights) => {
    Object.assign(weights[0], { quantization: { dtype: 'int4', min: 0, scale: 1 } });
  }, /weight "dense_Dense1\/kernel" has an unsupported quantization .*int4.* \(supported: uint8, uint16, float16\)/));

test('a weightsManifest that is not a list', () =>
  manifestFails((_weights, json) => {
    json.weightsManifest = { paths: ['weights.bin'] };
  }, /"weightsManifest" is not a list/));
