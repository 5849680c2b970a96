/** The panel's HTML: strict CSP (default-src 'none', the script by nonce), the initial state inline for a first paint without a round trip. */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { PanelState } from '../shared/protocol';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function panelHtml(webview: vscode.Webview, extensionUri: vscode.Uri, state: PanelState): string {
  const nonce = randomBytes(16).toString('base64');
  const uri = (...path: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...path)).toString();
  // JSON inside <script> must not be able to close the element.
  const json = JSON.stringify(state).replace(/</g, '\\u003c');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${webview.cspSource} data:; style-src ${webview.cspSource}; font-src ${webview.cspSource}; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${uri('dist', 'codicons', 'codicon.css')}">
<link rel="stylesheet" href="${uri('media', 'panel.css')}">
<title>Sharpness: ${escapeHtml(state.title)}</title>
</head>
<body>
<div id="app"></div>
<script type="application/json" id="initial-state">${json}</script>
<script nonce="${nonce}" src="${uri('dist', 'webview.js')}"></script>
</body>
</html>`;
}
