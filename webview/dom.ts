/**
 * Building elements without markup strings: text from a report (layer names, paths, messages) only
 * ever becomes a Text node or an attribute value, never HTML, so nothing in a model file can inject
 * markup or script into the panel. No inline styles either: the panel's CSP forbids them.
 */

export type AttributeValue = string | number | boolean | null | undefined;
export type Child = Node | string | number | null | undefined | false;

/** Attributes by name; `true` sets a boolean attribute, false/null/undefined leave it out. */
export type Attributes = Record<string, AttributeValue>;

function setAttributes(element: Element, attributes: Attributes): void {
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'style' || name.startsWith('on'))
      throw new Error(`el(): "${name}" is not allowed (CSP); use classes and addEventListener`);
    if (value === null || value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
}

function toNodes(children: (Child | Child[])[]): Node[] {
  return children.flat().flatMap((child) => {
    if (child === null || child === undefined || child === false) return [];
    return typeof child === 'string' || typeof child === 'number' ? [document.createTextNode(String(child))] : [child];
  });
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  setAttributes(element, attributes);
  element.append(...toNodes(children));
  return element;
}

/** Replaces an element's children (the panel re-renders a section by replacing its content). */
export function replaceContent(parent: Element, ...children: (Child | Child[])[]): void {
  parent.replaceChildren(...toNodes(children));
}

export function on<E extends HTMLElement, K extends keyof HTMLElementEventMap>(
  element: E,
  type: K,
  listener: (event: HTMLElementEventMap[K]) => void,
): E {
  element.addEventListener(type, listener);
  return element;
}

/** A codicon: decorative, hidden from screen readers (the button or text beside it says what it is). */
export function icon(name: string): HTMLSpanElement {
  return el('span', { class: `codicon codicon-${name}`, 'aria-hidden': 'true' });
}

export function button(label: string, attributes: Attributes, onClick: () => void, iconName?: string): HTMLButtonElement {
  return on(el('button', { type: 'button', ...attributes }, iconName ? icon(iconName) : null, el('span', {}, label)), 'click', onClick);
}

/** Text only screen readers read (e.g. a table caption that the heading above already shows). */
export function srOnly(text: string): HTMLSpanElement {
  return el('span', { class: 'sr-only' }, text);
}

/** A heading-led section of a tab panel. */
export function section(title: string, attributes: Attributes, ...children: (Child | Child[])[]): HTMLElement {
  const id = `${String(attributes['data-testid'] ?? title).replace(/[^a-z0-9-]+/gi, '-')}-heading`;
  return el('section', { ...attributes, 'aria-labelledby': id }, el('h2', { id }, title), ...children);
}

/** A paragraph of secondary text. */
export function note(text: string, attributes: Attributes = {}): HTMLParagraphElement {
  return el('p', { class: 'note', ...attributes }, text);
}

/** A wide table in a focusable, labelled scroll region, so keyboard users can scroll it too. */
export function tableRegion(label: string, table: HTMLTableElement): HTMLDivElement {
  return el('div', { class: 'table-scroll', role: 'region', 'aria-label': label, tabindex: 0 }, table);
}

/**
 * A table with a caption (for screen readers; the section heading shows it), column headers and rows.
 * Columns are numeric (right-aligned) except those listed in `textColumns`.
 */
export function table(
  caption: string,
  headers: string[],
  rows: HTMLTableRowElement[],
  attributes: Attributes = {},
  textColumns: number[] = [0],
): HTMLTableElement {
  return el(
    'table',
    attributes,
    el('caption', { class: 'sr-only' }, caption),
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        headers.map((h, i) => el('th', { scope: 'col', class: textColumns.includes(i) ? null : 'num' }, h)),
      ),
    ),
    el('tbody', {}, rows),
  );
}

/** A numeric cell: the formatted text shown, the full-precision number in data-value. */
export function numberCell(text: string, value: number | null, attributes: Attributes = {}): HTMLTableCellElement {
  return el('td', { class: 'num', 'data-value': value === null ? null : String(value), ...attributes }, text);
}
