// docs/layers.md and the README list the layer classes as the registry has them: their generated
// sections (scripts/docs/layer-tables.ts) are what the generator writes now, every layer kind says in
// one line how it is computed exactly, and every supported class is in one kind of one family.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { BEGIN, END, fixtureCases, layersSection, readmeSection, replaceSection, staleFiles } from '../../../scripts/docs/layer-tables';
import { LAYER_FAMILIES, layerKind, REFUSED_LAYER_CLASSES, supportedLayerClasses } from '../../../src/engine/network/layers/registry';

const FIXTURES = join(__dirname, '..', '..', 'fixtures');

test('the generated layer-class sections of docs/layers.md and README.md are up to date', () => {
  const stale = staleFiles();
  assert.deepEqual(
    stale,
    [],
    `${stale.join(' and ')} ${stale.length === 1 ? 'is' : 'are'} stale: the layer classes changed since the tables were written; run node --import tsx scripts/docs/layer-tables.ts and commit the result`,
  );
});

test('every layer kind says in one line how the engine computes it exactly', () => {
  for (const family of LAYER_FAMILIES) {
    for (const kind of family.kinds) {
      const path = kind.exactPath;
      assert.ok(path.trim().length > 10, `${kind.classNames[0]} has no exact path`);
      assert.ok(!/\n/.test(path), `${kind.classNames[0]}'s exact path is one line`);
    }
  }
});

test('every supported class is in exactly one kind of exactly one family', () => {
  const names = supportedLayerClasses();
  assert.deepEqual(
    names.filter((name, i) => names.indexOf(name) !== i),
    [],
    'class names listed twice',
  );
  const familyNames = LAYER_FAMILIES.map((f) => f.name);
  assert.equal(new Set(familyNames).size, familyNames.length, 'family names are distinct');
  const kinds = LAYER_FAMILIES.flatMap((f) => f.kinds);
  assert.equal(new Set(kinds).size, kinds.length, 'no kind is in two families');
  assert.ok(
    LAYER_FAMILIES.every((f) => f.kinds.length > 0),
    'no family is empty',
  );
  // The loader finds each class's kind in its family.
  for (const kind of kinds) for (const name of kind.classNames) assert.equal(layerKind(name), kind, name);
  assert.equal(kinds.flatMap((k) => k.classNames).length, names.length);
});

test('the generated tables name every supported and refused class, with its path, reason and cases', () => {
  const cases = fixtureCases(FIXTURES);
  const docs = layersSection(cases);
  for (const kind of LAYER_FAMILIES.flatMap((f) => f.kinds)) {
    for (const name of kind.classNames) assert.ok(docs.includes(`\`${name}\``), name);
    assert.ok(docs.includes(kind.exactPath), `${kind.classNames[0]}'s exact path`);
  }
  for (const [name, reason] of Object.entries(REFUSED_LAYER_CLASSES)) assert.ok(docs.includes(`| \`${name}\` | ${reason} |`), name);
  // A case is linked under a class its model names, nested or wrapped (the depthwise reference model has a LeakyReLU).
  assert.match(docs, /\| `LeakyReLU` \| [^|]+ \| \[depthwise\]\(\.\.\/test\/fixtures\/reference\/depthwise\/model\.json\) \|/);
  const readme = readmeSection();
  assert.ok(readme.includes(`Supported (${supportedLayerClasses().length} classes`), 'the README counts the supported classes');
  assert.ok(readme.includes(`(${Object.keys(REFUSED_LAYER_CLASSES).length} classes;`), 'the README counts the refused classes');
  for (const name of [...supportedLayerClasses(), ...Object.keys(REFUSED_LAYER_CLASSES)])
    assert.match(readme, new RegExp(`\\b${name}\\b`), name);
});

test('a section is replaced between its markers, at their indent, and missing markers are an error', () => {
  const text = `intro\n  ${BEGIN}\n  old\n  ${END}\nafter\n`;
  const updated = replaceSection(text, 'new line\n\nnext', 'x.md');
  assert.equal(updated, `intro\n  ${BEGIN}\n\n  new line\n\n  next\n\n  ${END}\nafter\n`);
  assert.notEqual(updated, text, 'a stale section differs from the generated one');
  assert.equal(replaceSection(updated, 'new line\n\nnext', 'x.md'), updated, 'a fresh section stays as it is');
  assert.throws(() => replaceSection('no markers', 'x', 'x.md'), /x\.md: needs one/);
  assert.throws(() => replaceSection(`${END}\n${BEGIN}\n`, 'x', 'x.md'), /x\.md: needs one/);
  assert.throws(() => replaceSection(`${BEGIN}\n${END}\n${BEGIN}\n${END}\n`, 'x', 'x.md'), /x\.md: needs one/);
});
