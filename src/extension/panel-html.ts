/** The panel's HTML: strict CSP (default-src 'none', the script by nonce), the initial state inline for a first paint without a round trip. Pure: unit tested. */
import { randomBytes } from 'node:crypto';
import type { PanelState } from '../shared/protocol';

export interface PanelResources {
  /** The webview's `cspSource`. */
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  codiconsUri: string;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * A page with one message and nothing else, not even a script or a style (VS Code's own webview styles
 * apply): what the Inspector shows for a file that is not a model.
 */
export function messageHtml(message: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none';">
<title>Sharpness Inspector</title>
</head>
<body>
<p role="alert" data-testid="inspector-message">${escapeHtml(message)}</p>
</body>
</html>`;
}

export function panelHtml(resources: PanelResources, state: PanelState, nonce = randomBytes(16).toString('base64')): string {
  const { cspSource } = resources;
  // JSON inside <script> must not be able to close the element.
  const json = JSON.stringify(state).replace(/</g, '\\u003c');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${cspSource} data:; style-src ${cspSource}; font-src ${cspSource}; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeHtml(resources.codiconsUri)}">
<link rel="stylesheet" href="${escapeHtml(resources.styleUri)}">
<title>Sharpness: ${escapeHtml(state.title)}</title>
</head>
<body>
<div id="app"></div>
<script type="application/json" id="initial-state">${json}</script>
<script nonce="${nonce}" src="${escapeHtml(resources.scriptUri)}"></script>
</body>
</html>`;
}
