// The repository documents itself: a clone must be able to follow every citation in it. Every file git
// tracks is checked for mentions of the design notes that were never part of the repository, for
// relative paths up into a "shared" folder that lead out of the repository (or to nothing in it), for
// citations of docs/<name>.md files it does not track, for cited headings (the doc's path, a comma and
// the heading in quotes) and anchors (#heading) that the doc does not have, and for Markdown links to
// files or anchors that do not exist.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { test } from 'node:test';

const ROOT = join(__dirname, '..', '..');
/** "docs/" and "../": the citations in this file's own texts are assembled from parts, so that it cites nothing itself. */
const D = ['docs', ''].join('/');
const UP = ['..', ''].join('/');

/** Notes that lived outside the repository (built from parts, so this file does not cite them itself). */
const OUTSIDE_NOTES = ['DESIGN', 'MEASURES', 'ENGINE-NOTES', 'E2E', 'STYLE'].map((name) => `${name}.md`);
/** Where those notes lived; the project's own src/shared has no docs folder. */
const OUTSIDE_FOLDER = ['shared', 'docs', ''].join('/');

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
function slugs(headings: readonly string[]): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const heading of headings) {
    const base = heading
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    out.add(count === 0 ? base : `${base}-${count}`);
  }
  return out;
}

/** The ATX headings of a Markdown text, outside fenced code, without their #s and inline-code ticks. */
function headingsOf(markdown: string): string[] {
  const headings: string[] = [];
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const match = fenced ? null : /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (match) headings.push(match[1].replace(/`/g, ''));
  }
  return headings;
}

/** A tracked path, or a module specifier that resolves to one (extension omitted, or a folder). */
function resolvesToTracked(path: string, tracked: ReadonlySet<string>): boolean {
  if ([path, `${path}.ts`, `${path}.js`, `${path}.mjs`, `${path}/index.ts`].some((p) => tracked.has(p))) return true;
  for (const file of tracked) if (file.startsWith(`${path}/`)) return true;
  return false;
}

const lineOf = (text: string, index: number) => text.slice(0, index).split('\n').length;

/**
 * Every broken citation in `files` (repository-relative path → text), given the tracked paths, as
 * "path:line: problem". Pure, so the checks themselves are tested below on texts made to fail.
 */
function citationProblems(files: ReadonlyMap<string, string>, tracked: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const headingsCache = new Map<string, { texts: Set<string>; anchors: Set<string> }>();
  const headingsIn = (doc: string) => {
    let found = headingsCache.get(doc);
    if (!found) {
      const texts = headingsOf(files.get(doc) ?? '');
      found = { texts: new Set(texts), anchors: slugs(texts) };
      headingsCache.set(doc, found);
    }
    return found;
  };
  for (const [path, text] of files) {
    const at = (index: number, problem: string) => problems.push(`${path}:${lineOf(text, index)}: ${problem}`);
    for (const name of [...OUTSIDE_NOTES, OUTSIDE_FOLDER]) {
      for (let i = text.indexOf(name); i >= 0; i = text.indexOf(name, i + 1))
        at(i, `mentions ${name}, which is not in the repository (cite docs/*.md instead)`);
    }
    for (const match of text.matchAll(/(?:\.\.\/)+shared(?:\/[\w.@-]+)*/g)) {
      const target = posix.normalize(posix.join(posix.dirname(path), match[0]));
      if (target.startsWith('..') || !resolvesToTracked(target, tracked))
        at(match.index, `"${match[0]}" leads to ${target}, which is not a file in the repository`);
    }
    // docs/<name>.md, then optionally #anchor, or a comma and "Heading" (which may start the next comment line).
    const citation = /(?<![\w./-])docs\/([\w.-]+\.md)(#[\w-]+)?(?:,\s*(?:(?:\*|\/\/|#)\s+)?(?:"([^"\n]+)"|'([^'\n]+)'|“([^”\n]+)”))?/g;
    for (const match of text.matchAll(citation)) {
      const heading = match[3] ?? match[4] ?? match[5];
      const doc = `docs/${match[1]}`;
      if (!tracked.has(doc)) {
        at(match.index, `cites ${doc}, which is not a tracked file`);
        continue;
      }
      const { texts, anchors } = headingsIn(doc);
      if (match[2] && !anchors.has(match[2].slice(1))) at(match.index, `cites ${doc}${match[2]}, which has no such heading`);
      if (heading && !texts.has(heading)) at(match.index, `cites the heading "${heading}" of ${doc}, which has no such heading`);
    }
    if (!path.endsWith('.md')) continue;
    for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const link = match[1];
      if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // https:, mailto:, command: …
      // From the repository's root, a link to docs/<name>.md is a citation, checked above already.
      if (posix.dirname(path) === '.' && /^docs\/[\w.-]+\.md(#|$)/.test(link)) continue;
      const [file, anchor] = link.split('#', 2) as [string, string | undefined];
      const target = file === '' ? path : posix.normalize(posix.join(posix.dirname(path), file));
      if (!tracked.has(target)) {
        at(match.index, `links to ${link}, which is not a tracked file`);
        continue;
      }
      if (anchor !== undefined && target.endsWith('.md') && !headingsIn(target).anchors.has(anchor))
        at(match.index, `links to ${link}, but ${target} has no heading with that anchor`);
    }
  }
  return problems;
}

/** The tracked text files and their contents (binary files and files deleted from the work tree are left out). */
function trackedFiles(): { tracked: Set<string>; texts: Map<string, string> } {
  const tracked = new Set(
    execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 16 << 20 })
      .split('\0')
      .filter((p) => p !== ''),
  );
  const texts = new Map<string, string>();
  for (const path of tracked) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(join(ROOT, path));
    } catch {
      continue;
    }
    if (bytes.subarray(0, 8000).includes(0)) continue;
    texts.set(path, bytes.toString('utf8'));
  }
  return { tracked, texts };
}

test('every citation in the repository points at a file and heading it has', () => {
  const { tracked, texts } = trackedFiles();
  assert.ok(texts.has(`${D}measures.md`) && texts.size > 100, `read ${texts.size} tracked text files`);
  const problems = citationProblems(texts, tracked);
  assert.deepEqual(problems, [], `broken citations:\n  ${problems.join('\n  ')}`);
});

// ── the checks themselves, on texts made to fail ─────────────────────────────────────────────────
const DOC = '# Title\n\n## Rescaling symmetries\n\n```sh\n# not a heading\n```\n\n## Host ⇄ webview\n\n## Notes\n\n## Notes\n';
const TRACKED = new Set([`${D}measures.md`, 'src/shared/protocol.ts', 'src/extension/panel.ts', 'README.md', `${D}panel.png`]);

function problemsOf(path: string, text: string): string[] {
  const files = new Map([[`${D}measures.md`, DOC]]);
  files.set(path, path === `${D}measures.md` ? DOC + text : text);
  return citationProblems(files, TRACKED);
}

test('headings and their anchors as GitHub makes them', () => {
  assert.deepEqual(headingsOf(DOC), ['Title', 'Rescaling symmetries', 'Host ⇄ webview', 'Notes', 'Notes']);
  assert.deepEqual([...slugs(headingsOf(DOC))], ['title', 'rescaling-symmetries', 'host--webview', 'notes', 'notes-1']);
  assert.deepEqual(headingsOf('### What `scripts/e2e/install.mjs` does\n'), ['What scripts/e2e/install.mjs does']);
});

test('good citations pass', () => {
  assert.deepEqual(problemsOf('src/extension/panel.ts', `import type { X } from '${UP}shared/protocol';\n`), []);
  assert.deepEqual(problemsOf('src/a.ts', `// see ${D}measures.md, "Rescaling symmetries", and ${D}measures.md#notes-1\n`), []);
  assert.deepEqual(problemsOf('src/a.ts', `/**\n * (${D}measures.md,\n * "Host ⇄ webview") wraps\n */\n`), []);
  assert.deepEqual(problemsOf('README.md', `[m](${D}measures.md#rescaling-symmetries) ![p](${D}panel.png) [w](https://x.org/a.md)\n`), []);
  assert.deepEqual(problemsOf(`${D}measures.md`, '[up](#rescaling-symmetries)\n'), []);
});

test('each kind of broken citation is reported with its file and line', () => {
  const outside = (name: string) => `${name}.md`;
  assert.deepEqual(problemsOf('src/a.ts', `// one\n// see ${outside('MEASURES')} §1\n`), [
    `src/a.ts:2: mentions ${outside('MEASURES')}, which is not in the repository (cite docs/*.md instead)`,
  ]);
  assert.equal(problemsOf('test/x.ts', `// ${D}${outside('E2E')} says why\n`).length, 2, 'a missing doc under an outside name: both');
  assert.match(problemsOf('README.md', `see ${UP}shared/${'docs'}/X.md\n`).join('\n'), /leads to \.\.\/shared\/docs\/X\.md/);
  assert.match(problemsOf('README.md', `see ${UP}shared/${'docs'}/X.md\n`).join('\n'), /mentions shared\/docs\//);
  assert.match(problemsOf('src/extension/panel.ts', `from '${UP}shared/missing';\n`)[0], /src\/shared\/missing, which is not a file/);
  assert.match(
    problemsOf('src/a.ts', `// ${D}architecture.md\n`)[0],
    /^src\/a\.ts:1: cites docs\/architecture\.md, which is not a tracked file/,
  );
  assert.match(problemsOf('src/a.ts', `// ${D}measures.md, "Rescaling"\n`)[0], /the heading "Rescaling" of docs\/measures\.md/);
  assert.deepEqual(problemsOf('src/a.py', `# ${D}measures.md, 'Rescaling symmetries'; ${D}measures.md, "The panel's notes"\n`), [
    `src/a.py:1: cites the heading "The panel's notes" of ${D}measures.md, which has no such heading`,
  ]);
  assert.match(problemsOf('src/a.ts', `// ${D}measures.md#rescaling\n`)[0], /docs\/measures\.md#rescaling, which has no such heading/);
  assert.deepEqual(problemsOf('README.md', `[m](${D}measures.md#nope)\n`), [
    `README.md:1: cites ${D}measures.md#nope, which has no such heading`,
  ]);
  assert.deepEqual(problemsOf('scripts/README.md', `[m](${UP}${D}measures.md#nope)\n`), [
    `scripts/README.md:1: links to ${UP}${D}measures.md#nope, but ${D}measures.md has no heading with that anchor`,
  ]);
  assert.match(problemsOf('README.md', `![p](${D}missing.png)\n`)[0], /links to docs\/missing\.png, which is not a tracked file/);
  assert.match(
    problemsOf(`${D}measures.md`, '[here](#nowhere)\n')[0],
    /^docs\/measures\.md:\d+: links to #nowhere, but docs\/measures\.md has no heading/,
  );
});
