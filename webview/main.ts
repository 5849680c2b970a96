/**
 * The panel's entry point. State comes from the webview's saved state (a reload) or else the JSON the
 * host embedded in the page; the panel renders it, says `ready` (the host queues its messages until
 * then), applies each host message, and saves the state after every change so it survives a reload.
 */
import type { PanelState } from '../src/shared/protocol.ts';
import { ChartRegistry } from './charts.ts';
import { CompareSection } from './compare.ts';
import type { PanelContext, PanelSection } from './context.ts';
import { el, note } from './dom.ts';
import { connectToHost, embeddedState } from './host.ts';
import { PerLayerSection } from './per-layer.ts';
import { RescalingSection } from './rescaling.ts';
import { SpectrumSection } from './spectrum.ts';
import { SummarySection } from './summary.ts';
import { Tabs } from './tabs.ts';
import { Toolbar } from './toolbar.ts';
import { applyHostMessage, INITIAL_VIEW, isHostToPanel, isPanelState, type SavedState, type ViewState } from './view-model/state.ts';

function start(): void {
  const app = document.getElementById('app');
  if (!app) return;
  const host = connectToHost();
  const saved = host.savedState();
  const initial = isPanelState(saved) ? saved : embeddedState();
  if (!isPanelState(initial)) {
    app.replaceChildren(
      note('The panel’s state is missing or unreadable: close the panel and run the analysis again.', {
        'data-testid': 'panel-state-error',
        role: 'alert',
      }),
    );
    host.post({ type: 'ready' });
    return;
  }
  const { view: savedView, ...panelState } = initial as SavedState;
  let state: PanelState = panelState;
  const view: ViewState = { ...INITIAL_VIEW, ...savedView };

  const save = () => host.save({ ...state, view });
  const context: PanelContext = { post: host.post, charts: new ChartRegistry(host.post), view, viewChanged: save };
  const toolbar = new Toolbar(host.post);
  const sections: PanelSection[] = [
    new SummarySection(context),
    new PerLayerSection(context),
    new SpectrumSection(context),
    new RescalingSection(context),
    new CompareSection(context),
  ];
  const tabs = new Tabs(
    sections.map((s) => ({ id: s.id, label: s.label, panel: s.element })),
    view.tab,
    (id) => {
      view.tab = id;
      save();
    },
  );
  app.replaceChildren(el('div', { class: 'panel', 'data-testid': 'sharpness-panel' }, toolbar.element, tabs.element));

  const render = () => {
    toolbar.update(state);
    for (const s of sections) {
      s.update(state);
      tabs.setStatus(s.id, s.status?.(state) ?? null);
    }
    context.charts.prune();
    app.dataset.runs = String(state.runs.length);
  };
  render();
  save();

  // VS Code switches themes by changing body's class (vscode-light / -dark / -high-contrast) and the
  // --vscode-* variables on <html>; one repaint per frame covers both.
  let repaintQueued = false;
  const repaint = () => {
    if (repaintQueued) return;
    repaintQueued = true;
    requestAnimationFrame(() => {
      repaintQueued = false;
      context.charts.repaint();
    });
  };
  new MutationObserver(repaint).observe(document.body, { attributes: true, attributeFilter: ['class'] });
  new MutationObserver(repaint).observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });

  window.addEventListener('message', (event: MessageEvent<unknown>) => {
    const message = event.data;
    if (!isHostToPanel(message)) return;
    if (message.type === 'theme') return repaint();
    state = applyHostMessage(state, message);
    render();
    save();
  });
  host.post({ type: 'ready' });
}

start();
