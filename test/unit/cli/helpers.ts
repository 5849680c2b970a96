/**
 * Runs the command-line tool for the tests, and gives them throwaway copies of the reference fixtures
 * to run it on (the originals are never touched). Most tests call the CLI's own main() in this
 * process with its output captured; the contract a shell sees (exit codes, signals, the streams of a
 * real process) is tested on the built dist/cli.js through runBuiltCli and startCli.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../../src/cli';
import { makeTempDir } from '../data/temp-dir';
import { builtBundle } from './built';

const REPO_ROOT = join(__dirname, '..', '..', '..');
const REFERENCE_FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'reference');

/** Long enough for any single run here; a run that reaches it is a hang, which fails the test. */
export const RUN_TIMEOUT_MS = 30_000;

/** What a run printed and its exit code. */
export interface CliOutput {
  status: number;
  stdout: string;
  stderr: string;
}

/** A real process's outcome: it may also have been killed by a signal (then status is null). */
export interface CliResult extends Omit<CliOutput, 'status'> {
  status: number | null;
  signal: NodeJS.Signals | null;
}

/** `sharpness-lens ARGS` through the CLI's main(), in this process: its exit code and what it wrote. */
export async function runCli(args: readonly string[]): Promise<CliOutput> {
  const output = { stdout: '', stderr: '' };
  const status = await main([...args], {
    stdout: { write: (text: string) => (output.stdout += text) },
    stderr: { write: (text: string) => (output.stderr += text) },
  });
  return { status, ...output };
}

/** `sharpness-lens ARGS` as a shell runs it: the built bundle in a child process, stdin closed, output piped. */
export function runBuiltCli(args: readonly string[]): CliResult {
  const run = spawnSync(process.execPath, [builtBundle('cli.js'), ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: RUN_TIMEOUT_MS });
  if (run.error) throw new Error(`sharpness-lens ${args.join(' ')}: ${run.error.message}`);
  return { status: run.status, signal: run.signal, stdout: run.stdout, stderr: run.stderr };
}

/** The built tool running in the background, for tests that signal it mid-run. */
export function startCli(args: readonly string[]): ChildProcess {
  return spawn(process.execPath, [builtBundle('cli.js'), ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface FixtureCopy {
  folder: string;
  model: string;
  /** The fixture's data file (data.npz, data.csv or data.json). */
  data: string;
}

const DATA_FILES = ['data.npz', 'data.csv', 'data.json'];

/** Copies test/fixtures/reference/<name> into `parent` (a fresh temporary folder by default). */
export function copyFixture(name: string, parent = makeTempDir()): FixtureCopy {
  const folder = join(parent, name);
  cpSync(join(REFERENCE_FIXTURES, name), folder, { recursive: true });
  const data = DATA_FILES.map((file) => join(folder, file)).find((path) => existsSync(path));
  if (!data) throw new Error(`fixture ${name} has no data file`);
  return { folder, model: join(folder, 'model.json'), data };
}

/** Rewrites a model.json (or any JSON file) through `edit`. */
export function editJson(path: string, edit: (json: Record<string, unknown>) => void): void {
  const json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  edit(json);
  writeFileSync(path, JSON.stringify(json));
}
