/**
 * One default analysis in a fresh process, for the bench: its time, the time to its first number (the
 * invariant spectrum's λ_max of D·H·D, streamed as a partial result), HVPs per stage and the process's
 * peak RSS (worker threads included); with --repeat N, N analyses in a row; the tensor count, RSS and
 * V8 heap after each — after a full garbage collection when node runs with --expose-gc, so that
 * garbage not yet collected (the finished workers' wasm memories) does not pass for a leak.
 * Prints one JSON line.
 *
 *   node --expose-gc --import tsx scripts/bench/analyze-once.ts model.json data.npz [--samples N] [--repeat N]
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { analyze } from '../../src/engine/analysis/analyze';

/** One analysis as analyze-once reports it (bench.ts reads these). */
export interface AnalysisRun {
  seconds: number;
  /** From the call to the partial result of the invariant spectrum (λ_max of D·H·D). */
  firstNumberSeconds: number | null;
  firstNumber: number | null;
  /** HVPs done when the first number arrived (the last progress event's count). */
  firstNumberHvps: number | null;
  hvps: number;
  /** The analysis' own estimate of its time and peak memory, made before the curvature stages. */
  estimate: { seconds: number; peakMb: number } | null;
  /** Whether the sampling intervals were computed, or why not (the intervals-skipped warning). */
  intervals: { computed: boolean; note: string | null };
  threads: number;
  stages: { name: string; hvps: number; seconds: number }[];
  lambdaMax: number;
  loss: number;
  tensors: number;
  rssMb: number;
  heapUsedMb: number;
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { repeat: { type: 'string', default: '1' }, samples: { type: 'string' } },
  });
  const [model, data] = positionals;
  const repeat = Number(values.repeat);
  const samples = values.samples === undefined ? undefined : Number(values.samples);
  const runs: AnalysisRun[] = [];
  for (let r = 0; r < repeat; r++) {
    const started = performance.now();
    let firstNumberSeconds: number | null = null;
    let firstNumber: number | null = null;
    let firstNumberHvps: number | null = null;
    let hvpsSoFar = 0;
    const report = await analyze(
      { model, data, samples },
      {
        onProgress: (event) => {
          hvpsSoFar = event.hvpCount;
        },
        onPartial: (partial) => {
          if (partial.kind === 'spectrum' && partial.operator === 'invariant' && firstNumberSeconds === null) {
            firstNumberSeconds = (performance.now() - started) / 1000;
            firstNumber = partial.eigenpairs[0]?.value ?? null;
            firstNumberHvps = hvpsSoFar;
          }
        },
      },
    );
    const seconds = (performance.now() - started) / 1000;
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const memory = process.memoryUsage();
    runs.push({
      seconds,
      firstNumberSeconds,
      firstNumber,
      firstNumberHvps,
      hvps: report.cost.hvpCount,
      estimate: report.estimate ? { seconds: report.estimate.seconds, peakMb: report.estimate.peakBytes / 2 ** 20 } : null,
      intervals: {
        computed: report.sampling !== null,
        note: report.warnings.find((w) => w.code === 'intervals-skipped')?.message ?? null,
      },
      threads: report.threads,
      stages: report.cost.stages.map((s) => ({ name: s.name, hvps: s.hvpCount, seconds: s.seconds })),
      lambdaMax: report.euclidean.topEigenvalues[0],
      loss: report.loss,
      tensors: tf.memory().numTensors,
      rssMb: memory.rss / 2 ** 20,
      heapUsedMb: memory.heapUsed / 2 ** 20,
    });
  }
  process.stdout.write(JSON.stringify({ runs, peakRssMb: process.resourceUsage().maxRSS / 1024 }) + '\n');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
