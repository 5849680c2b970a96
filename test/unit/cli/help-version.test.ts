// --help and --version answer on stdout with exit code 0, whatever else is on the command line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { version } from '../../../package.json';
import { runBuiltCli, runCli } from './helpers';

// The built CLI: the version is bundled into dist/cli.js at build time.
test('--version prints the package version', () => {
  const run = runBuiltCli(['--version']);
  assert.equal(run.status, 0);
  assert.equal(run.stdout, `${version}\n`);
  assert.equal(run.stderr, '');
});

for (const args of [['--help'], ['-h'], ['help'], ['analyze', '--help']]) {
  test(`${args.join(' ')} prints the usage of every command`, async () => {
    const run = await runCli(args);
    assert.equal(run.status, 0);
    assert.equal(run.stderr, '');
    for (const command of ['analyze', 'compare', 'rescale'])
      assert.match(run.stdout, new RegExp(`^  sharpness-lens ${command} <model\\.json>`, 'm'));
    assert.match(run.stdout, /--data FILE/);
  });
}
