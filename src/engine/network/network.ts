/**
 * The executable form of a loaded model: a list of nodes in topological order over TF.js tensors, and
 * θ as a list of parameter blocks (one per trainable tensor, in manifest order) laid out in one flat
 * vector for the spectral estimators.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LoadedModel } from '../model/load-model';
import type { NodeOp, Tensor, WeightMap, WeightRole } from './types';

/** The node index that stands for the model's input. */
export const MODEL_INPUT = -1;

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
  readonly outputNode: number;
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

    const producer = new Map<string, number>([[model.topology.layers[0].name, MODEL_INPUT]]);
    for (const layer of model.layers) {
      const map: WeightMap = {};
      for (const { slot, manifestName } of layer.weights) {
        const stored = values?.get(manifestName) ?? model.weights.get(manifestName)!.values;
        map[slot.role] = tf.keep(tf.tensor(stored, slot.shape, 'float32'));
      }
      this.weights.set(layer.name, map);
      const blocks: GraphNode['blocks'] = {};
      for (const block of this.blocks) if (block.layer === layer.name) blocks[block.role] = block;
      let inputs = layer.inbound.map((name) => producer.get(name)!);
      for (const op of layer.ops) {
        this.nodes.push({ layer: layer.name, op, inputs, blocks });
        inputs = [this.nodes.length - 1];
      }
      producer.set(layer.name, inputs.length === 1 ? inputs[0] : this.nodes.length - 1);
    }
    this.outputNode = producer.get(model.topology.outputLayer)!;
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

  /** The model's output for a batch (inference mode), up to node `last` (default: the output). */
  forward(x: Tensor, last = this.outputNode): Tensor {
    return tf.tidy(() => {
      const values: Tensor[] = [];
      for (let i = 0; i <= last; i++) {
        const node = this.nodes[i];
        const inputs = node.inputs.map((j) => (j === MODEL_INPUT ? x : values[j]));
        values.push(node.op.forward(inputs, this.weightsOf(node.layer)).output);
      }
      return last === MODEL_INPUT ? tf.clone(x) : values[last];
    });
  }

  dispose(): void {
    for (const map of this.weights.values()) for (const t of Object.values(map)) t?.dispose();
    this.weights.clear();
  }
}
