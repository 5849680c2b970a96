// Text from a report (a layer name, a path, an error message) only ever becomes a Text node or an
// attribute value: a layer named like markup shows as that text and creates no element. Runs against
// a minimal document that fails on any use of innerHTML, so nothing can take the markup path.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { el, numberCell, replaceContent, section, table } from '../../../webview/dom.ts';

class FakeText {
  constructor(readonly data: string) {}
}

class FakeElement {
  readonly attributes = new Map<string, string>();
  children: (FakeElement | FakeText)[] = [];
  constructor(readonly tagName: string) {}
  setAttribute(name: string, value: string): void {
    this.attributes.set(name, value);
  }
  append(...nodes: (FakeElement | FakeText)[]): void {
    this.children.push(...nodes);
  }
  replaceChildren(...nodes: (FakeElement | FakeText)[]): void {
    this.children = nodes;
  }
  set innerHTML(_markup: string) {
    throw new Error('innerHTML must not be used');
  }
  get textContent(): string {
    return this.children.map((c) => (c instanceof FakeText ? c.data : c.textContent)).join('');
  }
  /** Every element below this one, depth first. */
  descendants(): FakeElement[] {
    return this.children.flatMap((c) => (c instanceof FakeElement ? [c, ...c.descendants()] : []));
  }
}

before(() => {
  Object.defineProperty(globalThis, 'document', {
    configurable: true,
    value: { createElement: (tag: string) => new FakeElement(tag), createTextNode: (text: string) => new FakeText(text) },
  });
});

const hostile = '<img src=x onerror="alert(1)">dense_1';
const fake = (node: unknown) => node as FakeElement;

test('text children become Text nodes, verbatim, creating no elements', () => {
  const cell = fake(el('th', { scope: 'row' }, hostile));
  assert.equal(cell.children.length, 1);
  assert.ok(cell.children[0] instanceof FakeText);
  assert.equal(cell.textContent, hostile);
  assert.deepEqual(cell.descendants(), []);
});

test('a table of report rows: names as text, numbers with full precision in data-value', () => {
  const row = el('tr', { 'data-layer': hostile }, el('th', { scope: 'row' }, hostile), numberCell('2,080', 2080.0191646272924));
  const t = fake(table('caption', ['Layer', 'λ_max'], [row]));
  const tags = t.descendants().map((e) => e.tagName);
  assert.deepEqual(tags, ['caption', 'thead', 'tr', 'th', 'th', 'tbody', 'tr', 'th', 'td']);
  const [, , , , , , tr, th, td] = t.descendants();
  assert.equal(tr.attributes.get('data-layer'), hostile, 'an attribute value, set as a value');
  assert.equal(th.textContent, hostile);
  assert.equal(td.attributes.get('data-value'), '2080.0191646272924');
  assert.equal(td.attributes.get('class'), 'num');
  assert.equal(fake(numberCell('—', null)).attributes.has('data-value'), false);
});

test('replaceContent and section keep report text as text', () => {
  const target = fake(el('div'));
  replaceContent(target as unknown as Element, hostile, null, false, 3);
  assert.deepEqual(
    target.children.map((c) => (c instanceof FakeText ? c.data : c.tagName)),
    [hostile, '3'],
  );
  const s = fake(section(hostile, { 'data-testid': 'layer-details' }));
  const heading = s.descendants()[0];
  assert.equal(heading.tagName, 'h2');
  assert.equal(heading.textContent, hostile);
  assert.equal(s.attributes.get('aria-labelledby'), heading.attributes.get('id'));
});

test('inline styles and inline handlers are refused (the CSP forbids them); booleans are attributes', () => {
  assert.throws(() => el('div', { style: 'color: red' }), /not allowed/);
  assert.throws(() => el('div', { onclick: 'alert(1)' }), /not allowed/);
  const input = fake(el('input', { disabled: true, hidden: false, value: 0, title: null }));
  assert.equal(input.attributes.get('disabled'), '');
  assert.equal(input.attributes.get('value'), '0');
  assert.equal(input.attributes.has('hidden'), false);
  assert.equal(input.attributes.has('title'), false);
});
