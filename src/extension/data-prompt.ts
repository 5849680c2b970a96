/** Asks for a model's analysis data once (data files beside it, or browse) and remembers the answer in workspace state. */
import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import { DATA_FILE_EXTENSIONS } from '../shared/data-files';
import { choiceExists, findDataCandidates, guessLabels, NEXT_TO_MODEL, type DataChoice } from './data-selection';
import { looksLikeModelJson } from './model-file';

const STATE_KEY = 'sharpnessLens.data';

export class DataChoices {
  constructor(private readonly state: vscode.Memento) {}

  async remembered(modelPath: string): Promise<DataChoice | undefined> {
    const choice = this.state.get<Record<string, DataChoice>>(STATE_KEY, {})[modelPath];
    return choice && (await choiceExists(choice)) ? choice : undefined;
  }

  async remember(modelPath: string, choice: DataChoice): Promise<void> {
    await this.state.update(STATE_KEY, { ...this.state.get<Record<string, DataChoice>>(STATE_KEY, {}), [modelPath]: choice });
  }

  /** The quick pick of candidate data files (best first) plus "Browse…"; undefined if dismissed. */
  async ask(modelPath: string): Promise<DataChoice | undefined> {
    const candidates = await findDataCandidates(modelPath, looksLikeModelJson);
    const browse = { label: '$(folder-opened) Browse…', description: 'choose a data file anywhere', path: '' };
    const items = [
      ...candidates.map((path) => ({
        label: basename(path),
        description: dirname(path) === dirname(modelPath) ? NEXT_TO_MODEL : vscode.workspace.asRelativePath(path, false),
        path,
      })),
      browse,
    ];
    const picked = await vscode.window.showQuickPick(items, {
      title: `Analysis data for ${vscode.workspace.asRelativePath(modelPath)}`,
      placeHolder: candidates.length
        ? 'Data files near the model (.npz with x and y, or x0, x1, …, y0, y1, … for several inputs or outputs; .npy, .json, .csv)'
        : 'No data files near the model: browse for one',
      ignoreFocusOut: true,
    });
    if (!picked) return undefined;
    let data = picked.path;
    if (picked === browse) {
      const chosen = await vscode.window.showOpenDialog({
        title: 'Analysis data',
        defaultUri: vscode.Uri.file(dirname(modelPath)),
        canSelectMany: false,
        filters: { 'Data files': DATA_FILE_EXTENSIONS.map((extension) => extension.slice(1)) },
      });
      if (!chosen?.[0]) return undefined;
      data = chosen[0].fsPath;
    }
    const choice: DataChoice = { data };
    if (data.toLowerCase().endsWith('.npy')) {
      choice.labels = await guessLabels(data);
      if (!choice.labels) {
        const labels = await vscode.window.showOpenDialog({
          title: 'Labels for the .npy inputs',
          defaultUri: vscode.Uri.file(dirname(data)),
          filters: { NumPy: ['npy'] },
        });
        if (!labels?.[0]) return undefined;
        choice.labels = labels[0].fsPath;
      }
    }
    await this.remember(modelPath, choice);
    return choice;
  }
}
