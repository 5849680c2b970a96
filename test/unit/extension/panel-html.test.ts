// The panel's page: a strict CSP, the script by nonce, the state inline and inert; and the
// Inspector's page for a file that is not a model, with nothing active at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { messageHtml, panelHtml } from '../../../src/extension/panel-html';
import type { PanelState } from '../../../src/shared/protocol';

const resources = {
  cspSource: 'vscode-webview://abc',
  scriptUri: 'vscode-webview://abc/dist/webview.js',
  styleUri: 'vscode-webview://abc/media/panel.css',
  codiconsUri: 'vscode-webview://abc/dist/codicons/codicon.css',
};
const state: PanelState = {
  modelPath: '/w/model.json',
  title: 'evil </script><script>alert(1)</script>',
  runs: [],
};

test('the CSP allows nothing by default and the one script only by its nonce', () => {
  const html = panelHtml(resources, state, 'NONCE123');
  const csp = /content="(default-src[^"]+)"/.exec(html)![1];
  assert.match(csp, /^default-src 'none';/);
  assert.match(csp, /script-src 'nonce-NONCE123';/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
  assert.match(csp, /style-src vscode-webview:\/\/abc;/);
  const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]);
  assert.deepEqual(scripts, [
    ' type="application/json" id="initial-state"',
    ' nonce="NONCE123" src="vscode-webview://abc/dist/webview.js"',
  ]);
});

test('the initial state is embedded as inert JSON that cannot close its element', () => {
  const html = panelHtml(resources, state, 'n');
  const json = /<script type="application\/json" id="initial-state">([\s\S]*?)<\/script>/.exec(html)![1];
  assert.doesNotMatch(json, /</);
  assert.deepEqual(JSON.parse(json), state);
  assert.match(html, /<title>Sharpness: evil &lt;\/script&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;<\/title>/);
});

test('every page gets a fresh nonce', () => {
  const nonce = (html: string) => /nonce-([^']+)'/.exec(html)![1];
  assert.notEqual(nonce(panelHtml(resources, state)), nonce(panelHtml(resources, state)));
});

test("the Inspector's message page allows nothing and shows the message as text", () => {
  const html = messageHtml('data.json is not a <model> & "more"');
  assert.match(html, /content="default-src 'none';"/);
  assert.doesNotMatch(html, /<script|<style|<link/);
  assert.match(html, /<p role="alert" data-testid="inspector-message">data\.json is not a &lt;model&gt; &amp; &quot;more&quot;<\/p>/);
});
