/**
 * Sharpness Lens for VS Code: commands, the sidebar, the panel and the read-only custom editor.
 * The host only coordinates; every analysis runs in a worker (analysis-runner.ts), and the engine is
 * loaded there, never in the extension host.
 */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { MAX_RESCALING_SPREAD } from '../shared/defaults';
import { mainModel } from '../shared/panel-model';
import type { PanelState, RescalingChoice } from '../shared/protocol';
import { AnalysisRunner } from './analysis-runner';
import { DataChoices } from './data-prompt';
import { readSidecar, type DataChoice } from './data-selection';
import { factorsInputProblem, parseFactorsInput } from './factors-input';
import { modelFileProblem, notAModelMessage } from './model-file';
import { ModelIndex } from './model-index';
import { ModelTreeProvider } from './model-tree';
import { initialState, PANEL_VIEW_TYPE, SharpnessPanel, titleOf, type PanelDependencies } from './panel';
import { messageHtml } from './panel-html';
import { analysisRequest, readSettings, SETTINGS_SECTION } from './request';

const INSPECTOR_VIEW_TYPE = 'sharpnessLens.inspector';

/** A command's model argument: a Uri (explorer), a tree node ({ uri }), or nothing (ask). */
function modelArgument(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'object' && arg !== null && 'uri' in arg && (arg as { uri: unknown }).uri instanceof vscode.Uri)
    return (arg as { uri: vscode.Uri }).uri;
  return undefined;
}

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Sharpness Lens', { log: true });
  const runner = new AnalysisRunner(context.extensionPath, log);
  const index = new ModelIndex(context.workspaceState);
  const dataChoices = new DataChoices(context.workspaceState);
  const tree = new ModelTreeProvider(index);
  const panels = new Map<string, SharpnessPanel>();
  let lastActive: SharpnessPanel | undefined;

  const requestFor = async (modelPath: string, rescaling?: RescalingChoice) => {
    let sidecar;
    let settings;
    try {
      sidecar = await readSidecar(modelPath);
      const configuration = vscode.workspace.getConfiguration(SETTINGS_SECTION);
      settings = readSettings((key) => configuration.get(key));
    } catch (error) {
      void vscode.window.showErrorMessage(`Sharpness Lens: ${(error as Error).message}`);
      return undefined;
    }
    const data: DataChoice | undefined = sidecar?.data
      ? { data: sidecar.data, labels: sidecar.labels }
      : ((await dataChoices.remembered(modelPath)) ?? (await dataChoices.ask(modelPath)));
    if (!data) return undefined;
    return analysisRequest(modelPath, data, settings, sidecar, rescaling ?? null);
  };
  const deps: PanelDependencies = { extensionUri: context.extensionUri, runner, index, log, requestFor };

  const track = (panel: SharpnessPanel) => {
    lastActive = panel;
    panel.webviewPanel.onDidChangeViewState((e) => {
      if (e.webviewPanel.active) lastActive = panel;
    });
    panel.onDidClose(() => {
      if (panels.get(panel.modelPath) === panel) panels.delete(panel.modelPath);
      if (lastActive === panel) lastActive = undefined;
    });
    return panel;
  };

  const openPanel = (modelPath: string, state?: PanelState): SharpnessPanel => {
    const existing = panels.get(modelPath);
    if (existing) {
      existing.reveal();
      return existing;
    }
    const webviewPanel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, `Sharpness: ${titleOf(modelPath)}`, vscode.ViewColumn.Active, {
      retainContextWhenHidden: false,
    });
    webviewPanel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'sharpness.svg');
    const panel = track(new SharpnessPanel(webviewPanel, deps, state ?? initialState(modelPath)));
    panels.set(modelPath, panel);
    return panel;
  };

  const pickModel = async (title: string): Promise<string | undefined> => {
    if (index.list.length === 0) await index.refresh();
    if (index.list.length === 0) {
      void vscode.window.showWarningMessage('Sharpness Lens: no TF.js layers models (model.json with a modelTopology) in this workspace.');
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      index.list.map((uri) => ({
        label: vscode.workspace.asRelativePath(uri),
        description: index.latest(uri) ? `λ_max(DHD) ${index.latest(uri)!.invariant.toPrecision(4)}` : undefined,
        uri,
      })),
      { title, placeHolder: 'TF.js models in this workspace' },
    );
    return picked?.uri.fsPath;
  };

  const inspect = async (arg?: unknown) => {
    const uri = modelArgument(arg);
    const modelPath = uri?.fsPath ?? (await pickModel('Inspect Model'));
    if (!modelPath) return;
    const problem = await modelFileProblem(modelPath);
    if (problem !== null) {
      void vscode.window.showErrorMessage(`Sharpness Lens: ${notAModelMessage(vscode.workspace.asRelativePath(modelPath), problem)}`);
      return;
    }
    // Ask for the data before opening the panel, so dismissing the question leaves nothing behind.
    const request = await requestFor(modelPath);
    if (!request) return;
    await openPanel(modelPath).startMain(request);
  };

  const activePanel = async (purpose: string): Promise<SharpnessPanel | undefined> => {
    if (lastActive) return lastActive;
    const modelPath = await pickModel(purpose);
    return modelPath ? openPanel(modelPath) : undefined;
  };

  context.subscriptions.push(
    log,
    runner,
    index,
    vscode.window.createTreeView('sharpnessLens.models', { treeDataProvider: tree, showCollapseAll: true }),
    tree,
    vscode.commands.registerCommand('sharpnessLens.inspectModel', inspect),
    vscode.commands.registerCommand('sharpnessLens.inspectModelPick', () => inspect()),
    vscode.commands.registerCommand('sharpnessLens.compareModels', async (arg?: unknown) => {
      if (index.list.length === 0) await index.refresh();
      const preselected = modelArgument(arg)?.fsPath;
      const picked = await vscode.window.showQuickPick(
        index.list.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri, picked: uri.fsPath === preselected })),
        {
          title: 'Compare Models',
          placeHolder: 'Choose two or more models (same data file for each is asked once per model)',
          canPickMany: true,
        },
      );
      if (!picked) return;
      if (picked.length < 2) {
        void vscode.window.showWarningMessage('Sharpness Lens: choose at least two models to compare.');
        return;
      }
      const panel = openPanel(picked[0].uri.fsPath);
      for (const { uri } of picked) await panel.startCompare(uri.fsPath);
    }),
    vscode.commands.registerCommand('sharpnessLens.rescalingExperiment', async () => {
      const panel = await activePanel('Rescaling Experiment');
      if (!panel) return;
      const kind = await vscode.window.showQuickPick(
        [
          {
            label: 'Random layer-wise rescaling',
            description: `factors up to ${MAX_RESCALING_SPREAD}×, the function unchanged`,
            choice: { kind: 'random-layer-wise', seed: 1, spread: MAX_RESCALING_SPREAD } as RescalingChoice,
          },
          {
            label: 'Random neuron-wise rescaling',
            description: 'each hidden unit by its own factor',
            choice: { kind: 'neuron-wise', seed: 1 } as RescalingChoice,
          },
          { label: 'Layer-wise factors…', description: 'one factor per kernel layer', choice: null },
        ],
        { title: 'Rescaling Experiment: a function-preserving rescaling, then the same measures again' },
      );
      if (!kind) return;
      let choice = kind.choice;
      if (!choice) {
        // Checked against the model's own scale links once the engine has described the model; before
        // that the engine checks them when the run starts.
        const links = mainModel(panel.current)?.symmetries.scaleLinks ?? null;
        const text = await vscode.window.showInputBox({
          title: 'Layer-wise factors, one per kernel layer, product 1',
          placeHolder: 'e.g. 5, 4, 0.05',
          validateInput: (value) => factorsInputProblem(value, links),
        });
        if (!text) return;
        choice = { kind: 'layer-wise', factors: parseFactorsInput(text) };
      }
      panel.reveal();
      await panel.startRescaling(choice);
    }),
    vscode.commands.registerCommand('sharpnessLens.exportReport', async () => {
      const panel = await activePanel('Export Report');
      if (!panel) return;
      const format = await vscode.window.showQuickPick(
        [
          { label: 'JSON', description: 'the report (schemaVersion 1)', format: 'json' as const },
          { label: 'CSV', description: 'per-layer and whole-network numbers', format: 'csv' as const },
          { label: 'Markdown', description: 'tables for a README or a pull request', format: 'markdown' as const },
        ],
        { title: 'Export Report' },
      );
      if (format) await panel.exportReports(format.format);
    }),
    vscode.commands.registerCommand('sharpnessLens.selectData', async (arg?: unknown) => {
      const modelPath = modelArgument(arg)?.fsPath ?? lastActive?.modelPath ?? (await pickModel('Select Analysis Data'));
      if (!modelPath) return;
      const choice = await dataChoices.ask(modelPath);
      if (choice)
        void vscode.window.showInformationMessage(
          `Sharpness Lens: ${vscode.workspace.asRelativePath(modelPath)} will be analysed with ${vscode.workspace.asRelativePath(choice.data)}.`,
        );
    }),
    vscode.commands.registerCommand('sharpnessLens.refreshModels', () => index.refresh()),
    vscode.commands.registerCommand('sharpnessLens.cancelAnalysis', () => {
      const count = runner.cancelAll();
      if (count === 0) void vscode.window.showInformationMessage('Sharpness Lens: no analysis is running.');
    }),
    vscode.commands.registerCommand('sharpnessLens.showLog', () => log.show(true)),
    vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
      async deserializeWebviewPanel(webviewPanel, state: PanelState | undefined) {
        if (!state?.modelPath) {
          webviewPanel.dispose();
          return;
        }
        const panel = track(new SharpnessPanel(webviewPanel, deps, state));
        panels.set(state.modelPath, panel);
      },
    }),
    vscode.window.registerCustomEditorProvider(
      INSPECTOR_VIEW_TYPE,
      {
        openCustomDocument: (uri) => ({ uri, dispose: () => undefined }),
        async resolveCustomEditor(document, webviewPanel) {
          // The editor is offered on every *.json: only a model starts an analysis.
          const problem = await modelFileProblem(document.uri.fsPath);
          if (problem !== null) {
            webviewPanel.webview.html = messageHtml(notAModelMessage(basename(document.uri.fsPath), problem));
            return;
          }
          const panel = track(new SharpnessPanel(webviewPanel, deps, initialState(document.uri.fsPath)));
          await panel.startMain();
        },
      } satisfies vscode.CustomReadonlyEditorProvider,
      { webviewOptions: { retainContextWhenHidden: false }, supportsMultipleEditorsPerDocument: false },
    ),
  );
  void index.refresh();
}

export function deactivate(): void {
  // Disposing the context's subscriptions (runner included) terminates any running worker.
}
