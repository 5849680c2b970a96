// One build for every bundle: the CLI and the engine worker now; the extension and webview join them.
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, readdirSync, chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const nodeBundle = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  // tfjs-backend-cpu marks its entry side-effect free, but importing it is what registers the backend.
  ignoreAnnotations: true,
  // tfjs-node is optional: used when the user has it installed, never bundled.
  external: ['@tensorflow/tfjs-node', 'vscode'],
};

const builds = [
  { ...nodeBundle, entryPoints: { cli: join(root, 'src/cli.ts') }, outdir: join(root, 'dist'), banner: { js: '#!/usr/bin/env node' } },
  { ...nodeBundle, entryPoints: { 'engine-worker': join(root, 'src/engine/parallel/worker.ts') }, outdir: join(root, 'dist') },
];

function copyWasmBinaries() {
  const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  const from = join(wasmDir, 'dist');
  mkdirSync(join(root, 'dist'), { recursive: true });
  for (const file of readdirSync(from)) {
    if (file.endsWith('.wasm')) cpSync(join(from, file), join(root, 'dist', file));
  }
}

copyWasmBinaries();
if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
  chmodSync(join(root, 'dist/cli.js'), 0o755);
}
