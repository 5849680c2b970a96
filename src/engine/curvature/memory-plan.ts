/**
 * How many samples one chunk may hold, so that an exact HVP's working set fits its memory budget.
 * The working set is measured, not estimated: a loss-and-gradient pass and one HVP on one and on
 * two samples give the backend bytes a chunk needs per sample and the part that does not grow with
 * it (transposed kernels and the like). A model whose activations are large (224×224 images) then
 * runs in chunks of a few samples instead of exhausting the wasm heap (docs/architecture.md,
 * "Caching and memory budget").
 */
import { SharpnessError } from '../errors';
import type { LossFunction } from '../loss/losses';
import type { Network } from '../network/network';
import { CurvatureEngine, sliceSamples, type SampleSet } from './curvature-engine';

/** wasm32 addresses at most 4 GiB; TF.js' wasm heap cannot grow past it, and the weights live there too. */
export const BACKEND_HEAP_LIMIT_BYTES = 3.5 * 2 ** 30;

export interface ChunkPlan {
  chunkSize: number;
  /** Measured backend bytes of one chunk's work per sample, and the part that does not grow with samples. */
  bytesPerSample: number;
  fixedBytes: number;
  /** Why the chunk is smaller than asked, or null. */
  note: string | null;
}

function firstSamples(samples: SampleSet, count: number): SampleSet {
  return {
    inputs: samples.inputs.map((a) => sliceSamples(a, 0, count)),
    targets: samples.targets.map((a) => sliceSamples(a, 0, count)),
    count,
  };
}

/** Peak backend bytes one chunk of `count` samples adds for a gradient and an HVP (nothing cached). */
function measure(network: Network, losses: readonly LossFunction[], samples: SampleSet, count: number): number {
  const probe = new CurvatureEngine(network, losses, firstSamples(samples, count), {
    chunkSize: count,
    cacheBytes: 0,
    totalSamples: count,
  });
  try {
    probe.evaluate();
    const v = new Float64Array(network.dimension);
    for (let i = 0; i < v.length; i++) v[i] = ((i * 2654435761) % 1000) / 1000 - 0.5;
    probe.hvp(v);
    return probe.peakChunkBytes;
  } finally {
    probe.dispose();
  }
}

export function formatMegabytes(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GB` : `${Math.max(1, Math.round(bytes / 2 ** 20))} MB`;
}

export interface WorkingSet {
  /** Backend bytes one chunk's work needs per sample, and the part that does not grow with samples. */
  bytesPerSample: number;
  fixedBytes: number;
}

/** Measures the working set on one and on two samples; an error naming the file when one sample cannot fit the heap. */
export function measureWorkingSet(network: Network, losses: readonly LossFunction[], samples: SampleSet, file: string): WorkingSet {
  const tooLarge = (bytes: number | null) =>
    new SharpnessError(
      `one sample's exact Hessian-vector product needs ${bytes === null ? 'more' : `about ${formatMegabytes(bytes)}`} of backend memory ${bytes === null ? 'than' : 'beyond'} the ${formatMegabytes(BACKEND_HEAP_LIMIT_BYTES)} the wasm heap can hold; analyse smaller inputs`,
      file,
    );
  let one: number;
  let two: number;
  try {
    one = measure(network, losses, samples, 1);
    if (one > BACKEND_HEAP_LIMIT_BYTES) throw tooLarge(one);
    two = samples.count >= 2 ? measure(network, losses, samples, 2) : 2 * one;
  } catch (error) {
    if (isOutOfMemory(error)) throw tooLarge(null);
    throw error;
  }
  const bytesPerSample = Math.max(two - one, 1);
  return { bytesPerSample, fixedBytes: Math.max(one - bytesPerSample, 0) };
}

/** The wasm backend reports an exhausted heap as a trap, not as an error of ours. */
export function isOutOfMemory(error: unknown): boolean {
  return (
    error instanceof Error &&
    /memory access out of bounds|out of memory|Array buffer allocation failed|Invalid typed array length/i.test(error.message)
  );
}

/** The largest chunk up to `requested` (and the sample count) whose working set fits `workingBytes`; at least one. */
export function planChunkSize(working: WorkingSet, requested: number, count: number, workingBytes: number): ChunkPlan {
  const fits = Math.floor((workingBytes - working.fixedBytes) / working.bytesPerSample);
  const chunkSize = Math.max(1, Math.min(requested, fits, count));
  const note =
    chunkSize < Math.min(requested, count)
      ? `samples are processed ${chunkSize} at a time: an exact HVP needs about ${formatMegabytes(working.bytesPerSample)} of backend memory per sample, within a working budget of ${formatMegabytes(workingBytes)}`
      : null;
  return { chunkSize, ...working, note };
}
