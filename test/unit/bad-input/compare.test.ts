// `compare` reads every model.json before analysing any, and names the one it cannot use.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeTempDir } from '../data/temp-dir';
import { copyFixture } from '../cli/helpers';
import { assertCleanFailure } from './expect-failure';

test('a broken last model in compare fails before the others are analysed', async () => {
  const parent = makeTempDir();
  const good = copyFixture('mlp', parent);
  const broken = copyFixture('functional', parent);
  writeFileSync(broken.model, '{"modelTopology": ');
  await assertCleanFailure(['compare', good.model, broken.model, '--data', good.data, '--out', join(parent, 'comparison.json')], {
    folder: parent,
    file: broken.model,
    problem: /not valid JSON/,
  });
});
