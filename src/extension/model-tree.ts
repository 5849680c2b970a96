/** The Sharpness sidebar: the workspace's models, each expanding into its layers (nested ones by their path) with their latest invariant sharpness. */
import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import { formatValue } from '../shared/report-format';
import { layerText, type LayerSummary } from './model-file';
import type { ModelIndex } from './model-index';

type Node = { kind: 'model'; uri: vscode.Uri } | { kind: 'layer'; uri: vscode.Uri; layer: LayerSummary };

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
    return (this.index.summary(node.uri)?.summary?.layers ?? []).map((layer) => ({ kind: 'layer', uri: node.uri, layer }));
  }

  getTreeItem(node: Node): vscode.TreeItem {
    const latest = this.index.latest(node.uri);
    if (node.kind === 'model') {
      const read = this.index.summary(node.uri);
      const relative = vscode.workspace.asRelativePath(node.uri, false);
      const label = basename(node.uri.fsPath) === 'model.json' ? basename(dirname(node.uri.fsPath)) || relative : relative;
      const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = node.uri.toString();
      item.resourceUri = node.uri;
      item.contextValue = 'model';
      item.iconPath = new vscode.ThemeIcon('symbol-structure');
      item.description = latest ? `λ_max(DHD) ${formatValue(latest.invariant)}` : read?.problem ? 'unreadable' : undefined;
      const layers = read?.summary?.layers;
      const frozen = layers?.filter((l) => l.frozen).length ?? 0;
      // The problem quotes the file: added as text, never interpreted as Markdown.
      const tooltip = new vscode.MarkdownString().appendMarkdown(`**${relative}**\n\n`);
      if (layers) tooltip.appendText(`${layers.length} layers${frozen ? `, ${frozen} frozen` : ''}`).appendMarkdown('  \n');
      else if (read?.problem) tooltip.appendText(read.problem).appendMarkdown('  \n');
      tooltip.appendMarkdown(
        latest
          ? `invariant sharpness λ_max(DHD, ${latest.normalization} D): ${formatValue(latest.invariant)}  \nEuclidean λ_max(H): ${formatValue(latest.euclidean)}  \nanalysed ${latest.at}`
          : 'not analysed yet — click to inspect',
      );
      item.tooltip = tooltip;
      item.command = { command: 'sharpnessLens.inspectModel', title: 'Inspect Model', arguments: [node.uri] };
      return item;
    }
    const { layer } = node;
    const text = layerText(layer, latest?.perLayer[layer.name]);
    const item = new vscode.TreeItem(layer.name, vscode.TreeItemCollapsibleState.None);
    item.id = `${node.uri.toString()}#${layer.name}`;
    item.contextValue = 'layer';
    item.iconPath = new vscode.ThemeIcon(layer.frozen ? 'lock' : layer.weightCount > 0 ? 'symbol-field' : 'symbol-operator');
    item.description = text.description;
    item.tooltip = text.tooltip;
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
