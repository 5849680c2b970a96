/**
 * The bundles under dist/, for the tests that run them as they ship. `npm run test:unit` builds first;
 * run bare, such a test fails here with what to do rather than testing a bundle older than its sources
 * (building here instead would race with the test files running concurrently).
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const REPO_ROOT = join(__dirname, '..', '..', '..');
/** What the bundles are built from (scripts/build.mjs). */
const SOURCES = ['src', 'webview', 'package.json', join('scripts', 'build.mjs')];

function newestFile(path: string): { path: string; mtimeMs: number } {
  const stats = statSync(path);
  if (!stats.isDirectory()) return { path, mtimeMs: stats.mtimeMs };
  return readdirSync(path)
    .map((name) => newestFile(join(path, name)))
    .reduce((a, b) => (b.mtimeMs > a.mtimeMs ? b : a), { path, mtimeMs: 0 });
}

let newestSource: { path: string; mtimeMs: number } | undefined;

/** The path of dist/<name>, once it is known to be built from the current sources. */
export function builtBundle(name: string): string {
  const path = join(REPO_ROOT, 'dist', name);
  const built = statSync(path, { throwIfNoEntry: false });
  if (!built) throw new Error(`dist/${name} is missing: run npm run build (npm run test:unit builds first)`);
  newestSource ??= SOURCES.map((source) => newestFile(join(REPO_ROOT, source))).reduce((a, b) => (b.mtimeMs > a.mtimeMs ? b : a));
  if (newestSource.mtimeMs > built.mtimeMs)
    throw new Error(
      `dist/${name} is older than ${relative(REPO_ROOT, newestSource.path)}: run npm run build (npm run test:unit builds first)`,
    );
  return path;
}
