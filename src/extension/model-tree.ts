/** The Sharpness sidebar: the workspace's models, each expanding into its layers with their latest invariant sharpness. */
import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import { formatValue } from '../shared/report-format';
import type { ModelIndex } from './model-index';

type Node = { kind: 'model'; uri: vscode.Uri } | { kind: 'layer'; uri: vscode.Uri; name: string; className: string; weightCount: number };

export class ModelTreeProvider implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly index: ModelIndex) {
    this.subscription = index.onDidChange(() => this.changed.fire(undefined));
  }

  getChildren(node?: Node): Node[] {
    if (!node) return this.index.list.map((uri) => ({ kind: 'model', uri }));
    if (node.kind === 'layer') return [];
    return (this.index.summary(node.uri)?.layers ?? []).map((l) => ({
      kind: 'layer',
      uri: node.uri,
      name: l.name,
      className: l.className,
      weightCount: l.weightCount,
    }));
  }

  getTreeItem(node: Node): vscode.TreeItem {
    const latest = this.index.latest(node.uri);
    if (node.kind === 'model') {
      const relative = vscode.workspace.asRelativePath(node.uri, false);
      const label = basename(node.uri.fsPath) === 'model.json' ? basename(dirname(node.uri.fsPath)) || relative : relative;
      const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = node.uri.toString();
      item.resourceUri = node.uri;
      item.contextValue = 'model';
      item.iconPath = new vscode.ThemeIcon('symbol-structure');
      item.description = latest ? `λ_max(DHD) ${formatValue(latest.invariant)}` : this.index.summary(node.uri) ? undefined : 'unreadable';
      item.tooltip = new vscode.MarkdownString(
        `**${relative}**\n\n` +
          (latest
            ? `invariant sharpness λ_max(DHD, ${latest.normalization} D): ${formatValue(latest.invariant)}  \nEuclidean λ_max(H): ${formatValue(latest.euclidean)}  \nanalysed ${latest.at}`
            : 'not analysed yet — click to inspect'),
      );
      item.command = { command: 'sharpnessLens.inspectModel', title: 'Inspect Model', arguments: [node.uri] };
      return item;
    }
    const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.None);
    item.id = `${node.uri.toString()}#${node.name}`;
    item.contextValue = 'layer';
    item.iconPath = new vscode.ThemeIcon(node.weightCount > 0 ? 'symbol-field' : 'symbol-operator');
    const sharpness = latest?.perLayer[node.name];
    item.description = sharpness !== undefined ? `${formatValue(sharpness)} · ${node.className}` : node.className;
    item.tooltip = `${node.name} (${node.className})${node.weightCount ? `, ${node.weightCount.toLocaleString('en-US')} weights` : ''}${sharpness !== undefined ? `\nλ_max(D_l H_ll D_l) = ${sharpness}` : ''}`;
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
