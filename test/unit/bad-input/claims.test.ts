// Memory and time follow the work, not what an input claims: an archive member declaring gigabytes is
// refused from its declared sizes before anything is inflated, a member whose sizes disagree is
// refused, --threads is capped at the cores and --top-k at the model (both said on stderr and in the
// report), and a --top-k the Lanczos method cannot serve on a large model is refused at once.
import assert from 'node:assert/strict';
import type { Problem } from '../../../src/shared/problems';
import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import { deflateRawSync } from 'node:zlib';
import { npyBytes } from '../../../scripts/lib/numpy-files';
import { centralDirectoryOffset, zipBytes } from '../../../scripts/lib/numpy-files';
import { copyFixture, runCli } from '../cli/helpers';
import { analysisFails, mlpFixture, writeData } from './data-input';
import { assertCleanFailure } from './expect-failure';

const GIB = 2 ** 30;
/** Offset of the uncompressed size in a central directory entry. */
const UNCOMPRESSED_SIZE_FIELD = 24;

/** A one-member .npz whose directory declares `declaredSize` for x.npy, whatever its stored data holds. */
function npzDeclaring(contents: Uint8Array, declaredSize: number): Buffer {
  const zip = zipBytes([{ name: 'x.npy', contents, deflate: true }]);
  zip.writeUInt32LE(declaredSize, centralDirectoryOffset(zip) + UNCOMPRESSED_SIZE_FIELD);
  return zip;
}

/** A float32 .npy header for `count` values, followed by only `present` zero values. */
function npyClaiming(count: number, present: number): Buffer {
  return npyBytes('<f4', [count], new Float32Array(present));
}

test('an archive member declaring more than the data budget is refused before inflating', async () => {
  const fixture = mlpFixture();
  // 3 GiB of float32 in the header and the directory alike; 64 KiB of real zeros behind the header.
  const headerLength = npyClaiming(1e9, 0).length;
  const declared = 3 * GIB;
  const npz = npzDeclaring(npyClaiming((declared - headerLength) / 4, 16384), declared);
  assert.ok(npz.length < 4096);
  const data = writeData(fixture, 'bomb.npz', npz);
  await analysisFails(
    fixture,
    ['--data', data],
    data,
    /^array "x": the inflated array would take 3\.0 GiB of memory .*over the 2\.0 GiB budget for analysis data/,
  );
});

test('a member whose .npy header declares more than the directory is refused before inflating', async () => {
  const fixture = mlpFixture();
  const contents = npyClaiming(1_000_000, 1000);
  const npz = npzDeclaring(contents, contents.length);
  const data = writeData(fixture, 'lying.npz', npz);
  await analysisFails(
    fixture,
    ['--data', data],
    data,
    /^array "x": truncated data: shape \(1000000,\) of '<f4' needs 4000000 bytes, found 4000$/,
  );
});

test('a member that inflates past its declared size stops there and is refused', async () => {
  const fixture = mlpFixture();
  const honest = npyClaiming(1000, 1000);
  // The stream holds 1 MiB more than the directory (and the header) say.
  const stream = Buffer.concat([honest, Buffer.alloc(2 ** 20)]);
  const zip = zipBytes([{ name: 'x.npy', contents: stream, deflate: true }]);
  zip.writeUInt32LE(honest.length, centralDirectoryOffset(zip) + UNCOMPRESSED_SIZE_FIELD);
  assert.ok(deflateRawSync(stream).length < 4096);
  const data = writeData(fixture, 'longer.npz', zip);
  await analysisFails(fixture, ['--data', data], data, new RegExp(`inflates to more than the declared ${honest.length} bytes`));
});

async function analyzeWithWarnings(
  args: string[],
): Promise<{ report: { threads: number; warnings: Problem[]; method: string }; stderr: string[] }> {
  const run = await runCli(['analyze', ...args, '--format', 'json']);
  assert.equal(run.status, 0, run.stderr);
  return { report: JSON.parse(run.stdout), stderr: run.stderr.split('\n').filter((line) => line !== '') };
}

test('--threads beyond the cores is capped at them, and the cap is said', async () => {
  const fixture = copyFixture('mlp');
  const { report, stderr } = await analyzeWithWarnings([fixture.model, '--data', fixture.data, '--threads', '1000', '--top-k', '1']);
  const cores = availableParallelism();
  const expected = Math.min(cores, 64);
  assert.equal(report.threads, expected);
  const note = `--threads 1000 was capped at ${expected}: one per available core (${cores})`;
  assert.deepEqual(report.warnings, [
    {
      code: 'capped-option',
      message: `1000 was capped at ${expected}: one per available core (${cores})`,
      option: { name: 'threads', action: 'value' },
    },
  ]);
  assert.deepEqual(stderr, [`sharpness-lens: warning: ${note}`]);
});

test('--top-k beyond the parameter count computes all the eigenvalues there are, and says so', async () => {
  const fixture = copyFixture('mlp');
  const { report, stderr } = await analyzeWithWarnings([fixture.model, '--data', fixture.data, '--top-k', '500', '--no-per-layer']);
  const note = "--top-k 500 is more than the model's 107 parameters, the number of eigenvalues it has: computed all 107";
  assert.deepEqual(stderr, [`sharpness-lens: warning: ${note}`]);
  assert.ok(report.warnings.some((w) => w.code === 'capped-option' && w.option?.name === 'topK'));
  const spectrum = (report as unknown as { euclidean: { topEigenvalues: number[] } }).euclidean.topEigenvalues;
  assert.equal(spectrum.length, 107);
});

test('a --top-k that needs the whole spectrum of a small model gets the dense Hessian', async () => {
  const fixture = copyFixture('mlp');
  const { report, stderr } = await analyzeWithWarnings([
    fixture.model,
    '--data',
    fixture.data,
    '--top-k',
    '50',
    '--exact-threshold',
    '0',
    '--no-per-layer',
  ]);
  const note = '--top-k 50 of 107 eigenvalues takes as many products as the whole Hessian: computed with the dense Hessian';
  assert.deepEqual(stderr, [`sharpness-lens: warning: ${note}`]);
  assert.equal(report.method, 'exact');
});

test('a --top-k beyond what the Lanczos method is asked for on a large model is refused before the work', async () => {
  const fixture = copyFixture('mlp-medium');
  await assertCleanFailure(['analyze', fixture.model, '--data', fixture.data, '--top-k', '101'], {
    folder: fixture.folder,
    file: fixture.model,
    problem:
      /^--top-k 101 is too many eigenvalues for the Lanczos method on a model of 2,058 parameters: ask for at most 100 \(models of up to 2,000 parameters get any number from the dense Hessian\)$/,
  });
});
