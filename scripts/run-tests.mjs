// Runs every test file under the given folders (default test/unit) with Node's test runner, TypeScript via tsx.
// Node 20's runner does not expand globs itself, and a shell glob that matches nothing would pass literally.
// Each file runs in its own process, as many at once as the machine has cores (--test-concurrency=N
// overrides it). No test waits on a duration or depends on another file, so the order files run in
// cannot change a result.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

const roots = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const passThrough = process.argv.slice(2).filter((a) => a.startsWith('--'));
function collect(path) {
  if (statSync(path).isFile()) return [path];
  return readdirSync(path, { withFileTypes: true }).flatMap((entry) => {
    const child = join(path, entry.name);
    if (entry.isDirectory()) return collect(child);
    return entry.name.endsWith('.test.ts') ? [child] : [];
  });
}
const files = (roots.length ? roots : ['test/unit']).flatMap(collect).sort();
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const concurrency = passThrough.some((a) => a.startsWith('--test-concurrency=')) ? [] : [`--test-concurrency=${availableParallelism()}`];
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', ...concurrency, ...passThrough, ...files],
  {
    stdio: 'inherit',
  },
);
process.exit(result.status ?? 1);
