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
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { analyze, chooseThreads } from '../../src/engine/analysis/analyze';
import { CurvatureOperator } from '../../src/engine/analysis/curvature-operator';
import { openInputs } from '../../src/engine/analysis/inputs';
import { initializeBackend } from '../../src/engine/backend';
import { LocalCurvatureProvider, type CurvatureProvider } from '../../src/engine/curvature/provider';
import { deflatedSampleValues, krylovTracePart } from '../../src/engine/linalg/deflated-trace';
import { hutchinson } from '../../src/engine/linalg/hutchinson';
import { lanczos } from '../../src/engine/linalg/lanczos';
import { ParallelCurvatureProvider } from '../../src/engine/parallel/pool';
import { DEFAULTS } from '../../src/shared/defaults';
import type { Report } from '../../src/shared/report';
import { markdownTable, textTable } from '../../src/shared/report-format';
import type { AnalysisRun } from './analyze-once';
import { ensureWorkloads, type Workload } from './workloads';

const ROOT = join(__dirname, '..', '..');
/** Hutchinson samples at most per trace figure; beyond, the time to 1% is extrapolated (both sides alike). */
const TRACE_CAP = 300;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Reference {
  torch: string;
  threads: number;
  blas: string[];
  hvpSeconds: number;
  top5: { seconds: number; hvps: number; eigenvalues: number[] };
  trace: { seconds: number; hvps: number; value: number };
  traceToOnePercent: {
    seconds: number;
    hvps: number;
    measuredSamples: number;
    extrapolated: boolean;
    value: number;
    standardError: number;
  };
  top5PlusTraceSeconds: number;
}

function runReference(workload: Workload, runs: number): { reference: Reference | null; note: string } {
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0)
    return {
      reference: null,
      note: 'PyTorch reference not run: /usr/bin/python3 cannot import torch (apt-get install python3-torch libopenblas0-pthread)',
    };
  const results: Reference[] = [];
  for (let r = 0; r < runs; r++) {
    const run = spawnSync('/usr/bin/python3', [join(__dirname, 'reference_pyhessian.py'), workload.folder, '--threads', '2'], {
      encoding: 'utf8',
      timeout: 3_600_000,
    });
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
    const product =
      layer.className === 'Dense'
        ? 2 * n * kernel[0] * kernel[1]
        : 2 * n * layer.outputShape[0] * layer.outputShape[1] * kernel.reduce((a, b) => a * b, 1);
    // R{y} = R{x}W + xV, R{dW} = xᵀR{dy} + R{x}ᵀdy, R{dx} = R{dy}Wᵀ + dy Vᵀ; the first layer has no R{x} and no dx.
    flops += (first ? 2 : 6) * product;
    first = false;
  }
  return flops;
}

/**
 * This CPU's fp32 peaks: native (cores × clock × 32 FLOP/cycle: two 256-bit FMA pipes) and what
 * 128-bit wasm SIMD can reach (8 FLOP/cycle with two FMA pipes), the ceiling for the wasm backend.
 */
function cpuPeaks(): { nativeGflops: number; wasmGflops: number; description: string } {
  const info = cpus();
  const mhz = info[0]?.speed || Number(/cpu MHz\s*:\s*([\d.]+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 0);
  return {
    nativeGflops: (info.length * mhz * 32) / 1000,
    wasmGflops: (info.length * mhz * 16) / 1000,
    description: `${info.length} × ${info[0]?.model ?? 'cpu'} at ${mhz.toFixed(0)} MHz`,
  };
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
  const options = { chunkSize: DEFAULTS.batchSize, cacheBytes: DEFAULTS.cacheMb * 2 ** 20, totalSamples: inputs.data.count };
  const local = new LocalCurvatureProvider(inputs.network, inputs.losses, inputs.data, options);
  const hvpOneThread = await timeProvider(local, 5);
  await local.dispose();
  const threads = chooseThreads('auto', inputs.data.count, inputs.network.dimension, DEFAULTS.batchSize);
  const parallel = await ParallelCurvatureProvider.start(
    2,
    {
      modelPath: request.model,
      inputShapes: inputs.model.inputs.map((input) => input.shape),
      maxParameters: 1e9,
      weightOverrides: null,
      backend: 'wasm',
      losses: inputs.losses.map(({ name, weight }) => ({ name, weight })),
      options: { ...options, cacheBytes: options.cacheBytes / 2 },
    },
    inputs.data,
    inputs.network.blocks,
    inputs.network.dimension,
  );
  const hvpTwoThreads = await timeProvider(parallel, 5);
  const operator = new CurvatureOperator(parallel);
  const top5Runs: { seconds: number; hvps: number; values: number[] }[] = [];
  const traceRuns: { seconds: number; hvps: number; extrapolated: boolean; value: number; standardError: number }[] = [];
  for (let r = 0; r < runs; r++) {
    let start = performance.now();
    const top = await lanczos(operator, { k: 5, tolerance: 1e-4, seed: r, returnDecomposition: true });
    top5Runs.push({ seconds: (performance.now() - start) / 1000, hvps: top.applications, values: top.eigenpairs.map((p) => p.value) });
    // The engine's trace: Hutchinson on what the top-5 run's Krylov space leaves (deflated-trace.ts).
    start = performance.now();
    const krylov = top.decomposition!;
    const trace = await hutchinson(operator, [{ name: 'trace', offset: krylovTracePart(krylov) }], {
      relativeStandardError: 0.01,
      maxSamples: TRACE_CAP,
      seed: r + 1,
      sampleValues: deflatedSampleValues(krylov, [{ ranges: null }]),
    });
    const seconds = (performance.now() - start) / 1000;
    const { mean, standardError } = trace.estimates[0];
    // Past the cap, the time to 1% is extrapolated from the variance, as the reference does.
    const needed = Math.max(trace.applications, Math.ceil(trace.applications * (standardError / (0.01 * Math.abs(mean))) ** 2));
    traceRuns.push({
      seconds: (seconds * needed) / trace.applications,
      hvps: needed,
      extrapolated: needed > trace.applications,
      value: mean,
      standardError,
    });
  }
  await parallel.dispose();
  inputs.network.dispose();
  const analyses = Array.from({ length: runs }, () => analyzeInFreshProcess(request.model, request.data, 1));
  const report = await analyze({ ...request, settings: { topK: 1, perLayer: false, traceMaxSamples: 10 } });
  return {
    threadsAuto: threads,
    hvpOneThread,
    hvpTwoThreads,
    top5: { seconds: median(top5Runs.map((r) => r.seconds)), hvps: median(top5Runs.map((r) => r.hvps)), values: top5Runs[0].values },
    traceToOnePercent: { ...traceRuns[0], seconds: median(traceRuns.map((r) => r.seconds)), hvps: median(traceRuns.map((r) => r.hvps)) },
    analyze: {
      seconds: median(analyses.map((a) => a.runs[0].seconds)),
      hvps: analyses[0].runs[0].hvps,
      stages: analyses[0].runs[0].stages,
      peakRssMb: Math.max(...analyses.map((a) => a.peakRssMb)),
    },
    report,
  };
}

interface FreshRun {
  runs: AnalysisRun[];
  peakRssMb: number;
}

/** Default analyses in a new process (analyze-once.ts): a clean peak RSS for each. */
function analyzeInFreshProcess(model: string, data: string, repeat: number): FreshRun {
  const run = spawnSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', join(__dirname, 'analyze-once.ts'), model, data, '--repeat', String(repeat)],
    { encoding: 'utf8', cwd: ROOT, timeout: 3_600_000 },
  );
  if (run.status !== 0) throw new Error(`analyze-once failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

/** 20 default analyses of the MLP workload in one process: tensors, RSS and V8 heap after each, after a full GC (a leak grows). */
function leakCheck(workload: Workload): { analyses: number; tensors: number[]; rssMb: number[]; heapUsedMb: number[] } {
  const { runs } = analyzeInFreshProcess(join(workload.folder, 'model.json'), join(workload.folder, 'data.npz'), 20);
  return {
    analyses: runs.length,
    tensors: runs.map((r) => r.tensors),
    rssMb: runs.map((r) => r.rssMb),
    heapUsedMb: runs.map((r) => r.heapUsedMb),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '3' }, 'skip-reference': { type: 'boolean', default: false } },
  });
  const runs = Number(values.runs);
  const out = join(ROOT, 'bench-results');
  mkdirSync(out, { recursive: true });
  const log = (line: string) => process.stderr.write(`${line}\n`);
  await initializeBackend('wasm');
  const workloads = await ensureWorkloads(join(out, 'workloads'), log);
  const peak = cpuPeaks();
  const results = [];
  for (const workload of workloads) {
    log(`${workload.name}: PyTorch reference (${runs} runs)…`);
    const { reference, note } = values['skip-reference']
      ? { reference: null, note: 'reference skipped (--skip-reference)' }
      : runReference(workload, runs);
    log(`${workload.name}: engine (${runs} runs)…`);
    const ours = await measureWorkload(workload, runs);
    const flops = flopsPerHvp(ours.report);
    const agreement = reference
      ? Math.abs(ours.top5.values[0] - reference.top5.eigenvalues[0]) / Math.abs(reference.top5.eigenvalues[0])
      : null;
    results.push({
      workload: workload.name,
      description: workload.description,
      parameters: ours.report.model.parameterCount,
      referenceNote: note,
      reference,
      ours,
      flopsPerHvp: flops,
      agreement,
    });
  }
  log('20 consecutive analyses…');
  const leaks = leakCheck(workloads[0]);
  const summary = {
    machine: peak.description,
    nativePeakGflops: peak.nativeGflops,
    wasmPeakGflops: peak.wasmGflops,
    backend: 'wasm',
    runs,
    results,
    leaks,
    date: new Date().toISOString(),
  };
  writeFileSync(join(out, 'bench.json'), JSON.stringify(summary, null, 2) + '\n');
  const text = benchTable(summary);
  writeFileSync(join(out, 'bench.md'), text.markdown);
  process.stdout.write(text.plain + '\n');
}

type Summary = {
  machine: string;
  nativePeakGflops: number;
  wasmPeakGflops: number;
  runs: number;
  results: {
    workload: string;
    description: string;
    parameters: number;
    referenceNote: string;
    reference: Reference | null;
    ours: Awaited<ReturnType<typeof measureWorkload>>;
    flopsPerHvp: number;
    agreement: number | null;
  }[];
  leaks: ReturnType<typeof leakCheck>;
};

function benchTable(summary: Summary): { plain: string; markdown: string } {
  const seconds = (s: number) => (s < 1 ? `${(s * 1000).toFixed(0)} ms` : `${s.toFixed(2)} s`);
  const ratio = (ours: number, reference: number | undefined) => (reference ? `${(ours / reference).toFixed(2)}×` : '—');
  const header = ['workload', 'figure', 'engine', 'HVPs', 'PyTorch reference', 'HVPs', 'ratio'];
  const rows: string[][] = [];
  for (const r of summary.results) {
    const ref = r.reference;
    rows.push([
      r.workload,
      'one exact HVP (1 thread)',
      seconds(r.ours.hvpOneThread),
      '1',
      ref ? seconds(ref.hvpSeconds) : '—',
      '1',
      ratio(r.ours.hvpOneThread, ref?.hvpSeconds),
    ]);
    rows.push([
      r.workload,
      'one exact HVP (2 threads)',
      seconds(r.ours.hvpTwoThreads),
      '1',
      ref ? seconds(ref.hvpSeconds) : '—',
      '1',
      ratio(r.ours.hvpTwoThreads, ref?.hvpSeconds),
    ]);
    rows.push([
      r.workload,
      'top-5 eigenvalues of H',
      seconds(r.ours.top5.seconds),
      String(r.ours.top5.hvps),
      ref ? seconds(ref.top5.seconds) : '—',
      ref ? String(ref.top5.hvps) : '—',
      ratio(r.ours.top5.seconds, ref?.top5.seconds),
    ]);
    const star = (extrapolated: boolean | undefined) => (extrapolated ? '*' : '');
    rows.push([
      r.workload,
      'trace to 1% rel. SE',
      seconds(r.ours.traceToOnePercent.seconds) + star(r.ours.traceToOnePercent.extrapolated),
      String(r.ours.traceToOnePercent.hvps) + star(r.ours.traceToOnePercent.extrapolated),
      ref ? seconds(ref.traceToOnePercent.seconds) + star(ref.traceToOnePercent.extrapolated) : '—',
      ref ? String(ref.traceToOnePercent.hvps) + star(ref.traceToOnePercent.extrapolated) : '—',
      ratio(r.ours.traceToOnePercent.seconds, ref?.traceToOnePercent.seconds),
    ]);
    rows.push([
      r.workload,
      'default analyze vs PyHessian top-5 + trace',
      seconds(r.ours.analyze.seconds),
      String(r.ours.analyze.hvps),
      ref ? seconds(ref.top5PlusTraceSeconds) : '—',
      ref ? String(ref.top5.hvps + ref.trace.hvps) : '—',
      ratio(r.ours.analyze.seconds, ref?.top5PlusTraceSeconds),
    ]);
  }
  const details = summary.results.map((r) => {
    const gflops = r.flopsPerHvp / r.ours.hvpTwoThreads / 1e9;
    return [
      `${r.workload} (${r.description}, ${r.parameters.toLocaleString('en-US')} parameters): ${r.referenceNote}`,
      `  λ_max: engine ${r.ours.top5.values[0].toPrecision(7)}, reference ${r.reference ? r.reference.top5.eigenvalues[0].toPrecision(7) : '—'}${r.agreement === null ? '' : ` (relative difference ${r.agreement.toExponential(2)}${r.agreement <= 1e-3 ? ', within 1e-3' : ' — OVER 1e-3'})`}`,
      `  one HVP: ${(r.flopsPerHvp / 1e9).toFixed(2)} GFLOP, ${gflops.toFixed(1)} GFLOP/s on 2 threads: ${((100 * gflops) / summary.wasmPeakGflops).toFixed(0)}% of the ${summary.wasmPeakGflops.toFixed(0)} GFLOP/s that 128-bit wasm SIMD allows, ${((100 * gflops) / summary.nativePeakGflops).toFixed(0)}% of the CPU's native ${summary.nativePeakGflops.toFixed(0)} GFLOP/s`,
      `  default analyze (threads: ${r.ours.threadsAuto}; peak RSS ${r.ours.analyze.peakRssMb.toFixed(0)} MB), HVPs and seconds per stage: ${r.ours.analyze.stages.map((s) => `${s.name} ${s.hvps} (${s.seconds.toFixed(1)} s)`).join(', ')}`,
    ].join('\n');
  });
  const { analyses, tensors, rssMb, heapUsedMb } = summary.leaks;
  const after = [1, 2, 5, 10, 15, 20].filter((k) => k <= analyses);
  const half = Math.floor(analyses / 2);
  const series = (values: number[]) =>
    `${after.map((k) => values[k - 1].toFixed(0)).join(', ')} MB (highest after 2–${half}: ${Math.max(...values.slice(1, half)).toFixed(0)}, after ${half + 1}–${analyses}: ${Math.max(...values.slice(half)).toFixed(0)})`;
  const memory = [
    `${analyses} consecutive default analyses of the MLP in one process, measured after a full GC: tensors after each ${Math.min(...tensors)}–${Math.max(...tensors)};`,
    `  after analyses ${after.join(', ')}: RSS ${series(rssMb)}; V8 heap ${series(heapUsedMb)}`,
  ].join('\n');
  const head = `machine: ${summary.machine}; medians of ${summary.runs} runs; ratio = engine / reference (below 1 is faster); * = extrapolated past ${TRACE_CAP} samples from the variance; the engine's trace reuses its top-5 run's Krylov space`;
  return {
    plain: [head, '', textTable(header, rows), '', ...details, '', memory].join('\n'),
    markdown: [head, '', markdownTable(header, rows), '', ...details.map((d) => d.replace(/^/gm, '    ')), '', memory, ''].join('\n'),
  };
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
