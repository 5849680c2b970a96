/** The webview's side of VS Code: typed messages to the extension host and the saved state. */
import type { PanelToHost } from '../src/shared/protocol.ts';
import type { SavedState } from './view-model/state.ts';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): unknown;
}

/** Injected by VS Code into every webview; callable once. */
declare function acquireVsCodeApi(): VsCodeApi;

export interface Host {
  post(message: PanelToHost): void;
  savedState(): unknown;
  save(state: SavedState): void;
}

export function connectToHost(): Host {
  const api = acquireVsCodeApi();
  return {
    post: (message) => api.postMessage(message),
    savedState: () => api.getState(),
    save: (state) => {
      api.setState(state);
    },
  };
}

/** The state the host embedded in the page (`<script type="application/json" id="initial-state">`). */
export function embeddedState(): unknown {
  const text = document.getElementById('initial-state')?.textContent;
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
