/**
 * `npm run bench`: the engine against PyHessian's method on PyTorch (reference_pyhessian.py), measured in
 * the same run, on the workloads of workloads.ts. Every figure is printed as a ratio engine / reference:
 * one HVP, the top-5 eigenvalues, the trace to a 1% relative standard error, the default `analyze` end to
 * end against PyHessian's top-5 + trace, the time to the first number and the peak RSS; a second
 * reference column is PyHessian with a dataloader (a forward and a create_graph backward per batch per
 * HVP). λ_max of both sides is checked to agree within 1e-3, so speed is never bought with accuracy.
 * Also: HVPs per stage, and tensors and RSS across 20 consecutive analyses (no growth).
 * Writes bench-results/bench.json and bench-results/bench.md; with --markdown also docs/bench.md and
 * the README's "## Performance" section.
 *
 *   npm run bench -- [--workloads mlp,convnet] [--runs N] [--quick] [--markdown] [--skip-reference]
 *   npm run bench -- --from bench-results/bench.json [--markdown]   # re-render a saved run
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CurvatureOperator } from '../../src/engine/analysis/curvature-operator';
import { openInputs } from '../../src/engine/analysis/inputs';
import { initializeBackend } from '../../src/engine/backend';
import { measureWorkingSet, planChunkSize } from '../../src/engine/curvature/memory-plan';
import { LocalCurvatureProvider, type CurvatureProvider } from '../../src/engine/curvature/provider';
import { deflatedSampleValues, krylovTracePart } from '../../src/engine/linalg/deflated-trace';
import { hutchinson } from '../../src/engine/linalg/hutchinson';
import { lanczos } from '../../src/engine/linalg/lanczos';
import { ParallelCurvatureProvider } from '../../src/engine/parallel/pool';
import { DEFAULTS } from '../../src/shared/defaults';
import { markdownTable, textTable } from '../../src/shared/report-format';
import type { AnalysisRun } from './analyze-once';
import { ensureWorkloads, WORKLOAD_NAMES, type Workload, type WorkloadName } from './workloads';

const ROOT = join(__dirname, '..', '..');
const AGREEMENT = 1e-3;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Settings {
  runs: number;
  quick: boolean;
  threads: number;
  /** Hutchinson samples at most per trace-to-1% figure; beyond, the time to 1% is extrapolated (both sides alike). */
  traceCap: number;
  hvpRepeats: number;
}

/** What reference_pyhessian.py prints. */
interface Reference {
  torch: string;
  threads: number;
  blas: string[];
  implementation: string;
  parameters: number;
  loss: number;
  gradientNorm: number;
  loadSeconds: number;
  constructSeconds: number;
  hvpSeconds: number;
  /** The same HVP with torch.set_num_threads(1) (absent from runs saved before it was measured). */
  hvpSecondsOneThread?: number;
  top5: { seconds: number; hvps: number; eigenvalues: number[]; firstSeconds: number; firstHvps: number };
  trace: { seconds: number; hvps: number; value: number; standardError: number | null };
  traceToOnePercent: {
    seconds: number;
    hvps: number;
    measuredSamples: number;
    extrapolated: boolean;
    value: number;
    standardError: number;
  };
  top5PlusTraceSeconds: number;
  firstNumberSeconds: number;
  peakRssMb: number;
  lambdaMaxCheck: { value: number; hvps: number };
  dataloader: { batchSize: number; batches: number; hvpSeconds: number; top5PlusTraceSeconds: number };
}

function runReference(workload: Workload, settings: Settings): Reference {
  const runs: Reference[] = [];
  for (let r = 0; r < settings.runs; r++) {
    const args = [
      join(__dirname, 'reference_pyhessian.py'),
      workload.folder,
      ...['--threads', String(settings.threads), '--seed', String(r), '--trace-cap', String(settings.traceCap)],
      ...['--hvp-repeats', String(settings.hvpRepeats), '--loader-batch', String(DEFAULTS.batchSize)],
      ...['--loader-hvps', settings.quick ? '1' : '3'],
    ];
    const run = spawnSync('/usr/bin/python3', args, { encoding: 'utf8', timeout: 4 * 3_600_000, maxBuffer: 2 ** 26 });
    if (run.status !== 0) throw new Error(`PyTorch reference failed on ${workload.name}: ${run.stderr.trim().split('\n').pop()}`);
    runs.push(JSON.parse(run.stdout));
  }
  const m = (f: (r: Reference) => number) => median(runs.map(f));
  const first = runs[0];
  return {
    ...first,
    loadSeconds: m((r) => r.loadSeconds),
    constructSeconds: m((r) => r.constructSeconds),
    hvpSeconds: m((r) => r.hvpSeconds),
    hvpSecondsOneThread: first.hvpSecondsOneThread === undefined ? undefined : m((r) => r.hvpSecondsOneThread!),
    top5: { ...first.top5, seconds: m((r) => r.top5.seconds) },
    trace: { ...first.trace, seconds: m((r) => r.trace.seconds) },
    traceToOnePercent: { ...first.traceToOnePercent, seconds: m((r) => r.traceToOnePercent.seconds) },
    top5PlusTraceSeconds: m((r) => r.top5PlusTraceSeconds),
    firstNumberSeconds: m((r) => r.firstNumberSeconds),
    peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)),
    dataloader: {
      ...first.dataloader,
      hvpSeconds: m((r) => r.dataloader.hvpSeconds),
      top5PlusTraceSeconds: m((r) => r.dataloader.top5PlusTraceSeconds),
    },
  };
}

async function timeHvp(provider: CurvatureProvider, repeats: number): Promise<number> {
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

interface Engine {
  parameters: number;
  hvpOneThread: number;
  hvpThreads: number;
  chunkSize: number;
  top5: { seconds: number; hvps: number; values: number[] };
  traceToOnePercent: { seconds: number; hvps: number; extrapolated: boolean; value: number; standardError: number };
  /** The default analysis (medians over runs where timed), and the peak RSS of its processes. */
  analyze: Omit<AnalysisRun, 'tensors' | 'rssMb' | 'heapUsedMb'> & { peakRssMb: number };
}

/** The engine's figures: its providers and estimators driven directly, then default analyses in fresh processes. */
async function measureEngine(workload: Workload, settings: Settings, log: (line: string) => void): Promise<Engine> {
  const request = { model: join(workload.folder, 'model.json'), data: join(workload.folder, 'data.npz'), seed: 0 };
  const inputs = openInputs(request);
  const { network, losses, data } = inputs;
  // Chunks planned as analyze plans them (memory-plan.ts): large images run a few samples at a time.
  const working = measureWorkingSet(network, losses, data, request.model);
  const workingBytes = DEFAULTS.workingMb * 2 ** 20;
  const local = planChunkSize(working, DEFAULTS.batchSize, data.count, workingBytes).chunkSize;
  const shared = planChunkSize(
    working,
    DEFAULTS.batchSize,
    Math.ceil(data.count / settings.threads),
    workingBytes / settings.threads,
  ).chunkSize;
  const cacheBytes = DEFAULTS.cacheMb * 2 ** 20;
  log(`  engine: one HVP on 1 thread…`);
  const single = new LocalCurvatureProvider(network, losses, data, { chunkSize: local, cacheBytes, totalSamples: data.count });
  const hvpOneThread = await timeHvp(single, settings.hvpRepeats);
  await single.dispose();
  log(`  engine: one HVP on ${settings.threads} threads…`);
  const parallel = await ParallelCurvatureProvider.start(
    settings.threads,
    {
      modelPath: request.model,
      inputShapes: inputs.model.inputs.map((input) => input.shape),
      maxParameters: DEFAULTS.maxParameters,
      weightOverrides: null,
      backend: 'wasm',
      losses: losses.map(({ name, weight }) => ({ name, weight })),
      options: { chunkSize: shared, cacheBytes: cacheBytes / settings.threads, totalSamples: data.count },
    },
    data,
    network.blocks,
    network.dimension,
  );
  const hvpThreads = await timeHvp(parallel, settings.hvpRepeats);
  const operator = new CurvatureOperator(parallel);
  const top5Runs: Engine['top5'][] = [];
  const traceRuns: Engine['traceToOnePercent'][] = [];
  for (let r = 0; r < settings.runs; r++) {
    log(`  engine: top-5 eigenvalues and the trace to 1% (run ${r + 1}/${settings.runs})…`);
    let start = performance.now();
    const top = await lanczos(operator, { k: 5, tolerance: DEFAULTS.tolerance, seed: r, returnDecomposition: true });
    top5Runs.push({ seconds: (performance.now() - start) / 1000, hvps: top.applications, values: top.eigenpairs.map((p) => p.value) });
    // The engine's trace: Hutchinson on what the top-5 run's Krylov space leaves (deflated-trace.ts).
    start = performance.now();
    const krylov = top.decomposition!;
    const trace = await hutchinson(operator, [{ name: 'trace', offset: krylovTracePart(krylov) }], {
      relativeStandardError: 0.01,
      maxSamples: settings.traceCap,
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
  network.dispose();
  const analyses: FreshRun[] = [];
  for (let r = 0; r < settings.runs; r++) {
    log(`  engine: default analyze in a fresh process (run ${r + 1}/${settings.runs})…`);
    analyses.push(analyzeInFreshProcess(request.model, request.data, workload.samples, 1));
  }
  const runs = analyses.map((a) => a.runs[0]);
  return {
    parameters: network.dimension,
    hvpOneThread,
    hvpThreads,
    chunkSize: shared,
    top5: { seconds: median(top5Runs.map((r) => r.seconds)), hvps: median(top5Runs.map((r) => r.hvps)), values: top5Runs[0].values },
    traceToOnePercent: { ...traceRuns[0], seconds: median(traceRuns.map((r) => r.seconds)), hvps: median(traceRuns.map((r) => r.hvps)) },
    analyze: {
      seconds: median(runs.map((r) => r.seconds)),
      firstNumberSeconds: runs[0].firstNumberSeconds === null ? null : median(runs.map((r) => r.firstNumberSeconds ?? Infinity)),
      firstNumber: runs[0].firstNumber,
      firstNumberHvps: runs[0].firstNumberHvps,
      hvps: runs[0].hvps,
      estimate: runs[0].estimate,
      intervals: runs[0].intervals,
      threads: runs[0].threads,
      stages: runs[0].stages,
      peakRssMb: Math.max(...analyses.map((a) => a.peakRssMb)),
      lambdaMax: runs[0].lambdaMax,
      loss: runs[0].loss,
    },
  };
}

interface FreshRun {
  runs: AnalysisRun[];
  peakRssMb: number;
}

/** Default analyses in a new process (analyze-once.ts): a clean peak RSS for each. */
function analyzeInFreshProcess(model: string, data: string, samples: number, repeat: number): FreshRun {
  const run = spawnSync(
    process.execPath,
    [
      '--expose-gc',
      '--import',
      'tsx',
      join(__dirname, 'analyze-once.ts'),
      model,
      data,
      '--samples',
      String(samples),
      '--repeat',
      String(repeat),
    ],
    { encoding: 'utf8', cwd: ROOT, timeout: 4 * 3_600_000, maxBuffer: 2 ** 26 },
  );
  if (run.status !== 0) throw new Error(`analyze-once failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

interface LeakCheck {
  workload: string;
  analyses: number;
  tensors: number[];
  rssMb: number[];
  heapUsedMb: number[];
}

/** Consecutive default analyses in one process: tensors, RSS and V8 heap after each, after a full GC (a leak grows). */
function leakCheck(workload: Workload, analyses: number): LeakCheck {
  const { runs } = analyzeInFreshProcess(
    join(workload.folder, 'model.json'),
    join(workload.folder, 'data.npz'),
    workload.samples,
    analyses,
  );
  return {
    workload: workload.name,
    analyses: runs.length,
    tensors: runs.map((r) => r.tensors),
    rssMb: runs.map((r) => r.rssMb),
    heapUsedMb: runs.map((r) => r.heapUsedMb),
  };
}

interface Machine {
  cpu: string;
  cores: number;
  threads: number;
  torch: string | null;
  blas: string | null;
  node: string;
  backend: string;
  loadStart: number[];
  /** null for a run stopped before its end. */
  loadEnd: number[] | null;
}

function cpuModel(): string {
  const fromProc = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim();
  const mhz = cpus()[0]?.speed;
  return `${fromProc ?? cpus()[0]?.model ?? 'unknown CPU'}${mhz ? ` at ${mhz} MHz` : ''}`;
}

interface Result {
  workload: Workload;
  engine: Engine;
  reference: Reference | null;
  /** |λ_max engine − λ_max reference| / |λ_max reference|, the reference's λ_max to near float32 precision (Lanczos). */
  agreement: number | null;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      workloads: { type: 'string', default: WORKLOAD_NAMES.join(',') },
      runs: { type: 'string', default: '1' },
      quick: { type: 'boolean', default: false },
      markdown: { type: 'boolean', default: false },
      'skip-reference': { type: 'boolean', default: false },
      'leak-analyses': { type: 'string' },
      from: { type: 'string' },
    },
  });
  if (values.from) {
    publish(merged(values.from.split(',').map(fromFile)), values.markdown);
    return;
  }
  const names = values.workloads.split(',').map((s) => s.trim()) as WorkloadName[];
  const unknown = names.filter((n) => !WORKLOAD_NAMES.includes(n));
  if (unknown.length > 0) throw new Error(`unknown workload ${unknown.join(', ')}: choose among ${WORKLOAD_NAMES.join(', ')}`);
  const settings: Settings = {
    runs: Math.max(1, Number(values.runs)),
    quick: values.quick,
    threads: Math.min(2, availableParallelism()),
    traceCap: values.quick ? 60 : 300,
    hvpRepeats: values.quick ? 3 : 5,
  };
  const leakAnalyses = Number(values['leak-analyses'] ?? (values.quick ? 0 : 20));
  const loadStart = loadavg();
  const out = join(ROOT, 'bench-results');
  mkdirSync(out, { recursive: true });
  const log = (line: string) => process.stderr.write(`${line}\n`);
  await initializeBackend('wasm');
  const workloads = await ensureWorkloads(join(out, 'workloads'), names, log);
  const results: Result[] = [];
  for (const workload of workloads) {
    log(`${workload.name}: PyHessian reference (${settings.runs} run(s))…`);
    const reference = values['skip-reference'] ? null : runReference(workload, settings);
    log(`${workload.name}: engine (${settings.runs} run(s))…`);
    const engine = await measureEngine(workload, settings, log);
    const agreement = reference
      ? Math.abs(engine.top5.values[0] - reference.lambdaMaxCheck.value) / Math.abs(reference.lambdaMaxCheck.value)
      : null;
    results.push({ workload, engine, reference, agreement });
    // Kept as it goes: a long run stopped later still has the workloads it finished.
    writeFileSync(
      join(out, 'bench-partial.json'),
      JSON.stringify({ date: new Date().toISOString(), loadStart, settings, results }, null, 2) + '\n',
    );
    log(`${workload.name}: λ_max engine ${engine.top5.values[0]}, reference ${reference?.lambdaMaxCheck.value ?? '—'}`);
  }
  const mlp = workloads.find((w) => w.name === 'mlp');
  let leaks: LeakCheck | null = null;
  if (leakAnalyses > 0 && mlp) {
    log(`${leakAnalyses} consecutive analyses of the MLP in one process…`);
    leaks = leakCheck(mlp, leakAnalyses);
  }
  const summary: Summary = {
    date: new Date().toISOString(),
    machine: machineOf(settings, results, loadStart, loadavg()),
    settings,
    results,
    leaks,
  };
  writeFileSync(join(out, 'bench.json'), JSON.stringify(summary, null, 2) + '\n');
  publish(summary, values.markdown);
  const disagreeing = results.filter((r) => r.agreement !== null && r.agreement > AGREEMENT);
  if (disagreeing.length > 0) {
    log(`λ_max disagrees by more than ${AGREEMENT} on ${disagreeing.map((r) => r.workload.name).join(', ')}`);
    process.exitCode = 1;
  }
}

function machineOf(settings: Settings, results: Result[], loadStart: number[], loadEnd: number[] | null): Machine {
  const firstReference = results.find((r) => r.reference)?.reference ?? null;
  return {
    cpu: cpuModel(),
    cores: availableParallelism(),
    threads: settings.threads,
    torch: firstReference?.torch ?? null,
    blas: firstReference ? firstReference.blas.join(', ') : null,
    node: process.version,
    backend: 'wasm',
    loadStart,
    loadEnd,
  };
}

/** A saved run: bench.json, or bench-partial.json of a run stopped before its end (no end load, no memory check). */
function fromFile(path: string): Summary {
  const saved = JSON.parse(readFileSync(path, 'utf8')) as
    Summary | { date: string; loadStart: number[]; settings: Settings; results: Result[] };
  if ('machine' in saved) return saved;
  return {
    date: saved.date,
    machine: machineOf(saved.settings, saved.results, saved.loadStart, null),
    settings: saved.settings,
    results: saved.results,
    leaks: null,
  };
}

/**
 * Several saved runs as one: each later run's workloads replace the earlier ones' (a workload rerun on
 * its own); the load averages of every run are kept.
 */
function merged(summaries: Summary[]): Summary {
  const [first, ...rest] = summaries;
  const results = [...first.results];
  for (const later of rest)
    for (const result of later.results) {
      const at = results.findIndex((r) => r.workload.name === result.workload.name);
      if (at >= 0) results[at] = result;
      else results.push(result);
    }
  const runs = summaries.map((x) => ({
    workloads: x.results.map((r) => r.workload.name),
    start: x.machine.loadStart,
    end: x.machine.loadEnd,
  }));
  const leaks = [...summaries].reverse().find((x) => x.leaks)?.leaks ?? null;
  return { ...first, results, leaks, runs: summaries.length > 1 ? runs : undefined };
}

/** Prints the run and writes bench-results/bench.md; with `markdown`, docs/bench.md and the README's section too. */
function publish(summary: Summary, markdown: boolean): void {
  const text = render(summary);
  writeFileSync(join(ROOT, 'bench-results', 'bench.md'), text.markdown);
  process.stdout.write(text.plain + '\n');
  if (markdown) {
    writeFileSync(join(ROOT, 'docs', 'bench.md'), text.markdown);
    const readmePath = join(ROOT, 'README.md');
    writeFileSync(readmePath, replaceSection(readFileSync(readmePath, 'utf8'), '## Performance', readmeSection(summary)));
    process.stderr.write('wrote docs/bench.md and the README’s Performance section\n');
  }
}

interface Summary {
  date: string;
  /** For runs merged with --from a,b: each run's workloads and load averages. */
  runs?: { workloads: string[]; start: number[]; end: number[] | null }[];
  machine: Machine;
  settings: Settings;
  results: Result[];
  leaks: LeakCheck | null;
}

const seconds = (s: number) => (s < 1 ? `${(s * 1000).toFixed(0)} ms` : s < 100 ? `${s.toFixed(2)} s` : `${s.toFixed(0)} s`);
const ratio = (engine: number | null | undefined, reference: number | null | undefined) =>
  engine && reference ? `${(engine / reference).toFixed(2)}×` : '—';
const star = (extrapolated: boolean | undefined) => (extrapolated ? '*' : '');
const load = (l: number[] | null) => (l ? l.map((x) => x.toFixed(2)).join(', ') : 'not recorded (the run was stopped before its end)');

function machineLine(m: Machine): string {
  return `${m.cpu}, ${m.cores} cores; engine: TF.js wasm backend, Node ${m.node}; reference: PyTorch ${m.torch ?? '—'} on ${m.threads} threads, BLAS ${m.blas ?? '—'}`;
}

/** The full table: one row per figure per workload. */
function figureRows(summary: Summary): string[][] {
  const rows: string[][] = [];
  for (const { workload, engine: e, reference: ref } of summary.results) {
    const dl = ref?.dataloader;
    const row = (
      figure: string,
      ours: string,
      ourHvps: string,
      theirs: string,
      theirHvps: string,
      r: string,
      loader = '—',
      loaderRatio = '—',
    ) => rows.push([workload.name, figure, ours, ourHvps, theirs, theirHvps, r, loader, loaderRatio]);
    row(
      'one HVP (1 thread)',
      seconds(e.hvpOneThread),
      '1',
      ref?.hvpSecondsOneThread ? seconds(ref.hvpSecondsOneThread) : '—',
      '1',
      ratio(e.hvpOneThread, ref?.hvpSecondsOneThread),
    );
    row(
      `one HVP (${summary.settings.threads} threads)`,
      seconds(e.hvpThreads),
      '1',
      ref ? seconds(ref.hvpSeconds) : '—',
      '1',
      ratio(e.hvpThreads, ref?.hvpSeconds),
      dl ? seconds(dl.hvpSeconds) : '—',
      ratio(e.hvpThreads, dl?.hvpSeconds),
    );
    row(
      'top-5 eigenvalues of H',
      seconds(e.top5.seconds),
      String(e.top5.hvps),
      ref ? seconds(ref.top5.seconds) : '—',
      ref ? String(ref.top5.hvps) : '—',
      ratio(e.top5.seconds, ref?.top5.seconds),
    );
    row(
      'trace to 1% rel. SE',
      seconds(e.traceToOnePercent.seconds) + star(e.traceToOnePercent.extrapolated),
      String(e.traceToOnePercent.hvps) + star(e.traceToOnePercent.extrapolated),
      ref ? seconds(ref.traceToOnePercent.seconds) + star(ref.traceToOnePercent.extrapolated) : '—',
      ref ? String(ref.traceToOnePercent.hvps) + star(ref.traceToOnePercent.extrapolated) : '—',
      ratio(e.traceToOnePercent.seconds, ref?.traceToOnePercent.seconds),
    );
    row(
      'default analyze vs PyHessian top-5 + trace',
      seconds(e.analyze.seconds),
      String(e.analyze.hvps),
      ref ? seconds(ref.top5PlusTraceSeconds) : '—',
      ref ? String(ref.top5.hvps + ref.trace.hvps) : '—',
      ratio(e.analyze.seconds, ref?.top5PlusTraceSeconds),
      dl ? `${seconds(dl.top5PlusTraceSeconds)}†` : '—',
      ratio(e.analyze.seconds, dl?.top5PlusTraceSeconds),
    );
    row(
      'time to the first number',
      e.analyze.firstNumberSeconds === null ? '—' : seconds(e.analyze.firstNumberSeconds),
      e.analyze.firstNumberHvps === null ? '—' : String(e.analyze.firstNumberHvps),
      ref ? seconds(ref.firstNumberSeconds) : '—',
      ref ? String(ref.top5.firstHvps) : '—',
      ratio(e.analyze.firstNumberSeconds, ref?.firstNumberSeconds),
    );
    row(
      'peak RSS',
      `${e.analyze.peakRssMb.toFixed(0)} MB`,
      '',
      ref ? `${ref.peakRssMb.toFixed(0)} MB` : '—',
      '',
      ratio(e.analyze.peakRssMb, ref?.peakRssMb),
    );
  }
  return rows;
}

const HEADER = ['workload', 'figure', 'engine', 'HVPs', 'PyHessian (one batch)', 'HVPs', 'ratio', 'PyHessian with a dataloader', 'ratio'];

/** The analysis' estimate made before its curvature stages against what the run then took, and what 'auto' did with the intervals. */
function estimateLine(run: Engine['analyze']): string {
  // Runs saved before these were recorded (re-rendered with --from) have neither.
  const intervals = !(run.intervals as typeof run.intervals | undefined)
    ? 'sampling intervals not recorded'
    : run.intervals.computed
      ? 'sampling intervals computed'
      : `sampling intervals not computed${run.intervals.note ? ` (${run.intervals.note})` : ''}`;
  if (!run.estimate) return `no time estimate recorded; ${intervals}`;
  return `estimate before the curvature stages: ${seconds(run.estimate.seconds)} and ${run.estimate.peakMb.toFixed(0)} MB; measured ${seconds(run.seconds)} (estimate/measured ${(run.estimate.seconds / run.seconds).toFixed(2)}) and ${run.peakRssMb.toFixed(0)} MB peak RSS (${(run.estimate.peakMb / run.peakRssMb).toFixed(2)}); ${intervals} — an estimate includes the intervals under 'auto'`;
}

function details(summary: Summary): string[] {
  return summary.results.map(({ workload, engine: e, reference: ref, agreement }) => {
    const lines = [
      `${workload.name}: ${workload.description}, ${e.parameters.toLocaleString('en-US')} parameters${ref ? `; reference model: ${ref.implementation}` : ''}`,
      `  λ_max of H: engine ${e.top5.values[0].toPrecision(7)}, reference ${ref ? `${ref.lambdaMaxCheck.value.toPrecision(7)} (Lanczos, ${ref.lambdaMaxCheck.hvps} HVPs, untimed)` : '—'}` +
        (agreement === null
          ? ''
          : `: relative difference ${agreement.toExponential(2)}, ${agreement <= AGREEMENT ? `within ${AGREEMENT}` : `OVER ${AGREEMENT}`}`),
    ];
    if (ref) {
      lines.push(
        `  PyHessian's own numbers: top-5 ${ref.top5.eigenvalues.map((v) => v.toPrecision(5)).join(', ')} (power iteration, tol 1e-3); trace ${ref.trace.value.toPrecision(5)} after ${ref.trace.hvps} samples (its stopping rule)` +
          (ref.trace.standardError === null
            ? ''
            : `, standard error ${((100 * ref.trace.standardError) / Math.abs(ref.trace.value)).toFixed(1)}%`),
        `  loss: engine ${e.analyze.loss.toPrecision(7)}, reference ${ref.loss.toPrecision(7)}; PyHessian's constructor (forward + create_graph backward) ${seconds(ref.constructSeconds)}, loading ${seconds(ref.loadSeconds)}`,
        `  the dataloader column: batches of ${ref.dataloader.batchSize} (${ref.dataloader.batches} per HVP)`,
      );
    }
    lines.push(
      `  engine: default analyze on ${e.analyze.threads} thread(s), first number λ_max(D·H·D) = ${e.analyze.firstNumber?.toPrecision(5) ?? '—'}; HVPs and seconds per stage: ${e.analyze.stages.map((s) => `${s.name} ${s.hvps} (${s.seconds.toFixed(1)} s)`).join(', ')}`,
      `  ${estimateLine(e.analyze)}`,
    );
    return lines.join('\n');
  });
}

function memoryLines(leaks: LeakCheck | null): string[] {
  if (!leaks) return ['Consecutive analyses: not run (--quick, or no mlp workload).'];
  const { analyses, tensors, rssMb, heapUsedMb } = leaks;
  const after = [1, 2, 5, 10, 15, 20].filter((k) => k <= analyses);
  const half = Math.floor(analyses / 2);
  const series = (v: number[]) =>
    `${after.map((k) => v[k - 1].toFixed(0)).join(', ')} MB` +
    (analyses >= 4
      ? ` (highest after 2–${half}: ${Math.max(...v.slice(1, half)).toFixed(0)}, after ${half + 1}–${analyses}: ${Math.max(...v.slice(half)).toFixed(0)})`
      : '');
  return [
    `${analyses} consecutive default analyses of the ${leaks.workload} in one process, measured after a full GC: tensors after each ${Math.min(...tensors)}–${Math.max(...tensors)};`,
    `  after analyses ${after.join(', ')}: RSS ${series(rssMb)}; V8 heap ${series(heapUsedMb)}`,
  ];
}

function render(summary: Summary): { plain: string; markdown: string } {
  const { machine: m, settings: s } = summary;
  const notes = [
    `run: ${summary.date ? summary.date.slice(0, 16).replace('T', ' ') + ' UTC' : 'date not recorded'}; machine: ${machineLine(m)}`,
    summary.runs
      ? `merged from ${summary.runs.length} runs; load average (1, 5, 15 min) ${summary.runs.map((r) => `of the run of ${r.workloads.join(', ')}: ${load(r.start)} at the start, ${load(r.end)} at the end`).join('; ')}`
      : `load average (1, 5, 15 min) at the start: ${load(m.loadStart)}; at the end: ${load(m.loadEnd)}`,
    `${s.runs === 1 ? 'one run' : `medians of ${s.runs} runs`}${s.quick ? ' (--quick)' : ''}; ratio = engine / reference (below 1: the engine is faster); * = extrapolated past ${s.traceCap} samples from the variance; † = the dataloader's measured HVP time × the HVPs of PyHessian's top-5 + trace`,
  ];
  const rows = figureRows(summary);
  const plain = [...notes, '', textTable(HEADER, rows), '', ...details(summary), '', ...memoryLines(summary.leaks)].join('\n');
  const markdown = [
    '# Benchmark',
    '',
    'Generated by `npm run bench -- --markdown` (scripts/bench/bench.ts); the figures are those of one run on the',
    'machine named below. What is measured and how: see "Method" at the end.',
    '',
    ...notes.map((n) => `- ${n}`),
    '',
    markdownTable(HEADER, rows),
    '',
    ...details(summary).map((d) => d.replace(/^/gm, '    ')),
    '',
    ...memoryLines(summary.leaks),
    '',
    METHOD,
  ].join('\n');
  return { plain, markdown };
}

const METHOD = `## Method

- **PyHessian (one batch)** is PyHessian's \`hessian(model, criterion, data=(x, y))\`, reproduced in
  scripts/bench/reference_pyhessian.py: the constructor runs the forward pass and \`loss.backward(create_graph=True)\`
  once and keeps the gradients; every HVP is \`torch.autograd.grad(gradsH, params, grad_outputs=v, retain_graph=True)\`,
  one backward pass through the retained graph. \`eigenvalues(top_n=5)\` is its power iteration with deflation
  (maxIter 100, tol 1e-3 on the relative change of vᵀHv), \`trace()\` its Hutchinson estimate with Rademacher
  probes (maxIter 100, stops when the running mean moves by less than 1e-3 relative). float32, the same weights and
  samples as the engine, \`torch.set_num_threads\` = the engine's worker threads. "Default analyze vs PyHessian
  top-5 + trace" counts PyHessian's constructor, \`eigenvalues(top_n=5)\` and \`trace()\`; "time to the first number"
  is loading + constructor + the first eigenvalue (what \`eigenvalues(top_n=1)\` costs) against the engine's
  partial result of the invariant spectrum (λ_max of D·H·D, streamed before the rest of the analysis).
  The peak RSS is the torch process's after its top-5 + trace, against the analysing process's (workers included).
- **PyHessian with a dataloader** is \`hessian(model, criterion, dataloader=loader)\`: it keeps no graph, and each HVP
  (\`dataloader_hv_product\`) loops over the loader's batches and runs, per batch, a forward pass,
  \`loss.backward(create_graph=True)\` and \`autograd.grad(..., retain_graph=False)\`, averaging the batches' Hv by
  their sizes. Its HVP is timed with the engine's chunk size as the batch size; its top-5 + trace is that time ×
  the one-batch run's HVP counts (†).
- **The trace to a 1% relative standard error**: the engine's trace is Hutchinson on what its top-5 Lanczos run's
  Krylov space leaves (deflated); the reference's is plain Hutchinson with PyHessian's probes. Both stop at 1% (at
  least 10 samples) or at the cap, past which the samples needed are extrapolated from the variance (*).
- **The λ_max check**: the engine's top eigenvalue of H against the reference's, computed untimed by Lanczos with
  full re-orthogonalisation on the same PyTorch HVPs (PyHessian's power iteration stops at a 1e-3 relative
  change, which is not a 1e-3 accuracy); the bench fails when they differ by more than 1e-3 relative.
- **The PyTorch model**: a Sequential of Dense, Conv2D, MaxPooling2D, Flatten and Dropout layers (mlp, cnn,
  convnet) is rebuilt natively (NCHW, kernels permuted once, TensorFlow's 'same' padding, a Flatten that reads
  channels last as Keras does); any other model (mobilenet) is read by this project's PyTorch reading of Keras
  files (scripts/reference/keras_reference), cast to float32, which computes channels last and permutes around
  each convolution. The loss, computed on both sides and printed, shows that both compute the same function.
- **Workloads** (scripts/bench/workloads.ts) are made on first use into bench-results/workloads/ and analysed
  on all their samples (the default analysis is given \`--samples\` = the workload's size).
- The engine's default analysis computes more than PyHessian's top-5 + trace: the top-5 of H and of D·H·D, the
  traces of both, and the per-layer sharpness; its HVPs per stage are listed above.
`;

/** The README's Performance section, from a run. */
function readmeSection(summary: Summary): string {
  const { machine: m } = summary;
  const header = [
    'workload',
    'one HVP, 1 thread',
    `one HVP, ${summary.settings.threads} threads`,
    'top-5 of H',
    'trace to 1%',
    'default analyze vs PyHessian top-5 + trace',
    'first number',
    'peak RSS',
  ];
  const cell = (ours: number | null, theirs: number | null | undefined, unit: (x: number) => string) =>
    ours === null ? '—' : theirs ? `${unit(ours)} vs ${unit(theirs)} (**${(ours / theirs).toFixed(2)}×**)` : unit(ours);
  const mb = (x: number) => `${x.toFixed(0)} MB`;
  const rows = summary.results.map(({ workload, engine: e, reference: r }) => [
    `${workload.description} (${e.parameters.toLocaleString('en-US')} parameters)`,
    cell(e.hvpOneThread, r?.hvpSecondsOneThread, seconds),
    cell(e.hvpThreads, r?.hvpSeconds, seconds),
    cell(e.top5.seconds, r?.top5.seconds, seconds),
    cell(e.traceToOnePercent.seconds, r?.traceToOnePercent.seconds, seconds),
    cell(e.analyze.seconds, r?.top5PlusTraceSeconds, seconds),
    cell(e.analyze.firstNumberSeconds, r?.firstNumberSeconds, seconds),
    cell(e.analyze.peakRssMb, r?.peakRssMb, mb),
  ]);
  const loads = summary.runs ?? [{ workloads: [], start: m.loadStart, end: m.loadEnd }];
  const busy = Math.max(...loads.flatMap((r) => [r.start[0], r.end?.[0] ?? 0])) > m.cores;
  const loadText = loads
    .map(
      (r) =>
        `${r.workloads.length > 0 ? `run of ${r.workloads.join(', ')}: ` : ''}${load(r.start)} at the start, ${load(r.end)} at the end`,
    )
    .join('; ');
  const faster = summary.results
    .filter((r) => r.reference && r.engine.analyze.seconds < r.reference.top5PlusTraceSeconds)
    .map((r) => r.workload.name);
  const slower = summary.results
    .filter((r) => r.reference && r.engine.analyze.seconds >= r.reference.top5PlusTraceSeconds)
    .map((r) => r.workload.name);
  const verdict =
    slower.length === 0
      ? "In this run the default analysis finished before PyHessian's top-5 + trace on every workload."
      : `In this run the default analysis was slower than PyHessian's top-5 + trace on ${slower.join(', ')}${faster.length > 0 ? ` and faster on ${faster.join(', ')}` : ''}.`;
  return [
    '## Performance',
    '',
    '**Correction (2026-12-02).** An earlier table here compared the engine with a script that re-ran a forward pass',
    'and a first backward pass for every Hessian-vector product. That is not what PyHessian does: given one batch',
    '(`hessian(model, criterion, data=(x, y))`, its documented use) it builds the gradient graph once and computes every',
    'HVP as one backward pass through the retained graph. The benchmark now reproduces that method exactly',
    '(scripts/bench/reference_pyhessian.py), and the table below is regenerated from a run by',
    '`npm run bench -- --markdown`. Each cell is engine vs PyHessian and their ratio (below 1×: the engine is faster),',
    'measured in the same run, same weights and samples, float32, as many threads on both sides.',
    '',
    markdownTable(header, rows),
    '',
    `${verdict} The engine's analysis also computes the spectrum and trace of D·H·D and the per-layer`,
    'sharpness, which PyHessian does not; "first number" is the time to its first result (λ_max of D·H·D) against',
    "PyHessian's λ_max. The run: " +
      `${machineLine(m)}; ${busy ? 'a shared machine, busy with other work' : 'an otherwise idle machine'} (load average ${loadText})${busy ? ', so the absolute times are noisy' : ''}.`,
    busy
      ? "Under such load the reference's two OpenMP threads wait for each other more than the engine's workers do (compare the one-thread column), and the reference and the engine run one after the other, so a load that changes during the run shifts the ratios: a busy run's ratios are that run's, not the engine's speed on an idle machine: rerun `npm run bench -- --markdown` on one. All figures, HVP counts per stage, the"
      : 'All figures, HVP counts per stage, the',
    'dataloader variant of PyHessian, the λ_max agreement check and the memory check: [docs/bench.md](docs/bench.md).',
    '',
    '',
  ].join('\n');
}

/** `text` with the section that starts at `heading` (up to the next heading of the same level) replaced. */
export function replaceSection(text: string, heading: string, section: string): string {
  const start = text.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README.md has no "${heading}" section`);
  const level = heading.split(' ')[0];
  const next = text.indexOf(`\n${level} `, start + heading.length + 2);
  return text.slice(0, start + 1) + section + (next < 0 ? '' : text.slice(next + 1));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
