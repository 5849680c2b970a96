// `rescale --out` must be a new or empty folder outside the model's own: it never overwrites anything,
// and a refused run leaves both the model and the would-be output as they were.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { copyFixture } from '../cli/helpers';
import { assertCleanFailure } from './expect-failure';

async function rescaleRefuses(prepareOut: (parent: string, modelFolder: string) => string, problem: RegExp): Promise<void> {
  const fixture = copyFixture('mlp');
  const parent = dirname(fixture.folder);
  const out = prepareOut(parent, fixture.folder);
  await assertCleanFailure(['rescale', fixture.model, '--factors', '5,4,0.05', '--out', out], { folder: parent, file: out, problem });
}

test('a non-empty --out folder', () =>
  rescaleRefuses((parent) => {
    const out = join(parent, 'previous');
    mkdirSync(out);
    writeFileSync(join(out, 'model.json'), '{}');
    return out;
  }, /exists and is not empty/));

test('an --out that is an existing file', () =>
  rescaleRefuses((parent) => {
    const out = join(parent, 'notes.txt');
    writeFileSync(out, 'keep me');
    return out;
  }, /exists and is not a folder/));

test("the model's own folder as --out", () => rescaleRefuses((_parent, modelFolder) => modelFolder, /the model's own folder/));

test('factors that do not fit the model name the model', async () => {
  const fixture = copyFixture('mlp');
  const parent = dirname(fixture.folder);
  await assertCleanFailure(['rescale', fixture.model, '--factors', '2,0.5', '--out', join(parent, 'out')], {
    folder: parent,
    file: fixture.model,
    problem: /one factor per kernel layer \(3: dense_Dense1, dense_Dense2, dense_Dense3\), got 2/,
  });
});
