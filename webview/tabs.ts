/**
 * The WAI-ARIA tabs pattern (https://www.w3.org/WAI/ARIA/apg/patterns/tabs/): one tab stop for the
 * tab list, arrow keys move between tabs and select them (the panels are already built, so selecting
 * is instant), Home and End jump to the ends; the selected panel follows in the tab order.
 */
import { el, icon, on } from './dom.ts';

export interface TabDefinition {
  id: string;
  label: string;
  panel: HTMLElement;
}

export type TabStatus = 'running' | 'error' | null;

export class Tabs {
  readonly element: HTMLElement;
  private readonly buttons = new Map<string, HTMLButtonElement>();
  private readonly panels = new Map<string, HTMLElement>();
  private readonly order: string[];
  private selected: string;

  constructor(
    definitions: TabDefinition[],
    initial: string,
    private readonly onSelect: (id: string) => void,
  ) {
    this.order = definitions.map((d) => d.id);
    this.selected = this.order.includes(initial) ? initial : this.order[0];
    const tablist = el('div', { role: 'tablist', 'aria-label': 'Sharpness report', class: 'tablist', 'data-testid': 'tablist' });
    for (const { id, label, panel } of definitions) {
      const tab = el(
        'button',
        {
          type: 'button',
          role: 'tab',
          id: `tab-${id}`,
          'aria-controls': `panel-${id}`,
          'data-testid': `tab-${id}`,
          'data-tab': id,
          class: 'tab',
        },
        el('span', { class: 'tab-label' }, label),
        el('span', { class: 'tab-status' }),
      );
      on(tab, 'click', () => this.select(id, false));
      on(tab, 'keydown', (event) => this.onKey(event, id));
      tablist.append(tab);
      this.buttons.set(id, tab);
      panel.id = `panel-${id}`;
      panel.setAttribute('role', 'tabpanel');
      panel.setAttribute('aria-labelledby', `tab-${id}`);
      panel.setAttribute('tabindex', '0');
      panel.setAttribute('data-testid', `panel-${id}`);
      panel.classList.add('tabpanel');
      this.panels.set(id, panel);
    }
    this.element = el(
      'div',
      { class: 'tabs' },
      tablist,
      definitions.map((d) => d.panel),
    );
    this.apply();
  }

  get current(): string {
    return this.selected;
  }

  select(id: string, focus: boolean): void {
    if (!this.buttons.has(id)) return;
    const changed = id !== this.selected;
    this.selected = id;
    this.apply();
    if (focus) this.buttons.get(id)!.focus();
    if (changed) this.onSelect(id);
  }

  /** A running or failed analysis shows on its tab, so it is noticed from any other tab. */
  setStatus(id: string, status: TabStatus): void {
    const slot = this.buttons.get(id)?.querySelector('.tab-status');
    if (!slot || slot.getAttribute('data-status') === String(status)) return;
    slot.setAttribute('data-status', String(status));
    if (status === 'running') slot.replaceChildren(icon('loading codicon-modifier-spin'), el('span', { class: 'sr-only' }, ' (running)'));
    else if (status === 'error') slot.replaceChildren(icon('error'), el('span', { class: 'sr-only' }, ' (failed)'));
    else slot.replaceChildren();
  }

  private apply(): void {
    for (const [id, tab] of this.buttons) {
      const isSelected = id === this.selected;
      tab.setAttribute('aria-selected', String(isSelected));
      tab.tabIndex = isSelected ? 0 : -1;
      this.panels.get(id)!.hidden = !isSelected;
    }
  }

  private onKey(event: KeyboardEvent, id: string): void {
    const i = this.order.indexOf(id);
    const n = this.order.length;
    const targets: Record<string, number> = { ArrowRight: (i + 1) % n, ArrowLeft: (i - 1 + n) % n, Home: 0, End: n - 1 };
    if (!(event.key in targets)) return;
    const target = targets[event.key];
    event.preventDefault();
    this.select(this.order[target], true);
  }
}
