// Weight shards that do not match the manifest: missing, truncated, too long, not a file, or a
// manifest that claims far more bytes than the shards hold (refused from file sizes, before any
// allocation).
import { appendFileSync, mkdirSync, rmSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { copyFixture, editJson, type FixtureCopy } from '../cli/helpers';
import { assertCleanFailure } from './expect-failure';

async function analyzeFails(fixture: FixtureCopy, file: string, problem: RegExp): Promise<void> {
  await assertCleanFailure(['analyze', fixture.model, '--data', fixture.data], { folder: fixture.folder, file, problem });
}

test('a missing weight shard', async () => {
  const fixture = copyFixture('mlp');
  rmSync(join(fixture.folder, 'weights.bin'));
  await analyzeFails(fixture, fixture.model, /weight shard "weights\.bin" .*missing/);
});

test('the second of two shards missing', async () => {
  const fixture = copyFixture('functional');
  rmSync(join(fixture.folder, 'group1-shard2of2.bin'));
  await analyzeFails(fixture, fixture.model, /weight shard "group1-shard2of2\.bin" .*missing/);
});

test('a truncated weight shard', async () => {
  const fixture = copyFixture('mlp');
  const shard = join(fixture.folder, 'weights.bin');
  truncateSync(shard, 400);
  await analyzeFails(fixture, shard, /truncated.*needs 428 bytes.*hold 400/);
});

test('an empty weight shard', async () => {
  const fixture = copyFixture('mlp');
  const shard = join(fixture.folder, 'weights.bin');
  truncateSync(shard, 0);
  await analyzeFails(fixture, shard, /truncated.*hold 0/);
});

test('a weight shard longer than the manifest describes', async () => {
  const fixture = copyFixture('mlp');
  const shard = join(fixture.folder, 'weights.bin');
  appendFileSync(shard, Buffer.alloc(16));
  await analyzeFails(fixture, shard, /16 bytes more than the manifest describes/);
});

test('a shard of gigabytes is refused from its size, without reading it', async () => {
  const fixture = copyFixture('mlp');
  const shard = join(fixture.folder, 'weights.bin');
  // Sparse: the file claims 5 GiB but occupies no disk; reading it would take seconds and the memory.
  truncateSync(shard, 5 * 2 ** 30);
  await analyzeFails(fixture, shard, /5368708692 bytes more than the manifest describes/);
});

test('a weight shard that is a folder', async () => {
  const fixture = copyFixture('mlp');
  const shard = join(fixture.folder, 'weights.bin');
  rmSync(shard);
  mkdirSync(shard);
  await analyzeFails(fixture, fixture.model, /weight shard "weights\.bin" is a folder, not a file/);
});

test('a manifest claiming gigabytes the shards do not hold is refused before allocating them', async () => {
  const fixture = copyFixture('mlp');
  editJson(fixture.model, (json) => {
    const [group] = json.weightsManifest as { weights: unknown[] }[];
    group.weights.push({ name: 'unused/huge', shape: [50_000, 50_000], dtype: 'float32' });
  });
  await analyzeFails(fixture, join(fixture.folder, 'weights.bin'), /truncated.*needs 10000000428 bytes.*hold 428/);
});
