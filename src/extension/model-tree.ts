/**
 * The Sharpness sidebar: the workspace's models, each expanding into its layers with their latest
 * invariant sharpness; a nested model is a node of its own holding its layers, so a layer's path reads
 * from the model down (its tooltip gives the whole path).
 */
import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import { formatValue } from '../shared/report-format';
import { layerText, layerTree, type TreeEntry } from './model-file';
import type { ModelIndex } from './model-index';

type Node = { kind: 'model'; uri: vscode.Uri } | { kind: 'entry'; uri: vscode.Uri; entry: TreeEntry };

export class ModelTreeProvider implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly index: ModelIndex) {
    this.subscription = index.onDidChange(() => this.changed.fire(undefined));
  }

  getChildren(node?: Node): Node[] {
    if (!node) return this.index.list.map((uri) => ({ kind: 'model', uri }));
    const entries =
      node.kind === 'model'
        ? layerTree(this.index.summary(node.uri)?.summary?.layers ?? [])
        : node.entry.kind === 'scope'
          ? node.entry.children
          : [];
    return entries.map((entry) => ({ kind: 'entry', uri: node.uri, entry }));
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'model') return this.modelItem(node.uri);
    const { entry } = node;
    if (entry.kind === 'scope') {
      const item = new vscode.TreeItem(entry.name, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `${node.uri.toString()}#${entry.path}/`;
      item.contextValue = 'nestedModel';
      item.iconPath = new vscode.ThemeIcon('symbol-namespace');
      item.description = `${entry.layerCount} layer${entry.layerCount === 1 ? '' : 's'}${entry.frozenCount ? `, ${entry.frozenCount} frozen` : ''}`;
      item.tooltip = `nested model ${entry.path}: ${item.description}`;
      return item;
    }
    const { layer } = entry;
    const text = layerText(layer, this.index.latest(node.uri)?.perLayer[layer.name]);
    const item = new vscode.TreeItem(layer.ownName, vscode.TreeItemCollapsibleState.None);
    item.id = `${node.uri.toString()}#${layer.name}`;
    item.contextValue = 'layer';
    item.iconPath = new vscode.ThemeIcon(layer.frozen ? 'lock' : layer.weightCount > 0 ? 'symbol-field' : 'symbol-operator');
    item.description = text.description;
    item.tooltip = text.tooltip;
    return item;
  }

  private modelItem(uri: vscode.Uri): vscode.TreeItem {
    const latest = this.index.latest(uri);
    const read = this.index.summary(uri);
    const relative = vscode.workspace.asRelativePath(uri, false);
    const label = basename(uri.fsPath) === 'model.json' ? basename(dirname(uri.fsPath)) || relative : relative;
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = uri.toString();
    item.resourceUri = uri;
    item.contextValue = 'model';
    item.iconPath = new vscode.ThemeIcon('symbol-structure');
    item.description = latest ? `λ_max(DHD) ${formatValue(latest.invariant)}` : read?.problem ? 'unreadable' : undefined;
    const layers = read?.summary?.layers;
    const frozen = layers?.filter((l) => l.frozen).length ?? 0;
    // Paths and problems quote the workspace: added as text, never interpreted as Markdown.
    const tooltip = new vscode.MarkdownString().appendMarkdown('**').appendText(relative).appendMarkdown('**\n\n');
    if (layers) tooltip.appendText(`${layers.length} layers${frozen ? `, ${frozen} frozen` : ''}`).appendMarkdown('  \n');
    else if (read?.problem) tooltip.appendText(read.problem).appendMarkdown('  \n');
    tooltip.appendMarkdown(
      latest
        ? `invariant sharpness λ_max(DHD, ${latest.normalization} D): ${formatValue(latest.invariant)}  \nEuclidean λ_max(H): ${formatValue(latest.euclidean)}  \nanalysed ${latest.at}`
        : 'not analysed yet — click to inspect',
    );
    item.tooltip = tooltip;
    item.command = { command: 'sharpnessLens.inspectModel', title: 'Inspect Model', arguments: [uri] };
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
