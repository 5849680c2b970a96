/**
 * Runs the built command-line tool (dist/cli.js) as a user would, in a child process, and gives the
 * tests throwaway copies of the reference fixtures to run it on (the originals are never touched).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../data/temp-dir';

const REPO_ROOT = join(__dirname, '..', '..', '..');
const CLI = join(REPO_ROOT, 'dist', 'cli.js');
const REFERENCE_FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'reference');

/** Long enough for any single run here; a run that reaches it is a hang, which fails the test. */
const RUN_TIMEOUT_MS = 30_000;

export interface CliResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `npm test` builds first; a bare `node --test` run builds here once instead of skipping. */
function ensureBuilt(): void {
  if (existsSync(CLI)) return;
  const build = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build.mjs')], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`building dist/cli.js failed:\n${build.stderr}`);
}

export function runCli(args: readonly string[]): CliResult {
  ensureBuilt();
  const run = spawnSync(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: RUN_TIMEOUT_MS });
  if (run.error) throw new Error(`sharpness-lens ${args.join(' ')}: ${run.error.message}`);
  return { status: run.status, signal: run.signal, stdout: run.stdout, stderr: run.stderr };
}

/** The tool running in the background, for tests that signal it mid-run. */
export function startCli(args: readonly string[]): ChildProcess {
  ensureBuilt();
  return spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
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
