// Chart colours come from VS Code's variables, with VS Code's own defaults where one is missing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readTheme, themeKind, withAlpha } from '../../../webview/theme.ts';

const style = (vars: Record<string, string>) => ({ getPropertyValue: (name: string) => vars[name] ?? '' });

test('colours, font and size are read from the --vscode-* variables', () => {
  const theme = readTheme(
    style({
      '--vscode-editor-foreground': ' #111111 ',
      '--vscode-charts-blue': '#0000ff',
      '--vscode-panel-border': '#222222',
      '--vscode-font-family': 'Ubuntu',
      '--vscode-font-size': '14px',
      '--vscode-editor-background': '#fafafa',
    }),
    'vscode-light',
  );
  assert.equal(theme.kind, 'light');
  assert.equal(theme.foreground, '#111111');
  assert.equal(theme.series.blue, '#0000ff');
  assert.equal(theme.series.orange, '#d18616', 'VS Code’s default where the variable is missing');
  assert.equal(theme.grid, '#222222');
  assert.equal(theme.background, '#fafafa');
  assert.equal(theme.fontFamily, 'Ubuntu');
  assert.equal(theme.fontSize, 14);
});

test('high contrast uses the contrast border for grid lines', () => {
  const theme = readTheme(style({ '--vscode-contrastBorder': '#6fc3df', '--vscode-panel-border': '#222222' }), 'vscode-high-contrast');
  assert.equal(theme.kind, 'high-contrast');
  assert.equal(theme.grid, '#6fc3df');
  assert.equal(themeKind('vscode-high-contrast-light vscode-high-contrast'), 'high-contrast-light');
  assert.equal(themeKind(''), 'dark');
  assert.equal(readTheme(style({}), 'vscode-dark').fontSize, 13);
});

test('withAlpha handles the colour forms VS Code uses', () => {
  assert.equal(withAlpha('#3794ff', 0.5), 'rgba(55, 148, 255, 0.5)');
  assert.equal(withAlpha('#fff', 0.2), 'rgba(255, 255, 255, 0.2)');
  assert.equal(withAlpha('#80808059', 0.25), 'rgba(128, 128, 128, 0.25)');
  assert.equal(withAlpha('rgba(204, 204, 204, 0.5)', 0.1), 'rgba(204, 204, 204, 0.1)');
  assert.equal(withAlpha('red', 0.1), 'red');
});
