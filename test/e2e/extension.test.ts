/**
 * Sharpness Lens in a real VS Code (code-server + chromium; see harness.ts and docs/testing.md, "End-to-end in a real VS Code"):
 * the packaged extension, driven as a user drives it. Each flow starts from closed editors and no
 * notifications, leaves a screenshot per step under test-artifacts/e2e/, and fails with what broke.
 *
 *   npm run test:e2e      (installs the tools, packages the .vsix, runs this file)
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { NEXT_TO_MODEL } from '../../src/extension/data-selection.ts';
import { formatValue } from '../../src/shared/report-format.ts';
import {
  cliReport,
  log,
  packageExtension,
  relativelyClose,
  T,
  threadCount,
  waitForExamples,
  waitUntil,
  Workbench,
  type CliReport,
  type Panel,
} from './harness.ts';
import type { Locator } from './playwright.ts';

/** The analysis settings of the quick flows: few samples, one thread (bit-for-bit the CLI's numbers), a fixed seed. */
const SETTINGS = { samples: 64, seed: 7, threads: 1 };
/** Relative agreement between the panel's numbers and the CLI's. */
const TOLERANCE = 1e-6;
const FLOW_TIMEOUT = 420_000;

let bench: Workbench | undefined;

function workbench(): Workbench {
  if (!bench) throw new Error('the workbench did not start (see the before hook)');
  return bench;
}

/** Runs a flow; on failure keeps a screenshot and prints what the workbench said, then fails with the cause. */
async function flow(name: string, body: (b: Workbench) => Promise<void>): Promise<void> {
  const b = workbench();
  const started = Date.now();
  try {
    await body(b);
    log(`${name}: passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (error) {
    const shot = await b.screenshot(`FAILED-${name}`);
    log(`${name}: FAILED — screenshot ${shot}`);
    if (b.consoleErrors.length) log(`browser console errors:\n  ${b.consoleErrors.slice(-20).join('\n  ')}`);
    log(`code-server log (tail):\n${b.serverOutput().slice(-3000)}`);
    log(`the extension's logs (tails):\n${b.extensionLog()}`);
    throw error;
  }
}

async function perLayerTable(panel: Panel): Promise<{ layer: string; values: Record<string, number> }[]> {
  const rows = panel.byTestId('per-layer-row');
  await rows.first().waitFor({ state: 'attached', timeout: T.analysis });
  return rows.evaluateAll((elements) =>
    elements.map((row) => ({
      layer: row.dataset.layer ?? '',
      values: Object.fromEntries(
        Array.from(row.querySelectorAll<HTMLElement>('td[data-measure]')).map((cell) => [cell.dataset.measure, Number(cell.dataset.value)]),
      ),
    })),
  );
}

/** The per-layer table equals the CLI's report, layer by layer and measure by measure. */
function assertSameNumbers(table: { layer: string; values: Record<string, number> }[], cli: CliReport): void {
  assert.deepEqual(
    table.map((r) => r.layer),
    cli.perLayer.map((l) => l.name),
    'the per-layer table lists the CLI report’s layers, in order',
  );
  for (const [i, row] of table.entries()) {
    const expected = cli.perLayer[i];
    for (const key of ['parameterCount', 'invariantSharpness', 'euclideanSharpness', 'invariantTrace', 'euclideanTrace'] as const) {
      const shown = row.values[key];
      assert.ok(Number.isFinite(shown), `${row.layer} ${key}: the table has no number (data-value ${shown})`);
      assert.ok(
        relativelyClose(shown, expected[key], TOLERANCE),
        `${row.layer} ${key}: panel ${shown} vs CLI ${expected[key]} (relative tolerance ${TOLERANCE})`,
      );
    }
  }
}

/**
 * Answers the data question (asked on a model's first analysis): checks which file is offered first
 * and picks `file`, the one whose description contains `where` (NEXT_TO_MODEL for a file in the model's
 * folder, else its workspace-relative path).
 */
async function answerDataPick(b: Workbench, modelRelative: string, file: string, where: string): Promise<void> {
  const pick = await b.quickPick(`Analysis data for ${modelRelative}`);
  const labels = await pick.labels();
  assert.equal(labels[0], file, `the data file closest to the model comes first (got ${labels.join(', ')})`);
  await b.screenshot(`data-pick-${modelRelative.split('/')[0]}`);
  await pick.pick(file, where);
}

interface TreeRow {
  index: number;
  level: number;
  name: string;
  description: string;
  expanded: string | null;
}

/** The Sharpness tree as shown: rows in display order, with their level, label and description. */
async function treeRows(tree: Locator): Promise<TreeRow[]> {
  const rows = await tree.locator('.monaco-list-row').evaluateAll((elements) =>
    elements.map((r) => ({
      index: Number(r.dataset.index),
      level: Number(r.getAttribute('aria-level')),
      name: r.querySelector('.label-name')?.textContent?.trim() ?? '',
      description: r.querySelector('.label-description')?.textContent?.trim() ?? '',
      expanded: r.getAttribute('aria-expanded'),
    })),
  );
  return rows.sort((a, b) => a.index - b.index);
}

/** A layer row of the tree with its path: the nested-model rows above it, then its own label. */
interface TreeLayer extends TreeRow {
  path: string;
}

/** A model's row, the rows under it, and its layers (the leaves) by path. */
function modelInTree(rows: TreeRow[], model: string): { row: TreeRow; below: TreeRow[]; layers: TreeLayer[] } | undefined {
  const at = rows.findIndex((r) => r.level === 1 && r.name === model);
  if (at < 0) return undefined;
  const below: TreeRow[] = [];
  for (let i = at + 1; i < rows.length && rows[i].level > 1; i++) below.push(rows[i]);
  const scopes: string[] = [];
  const layers: TreeLayer[] = [];
  for (const r of below) {
    scopes.length = r.level - 2;
    if (r.expanded === null) layers.push({ ...r, path: [...scopes, r.name].join('/') });
    else scopes.push(r.name);
  }
  return { row: rows[at], below, layers };
}

/** Expands a model in the Sharpness view and every nested model under it; returns its layers once all are shown. */
async function expandedLayers(tree: Locator, name: string): Promise<TreeLayer[]> {
  const twistie = (index: number) => tree.locator(`.monaco-list-row[data-index="${index}"] .monaco-tl-twistie`);
  return waitUntil(`${name} expanded into its layers`, async () => {
    const model = modelInTree(await treeRows(tree), name);
    if (!model) return false;
    const collapsed = [model.row, ...model.below].find((r) => r.expanded === 'false');
    if (collapsed) {
      await twistie(collapsed.index).click();
      return false;
    }
    return model.layers.length > 0 ? model.layers : false;
  });
}

/** Inspects a workspace model from the palette, answering the data question with the data.npz beside it. */
async function inspectFromPalette(b: Workbench, folder: string): Promise<Panel> {
  await b.runCommand('Sharpness: Inspect Model…');
  await (await b.quickPick('Inspect Model')).pick(`${folder}/model.json`);
  await answerDataPick(b, `${folder}/model.json`, 'data.npz', NEXT_TO_MODEL);
  return b.panel();
}

before(async () => {
  packageExtension();
  await waitForExamples();
  bench = await Workbench.start({
    settings: { 'sharpnessLens.samples': SETTINGS.samples, 'sharpnessLens.seed': SETTINGS.seed, 'sharpnessLens.threads': SETTINGS.threads },
  });
});

after(async () => {
  await bench?.stop();
});

beforeEach(async () => {
  if (!bench) return;
  await bench.page.keyboard.press('Escape');
  await bench.closeAllEditors();
  await bench.runCommand('Notifications: Clear All Notifications');
  await waitUntil('no notification toasts', async () => (await bench!.notifications().count()) === 0);
});

describe('Sharpness Lens in VS Code (code-server)', () => {
  test('(1) explorer → Inspect Model → data pick → per-layer bars and the CLI’s numbers', { timeout: FLOW_TIMEOUT }, () =>
    flow('01-explorer-inspect', async (b) => {
      const row = await b.revealInExplorer('mnist-small-batch', 'model.json');
      const menu = await b.contextMenu(row);
      const labels = await menu.labels();
      log(`explorer context menu: ${labels.join(' | ')}`);
      assert.ok(
        labels.includes('Sharpness: Inspect Model'),
        `the explorer's context menu on model.json offers "Sharpness: Inspect Model" (has: ${labels.join(', ')})`,
      );
      await b.screenshot('01-explorer-context-menu');
      await menu.choose('Sharpness: Inspect Model');

      await answerDataPick(b, 'mnist-small-batch/model.json', 'data.npz', NEXT_TO_MODEL);
      const panel = await b.panel();
      await b.editorTab('Sharpness: mnist-small-batch').waitFor({ state: 'visible' });
      await panel.selectTab('per-layer');
      // The finished report's rows (streamed partial results have "per-layer-row-partial"), then its chart.
      const table = await perLayerTable(panel);
      const cli = cliReport(
        join(b.workspace, 'mnist-small-batch', 'model.json'),
        join(b.workspace, 'mnist-small-batch', 'data.npz'),
        SETTINGS,
      );
      assertSameNumbers(table, cli);
      const pixels = await panel.chartPixels('per-layer');
      log(`per-layer chart: ${JSON.stringify(pixels)}`);
      assert.ok(pixels.width > 100 && pixels.height > 100, `the chart has a real size (${pixels.width}×${pixels.height})`);
      assert.ok(pixels.opaque > 0, 'the chart painted some non-transparent pixels');
      assert.ok(pixels.foreground > 2000, `the chart drew more than its background (${pixels.foreground} foreground pixels)`);
      assert.ok(
        pixels.largestColourAreas.length >= 2 && pixels.largestColourAreas[1] > 300,
        `two colours cover bar-sized areas (${pixels.largestColourAreas})`,
      );
      await panel.byTestId('per-layer-table').scrollIntoViewIfNeeded();
      await b.screenshot('01-per-layer');
    }),
  );

  test('(2) palette → Inspect Model… → pick a model → summary and per-layer numbers equal the CLI’s', { timeout: FLOW_TIMEOUT }, () =>
    flow('02-palette-inspect', async (b) => {
      await b.runCommand('Sharpness: Inspect Model…');
      const models = await b.quickPick('Inspect Model');
      const labels = await models.labels();
      for (const expected of ['broken/model.json', 'mlp/model.json', 'mnist-large-batch/model.json', 'mnist-small-batch/model.json']) {
        assert.ok(labels.includes(expected), `the model quick pick lists ${expected} (has: ${labels.join(', ')})`);
      }
      await b.screenshot('02-model-quick-pick');
      await models.pick('mnist-large-batch/model.json');
      await answerDataPick(b, 'mnist-large-batch/model.json', 'data.npz', NEXT_TO_MODEL);

      const panel = await b.panel();
      const invariant = panel.byTestId('summary-invariant-sharpness');
      await invariant.waitFor({ state: 'visible', timeout: T.analysis });
      const cli = cliReport(
        join(b.workspace, 'mnist-large-batch', 'model.json'),
        join(b.workspace, 'mnist-large-batch', 'data.npz'),
        SETTINGS,
      );
      const shown = Number(await invariant.getAttribute('data-value'));
      assert.ok(relativelyClose(shown, cli.invariant.sharpness, TOLERANCE), `λ_max(DHD): panel ${shown} vs CLI ${cli.invariant.sharpness}`);
      const euclidean = Number(await panel.byTestId('summary-euclidean-sharpness').getAttribute('data-value'));
      assert.ok(
        relativelyClose(euclidean, cli.euclidean.topEigenvalues[0], TOLERANCE),
        `λ_max(H): panel ${euclidean} vs CLI ${cli.euclidean.topEigenvalues[0]}`,
      );
      await b.screenshot('02-summary');

      await panel.selectTab('per-layer');
      assertSameNumbers(await perLayerTable(panel), cli);
      const pixels = await panel.chartPixels('per-layer');
      assert.ok(pixels.foreground > 2000, `the per-layer chart drew bars (${pixels.foreground} foreground pixels)`);
      await b.screenshot('02-per-layer');
    }),
  );

  test(
    '(3) Sharpness view: the models; one inspected from it expands into its layers with its latest invariant sharpness',
    { timeout: FLOW_TIMEOUT },
    () =>
      flow('03-sidebar', async (b) => {
        const tree = await b.openSharpnessView();
        const models = ['broken', 'frozen-base', 'mlp', 'mnist-large-batch', 'mnist-long', 'mnist-small-batch', 'tm-nested'];
        const shown = await waitUntil('the workspace’s models in the Sharpness view', async () => {
          const names = (await treeRows(tree)).filter((r) => r.level === 1).map((r) => r.name);
          return names.length === models.length ? names : false;
        });
        assert.deepEqual(shown, models, 'the models, sorted by path');
        await b.screenshot('03-sidebar-models');

        // Clicking a model inspects it (the tree item's command); the sidebar then shows its numbers.
        await tree.locator('.monaco-list-row[aria-level="1"] .label-name', { hasText: /^mlp$/ }).click();
        await answerDataPick(b, 'mlp/model.json', 'data.npz', NEXT_TO_MODEL);
        const panel = await b.panel();
        await panel.byTestId('summary-invariant-sharpness').waitFor({ state: 'visible', timeout: T.analysis });
        // The model this flow analysed itself: no flow depends on another having run.
        const name = 'mlp';
        const cli = cliReport(join(b.workspace, name, 'model.json'), join(b.workspace, name, 'data.npz'), SETTINGS);
        const expected = `λ_max(DHD) ${formatValue(cli.invariant.sharpness)}`;
        await waitUntil(
          `${name}'s description "${expected}"`,
          async () => modelInTree(await treeRows(tree), name)?.row.description === expected,
        );
        const layers = await expandedLayers(tree, name);
        assert.deepEqual(
          layers.map((l) => l.name),
          cli.model.layers.map((l) => l.name),
          `${name}: one row per layer`,
        );
        for (const layer of cli.perLayer) {
          const className = cli.model.layers.find((l) => l.name === layer.name)?.className;
          const description = layers.find((l) => l.name === layer.name)?.description;
          assert.equal(
            description,
            `${formatValue(layer.invariantSharpness)} · ${className}`,
            `${name}/${layer.name}: the layer's invariant sharpness`,
          );
        }
        await b.screenshot('03-sidebar-layers');
        await b.showExplorer();
      }),
  );

  test('(4) rescaling experiment: invariant λ_max unchanged, Euclidean moved, same function', { timeout: FLOW_TIMEOUT }, () =>
    flow('04-rescaling', async (b) => {
      await b.runCommand('Sharpness: Rescaling Experiment…');
      const models = await b.quickPick('Rescaling Experiment');
      await models.pick('mnist-small-batch/model.json');
      // The data question comes first when flow (1) did not run; the kind of rescaling after it.
      const kinds = await waitUntil('the data or rescaling-kind quick pick', async () => {
        const title = (await b.quickInput().locator('.quick-input-title').textContent()) ?? '';
        if (title.includes('Analysis data for')) {
          await answerDataPick(b, 'mnist-small-batch/model.json', 'data.npz', NEXT_TO_MODEL);
          return false;
        }
        return title.includes('Rescaling Experiment: a function-preserving rescaling')
          ? b.quickPick('Rescaling Experiment: a function-preserving rescaling')
          : false;
      });
      const labels = await kinds.labels();
      assert.ok(labels.includes('Random layer-wise rescaling'), `the kinds offered: ${labels.join(', ')}`);
      await b.screenshot('04-rescaling-kind');
      await kinds.pick('Random layer-wise rescaling');

      const panel = await b.panel();
      await panel.selectTab('rescaling');
      await panel.byTestId('rescaling-results').waitFor({ state: 'visible', timeout: T.analysis });
      const ratio = async (key: string) => {
        const cell = panel.frame.locator(`[data-testid="rescaling-row"][data-key="${key}"] td[data-measure="ratio"]`);
        return { value: Number(await cell.getAttribute('data-value')), change: await cell.getAttribute('data-change') };
      };
      const invariant = await ratio('network:invariant-lambda-max');
      const euclidean = await ratio('network:euclidean-lambda-max');
      const difference = Number(await panel.byTestId('max-output-difference').getAttribute('data-value'));
      log(
        `rescaling: invariant ratio ${invariant.value} (${invariant.change}), Euclidean ratio ${euclidean.value} (${euclidean.change}), max output difference ${difference}`,
      );
      assert.ok(Math.abs(invariant.value - 1) < 1e-3, `invariant λ_max(DHD) after/before = ${invariant.value}, should be ≈ 1`);
      assert.equal(invariant.change, 'unchanged');
      assert.ok(Math.abs(Math.log(euclidean.value)) > Math.log(1.5), `Euclidean λ_max(H) after/before = ${euclidean.value}, should move`);
      assert.ok(difference >= 0 && difference <= 1e-4, `max output difference ${difference} ≤ 1e-4 (float32 rounding)`);
      const pixels = await panel.chartPixels('rescaling-network');
      assert.ok(pixels.foreground > 2000, `the before/after chart drew bars (${pixels.foreground} foreground pixels)`);
      await b.screenshot('04-rescaling-results');
      await panel.byTestId('rescaling-table').scrollIntoViewIfNeeded();
      await b.screenshot('04-rescaling-table');
    }),
  );

  test('(5) cancelling a long analysis ends its worker thread', { timeout: FLOW_TIMEOUT }, () =>
    flow('05-cancel', async (b) => {
      const host = b.extensionHostPid();
      // The larger example on the 2,000-sample test set, every sample, 50 eigenvalues and the spectral
      // density: stages of many HVPs each, so the run is still going when the cancel below comes.
      await b.overrideSettings({ 'sharpnessLens.samples': 2000, 'sharpnessLens.density': true, 'sharpnessLens.topK': 50 });
      try {
        const baseline = threadCount(host);
        log(`extension host ${host}: ${baseline} threads before the analysis`);
        await b.runCommand('Sharpness: Inspect Model…');
        await (await b.quickPick('Inspect Model')).pick('mnist-long/model.json');
        await answerDataPick(b, 'mnist-long/model.json', 'mnist-test.npz', 'mnist-test.npz');

        const status = b.statusBarItem(/Sharpness:/);
        await status.waitFor({ state: 'visible', timeout: T.ui });
        const during = await waitUntil('an analysis worker thread in the extension host', () => {
          const n = threadCount(host);
          return n > baseline ? n : false;
        });
        const progress = b.notifications(/Sharpness: mnist-long/);
        await progress.first().waitFor({ state: 'visible' });
        const panel = await b.panel();
        await panel.byTestId('run-progress').first().waitFor({ state: 'visible' });
        // Cancel once the panel shows the run past its loss and gradient, in the curvature stages: what
        // the analysis reports, not an assumed duration, says it is under way.
        const stage = await waitUntil(
          'the panel to show a curvature stage',
          async () => {
            const text = (await panel.byTestId('run-progress').first().locator('.progress-stage').textContent()) ?? '';
            const at = /Stage (\d+) of \d+: /.exec(text);
            return at && Number(at[1]) >= 2 ? text : false;
          },
          T.analysis,
        );
        log(`running: ${during} threads; panel "${stage}"; status bar "${(await status.innerText()).trim()}"`);
        await b.screenshot('05-running');

        await progress.first().hover();
        await b.notificationButton(progress.first(), 'Cancel').click();
        await status.waitFor({ state: 'hidden', timeout: T.ui });
        assert.equal(
          await panel.byTestId('summary-invariant-sharpness').count(),
          0,
          'the analysis finished before it was cancelled: make it longer',
        );
        await waitUntil('the panel to report the cancellation', async () =>
          /cancelled/i.test(await panel.byTestId('run-cancelled').first().innerText()),
        );
        assert.equal(await panel.byTestId('run-error').first().isVisible(), false, 'a cancellation is not shown as an error');
        const after = await waitUntil(
          `the extension host back to ${baseline} threads`,
          () => {
            const n = threadCount(host);
            return n <= baseline ? n : false;
          },
          T.ui,
        );
        log(`cancelled: ${after} threads (was ${baseline} before, ${during} during)`);
        assert.equal(await progress.count(), 0, 'the progress notification is gone');
        assert.equal(await b.notifications(/Sharpness Lens:/).count(), 0, 'a cancellation is not reported as an error');
        await b.screenshot('05-cancelled');
      } finally {
        await b.overrideSettings({});
      }
    }),
  );

  test('(6) a broken model: one error notification naming the file, with an action to show it', { timeout: FLOW_TIMEOUT }, () =>
    flow('06-broken-model', async (b) => {
      const row = await b.revealInExplorer('broken', 'model.json');
      await (await b.contextMenu(row)).choose('Sharpness: Inspect Model');
      await answerDataPick(b, 'broken/model.json', 'data.npz', NEXT_TO_MODEL);

      const errors = b.notifications(/Sharpness Lens:/);
      await errors.first().waitFor({ state: 'visible', timeout: T.analysis });
      const shard = join(b.workspace, 'broken', 'weights.bin');
      const text = (await errors.first().locator('.notification-list-item-message').innerText()).trim();
      log(`error notification: ${text}`);
      assert.ok(text.startsWith('Sharpness Lens: '), text);
      assert.ok(text.includes(shard), `the notification names the file ${shard}: ${text}`);
      assert.match(text, /truncated/i);
      assert.equal(await errors.count(), 1, 'exactly one error notification');
      await errors.first().hover();
      const buttons = (await errors.first().locator('.notification-list-item-buttons-container .monaco-button').allInnerTexts()).map((s) =>
        s.trim(),
      );
      // The shard is binary: the action reveals it in the explorer rather than opening it as text.
      assert.deepEqual(buttons, ['Reveal File', 'Show Log']);
      const panel = await b.panel();
      await waitUntil('the panel to show the error', async () =>
        ((await panel.byTestId('run-error').first().innerText()) ?? '').includes('truncated'),
      );
      await b.screenshot('06-error-notification');

      await b.notificationButton(errors.first(), 'Reveal File').click();
      const selected = b.page.locator('.explorer-folders-view .monaco-list-row[aria-selected="true"][aria-label^="weights.bin"]');
      await waitUntil('weights.bin selected in the explorer', async () => (await selected.count()) === 1);
      await waitUntil('the error notification dismissed', async () => (await errors.count()) === 0);
      await b.screenshot('06-reveal-file');
    }),
  );
  test(
    '(7) a Teachable Machine export: nested layers by their path in the table, the details and the sidebar',
    { timeout: FLOW_TIMEOUT },
    () =>
      flow('07-nested-model', async (b) => {
        const panel = await inspectFromPalette(b, 'tm-nested');
        await panel.selectTab('per-layer');
        const table = await perLayerTable(panel);
        const cli = cliReport(join(b.workspace, 'tm-nested', 'model.json'), join(b.workspace, 'tm-nested', 'data.npz'), SETTINGS);
        assertSameNumbers(table, cli);
        assert.ok(
          table.every((r) => /^sequential_[13]\//.test(r.layer)),
          `every layer named by its nested path: ${table.map((r) => r.layer).join(', ')}`,
        );
        const chart = panel.byTestId('chart-per-layer');
        const description = (await chart.locator('canvas').getAttribute('aria-label')) ?? '';
        assert.ok(
          description.includes('sequential_1/model2/expanded_conv_depthwise_BN'),
          `the chart's description has full paths: ${description}`,
        );
        const pixels = await panel.chartPixels('per-layer');
        assert.ok(pixels.foreground > 2000, `the per-layer chart drew bars (${pixels.foreground} foreground pixels)`);
        await b.screenshot('07-nested-per-layer');

        const bn = 'sequential_1/model2/bn_Conv1';
        await panel.frame.locator(`[data-testid="select-layer"][data-layer="${bn}"]`).click();
        const details = panel.frame.locator(`[data-testid="layer-details"][data-layer="${bn}"]`);
        await details.waitFor({ state: 'visible', timeout: T.ui });
        const weights = await details
          .locator('[data-testid="layer-weights"] tbody tr')
          .evaluateAll((rows) => rows.map((row) => Array.from(row.children).map((cell) => cell.textContent?.trim() ?? '')));
        log(`${bn} weights: ${JSON.stringify(weights)}`);
        assert.deepEqual(
          weights.map(([label, , status]) => [label, status]),
          [
            ['gamma', 'trainable'],
            ['beta', 'trainable'],
            ['moving_mean', 'statistic, not a parameter'],
            ['moving_variance', 'statistic, not a parameter'],
          ],
        );
        await details.scrollIntoViewIfNeeded();
        await b.screenshot('07-nested-layer-details');

        const tree = await b.openSharpnessView();
        const layers = await expandedLayers(tree, 'tm-nested');
        assert.deepEqual(
          layers.map((l) => l.path),
          cli.model.layers.map((l) => l.name),
          'the sidebar holds each layer under its nested models, at the path the report gives it',
        );
        const top = modelInTree(await treeRows(tree), 'tm-nested')!.below.filter((r) => r.level === 2);
        assert.deepEqual(
          top.map((r) => [r.name, r.description]),
          [
            ['sequential_1', '11 layers'],
            ['sequential_3', '2 layers'],
          ],
        );
        await b.screenshot('07-nested-sidebar');
        await b.showExplorer();
      }),
  );

  test('(8) a frozen base: listed and marked frozen, without numbers; the summary counts its parameters', { timeout: FLOW_TIMEOUT }, () =>
    flow('08-frozen-layers', async (b) => {
      const panel = await inspectFromPalette(b, 'frozen-base');
      const cli = cliReport(join(b.workspace, 'frozen-base', 'model.json'), join(b.workspace, 'frozen-base', 'data.npz'), SETTINGS);
      const parameters = panel.byTestId('summary-parameters');
      await parameters.waitFor({ state: 'visible', timeout: T.analysis });
      const hint = (await parameters.locator('.item-hint').innerText()).trim();
      assert.ok(
        hint.includes(`${cli.model.frozenParameterCount} more frozen`),
        `the summary counts the ${cli.model.frozenParameterCount} frozen parameters: "${hint}"`,
      );
      await b.screenshot('08-frozen-summary');

      await panel.selectTab('per-layer');
      assertSameNumbers(await perLayerTable(panel), cli);
      const frozen = panel.byTestId('per-layer-row-frozen');
      assert.deepEqual(await frozen.evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.layer)), ['base/dense']);
      assert.equal(await frozen.locator('td[data-measure="invariantSharpness"]').count(), 0, 'a frozen layer shows no sharpness');
      assert.match(await frozen.innerText(), /frozen/);
      await panel.byTestId('per-layer-table').scrollIntoViewIfNeeded();
      await b.screenshot('08-frozen-per-layer');

      const tree = await b.openSharpnessView();
      const layers = await expandedLayers(tree, 'frozen-base');
      assert.equal(layers.find((l) => l.path === 'base/dense')?.description, 'Dense · frozen');
      assert.equal(
        modelInTree(await treeRows(tree), 'frozen-base')!.below.find((r) => r.name === 'base')?.description,
        '1 layer, 1 frozen',
      );
      await b.screenshot('08-frozen-sidebar');
      await b.showExplorer();
    }),
  );
});
