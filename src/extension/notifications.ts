/** Engine errors as one notification with an action to open the offending file or the log — never a stack trace. */
import * as vscode from 'vscode';
import { AnalysisError } from './analysis-runner';

export async function showAnalysisError(error: unknown, log: vscode.LogOutputChannel): Promise<void> {
  if (error instanceof AnalysisError && error.cancelled) return;
  const message = error instanceof Error ? error.message : String(error);
  const file = error instanceof AnalysisError ? error.file : null;
  // A shard or a data file is binary: show it in the explorer instead of opening it as text.
  const textual = file !== null && /\.(json|csv|txt)$/i.test(file);
  const fileAction = file === null ? null : textual ? 'Open File' : 'Reveal File';
  const choice = await vscode.window.showErrorMessage(`Sharpness Lens: ${message}`, ...(fileAction ? [fileAction] : []), 'Show Log');
  if (choice === 'Open File' && file) await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(file));
  if (choice === 'Reveal File' && file) await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(file));
  if (choice === 'Show Log') log.show(true);
}
