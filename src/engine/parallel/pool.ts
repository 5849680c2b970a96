/**
 * A CurvatureProvider over worker_threads, each holding a contiguous share of the samples. wasm runs
 * one thread per instance, so data parallelism is how an HVP uses several cores: every worker
 * computes its share's contribution (already divided by the total sample count) and the shares add.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { SharpnessError } from '../errors';
import { sliceSamples, type Evaluation, type SampleSet } from '../curvature/curvature-engine';
import type { CurvatureProvider } from '../curvature/provider';
import type { ParameterBlock } from '../network/network';
import type { CurvatureOptions } from '../curvature/curvature-engine';
import type { GroupedCurvature } from '../analysis/sampling';
import type { ShardInit, ShardRequestBody, ShardResponse, ShardValue } from './messages';

/** The worker entry: the bundled dist/engine-worker.js, or this folder's worker.ts under tsx. */
function startWorker(): Worker {
  if (__filename.endsWith('.ts')) {
    const source = join(__dirname, 'worker.ts');
    return new Worker(`require('tsx/cjs'); require(${JSON.stringify(source)});`, { eval: true });
  }
  const bundled = join(__dirname, 'engine-worker.js');
  if (!existsSync(bundled)) throw new SharpnessError(`the engine worker ${bundled} is missing; rebuild with npm run build`);
  return new Worker(bundled);
}

class ShardWorker {
  private readonly worker = startWorker();
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (value: ShardValue) => void; reject: (error: Error) => void }>();

  constructor() {
    this.worker.on('message', (response: ShardResponse) => {
      const waiter = this.pending.get(response.id);
      if (!waiter) return;
      this.pending.delete(response.id);
      if (response.ok) waiter.resolve(response.value);
      else waiter.reject(new SharpnessError(response.error));
    });
    this.worker.on('error', (error) => this.failAll(error));
    this.worker.on('exit', (code) => this.failAll(new Error(`an engine worker stopped (exit code ${code})`)));
  }

  private failAll(error: Error): void {
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }

  request<T extends ShardValue>(request: ShardRequestBody, transfer: ArrayBuffer[] = []): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: ShardValue) => void, reject });
      this.worker.postMessage({ ...request, id }, transfer);
    });
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

/** A copy of samples [start, end), to transfer to a worker. */
function shareOf(samples: SampleSet, start: number, end: number): SampleSet {
  const copy = (array: SampleSet['inputs'][number]) => {
    const part = sliceSamples(array, start, end);
    return { ...part, values: part.values.slice() };
  };
  return { inputs: samples.inputs.map(copy), targets: samples.targets.map(copy), count: end - start };
}

export class ParallelCurvatureProvider implements CurvatureProvider {
  hvpCount = 0;
  private constructor(
    private readonly workers: ShardWorker[],
    readonly blocks: readonly ParameterBlock[],
    readonly dimension: number,
  ) {}

  get threads(): number {
    return this.workers.length;
  }

  static async start(
    threads: number,
    init: Omit<ShardInit, 'samples'>,
    samples: SampleSet,
    blocks: readonly ParameterBlock[],
    dimension: number,
  ): Promise<ParallelCurvatureProvider> {
    const count = Math.max(1, Math.min(threads, samples.count));
    const workers = Array.from({ length: count }, () => new ShardWorker());
    const provider = new ParallelCurvatureProvider(workers, blocks, dimension);
    try {
      await Promise.all(
        workers.map((worker, w) => {
          const start = Math.floor((w * samples.count) / count);
          const end = Math.floor(((w + 1) * samples.count) / count);
          return worker.request({ kind: 'init', init: { ...init, samples: shareOf(samples, start, end) } });
        }),
      );
    } catch (error) {
      await provider.dispose();
      throw error;
    }
    return provider;
  }

  async evaluate(): Promise<Evaluation> {
    const parts = await Promise.all(this.workers.map((w) => w.request<Evaluation>({ kind: 'evaluate' })));
    const gradient = new Float64Array(this.dimension);
    for (const p of parts) for (let i = 0; i < gradient.length; i++) gradient[i] += p.gradient[i];
    const correct = parts[0].correct.map((_, k) =>
      parts.some((p) => p.correct[k] === null) ? null : parts.reduce((s, p) => s + p.correct[k]!, 0),
    );
    const outputLosses = parts[0].outputLosses.map((_, k) => parts.reduce((s, p) => s + p.outputLosses[k], 0));
    return { loss: parts.reduce((s, p) => s + p.loss, 0), outputLosses, correct, gradient };
  }

  async hvp(v: Float64Array, blocks?: readonly number[]): Promise<Float64Array> {
    this.hvpCount++;
    const parts = await Promise.all(
      this.workers.map((w) => w.request<Float64Array>({ kind: 'hvp', v, blocks: blocks ? [...blocks] : null })),
    );
    const out = parts[0];
    for (const p of parts.slice(1)) for (let i = 0; i < out.length; i++) out[i] += p[i];
    return out;
  }

  async predictions(): Promise<Float32Array[]> {
    const parts = await Promise.all(this.workers.map((w) => w.request<Float32Array[]>({ kind: 'predictions' })));
    return parts[0].map((_, k) => {
      const out = new Float32Array(parts.reduce((s, p) => s + p[k].length, 0));
      let offset = 0;
      for (const p of parts) {
        out.set(p[k], offset);
        offset += p[k].length;
      }
      return out;
    });
  }

  /**
   * The sampling groups spread over the workers, group g on worker g mod threads, each a curvature
   * engine of its own there (the same engine and options as on one thread, so each group's numbers
   * do not depend on where it runs). The workers' shares of the analysis are released: call it once
   * the provider's own products are done.
   */
  async groups(samples: readonly SampleSet[], options: readonly CurvatureOptions[]): Promise<GroupedCurvature> {
    const count = this.workers.length;
    const placesOf = (w: number) => samples.map((_, g) => g).filter((g) => g % count === w);
    await Promise.all(
      this.workers.map((worker, w) => {
        const places = placesOf(w);
        const sets = places.map((g) => samples[g]);
        return worker.request(
          { kind: 'groups', indices: places, samples: sets, options: places.map((g) => options[g]) },
          sets.flatMap((set) => [...set.inputs, ...set.targets].map((a) => a.values.buffer as ArrayBuffer)),
        );
      }),
    );
    const workers = this.workers;
    /** Each worker's answers, one per group of its own below `limit`, put back in group order. */
    const gather = <T>(parts: T[][], limit: number): T[] => {
      const out: T[] = new Array<T>(limit);
      parts.forEach((values, w) => values.forEach((value, k) => (out[placesOf(w)[k]] = value)));
      return out;
    };
    return {
      sizes: samples.map((s) => s.count),
      products: async (u, blocks, limit = samples.length) =>
        gather(
          await Promise.all(
            workers.map((w) => w.request<Float64Array[]>({ kind: 'groupHvp', v: u, blocks: blocks ? [...blocks] : null, count: limit })),
          ),
          limit,
        ),
      evaluations: async () =>
        gather(await Promise.all(workers.map((w) => w.request<Evaluation[]>({ kind: 'groupEvaluate' }))), samples.length),
      // The groups live as long as the workers: the provider's dispose ends them.
      dispose: () => undefined,
    };
  }

  async dispose(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
