/**
 * `npm run bench`: the engine against a PyHessian-equivalent PyTorch reference measured in the same
 * run, on two workloads (workloads.ts). Every figure is a median of several runs and is printed as a
 * ratio to the reference; the top eigenvalues of both sides are checked to agree, so speed is never
 * bought with accuracy. Also: HVPs per stage, peak RSS, achieved GFLOP/s of one HVP, and the tensor
 * count and RSS across 20 consecutive analyses. Writes bench-results/bench.json.
 *
 *   npm run bench [-- --runs 3 --skip-reference]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { analyze, chooseThreads, DEFAULT_CHUNK_SIZE, DEFAULT_CACHE_MEGABYTES } from '../../src/engine/analysis/analyze';
import { CurvatureOperator } from '../../src/engine/analysis/curvature-operator';
import { openInputs } from '../../src/engine/analysis/inputs';
import { initializeBackend } from '../../src/engine/backend';
import { LocalCurvatureProvider, type CurvatureProvider } from '../../src/engine/curvature/provider';
import { hutchinson } from '../../src/engine/linalg/hutchinson';
import { lanczos } from '../../src/engine/linalg/lanczos';
import { makeLoss } from '../../src/engine/loss/losses';
import { ParallelCurvatureProvider } from '../../src/engine/parallel/pool';
import type { Report } from '../../src/shared/report';
import { markdownTable, textTable } from '../../src/shared/report-format';
import { ensureWorkloads, type Workload } from './workloads';

const ROOT = join(__dirname, '..', '..');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Reference {
  torch: string;
  threads: number;
  blas: string[];
  hvpSeconds: number;
  top5: { seconds: number; hvps: number; eigenvalues: number[] };
  trace: { seconds: number; hvps: number; value: number };
  traceToOnePercent: { seconds: number; hvps: number; value: number; standardError: number };
  top5PlusTraceSeconds: number;
}

function runReference(workload: Workload, runs: number): { reference: Reference | null; note: string } {
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) return { reference: null, note: 'PyTorch reference not run: /usr/bin/python3 cannot import torch (apt-get install python3-torch libopenblas0-pthread)' };
  const results: Reference[] = [];
  for (let r = 0; r < runs; r++) {
    const run = spawnSync('/usr/bin/python3', [join(__dirname, 'reference_pyhessian.py'), workload.folder, '--threads', '2'], { encoding: 'utf8', timeout: 3_600_000 });
    if (run.status !== 0) return { reference: null, note: `PyTorch reference failed: ${run.stderr.trim().split('\n').pop()}` };
    results.push(JSON.parse(run.stdout));
  }
  const pick = <T>(f: (r: Reference) => T) => results.map(f);
  const first = results[0];
  const openblas = first.blas.some((b) => b.includes('openblas'));
  return {
    reference: {
      ...first,
      hvpSeconds: median(pick((r) => r.hvpSeconds)),
      top5: { ...first.top5, seconds: median(pick((r) => r.top5.seconds)) },
      trace: { ...first.trace, seconds: median(pick((r) => r.trace.seconds)) },
      traceToOnePercent: { ...first.traceToOnePercent, seconds: median(pick((r) => r.traceToOnePercent.seconds)) },
      top5PlusTraceSeconds: median(pick((r) => r.top5PlusTraceSeconds)),
    },
    note: `PyTorch ${first.torch}, ${first.threads} threads, BLAS ${first.blas.join(', ')}${openblas ? '' : ' — NOT OpenBLAS: install libopenblas0-pthread or the comparison flatters us'}`,
  };
}

/** Floating-point operations of one of our HVPs: the R-operator's matrix products per kernel layer. */
function flopsPerHvp(report: Report): number {
  let flops = 0;
  let first = true;
  for (const layer of report.model.layers) {
    const kernel = layer.weights.find((w) => w.name.endsWith('/kernel'))?.shape;
    if (!kernel) continue;
    const n = report.data.sampleCount;
    const product = layer.className === 'Dense' ? 2 * n * kernel[0] * kernel[1] : 2 * n * layer.outputShape[0] * layer.outputShape[1] * kernel.reduce((a, b) => a * b, 1);
    // R{y} = R{x}W + xV, R{dW} = xᵀR{dy} + R{x}ᵀdy, R{dx} = R{dy}Wᵀ + dy Vᵀ; the first layer has no R{x} and no dx.
    flops += (first ? 2 : 6) * product;
    first = false;
  }
  return flops;
}

/** This CPU's fp32 peak: cores × clock × 32 FLOPs per cycle (two 256-bit FMA pipes). */
function cpuPeakGflops(): { gflops: number; description: string } {
  const info = cpus();
  const mhz = info[0]?.speed ?? 0;
  return { gflops: (info.length * mhz * 32) / 1000, description: `${info.length} × ${info[0]?.model ?? 'cpu'} at ${mhz} MHz × 32 FLOP/cycle` };
}

async function timeProvider(provider: CurvatureProvider, repeats: number): Promise<number> {
  await provider.evaluate();
  const v = Float64Array.from({ length: provider.dimension }, (_, i) => Math.sin(i + 1));
  await provider.hvp(v);
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    await provider.hvp(v);
    times.push((performance.now() - start) / 1000);
  }
  return median(times);
}

async function measureWorkload(workload: Workload, runs: number) {
  const request = { model: join(workload.folder, 'model.json'), data: join(workload.folder, 'data.npz'), seed: 0 };
  const inputs = openInputs(request);
  const loss = makeLoss(inputs.loss.name, inputs.outputActivation);
  const options = { chunkSize: DEFAULT_CHUNK_SIZE, cacheBytes: DEFAULT_CACHE_MEGABYTES * 2 ** 20, totalSamples: inputs.data.count };
  const local = new LocalCurvatureProvider(inputs.network, loss, inputs.data, options);
  const hvpOneThread = await timeProvider(local, 5);
  await local.dispose();
  const threads = chooseThreads('auto', inputs.data.count, inputs.network.dimension, DEFAULT_CHUNK_SIZE);
  const parallel = await ParallelCurvatureProvider.start(
    2,
    { modelPath: request.model, inputShape: inputs.model.inputShape, maxParameters: 1e9, weightOverrides: null, backend: 'wasm', loss: inputs.loss.name, options: { ...options, cacheBytes: options.cacheBytes / 2 } },
    inputs.data,
    inputs.network.blocks,
    inputs.network.dimension,
  );
  const hvpTwoThreads = await timeProvider(parallel, 5);
  const operator = new CurvatureOperator(parallel);
  const top5Runs: { seconds: number; hvps: number; values: number[] }[] = [];
  const traceRuns: { seconds: number; hvps: number; value: number; standardError: number }[] = [];
  for (let r = 0; r < runs; r++) {
    let start = performance.now();
    const top = await lanczos(operator, { k: 5, tolerance: 1e-4, seed: r });
    top5Runs.push({ seconds: (performance.now() - start) / 1000, hvps: top.applications, values: top.eigenpairs.map((p) => p.value) });
    start = performance.now();
    const trace = await hutchinson(operator, [{ name: 'trace' }], { relativeStandardError: 0.01, maxSamples: 1000, seed: r + 1 });
    traceRuns.push({ seconds: (performance.now() - start) / 1000, hvps: trace.applications, value: trace.estimates[0].mean, standardError: trace.estimates[0].standardError });
  }
  await parallel.dispose();
  inputs.network.dispose();
  const analyses: Report[] = [];
  const wall: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    analyses.push(await analyze(request));
    wall.push((performance.now() - start) / 1000);
  }
  return {
    threadsAuto: threads,
    hvpOneThread,
    hvpTwoThreads,
    top5: { seconds: median(top5Runs.map((r) => r.seconds)), hvps: median(top5Runs.map((r) => r.hvps)), values: top5Runs[0].values },
    traceToOnePercent: { seconds: median(traceRuns.map((r) => r.seconds)), hvps: median(traceRuns.map((r) => r.hvps)), value: traceRuns[0].value, standardError: traceRuns[0].standardError },
    analyze: { seconds: median(wall), report: analyses[0], stages: analyses[0].cost.stages.map((s) => ({ name: s.name, hvps: s.hvpCount, seconds: s.seconds })) },
  };
}

/** Tensor count and RSS across 20 consecutive analyses in one process. */
async function leakCheck(): Promise<{ analyses: number; tensorsBefore: number; tensorsAfter: number; rssFirstMb: number; rssLastMb: number }> {
  const request = { model: join(ROOT, 'test/fixtures/reference/mlp-medium/model.json'), data: join(ROOT, 'test/fixtures/reference/mlp-medium/data.npz'), threads: 1 as const };
  await analyze(request);
  const tensorsBefore = tf.memory().numTensors;
  const rss: number[] = [];
  for (let i = 0; i < 20; i++) {
    await analyze(request);
    rss.push(process.memoryUsage().rss / 2 ** 20);
  }
  return { analyses: 20, tensorsBefore, tensorsAfter: tf.memory().numTensors, rssFirstMb: rss[0], rssLastMb: rss[rss.length - 1] };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, 'skip-reference': { type: 'boolean', default: false } } });
  const runs = Number(values.runs);
  const out = join(ROOT, 'bench-results');
  mkdirSync(out, { recursive: true });
  const log = (line: string) => process.stderr.write(`${line}\n`);
  await initializeBackend('wasm');
  const workloads = await ensureWorkloads(join(out, 'workloads'), log);
  const peak = cpuPeakGflops();
  const results = [];
  for (const workload of workloads) {
    log(`${workload.name}: PyTorch reference (${runs} runs)…`);
    const { reference, note } = values['skip-reference'] ? { reference: null, note: 'reference skipped (--skip-reference)' } : runReference(workload, runs);
    log(`${workload.name}: engine (${runs} runs)…`);
    const ours = await measureWorkload(workload, runs);
    const flops = flopsPerHvp(ours.analyze.report);
    const agreement = reference ? Math.abs(ours.top5.values[0] - reference.top5.eigenvalues[0]) / Math.abs(reference.top5.eigenvalues[0]) : null;
    results.push({ workload: workload.name, description: workload.description, parameters: ours.analyze.report.model.parameterCount, referenceNote: note, reference, ours, flopsPerHvp: flops, agreement });
  }
  const leaks = await leakCheck();
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  const summary = { machine: peak.description, cpuPeakGflops: peak.gflops, backend: 'wasm', runs, results, leaks, peakRssMb, date: new Date().toISOString() };
  writeFileSync(join(out, 'bench.json'), JSON.stringify(summary, null, 2) + '\n');
  const text = benchTable(summary);
  writeFileSync(join(out, 'bench.md'), text.markdown);
  process.stdout.write(text.plain + '\n');
}

type Summary = {
  machine: string;
  cpuPeakGflops: number;
  runs: number;
  results: { workload: string; description: string; parameters: number; referenceNote: string; reference: Reference | null; ours: Awaited<ReturnType<typeof measureWorkload>>; flopsPerHvp: number; agreement: number | null }[];
  leaks: Awaited<ReturnType<typeof leakCheck>>;
  peakRssMb: number;
};

function benchTable(summary: Summary): { plain: string; markdown: string } {
  const seconds = (s: number) => (s < 1 ? `${(s * 1000).toFixed(0)} ms` : `${s.toFixed(2)} s`);
  const ratio = (ours: number, reference: number | undefined) => (reference ? `${(ours / reference).toFixed(2)}×` : '—');
  const header = ['workload', 'figure', 'engine', 'HVPs', 'PyTorch reference', 'HVPs', 'ratio'];
  const rows: string[][] = [];
  for (const r of summary.results) {
    const ref = r.reference;
    rows.push([r.workload, 'one exact HVP (1 thread)', seconds(r.ours.hvpOneThread), '1', ref ? seconds(ref.hvpSeconds) : '—', '1', ratio(r.ours.hvpOneThread, ref?.hvpSeconds)]);
    rows.push([r.workload, 'one exact HVP (2 threads)', seconds(r.ours.hvpTwoThreads), '1', ref ? seconds(ref.hvpSeconds) : '—', '1', ratio(r.ours.hvpTwoThreads, ref?.hvpSeconds)]);
    rows.push([r.workload, 'top-5 eigenvalues of H', seconds(r.ours.top5.seconds), String(r.ours.top5.hvps), ref ? seconds(ref.top5.seconds) : '—', ref ? String(ref.top5.hvps) : '—', ratio(r.ours.top5.seconds, ref?.top5.seconds)]);
    rows.push([r.workload, 'trace to 1% rel. SE', seconds(r.ours.traceToOnePercent.seconds), String(r.ours.traceToOnePercent.hvps), ref ? seconds(ref.traceToOnePercent.seconds) : '—', ref ? String(ref.traceToOnePercent.hvps) : '—', ratio(r.ours.traceToOnePercent.seconds, ref?.traceToOnePercent.seconds)]);
    rows.push([r.workload, 'default analyze vs PyHessian top-5 + trace', seconds(r.ours.analyze.seconds), String(r.ours.analyze.report.cost.hvpCount), ref ? seconds(ref.top5PlusTraceSeconds) : '—', ref ? String(ref.top5.hvps + ref.trace.hvps) : '—', ratio(r.ours.analyze.seconds, ref?.top5PlusTraceSeconds)]);
  }
  const details = summary.results.map((r) => {
    const gflops = r.flopsPerHvp / r.ours.hvpTwoThreads / 1e9;
    return [
      `${r.workload} (${r.description}, ${r.parameters.toLocaleString('en-US')} parameters): ${r.referenceNote}`,
      `  λ_max: engine ${r.ours.top5.values[0].toPrecision(7)}, reference ${r.reference ? r.reference.top5.eigenvalues[0].toPrecision(7) : '—'}${r.agreement === null ? '' : ` (relative difference ${r.agreement.toExponential(2)}${r.agreement <= 1e-3 ? ', within 1e-3' : ' — OVER 1e-3'})`}`,
      `  one HVP: ${(r.flopsPerHvp / 1e9).toFixed(2)} GFLOP, ${gflops.toFixed(1)} GFLOP/s on 2 threads (${((100 * gflops) / summary.cpuPeakGflops).toFixed(1)}% of the ${summary.cpuPeakGflops.toFixed(0)} GFLOP/s peak)`,
      `  default analyze (threads: ${r.ours.threadsAuto}), HVPs per stage: ${r.ours.analyze.stages.map((s) => `${s.name} ${s.hvps}`).join(', ')}`,
    ].join('\n');
  });
  const memory = `peak RSS ${summary.peakRssMb.toFixed(0)} MB; 20 consecutive analyses: tensors ${summary.leaks.tensorsBefore} → ${summary.leaks.tensorsAfter}, RSS ${summary.leaks.rssFirstMb.toFixed(0)} → ${summary.leaks.rssLastMb.toFixed(0)} MB`;
  const head = `machine: ${summary.machine}; medians of ${summary.runs} runs; ratio = engine / reference (below 1 is faster)`;
  return {
    plain: [head, '', textTable(header, rows), '', ...details, '', memory].join('\n'),
    markdown: [head, '', markdownTable(header, rows), '', ...details.map((d) => d.replace(/^/gm, '    ')), '', memory, ''].join('\n'),
  };
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});

