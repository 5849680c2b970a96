// Bad usage exits 2 with the problem and a pointer to --help, before anything is read or written;
// an --out that would overwrite an input (the model, a shard, the data) is bad usage too.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { snapshotDir } from '../data/temp-dir';
import { copyFixture, runCli, type FixtureCopy } from './helpers';

const USAGE_LINE = 'run "sharpness-lens --help" for usage';

async function usageFails(args: (fixture: FixtureCopy) => string[], problem: RegExp): Promise<void> {
  const fixture = copyFixture('mlp');
  const before = snapshotDir(fixture.folder);
  const run = await runCli(args(fixture));
  assert.deepEqual(snapshotDir(fixture.folder), before);
  assert.equal(run.status, 2, run.stderr);
  assert.equal(run.stdout, '');
  const [message, usage, end] = run.stderr.split('\n');
  assert.ok(message.startsWith('sharpness-lens: '), message);
  assert.match(message, problem);
  assert.equal(usage, USAGE_LINE);
  assert.equal(end, '');
}

const analyze = (fixture: FixtureCopy, ...rest: string[]) => ['analyze', fixture.model, '--data', fixture.data, ...rest];

test('an unknown option', () => usageFails((f) => analyze(f, '--frobnicate'), /^sharpness-lens: unknown option --frobnicate$/));

test('no command', () => usageFails(() => [], /no command given/));

test('an unknown command', () => usageFails((f) => ['inspect', f.model], /unknown command "inspect"/));

test('analyze without --data', () => usageFails((f) => ['analyze', f.model], /--data is required/));

test('analyze with two models', () =>
  usageFails((f) => ['analyze', f.model, f.model, '--data', f.data], /analyze takes exactly one model\.json/));

test('compare with one model', () => usageFails((f) => ['compare', f.model, '--data', f.data], /compare takes two or more/));

for (const topK of ['0', '2.5', 'five']) {
  test(`--top-k ${topK}`, () =>
    usageFails((f) => analyze(f, '--top-k', topK), new RegExp(`--top-k must be an integer ≥ 1, got "${topK}"`)));
}

test('--top-k=-2', () => usageFails((f) => analyze(f, '--top-k=-2'), /--top-k must be an integer ≥ 1, got "-2"/));

test('--top-k -2, which reads as a missing value', () => usageFails((f) => analyze(f, '--top-k', '-2'), /'--top-k' argument is ambiguous/));

test('an option missing its value', () => usageFails((f) => ['analyze', f.model, '--data'], /'--data <value>' argument missing/));

test('a --format that does not exist', () =>
  usageFails((f) => analyze(f, '--format', 'xml'), /--format must be one of table, markdown, json/));

test('an unknown --loss', () => usageFails((f) => analyze(f, '--loss', 'hinge'), /--loss must be auto/));

test('--rescale with a factor that is not positive', () =>
  usageFails((f) => analyze(f, '--rescale', '2,-1,0.5'), /--rescale takes positive numbers/));

test('--rescale together with --rescale-neurons', () =>
  usageFails((f) => analyze(f, '--rescale', '2,1,0.5', '--rescale-neurons', '3'), /either --rescale or --rescale-neurons/));

test('--horizontal with element normalization', () =>
  usageFails((f) => analyze(f, '--horizontal', '--normalization', 'element'), /--horizontal is defined for --normalization layer/));

test('--out equal to the model', () => usageFails((f) => analyze(f, '--out', f.model), /is one of the input files/));

test('--out equal to the data, spelled differently', () =>
  usageFails((f) => analyze(f, '--out', join(f.folder, '.', 'data.npz')), /is one of the input files/));

test('--out equal to a weight shard of the model', () =>
  usageFails((f) => analyze(f, '--out', join(f.folder, 'weights.bin')), /is one of the input files/));

test('compare with --out equal to one of the models', () =>
  usageFails((f) => ['compare', f.model, f.model, '--data', f.data, '--out', f.model], /is one of the input files/));

test('rescale without --out', () => usageFails((f) => ['rescale', f.model, '--factors', '2,1,0.5'], /rescale needs --out/));

test('rescale with both --factors and --neurons', () =>
  usageFails(
    (f) => ['rescale', f.model, '--factors', '2,1,0.5', '--neurons', '1', '--out', `${f.folder}-copy`],
    /either --factors .* or --neurons/,
  ));
