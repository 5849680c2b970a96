/** Messages between the analysis and its data-parallel HVP workers. */
import type { BackendName } from '../backend';
import type { CurvatureOptions, Evaluation, SampleSet } from '../curvature/curvature-engine';
import type { LossSpec } from '../loss/losses';

export interface ShardInit {
  modelPath: string;
  inputShapes: number[][];
  maxParameters: number;
  /** Weights that replace the stored ones (a rescaled θ), by manifest name. */
  weightOverrides: [string, Float32Array][] | null;
  backend: BackendName;
  /** One per model output, with its weight in the model's loss. */
  losses: LossSpec[];
  samples: SampleSet;
  options: CurvatureOptions;
}

export type ShardRequestBody =
  | { kind: 'init'; init: ShardInit }
  | { kind: 'evaluate' }
  | { kind: 'hvp'; v: Float64Array; blocks: number[] | null }
  | { kind: 'predictions' }
  /** Replace this worker's share by sampling groups of its own (each the mean over its samples): `indices` are their places among all groups. */
  | { kind: 'groups'; indices: number[]; samples: SampleSet[]; options: CurvatureOptions[] }
  /** H_g·v for each of this worker's groups whose place is below `count`, in place order. */
  | { kind: 'groupHvp'; v: Float64Array; blocks: number[] | null; count: number }
  | { kind: 'groupEvaluate' };

export type ShardRequest = ShardRequestBody & { id: number };

export type ShardValue = null | Evaluation | Evaluation[] | Float64Array | Float64Array[] | Float32Array[];

export type ShardResponse = { id: number; ok: true; value: ShardValue } | { id: number; ok: false; error: string };
