/**
 * Where Hessian-vector products come from: one CurvatureEngine in this thread, or a pool of
 * worker_threads each holding a share of the samples (see ../parallel/pool.ts). Every HVP is counted.
 */
import type { LossFunction } from '../loss/losses';
import type { Network, ParameterBlock } from '../network/network';
import { CurvatureEngine, type CurvatureOptions, type Evaluation, type SampleSet } from './curvature-engine';

export interface CurvatureProvider {
  readonly dimension: number;
  readonly blocks: readonly ParameterBlock[];
  /** Hessian-vector products computed so far (a block-restricted one counts as one). */
  readonly hvpCount: number;
  /** Parallel shares of the data (1 in this thread). */
  readonly threads: number;
  evaluate(): Promise<Evaluation>;
  hvp(v: Float64Array, blocks?: readonly number[]): Promise<Float64Array>;
  /** Predictions for every sample, in order, one array per model output. */
  predictions(): Promise<Float32Array[]>;
  dispose(): Promise<void>;
}

export class LocalCurvatureProvider implements CurvatureProvider {
  private readonly engine: CurvatureEngine;
  hvpCount = 0;
  readonly threads = 1;

  constructor(
    private readonly network: Network,
    losses: readonly LossFunction[],
    samples: SampleSet,
    options: CurvatureOptions,
  ) {
    this.engine = new CurvatureEngine(network, losses, samples, options);
  }

  get dimension(): number {
    return this.network.dimension;
  }

  get blocks(): readonly ParameterBlock[] {
    return this.network.blocks;
  }

  async evaluate(): Promise<Evaluation> {
    return this.engine.evaluate();
  }

  async hvp(v: Float64Array, blocks?: readonly number[]): Promise<Float64Array> {
    // An HVP runs synchronously; returning to the event loop first lets a cancellation (SIGINT, the
    // extension's cancel button) be delivered between products.
    await new Promise((resolve) => setImmediate(resolve));
    this.hvpCount++;
    return this.engine.hvp(v, blocks);
  }

  async predictions(): Promise<Float32Array[]> {
    return this.engine.predictions();
  }

  async dispose(): Promise<void> {
    this.engine.dispose();
  }
}
