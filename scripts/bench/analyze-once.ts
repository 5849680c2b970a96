/**
 * One default analysis in a fresh process, for the bench: its time, HVPs per stage and the process's
 * peak RSS (worker threads included); with --repeat N, N analyses in a row; the tensor count,
 * RSS and V8 heap after each — after a full garbage collection when node runs with --expose-gc, so
 * that garbage not yet collected (the finished workers' wasm memories) does not pass for a leak.
 * Prints one JSON line.
 */
import * as tf from '@tensorflow/tfjs-core';
import { analyze } from '../../src/engine/analysis/analyze';

/** One analysis as analyze-once reports it (bench.ts reads these). */
export interface AnalysisRun {
  seconds: number;
  hvps: number;
  stages: { name: string; hvps: number; seconds: number }[];
  lambdaMax: number;
  tensors: number;
  rssMb: number;
  heapUsedMb: number;
}

async function main(): Promise<void> {
  const [model, data, ...rest] = process.argv.slice(2);
  const repeat = rest[0] === '--repeat' ? Number(rest[1]) : 1;
  const runs: AnalysisRun[] = [];
  for (let r = 0; r < repeat; r++) {
    const started = performance.now();
    const report = await analyze({ model, data });
    const seconds = (performance.now() - started) / 1000;
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const memory = process.memoryUsage();
    runs.push({
      seconds,
      hvps: report.cost.hvpCount,
      stages: report.cost.stages.map((s) => ({ name: s.name, hvps: s.hvpCount, seconds: s.seconds })),
      lambdaMax: report.euclidean.topEigenvalues[0],
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
