/**
 * The end-to-end harness: the packaged extension (.vsix) in a real VS Code — code-server, installed by
 * scripts/e2e/install.mjs — driven through Debian's chromium by playwright-core (docs/testing.md,
 * "End-to-end in a real VS Code", says why and how). One Workbench per test file: a fresh
 * user-data-dir, extensions dir, HOME and workspace; page objects for what a user touches (palette,
 * explorer, quick picks, notifications, the sidebar, the status bar, the panel's webview);
 * screenshots of every step under test-artifacts/e2e/.
 *
 * No sleeps: every wait is for a concrete condition, with a timeout sized for a loaded 2-core machine.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { loadChromium, readTools, type BrowserContext, type E2eTools, type FrameLocator, type Locator, type Page } from './playwright.ts';

export const ROOT = resolve(__dirname, '..', '..');
export const ARTIFACTS = join(ROOT, 'test-artifacts', 'e2e');
export const VSIX = join(ROOT, 'sharpness-lens.vsix');

/** Timeouts (ms), generous: a loaded 2-core machine runs the workbench, its extension host and chromium. */
export const T = {
  start: 120_000,
  ui: 30_000,
  analysis: 180_000,
  short: 10_000,
};

// ── small utilities ─────────────────────────────────────────────────────────────────────────────

export function log(message: string): void {
  console.log(`[e2e ${new Date().toISOString().slice(11, 23)}] ${message}`);
}

/** A timer-based wait for the next poll; the only place the harness waits for time itself. */
const tick = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Thrown by a probe to stop waiting at once (a condition that can no longer come true). */
export class WaitAborted extends Error {}

/**
 * Polls `probe` until it returns a value other than undefined/false, or fails with `what` and the
 * last value seen. A probe that throws is retried (the workbench re-renders under it), unless it
 * throws WaitAborted.
 */
export async function waitUntil<R>(
  what: string,
  probe: () => Promise<R | undefined | false> | R | undefined | false,
  timeout = T.ui,
  interval = 100,
): Promise<R> {
  const deadline = Date.now() + timeout;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      last = value;
    } catch (error) {
      if (error instanceof WaitAborted) throw error;
      last = error instanceof Error ? error.message.split('\n')[0] : error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout / 1000} s waiting for ${what} (last: ${JSON.stringify(last)})`);
    await tick(interval);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolveStatus) => {
    const request = get(url, (response) => {
      response.resume();
      resolveStatus(response.statusCode ?? 0);
    });
    request.on('error', () => resolveStatus(0));
    request.setTimeout(2000, () => request.destroy());
  });
}

/** Builds the VSIX the tests install (`npm run package`), unless the caller already did (E2E_SKIP_PACKAGE=1). */
export function packageExtension(): void {
  if (process.env.E2E_SKIP_PACKAGE === '1' && existsSync(VSIX)) return;
  log('npm run package');
  const result = spawnSync('npm', ['run', 'package', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`npm run package exited with ${result.status}`);
}

/** The CLI's JSON report for the same model, data and settings the extension was given. */
export function cliReport(model: string, data: string, settings: { samples: number; seed: number; topK?: number }): CliReport {
  const args = [
    join(ROOT, 'dist', 'cli.js'),
    'analyze',
    model,
    '--data',
    data,
    '--format',
    'json',
    '--quiet',
    '--samples',
    String(settings.samples),
    '--seed',
    String(settings.seed),
    '--threads',
    '1',
  ];
  if (settings.topK !== undefined) args.push('--top-k', String(settings.topK));
  const result = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (result.status !== 0) throw new Error(`sharpness-lens analyze ${model} exited with ${result.status}: ${result.stderr}`);
  return JSON.parse(result.stdout) as CliReport;
}

export interface CliReport {
  model: { layers: { name: string; className: string }[]; frozenParameterCount: number };
  invariant: { sharpness: number };
  euclidean: { topEigenvalues: number[] };
  perLayer: {
    name: string;
    parameterCount: number;
    invariantSharpness: number;
    euclideanSharpness: number;
    invariantTrace: number;
    euclideanTrace: number;
  }[];
}

/** |a − b| ≤ tolerance · max(|a|, |b|) (and exact zeros agree). */
export function relativelyClose(a: number, b: number, tolerance: number): boolean {
  return a === b || Math.abs(a - b) <= tolerance * Math.max(Math.abs(a), Math.abs(b));
}

// ── the workspace ───────────────────────────────────────────────────────────────────────────────

/**
 * A workspace like a user's: the two MNIST examples (+ the shared test set beside them, and a copy of
 * the larger one without data of its own), the small reference MLP, a broken copy of it whose
 * weight shard is truncated, and two models as people have them from the corpus: a Teachable Machine
 * export (nested models) and a Keras 3 model with a frozen base.
 */
export function makeWorkspace(into: string): void {
  const examples = join(ROOT, 'examples');
  for (const name of ['mnist-small-batch', 'mnist-large-batch']) {
    const from = join(examples, name);
    mkdirSync(join(into, name), { recursive: true });
    for (const file of ['model.json', 'weights.bin', 'data.npz']) copyFileSync(join(from, file), join(into, name, file));
  }
  copyFileSync(join(examples, 'mnist-test.npz'), join(into, 'mnist-test.npz'));
  // The larger example without data beside it: analysed with the 2,000-sample test set above it (flow 5).
  mkdirSync(join(into, 'mnist-long'));
  for (const file of ['model.json', 'weights.bin']) copyFileSync(join(examples, 'mnist-large-batch', file), join(into, 'mnist-long', file));
  const mlp = join(ROOT, 'test', 'fixtures', 'reference', 'mlp');
  for (const folder of ['mlp', 'broken']) {
    mkdirSync(join(into, folder), { recursive: true });
    for (const file of ['model.json', 'weights.bin', 'data.npz']) copyFileSync(join(mlp, file), join(into, folder, file));
  }
  const shard = join(into, 'broken', 'weights.bin');
  writeFileSync(shard, readFileSync(shard).subarray(0, 200));
  for (const [folder, corpus] of CORPUS_MODELS) {
    // The model, its shards and its data; not the corpus's own case.json and expected.json.
    cpSync(join(ROOT, 'test', 'fixtures', 'corpus', corpus), join(into, folder), {
      recursive: true,
      filter: (source) => !/(case|expected)\.json$/.test(source),
    });
  }
}

/** Workspace folder ← corpus case (test/fixtures/corpus). */
export const CORPUS_MODELS = [
  ['tm-nested', 'tm-nested'],
  ['frozen-base', 'keras3-frozen-base'],
] as const;

/** Waits until the example models exist (a training run may be regenerating them). */
export async function waitForExamples(): Promise<void> {
  const files = ['mnist-small-batch', 'mnist-large-batch'].flatMap((name) =>
    ['model.json', 'weights.bin', 'data.npz'].map((f) => join(ROOT, 'examples', name, f)),
  );
  files.push(join(ROOT, 'examples', 'mnist-test.npz'));
  await waitUntil('the example models in examples/', () => files.every((f) => existsSync(f)), 300_000, 1000);
}

// ── settings ────────────────────────────────────────────────────────────────────────────────────

export type Settings = Record<string, unknown>;

const QUIET_SETTINGS: Settings = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
  'editor.minimap.enabled': false,
};

// ── the workbench ───────────────────────────────────────────────────────────────────────────────

export interface WorkbenchOptions {
  /** The Sharpness Lens settings for this run (merged over the quiet workbench settings). */
  settings: Settings;
}

export class Workbench {
  readonly scratch: string;
  readonly workspace: string;
  private readonly userDataDir: string;
  private readonly extensionsDir: string;
  private readonly home: string;
  private readonly tools: E2eTools;
  private server: ChildProcess | null = null;
  private unguard: () => void = () => undefined;
  private serverLog = '';
  private context: BrowserContext | null = null;
  private page_: Page | null = null;
  private settingsVersion = 0;
  private readonly settings: Settings;
  readonly consoleErrors: string[] = [];
  port = 0;

  private constructor(options: WorkbenchOptions) {
    this.tools = readTools(ROOT);
    this.scratch = mkdtempSync(join(tmpdir(), 'sharpness-e2e-'));
    this.workspace = join(this.scratch, 'workspace');
    this.userDataDir = join(this.scratch, 'user-data');
    this.extensionsDir = join(this.scratch, 'extensions');
    this.home = join(this.scratch, 'home');
    this.settings = options.settings;
    for (const dir of [
      this.workspace,
      join(this.userDataDir, 'User'),
      this.extensionsDir,
      join(this.home, '.config'),
      join(this.home, '.local', 'share'),
      join(this.home, '.cache'),
    ])
      mkdirSync(dir, { recursive: true });
  }

  get page(): Page {
    if (!this.page_) throw new Error('the workbench is not open');
    return this.page_;
  }

  /** Starts code-server with the packaged extension and opens the workspace in chromium. */
  static async start(options: WorkbenchOptions): Promise<Workbench> {
    const bench = new Workbench(options);
    try {
      makeWorkspace(bench.workspace);
      bench.writeSettings();
      bench.installExtension();
      await bench.startServer();
      await bench.openBrowser();
      return bench;
    } catch (error) {
      await bench.stop();
      throw error;
    }
  }

  /** code-server, chromium and npm see an isolated HOME; nothing of the test runner leaks in. */
  private env(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env))
      if (!/^(npm_|NODE_TEST|NODE_OPTIONS|VSCODE_|ELECTRON_)/i.test(key)) env[key] = value;
    return {
      ...env,
      HOME: this.home,
      XDG_CONFIG_HOME: join(this.home, '.config'),
      XDG_DATA_HOME: join(this.home, '.local', 'share'),
      XDG_CACHE_HOME: join(this.home, '.cache'),
      TMPDIR: this.tools.tmp,
    };
  }

  private writeSettings(): void {
    const settings = { ...QUIET_SETTINGS, ...this.settings, 'window.title': '${rootName} [e2e-0]' };
    writeFileSync(join(this.userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2) + '\n');
  }

  /**
   * Overrides settings for this workspace (.vscode/settings.json; code-server does not notice a
   * changed user settings file, but it watches the workspace) and waits until the workbench has
   * applied them: the window title carries a new tag, and the workbench forwards a configuration
   * change to the extension host in the same step as it re-renders the title, before any command
   * the test sends afterwards. `{}` removes every override.
   */
  async overrideSettings(overrides: Settings): Promise<void> {
    const tag = `e2e-${++this.settingsVersion}`;
    mkdirSync(join(this.workspace, '.vscode'), { recursive: true });
    writeFileSync(
      join(this.workspace, '.vscode', 'settings.json'),
      JSON.stringify({ ...overrides, 'window.title': `\${rootName} [${tag}]` }, null, 2) + '\n',
    );
    await waitUntil(`the settings change (window title with [${tag}])`, async () => (await this.page.title()).includes(`[${tag}]`), T.ui);
  }

  private installExtension(): void {
    log(`installing ${basename(VSIX)} into a fresh extensions dir`);
    const result = spawnSync(
      this.tools.codeServer,
      ['--user-data-dir', this.userDataDir, '--extensions-dir', this.extensionsDir, '--install-extension', VSIX],
      { env: this.env(), encoding: 'utf8', timeout: T.start },
    );
    const out = `${result.stdout}${result.stderr}`;
    if (result.status !== 0 || !/successfully installed/i.test(out))
      throw new Error(`code-server --install-extension failed (${result.status}): ${out}`);
    const installed = readdirSync(this.extensionsDir).filter((d) => d.startsWith('sharpness-lens.'));
    if (installed.length !== 1)
      throw new Error(`expected the extension in ${this.extensionsDir}, found ${readdirSync(this.extensionsDir).join(', ')}`);
  }

  /** Ends code-server's process group if the test process exits or is interrupted without teardown. */
  private guardProcessExit(group: number): () => void {
    const kill = () => {
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const onSignal = (signal: NodeJS.Signals) => {
      kill();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    };
    process.on('exit', kill);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    return () => {
      process.off('exit', kill);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    };
  }

  private async startServer(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      this.port = await freePort();
      const args = [
        '--bind-addr',
        `127.0.0.1:${this.port}`,
        '--auth',
        'none',
        '--user-data-dir',
        this.userDataDir,
        '--extensions-dir',
        this.extensionsDir,
        '--disable-telemetry',
        '--disable-update-check',
        '--disable-workspace-trust',
        '--disable-getting-started-override',
        this.workspace,
      ];
      log(`code-server on port ${this.port}`);
      this.serverLog = '';
      // Its own process group, so teardown ends the server and everything it started (extension host, workers).
      const server = spawn(this.tools.codeServer, args, { env: this.env(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      this.server = server;
      if (server.pid) this.unguard = this.guardProcessExit(server.pid);
      server.stdout!.on('data', (d: Buffer) => (this.serverLog += d.toString()));
      server.stderr!.on('data', (d: Buffer) => (this.serverLog += d.toString()));
      let exited: number | string | null = null;
      server.on('exit', (code, signal) => (exited = code ?? signal));
      try {
        await waitUntil(
          'code-server /healthz',
          async () => {
            if (exited !== null) throw new WaitAborted(`code-server exited (${exited}): ${this.serverLog.slice(-2000)}`);
            return (await httpStatus(`http://127.0.0.1:${this.port}/healthz`)) === 200;
          },
          T.start,
          200,
        );
        return;
      } catch (error) {
        await this.stopServer();
        // Another process may have taken the port between freePort() and the bind: try another one.
        if (attempt < 3 && /EADDRINUSE/.test(this.serverLog)) continue;
        throw error;
      }
    }
  }

  private async openBrowser(): Promise<void> {
    const chromium = loadChromium(this.tools);
    this.context = await chromium.launchPersistentContext(join(this.scratch, 'chromium'), {
      executablePath: this.tools.chromium,
      headless: true,
      viewport: { width: 1400, height: 900 },
      env: this.env(),
      timeout: T.start,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-dev-shm-usage',
      ],
    });
    const page = this.context.pages()[0] ?? (await this.context.newPage());
    this.page_ = page;
    page.setDefaultTimeout(T.ui);
    page.on('console', (m) => {
      // vsda is closed source and absent from open builds: two harmless 404s (docs/testing.md, "How the flows are driven").
      if (m.type() === 'error' && !/vsda/.test(m.text())) this.consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => this.consoleErrors.push(`pageerror: ${e.message}`));
    await page.goto(`http://127.0.0.1:${this.port}/?folder=${encodeURIComponent(this.workspace)}`, {
      waitUntil: 'domcontentloaded',
      timeout: T.start,
    });
    // The workbench is ready when the explorer shows the workspace's folders.
    await this.explorerRow('mnist-small-batch').waitFor({ state: 'visible', timeout: T.start });
    await this.screenshot('00-workbench-ready');
  }

  // ── screenshots ─────────────────────────────────────────────────────────────────────────────

  async screenshot(step: string): Promise<string> {
    mkdirSync(ARTIFACTS, { recursive: true });
    const path = join(ARTIFACTS, `${step}.png`);
    try {
      await this.page.screenshot({ path, timeout: T.short });
    } catch (error) {
      log(`screenshot ${step} failed: ${(error as Error).message}`);
    }
    return path;
  }

  // ── the command palette and quick picks ─────────────────────────────────────────────────────

  readonly quickInput = () => this.page.locator('.quick-input-widget');

  /** Runs a command from the palette by its full label ("Category: Title"). */
  async runCommand(label: string): Promise<void> {
    const input = this.quickInput().locator('input.input');
    // The palette sometimes opens before the workbench takes keyboard focus: retry opening it.
    await waitUntil(
      'the command palette',
      async () => {
        if (!(await input.isVisible())) {
          await this.page.keyboard.press('Escape');
          await this.page.keyboard.press('F1');
        }
        await input.waitFor({ state: 'visible', timeout: 3000 });
        return true;
      },
      T.ui,
    );
    await input.fill(`>${label}`);
    const row = this.quickInput()
      .locator('.quick-input-list .monaco-list-row', { has: this.page.locator('.label-name', { hasText: exactText(label) }) })
      .first();
    await row.waitFor({ state: 'visible' });
    await row.click();
    await this.quickInputClosedOrChanged(label);
  }

  private async quickInputClosedOrChanged(previousLabel: string): Promise<void> {
    await waitUntil(`the palette entry "${previousLabel}" to run`, async () => {
      if (!(await this.quickInput().isVisible())) return true;
      const value = await this.quickInput()
        .locator('input.input')
        .evaluate((e) => (e as HTMLInputElement).value);
      return value !== `>${previousLabel}`;
    });
  }

  /** Waits for a quick pick whose title contains `title`, and returns it. */
  async quickPick(title: string | RegExp): Promise<QuickPick> {
    const widget = this.quickInput();
    await waitUntil(`a quick pick titled ${title}`, async () => {
      if (!(await widget.isVisible())) return false;
      const text = (await widget.locator('.quick-input-title').textContent()) ?? '';
      return typeof title === 'string' ? text.includes(title) : title.test(text);
    });
    return new QuickPick(this.page, widget);
  }

  // ── the explorer ────────────────────────────────────────────────────────────────────────────

  explorerRow(name: string): Locator {
    return this.page
      .locator(
        `.explorer-folders-view .monaco-list-row[aria-label="${name}"], .explorer-folders-view .monaco-list-row[aria-label^="${name},"]`,
      )
      .first();
  }

  /** Collapses every folder in the explorer, so each flow starts from the same tree. */
  async collapseExplorer(): Promise<void> {
    await this.showExplorer();
    await this.runCommand('Collapse Folders in Explorer');
    await waitUntil(
      'the explorer folders collapsed',
      async () => (await this.page.locator('.explorer-folders-view .monaco-list-row[aria-expanded="true"]').count()) === 0,
    );
  }

  async showExplorer(): Promise<void> {
    if (await this.page.locator('.explorer-folders-view').isVisible()) return;
    await this.runCommand('View: Show Explorer');
    await this.page.locator('.explorer-folders-view').waitFor({ state: 'visible' });
  }

  /** The row of `<folder>/<file>` in the explorer, the folder expanded (all others collapsed first). */
  async revealInExplorer(folder: string, file: string): Promise<Locator> {
    await this.collapseExplorer();
    const folderRow = this.explorerRow(folder);
    await folderRow.click();
    await waitUntil(`the explorer folder ${folder} expanded`, async () => (await folderRow.getAttribute('aria-expanded')) === 'true');
    const rows = this.page.locator(
      `.explorer-folders-view .monaco-list-row[aria-label="${file}"], .explorer-folders-view .monaco-list-row[aria-label^="${file},"]`,
    );
    await waitUntil(`exactly one ${file} row`, async () => (await rows.count()) === 1);
    return rows.first();
  }

  /** Right-clicks a row and returns the context menu's items (their labels, as VS Code shows them). */
  async contextMenu(row: Locator): Promise<ContextMenu> {
    const menu = this.page.locator('.context-view .monaco-menu');
    // A right-click that lands while the tree is still re-rendering opens no menu: retry it.
    await waitUntil('the context menu', async () => {
      if (await menu.isVisible()) return true;
      await row.click({ button: 'right' });
      await menu.waitFor({ state: 'visible', timeout: 3000 });
      return true;
    });
    return new ContextMenu(menu);
  }

  // ── editors and the panel's webview ─────────────────────────────────────────────────────────

  /** Closes every editor and waits until no webview iframe is left (the old panel is gone). */
  async closeAllEditors(): Promise<void> {
    await this.page.keyboard.press('Escape');
    await this.runCommand('View: Close All Editors');
    await waitUntil('every webview iframe detached', async () => (await this.page.locator('iframe.webview').count()) === 0, T.ui);
    await waitUntil('no editor tabs', async () => (await this.page.locator('.tabs-container .tab').count()) === 0, T.ui);
  }

  editorTab(title: string | RegExp): Locator {
    return this.page.locator('.tabs-container .tab', { hasText: title });
  }

  /** The panel's document: the webview's two nested iframes (outer host frame → #active-frame). */
  webview(): FrameLocator {
    return this.page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  }

  /** Waits for the panel's document to exist and render (its root has data-testid="sharpness-panel"). */
  async panel(): Promise<Panel> {
    await waitUntil('exactly one webview', async () => (await this.page.locator('iframe.webview.ready').count()) === 1, T.ui);
    const panel = new Panel(this.webview());
    await panel.root.waitFor({ state: 'visible', timeout: T.ui });
    return panel;
  }

  // ── notifications, status bar, sidebar ──────────────────────────────────────────────────────

  notifications(text?: string | RegExp): Locator {
    const toasts = this.page.locator('.notifications-toasts .notification-toast');
    return text === undefined ? toasts : toasts.filter({ hasText: text });
  }

  notificationButton(toast: Locator, label: string): Locator {
    return toast.locator('.notification-list-item-buttons-container .monaco-button', { hasText: exactText(label) });
  }

  statusBarItem(text: string | RegExp): Locator {
    return this.page.locator('.statusbar .statusbar-item', { hasText: text });
  }

  /** Opens the Sharpness view container from the activity bar; returns the Models tree. */
  async openSharpnessView(): Promise<Locator> {
    const icon = this.page.locator('.activitybar .action-item a.action-label[aria-label^="Sharpness"]');
    const tree = this.page.locator('.pane', { has: this.page.locator('.pane-header', { hasText: /Models/i }) }).locator('.monaco-list');
    await waitUntil('the Sharpness view', async () => {
      if (await tree.isVisible()) return true;
      await icon.click();
      await tree.waitFor({ state: 'visible', timeout: 5000 });
      return true;
    });
    return tree;
  }

  // ── processes ───────────────────────────────────────────────────────────────────────────────

  /** The pid of the extension host: the process in code-server's group started with --type=extensionHost. */
  extensionHostPid(): number {
    const group = this.server?.pid;
    if (!group) throw new Error('code-server is not running');
    const hosts: number[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
        if (pgrp !== group) continue;
        if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes('--type=extensionHost')) hosts.push(Number(entry));
      } catch {
        // the process ended while we looked
      }
    }
    if (hosts.length !== 1) throw new Error(`expected one extension host among code-server's processes, found ${hosts.length}`);
    return hosts[0];
  }

  // ── teardown ────────────────────────────────────────────────────────────────────────────────

  /** The server's log, for a failed test's report. */
  serverOutput(): string {
    return this.serverLog;
  }

  /** The extension's output channel ("Sharpness Lens") and the extension host's log, from the user-data-dir. */
  extensionLog(): string {
    const found: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) walk(join(dir, entry.name));
        else if (entry.name === 'Sharpness Lens.log' || entry.name === 'exthost.log') found.push(join(dir, entry.name));
      }
    };
    try {
      walk(join(this.userDataDir, 'logs'));
    } catch {
      return '';
    }
    return found.map((file) => `── ${basename(file)}\n${readFileSync(file, 'utf8').slice(-3000)}`).join('\n');
  }

  private async stopServer(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server?.pid || server.exitCode !== null) return this.unguard();
    const group = server.pid;
    const alive = () => {
      try {
        process.kill(-group, 0);
        return true;
      } catch {
        return false;
      }
    };
    try {
      process.kill(-group, 'SIGTERM');
    } catch {
      return this.unguard();
    }
    try {
      await waitUntil('code-server to exit', () => !alive(), 10_000, 100);
    } catch {
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    this.unguard();
  }

  async stop(): Promise<void> {
    const context = this.context;
    this.context = null;
    this.page_ = null;
    if (context) await Promise.race([context.close().catch(() => undefined), tick(15_000)]);
    await this.stopServer();
    if (process.env.E2E_KEEP_SCRATCH !== '1') rmSync(this.scratch, { recursive: true, force: true });
  }
}

/** Matches an element whose whole text is `text` (labels like "Inspect Model" vs "Inspect Model…"). */
export function exactText(text: string): RegExp {
  return new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
}

export class QuickPick {
  constructor(
    private readonly page: Page,
    readonly widget: Locator,
  ) {}

  rows(): Locator {
    return this.widget.locator('.quick-input-list .monaco-list-row');
  }

  row(label: string): Locator {
    return this.rows().filter({ has: this.page.locator('.label-name', { hasText: exactText(label) }) });
  }

  /** The visible items' labels, in order. */
  async labels(): Promise<string[]> {
    await this.rows().first().waitFor({ state: 'visible' });
    return (await this.rows().locator('.label-name').allInnerTexts()).map((s) => s.trim());
  }

  /** Chooses the item with this label (and, if given, a description containing `description`). */
  async pick(label: string, description?: string): Promise<void> {
    let row = this.row(label);
    if (description !== undefined) row = row.filter({ has: this.page.locator('.label-description', { hasText: description }) });
    await row.first().waitFor({ state: 'visible' });
    await row.first().click();
    await waitUntil(`the quick pick to take "${label}"`, async () => !(await row.first().isVisible()));
  }
}

export class ContextMenu {
  constructor(readonly menu: Locator) {}

  async labels(): Promise<string[]> {
    return (await this.menu.locator('.action-item:not(.disabled) .action-label').allInnerTexts()).map((s) => s.trim()).filter((s) => s);
  }

  async choose(label: string): Promise<void> {
    const item = this.menu.locator('.action-item .action-label', { hasText: exactText(label) }).first();
    // The menu ignores a click that comes too soon after it opened (it only highlights the item): retry.
    await waitUntil(`the context menu item "${label}" to run`, async () => {
      if (!(await this.menu.isVisible())) return true;
      await item.click({ timeout: 5000 });
      await this.menu.waitFor({ state: 'hidden', timeout: 2000 });
      return true;
    });
  }
}

/** The Sharpness panel (inside the webview): tabs, charts, tables. */
export class Panel {
  readonly root: Locator;

  constructor(readonly frame: FrameLocator) {
    this.root = frame.locator('[data-testid="sharpness-panel"]');
  }

  byTestId(id: string): Locator {
    return this.frame.locator(`[data-testid="${id}"]`);
  }

  async selectTab(id: 'summary' | 'per-layer' | 'spectrum' | 'rescaling' | 'compare'): Promise<Locator> {
    const tab = this.byTestId(`tab-${id}`);
    await waitUntil(`the ${id} tab selected`, async () => {
      if ((await tab.getAttribute('aria-selected')) === 'true') return true;
      await tab.click();
      return (await tab.getAttribute('aria-selected')) === 'true';
    });
    return this.byTestId(`panel-${id}`);
  }

  /** Waits for a chart's figure to say it has drawn, then counts its canvas's painted pixels. */
  async chartPixels(id: string, timeout = T.analysis): Promise<ChartPixels> {
    const figure = this.frame.locator(`[data-testid="chart-${id}"][data-rendered="true"]`);
    await figure.waitFor({ state: 'visible', timeout });
    return figure.locator('canvas').evaluate((element) => {
      const canvas = element as unknown as HTMLCanvasElement;
      const { width, height } = canvas;
      const data = canvas.getContext('2d')!.getImageData(0, 0, width, height).data;
      // The chart paints the theme's background first: "painted" means differing from the corner pixel.
      const bg = [data[0], data[1], data[2], data[3]];
      let opaque = 0;
      let foreground = 0;
      const colours = new Map<string, number>();
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3] > 0) opaque++;
        if (Math.abs(data[i] - bg[0]) + Math.abs(data[i + 1] - bg[1]) + Math.abs(data[i + 2] - bg[2]) > 30) {
          foreground++;
          const key = `${data[i] >> 4},${data[i + 1] >> 4},${data[i + 2] >> 4}`;
          colours.set(key, (colours.get(key) ?? 0) + 1);
        }
      }
      // Bars are large areas of one colour: the biggest colour buckets among the foreground.
      const buckets = [...colours.values()].sort((a, b) => b - a);
      return { width, height, opaque, foreground, largestColourAreas: buckets.slice(0, 3) };
    });
  }
}

export interface ChartPixels {
  width: number;
  height: number;
  opaque: number;
  foreground: number;
  largestColourAreas: number[];
}

/** Threads of a process (each worker_threads Worker is one). */
export function threadCount(pid: number): number {
  return readdirSync(`/proc/${pid}/task`).length;
}
