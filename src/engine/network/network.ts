/**
 * The executable form of a loaded model: every call of every layer expanded into its graph of nodes,
 * in topological order over TF.js tensors, and θ as a list of parameter blocks (one per trainable
 * tensor, in manifest order) laid out in one flat vector for the spectral estimators. A shared layer's
 * nodes read the same weights and the same θ blocks at each of its calls.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LoadedModel } from '../model/load-model';
import { isModelInput, modelInputIndex, type TensorRef } from '../model/topology';
import type { GraphRef } from './layers/kind';
import type { NodeOp, Tensor, WeightMap, WeightRole } from './types';

/** Node inputs below zero stand for the model's inputs: −1 is input 0, −2 input 1, … */
export const isInputNode = (j: number): boolean => j < 0;
export const inputNodeIndex = (j: number): number => -j - 1;

export interface ParameterBlock {
  index: number;
  /** The weight's manifest name, e.g. "dense_Dense1/kernel". */
  name: string;
  layer: string;
  role: WeightRole;
  shape: number[];
  size: number;
  /** Position of the block's first element in the flat θ. */
  offset: number;
}

export interface GraphNode {
  layer: string;
  op: NodeOp;
  inputs: number[];
  /** θ blocks this node reads, by role. */
  blocks: Partial<Record<WeightRole, ParameterBlock>>;
}

export class Network {
  readonly nodes: GraphNode[] = [];
  readonly blocks: ParameterBlock[];
  readonly dimension: number;
  /** The node computing each model output, in the model's output order. */
  readonly outputNodes: number[];
  private readonly weights = new Map<string, WeightMap>();

  /** `values` overrides stored weights by manifest name (a rescaled θ, for instance). */
  constructor(
    readonly model: LoadedModel,
    values?: ReadonlyMap<string, Float32Array>,
  ) {
    const manifestOrder = new Map(model.json.weightsManifest.flatMap((g) => g.weights).map((w, i) => [w.name.replace(/:\d+$/, ''), i]));
    const trainable = model.layers
      .flatMap((layer) => layer.weights.filter((w) => w.slot.trainable).map((w) => ({ layer: layer.name, ...w })))
      .sort((a, b) => (manifestOrder.get(a.manifestName) ?? 0) - (manifestOrder.get(b.manifestName) ?? 0));
    let offset = 0;
    this.blocks = trainable.map((w, index) => {
      const size = w.slot.shape.reduce((a, b) => a * b, 1);
      const block = { index, name: w.manifestName, layer: w.layer, role: w.slot.role, shape: w.slot.shape, size, offset };
      offset += size;
      return block;
    });
    this.dimension = offset;

    const layerBlocks = new Map<string, GraphNode['blocks']>();
    for (const layer of model.layers) {
      const map: WeightMap = {};
      for (const { slot, manifestName } of layer.weights) {
        const stored = values?.get(manifestName) ?? model.weights.get(manifestName)!.values;
        map[slot.role] = tf.keep(tf.tensor(stored, slot.shape, 'float32'));
      }
      this.weights.set(layer.name, map);
      const blocks: GraphNode['blocks'] = {};
      for (const block of this.blocks) if (block.layer === layer.name) blocks[block.role] = block;
      layerBlocks.set(layer.name, blocks);
    }

    // The node (or model input) holding each call's outputs.
    const callOutputs: number[][] = [];
    const nodeOf = (ref: TensorRef) => (isModelInput(ref) ? -(modelInputIndex(ref) + 1) : callOutputs[ref.call][ref.index]);
    for (const call of model.calls) {
      const layer = model.layers[call.layer];
      const inputs = call.inputs.map(nodeOf);
      const local: number[] = [];
      const resolve = (ref: GraphRef) => ('input' in ref ? inputs[ref.input] : local[ref.node]);
      for (const node of call.graph.nodes) {
        this.nodes.push({ layer: layer.name, op: node.op, inputs: node.inputs.map(resolve), blocks: layerBlocks.get(layer.name)! });
        local.push(this.nodes.length - 1);
      }
      callOutputs.push(call.graph.outputs.map(resolve));
    }
    this.outputNodes = model.outputs.map((output) => nodeOf(output.ref));
  }

  /** The first output's node (most models have one output). */
  get outputNode(): number {
    return this.outputNodes[0];
  }

  weightsOf(layer: string): WeightMap {
    return this.weights.get(layer)!;
  }

  /** θ as one flat vector (float64 copies of the float32 weights). */
  theta(): Float64Array {
    const theta = new Float64Array(this.dimension);
    for (const block of this.blocks) theta.set(this.weights.get(block.layer)![block.role]!.dataSync(), block.offset);
    return theta;
  }

  /** The model's outputs for a batch (inference mode), or the values of `nodes` when given. */
  forward(inputs: Tensor[], nodes: readonly number[] = this.outputNodes): Tensor[] {
    return tf.tidy(() => {
      const last = Math.max(...nodes);
      const values: Tensor[] = [];
      const valueOf = (j: number) => (isInputNode(j) ? inputs[inputNodeIndex(j)] : values[j]);
      for (let i = 0; i <= last; i++) {
        const node = this.nodes[i];
        values.push(node.op.forward(node.inputs.map(valueOf), this.weightsOf(node.layer)).output);
      }
      return nodes.map((j) => (isInputNode(j) ? tf.clone(valueOf(j)) : values[j]));
    });
  }

  dispose(): void {
    for (const map of this.weights.values()) for (const t of Object.values(map)) t?.dispose();
    this.weights.clear();
  }
}
