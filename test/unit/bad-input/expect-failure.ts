/**
 * The project's standard for bad input: exit code 1, exactly one line on stderr of the form
 * `sharpness-lens: <file>: <problem>`, no stack trace, nothing on stdout, and no file in the inputs'
 * folder modified or created.
 */
import assert from 'node:assert/strict';
import { snapshotDir } from '../data/temp-dir';
import { runCli, type CliOutput, type CliResult } from '../cli/helpers';

export interface ExpectedFailure {
  /** The folder holding every input of the run; it must look exactly the same afterwards. */
  folder: string;
  /** The file the message must name first. */
  file: string;
  problem: RegExp;
}

/**
 * Runs the CLI and checks its failure against the standard: in this process by default, or through
 * `run` (the built CLI in a child process, for the contract a shell sees).
 */
export async function assertCleanFailure(
  args: readonly string[],
  expected: ExpectedFailure,
  run: (args: readonly string[]) => Promise<CliOutput> | CliResult = runCli,
): Promise<void> {
  const before = snapshotDir(expected.folder);
  const result = await run(args);
  assert.deepEqual(snapshotDir(expected.folder), before, 'the run changed or created files among its inputs');
  const killed = 'signal' in result && result.signal ? `killed by ${result.signal}; ` : '';
  assert.equal(result.status, 1, `${killed}exit code ${result.status}; stderr:\n${result.stderr}`);
  assert.equal(result.stdout, '');
  const lines = result.stderr.split('\n');
  assert.equal(lines.length, 2, `expected one line on stderr, got:\n${result.stderr}`);
  assert.equal(lines[1], '', 'stderr must end with a newline');
  const prefix = `sharpness-lens: ${expected.file}: `;
  assert.ok(lines[0].startsWith(prefix), `expected the line to start with "${prefix}", got:\n${lines[0]}`);
  const problem = lines[0].slice(prefix.length);
  assert.match(problem, expected.problem);
  assert.doesNotMatch(problem, /internal error/);
}
