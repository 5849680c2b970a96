/**
 * Writes the generated layer-class sections of docs/layers.md and README.md from the engine's one list
 * of layer classes (src/engine/network/layers/registry.ts): per family, each class with its exact path
 * (`LayerKind.exactPath`) and the corpus and reference cases that use it, then the refused classes with
 * their reasons. Only the text between the markers is generated; the rest of each file is written by hand.
 *
 *     node --import tsx scripts/docs/layer-tables.ts           # rewrite the sections
 *     node --import tsx scripts/docs/layer-tables.ts --check   # exit 1 if one is stale
 *
 * test/unit/engine/layer-docs.test.ts runs the check in-process.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LayerKind } from '../../src/engine/network/layers/kind';
import { LAYER_FAMILIES, REFUSED_LAYER_CLASSES, UNKNOWN_LAYER_CLASS_REASON } from '../../src/engine/network/layers/registry';

export const BEGIN = '<!-- layer-classes:begin -->';
export const END = '<!-- layer-classes:end -->';

const ROOT = join(__dirname, '..', '..');
/** The case folders reference.test.ts checks against PyTorch, in the order the tables list them. */
const CASE_ROOTS = ['reference', 'corpus'] as const;
/** The README's generated lines are wrapped at this width (after the list item's indent), as its hand-written text is. */
const README_WIDTH = 104;

export interface FixtureCase {
  root: (typeof CASE_ROOTS)[number];
  name: string;
  /** Every class_name in its model.json: nested models and wrapped layers included. */
  classes: Set<string>;
}

/** Every class_name anywhere in a parsed model.json. */
export function classNamesIn(json: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(json)) json.forEach((item) => classNamesIn(item, into));
  else if (typeof json === 'object' && json !== null) {
    const record = json as Record<string, unknown>;
    if (typeof record.class_name === 'string') into.add(record.class_name);
    Object.values(record).forEach((value) => classNamesIn(value, into));
  }
  return into;
}

/** The corpus and reference cases under `fixtures`, by name within each root. */
export function fixtureCases(fixtures: string): FixtureCase[] {
  return CASE_ROOTS.flatMap((root) =>
    readdirSync(join(fixtures, root))
      .sort()
      .filter((name) => existsSync(join(fixtures, root, name, 'model.json')))
      .map((name) => ({ root, name, classes: classNamesIn(JSON.parse(readFileSync(join(fixtures, root, name, 'model.json'), 'utf8'))) })),
  );
}

const capitalised = (text: string) => text[0].toUpperCase() + text.slice(1);
const code = (name: string) => `\`${name}\``;
/** A table cell: its text on one line, with the column separator escaped. */
const cell = (text: string) => text.replace(/\|/g, '\\|');

function classCell(kind: LayerKind): string {
  const [first, ...others] = kind.classNames;
  return others.length === 0 ? code(first) : `${code(first)} (also ${others.map(code).join(', ')})`;
}

/** The cases that use a kind, each linked to its model and followed by the kind's classes it uses, unless only the first. */
function casesCell(kind: LayerKind, cases: readonly FixtureCase[]): string {
  const using = cases.filter((c) => kind.classNames.some((name) => c.classes.has(name)));
  if (using.length === 0) return 'none';
  return using
    .map((c) => {
      const link = `[${c.name}](../test/fixtures/${c.root}/${c.name}/model.json)`;
      const names = kind.classNames.filter((name) => c.classes.has(name));
      return names.length === 1 && names[0] === kind.classNames[0] ? link : `${link} (${names.join(', ')})`;
    })
    .join(', ');
}

/** docs/layers.md's generated part: a table per family, then the refused classes and the rule for unknown ones. */
export function layersSection(cases: readonly FixtureCase[]): string {
  const lines: string[] = [];
  for (const family of LAYER_FAMILIES) {
    lines.push(`## ${capitalised(family.name)}`, '', '| class | exact path | cases |', '| --- | --- | --- |');
    for (const kind of family.kinds) lines.push(`| ${classCell(kind)} | ${cell(kind.exactPath)} | ${casesCell(kind, cases)} |`);
    lines.push('');
  }
  lines.push(
    '## Refused classes',
    '',
    'A model that uses one of these is refused before anything is computed, with one line naming each such layer, its',
    'class and the reason below (`unsupported layer <class> ("<layer>"): <reason>`).',
    '',
    '| class | reason, and what to do |',
    '| --- | --- |',
  );
  for (const [name, reason] of Object.entries(REFUSED_LAYER_CLASSES)) lines.push(`| ${code(name)} | ${cell(reason)} |`);
  lines.push(
    '',
    `Any other class (a custom layer, a class of a later Keras) is refused the same way, with the reason “${UNKNOWN_LAYER_CLASS_REASON}”.`,
  );
  return lines.join('\n');
}

/** Words joined into lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** The README's generated paragraphs: the supported classes by family, the refused ones, where the details are. */
export function readmeSection(width = README_WIDTH): string {
  const supported = LAYER_FAMILIES.flatMap((f) => f.kinds.flatMap((k) => k.classNames)).length;
  const families = LAYER_FAMILIES.map((f) => `${f.name}: ${f.kinds.flatMap((k) => k.classNames).join(', ')}`).join('; ');
  const refused = Object.keys(REFUSED_LAYER_CLASSES);
  const paragraphs = [
    `Supported (${supported} classes, aliases included) — ${families}. How each is computed exactly, and the PyTorch-checked cases that use it: [docs/layers.md](docs/layers.md).`,
    `Refused, with what to do (${refused.length} classes; the reasons in [docs/layers.md](docs/layers.md#refused-classes)): ${refused.join(', ')}; any other class (a custom layer) is refused as unknown, in the same one line.`,
  ];
  return paragraphs.map((p) => wrap(p, width).join('\n')).join('\n\n');
}

/**
 * `text` with the lines between its markers replaced by `section`, indented as the begin marker is (a
 * section inside a list item). Throws if the markers are missing, repeated or out of order.
 */
export function replaceSection(text: string, section: string, file: string): string {
  const lines = text.split('\n');
  const begins = lines.flatMap((l, i) => (l.trim() === BEGIN ? [i] : []));
  const ends = lines.flatMap((l, i) => (l.trim() === END ? [i] : []));
  if (begins.length !== 1 || ends.length !== 1 || ends[0] < begins[0])
    throw new Error(`${file}: needs one "${BEGIN}" line followed by one "${END}" line`);
  const indent = /^\s*/.exec(lines[begins[0]])![0];
  const body = section.split('\n').map((l) => (l === '' ? '' : indent + l));
  return [...lines.slice(0, begins[0] + 1), '', ...body, '', ...lines.slice(ends[0])].join('\n');
}

export interface GeneratedFile {
  /** Relative to the repository's root. */
  path: string;
  current: string;
  expected: string;
}

/** Each file with a generated section, as it is and as the generator would write it. */
export function generatedFiles(root = ROOT): GeneratedFile[] {
  const cases = fixtureCases(join(root, 'test', 'fixtures'));
  return [
    { path: 'docs/layers.md', section: layersSection(cases) },
    { path: 'README.md', section: readmeSection() },
  ].map(({ path, section }) => {
    const current = readFileSync(join(root, path), 'utf8');
    return { path, current, expected: replaceSection(current, section, path) };
  });
}

/** The files whose generated section is not what the generator writes. */
export function staleFiles(root = ROOT): string[] {
  return generatedFiles(root)
    .filter((f) => f.current !== f.expected)
    .map((f) => f.path);
}

function main(): void {
  if (process.argv.includes('--check')) {
    const stale = staleFiles();
    if (stale.length > 0) {
      console.error(`stale layer-class sections in ${stale.join(', ')}: run node --import tsx scripts/docs/layer-tables.ts`);
      process.exit(1);
    }
    return;
  }
  for (const file of generatedFiles()) {
    if (file.current === file.expected) continue;
    writeFileSync(join(ROOT, file.path), file.expected);
    console.log(`wrote ${file.path}`);
  }
}

if (require.main === module) main();
