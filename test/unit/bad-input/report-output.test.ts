// An --out the report cannot be written to is refused before the analysis runs, so a long run does
// not end in a failed write.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { copyFixture } from '../cli/helpers';
import { assertCleanFailure } from './expect-failure';

async function reportFails(out: (folder: string) => string, problem: RegExp): Promise<void> {
  const fixture = copyFixture('mlp');
  const path = out(fixture.folder);
  await assertCleanFailure(['analyze', fixture.model, '--data', fixture.data, '--out', path], {
    folder: fixture.folder,
    file: path,
    problem,
  });
}

test('--out in a folder that does not exist', () =>
  reportFails((folder) => join(folder, 'reports', 'mlp.json'), /the folder .*reports does not exist/));

test('--out naming a folder', () =>
  reportFails((folder) => {
    const reports = join(folder, 'reports');
    mkdirSync(reports);
    return reports;
  }, /is a folder; --out takes the report's file name/));
