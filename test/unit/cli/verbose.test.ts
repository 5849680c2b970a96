// A failure prints one line; --verbose adds the stack trace after it, for bug reports.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { copyFixture, runCli } from './helpers';

test('--verbose adds the stack trace after the one-line message', async () => {
  const fixture = copyFixture('mlp');
  const missing = join(fixture.folder, 'absent.npz');
  const plain = await runCli(['analyze', fixture.model, '--data', missing]);
  const verbose = await runCli(['analyze', fixture.model, '--data', missing, '--verbose']);
  assert.equal(plain.status, 1);
  assert.equal(verbose.status, 1);
  const [message, ...stack] = verbose.stderr.trimEnd().split('\n');
  assert.equal(`${message}\n`, plain.stderr);
  assert.equal(message, `sharpness-lens: ${missing}: no such file`);
  assert.ok(
    stack.some((line) => /^\s+at /.test(line)),
    verbose.stderr,
  );
});
