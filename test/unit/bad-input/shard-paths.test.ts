// Manifest shard paths must be relative names inside the model's folder: an absolute path, a path
// climbing out with "..", or a symlink pointing outside would let a model.json read any file.
import { mkdirSync, renameSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeTempDir } from '../data/temp-dir';
import { copyFixture, editJson, type FixtureCopy } from '../cli/helpers';
import { assertCleanFailure } from './expect-failure';

const LEAVES_FOLDER = /weight shard path ".*" leaves the model's folder/;
const LINKS_OUT = /weight shard path ".*" leads through a link to .*, outside the model's folder/;

function withShardPath(fixture: FixtureCopy, shardPath: string): void {
  editJson(fixture.model, (json) => {
    const [group] = json.weightsManifest as { paths: string[] }[];
    group.paths = [shardPath];
  });
}

async function analyzeFails(fixture: FixtureCopy, folder: string, problem = LEAVES_FOLDER): Promise<void> {
  await assertCleanFailure(['analyze', fixture.model, '--data', fixture.data], { folder, file: fixture.model, problem });
}

/** The fixture in a subfolder, with its shard moved next to that subfolder (outside the model's folder). */
function shardOutside(): { fixture: FixtureCopy; parent: string; outsideShard: string } {
  const parent = makeTempDir();
  const fixture = copyFixture('mlp', parent);
  const outsideShard = join(parent, 'elsewhere.bin');
  renameSync(join(fixture.folder, 'weights.bin'), outsideShard);
  return { fixture, parent, outsideShard };
}

test('an absolute shard path', async () => {
  const { fixture, parent, outsideShard } = shardOutside();
  withShardPath(fixture, outsideShard);
  await analyzeFails(fixture, parent);
});

test('a shard path climbing out with ..', async () => {
  const { fixture, parent } = shardOutside();
  withShardPath(fixture, '../elsewhere.bin');
  await analyzeFails(fixture, parent);
});

test('a URL as a shard path', async () => {
  const fixture = copyFixture('mlp');
  withShardPath(fixture, 'file:///etc/passwd');
  await analyzeFails(fixture, fixture.folder);
});

test('a shard that is a symlink to a file outside the folder', async () => {
  const { fixture, parent, outsideShard } = shardOutside();
  symlinkSync(outsideShard, join(fixture.folder, 'weights.bin'));
  await analyzeFails(fixture, parent, LINKS_OUT);
});

test('a shard inside a symlinked folder that points outside', async () => {
  const { fixture, parent } = shardOutside();
  const realFolder = join(parent, 'shards');
  mkdirSync(realFolder);
  renameSync(join(parent, 'elsewhere.bin'), join(realFolder, 'weights.bin'));
  symlinkSync(realFolder, join(fixture.folder, 'linked'));
  withShardPath(fixture, 'linked/weights.bin');
  await analyzeFails(fixture, parent, LINKS_OUT);
});
