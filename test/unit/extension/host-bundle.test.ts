// The extension host never loads TF.js (docs/architecture.md, "Layers of the code"): its bundle is
// built from the extension, the shared code and the engine's pure model.json readers, nothing else.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { builtBundle } from '../cli/built';

/** The engine modules the sidebar reads models with: plain JSON and Node, no tensor code. */
const ENGINE_READERS = ['errors.ts', 'input-file.ts', 'model/manifest.ts', 'model/topology.ts', 'model/weight-names.ts'].map(
  (file) => `../src/engine/${file}`,
);

test('dist/extension.js holds no engine code beyond the model readers, and no package', () => {
  const map = JSON.parse(readFileSync(`${builtBundle('extension.js')}.map`, 'utf8')) as { sources: string[] };
  const foreign = map.sources.filter(
    (source) => !source.startsWith('../src/extension/') && !source.startsWith('../src/shared/') && !ENGINE_READERS.includes(source),
  );
  assert.deepEqual(foreign, []);
  assert.ok(map.sources.includes('../src/extension/model-file.ts'), 'the source map lists the bundle’s sources');
});
