// One build for every bundle: the CLI, the engine's HVP worker, the extension, its analysis worker
// and the panel's webview script. `--watch` rebuilds on change; `--production` minifies.
import * as esbuild from 'esbuild';
import { chmodSync, cpSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const dist = join(root, 'dist');

const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  // tfjs-backend-cpu marks its entry side-effect free, but importing it is what registers the backend.
  ignoreAnnotations: true,
};

const nodeBundle = {
  ...common,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // tfjs-node is optional: used when the user has it installed, never bundled. vscode is the host's.
  external: ['@tensorflow/tfjs-node', 'vscode'],
  outdir: dist,
};

const builds = [
  { ...nodeBundle, entryPoints: { cli: join(root, 'src/cli.ts') }, banner: { js: '#!/usr/bin/env node' } },
  { ...nodeBundle, entryPoints: { 'engine-worker': join(root, 'src/engine/parallel/worker.ts') } },
  { ...nodeBundle, entryPoints: { extension: join(root, 'src/extension/extension.ts') } },
  { ...nodeBundle, entryPoints: { 'analysis-worker': join(root, 'src/extension/analysis-worker.ts') } },
  {
    ...common,
    platform: 'browser',
    format: 'iife',
    target: 'es2020',
    entryPoints: { webview: join(root, 'webview/main.ts') },
    outdir: dist,
  },
];

function copyAssets() {
  mkdirSync(dist, { recursive: true });
  const wasm = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  for (const file of readdirSync(wasm)) if (file.endsWith('.wasm')) cpSync(join(wasm, file), join(dist, file));
  const codicons = join(dirname(require.resolve('@vscode/codicons/package.json')), 'dist');
  mkdirSync(join(dist, 'codicons'), { recursive: true });
  for (const file of ['codicon.css', 'codicon.ttf']) cpSync(join(codicons, file), join(dist, 'codicons', file));
}

copyAssets();
if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
  chmodSync(join(dist, 'cli.js'), 0o755);
}
