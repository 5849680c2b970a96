/** What every section of the panel is given, and how it knows when to rebuild. */
import type { PanelState, PanelToHost } from '../src/shared/protocol.ts';
import type { ChartRegistry } from './charts.ts';
import type { ViewState } from './view-model/state.ts';

export interface PanelContext {
  post(message: PanelToHost): void;
  charts: ChartRegistry;
  /** The view (tab, chosen layer, form draft); change it, then call viewChanged so it is saved. */
  view: ViewState;
  viewChanged(): void;
}

/** A tab of the panel: its element (the tab panel) and how it follows the state. */
export interface PanelSection {
  readonly id: string;
  readonly label: string;
  readonly element: HTMLElement;
  update(state: PanelState): void;
  /** Whether this section has a run in progress or failed, for its tab's status mark. */
  status?(state: PanelState): 'running' | 'error' | null;
}

/**
 * Remembers what a part of the view was built from (content keys and flags, see runContentKey), so a
 * message that changes nothing it shows — progress, mostly — leaves it, and its charts, alone.
 */
export class Dependencies {
  private last: readonly unknown[] | null = null;

  changed(next: readonly unknown[]): boolean {
    const same = this.last !== null && this.last.length === next.length && this.last.every((x, i) => x === next[i]);
    this.last = next;
    return !same;
  }
}
