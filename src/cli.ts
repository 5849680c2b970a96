/**
 * sharpness-lens: the command-line front end over the engine (DESIGN.md, "Command-line contract").
 * Exit codes: 0 success, 2 bad usage, 1 any analysis error (one line on stderr naming the file).
 */
import { statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { version } from '../package.json';
import { analyze, type AnalyzeRequest } from './engine/analysis/analyze';
import { CancelledError, SharpnessError, UsageError } from './engine/errors';
import { parseLossName } from './engine/loss/resolve-loss';
import { loadModel, readModelJson } from './engine/model/load-model';
import { writeModelCopy } from './engine/model/save-model';
import { resolveShardPath } from './engine/model/weights';
import { layerwiseRescaling, neuronwiseRescaling } from './engine/rescaling/rescale';
import type { ProgressEvent } from './shared/progress';
import type { Report } from './shared/report';
import { formatComparison, formatMarkdown, formatTable } from './shared/report-format';
import { runDemo } from './demo/run-demo';

const HELP = `sharpness-lens ${version} — rescaling-invariant Hessian sharpness of TF.js models

usage:
  sharpness-lens analyze <model.json> --data <file> [options]
  sharpness-lens compare <model.json> <model.json>... --data <file> [options]
  sharpness-lens rescale <model.json> (--factors a1,a2,... | --neurons SEED) --out <dir>
  sharpness-lens demo [--out-dir DIR] [--quiet]

data:
  --data FILE             .npz (arrays x, y), .npy inputs (+ --labels y.npy), .json {x, y}, or .csv
  --labels FILE           labels (.npy) when --data holds inputs only
  --label-column C        CSV label column: index (negative from the end) or header name (default: last)
  --samples N             seeded subsample of N samples (default: all, at most 2048)
  --seed S                seed for every random choice (default 0): same inputs + seed → same numbers
  --loss L                auto (default: the model's training config, else inferred), categorical_crossentropy,
                          sparse_categorical_crossentropy, binary_crossentropy, mse
  --include-regularizers  add the layers' L1/L2 weight regularizers to the loss

measures:
  --top-k K               eigenvalues to compute (default 5)
  --normalization N       layer (default: one Frobenius norm per tensor, the paper) or element (|θ|)
  --horizontal            project D H D onto the horizontal space (layer normalization only)
  --density               also compute the spectral density (SLQ)
  --cross-check           also run power iteration (PyHessian's method) for λ_max and report the agreement
  --no-per-layer          skip the per-layer sharpness
  --exact-threshold N     dense Hessian for models with at most N parameters (default 400)
  --tolerance T           Lanczos relative residual tolerance (default 1e-4)
  --max-iterations N      Lanczos iterations cap
  --trace-samples N       Hutchinson probes at most, per operator (default 40)

rescaling (the before/after experiment):
  --rescale a1,a2,...     layer-wise, one factor per kernel layer, product 1
  --rescale-neurons SEED  random neuron-wise rescaling
  --factors a1,a2,...     (rescale command) layer-wise factors
  --neurons SEED          (rescale command) neuron-wise seed

compute:
  --backend B             auto (default: tensorflow if installed, else wasm, else cpu), wasm, cpu, tensorflow
  --threads N|auto        data-parallel worker threads (default auto)
  --batch-size N          samples per chunk (default 256)
  --cache-mb N            memory for cached activations and derived values (default 512)
  --max-parameters N      refuse larger models (default 20000000)

output:
  --format F              table (default), markdown or json
  --out FILE              write the JSON report to FILE (rescale: the output folder)
  --quiet                 no progress on stderr
  --verbose               stack traces on errors
  --help, --version
`;

const OPTIONS = {
  data: { type: 'string' },
  labels: { type: 'string' },
  'label-column': { type: 'string' },
  samples: { type: 'string' },
  seed: { type: 'string' },
  loss: { type: 'string' },
  'include-regularizers': { type: 'boolean' },
  'top-k': { type: 'string' },
  normalization: { type: 'string' },
  horizontal: { type: 'boolean' },
  density: { type: 'boolean' },
  'cross-check': { type: 'boolean' },
  'no-per-layer': { type: 'boolean' },
  'exact-threshold': { type: 'string' },
  tolerance: { type: 'string' },
  'max-iterations': { type: 'string' },
  'trace-samples': { type: 'string' },
  rescale: { type: 'string' },
  'rescale-neurons': { type: 'string' },
  factors: { type: 'string' },
  neurons: { type: 'string' },
  backend: { type: 'string' },
  threads: { type: 'string' },
  'batch-size': { type: 'string' },
  'cache-mb': { type: 'string' },
  'max-parameters': { type: 'string' },
  format: { type: 'string' },
  out: { type: 'string' },
  'out-dir': { type: 'string' },
  quiet: { type: 'boolean' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} satisfies ParseArgsConfig['options'];

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

function integer(values: Values, name: keyof Values, min = 1): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer ≥ ${min}, got "${String(raw)}"`);
  return n;
}

function positiveNumber(values: Values, name: keyof Values): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!(n > 0) || !Number.isFinite(n)) throw new UsageError(`--${name} must be a positive number, got "${String(raw)}"`);
  return n;
}

function choice<T extends string>(values: Values, name: keyof Values, allowed: readonly T[], fallback: T): T {
  const raw = values[name];
  if (raw === undefined) return fallback;
  if (!allowed.includes(raw as T)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got "${String(raw)}"`);
  return raw as T;
}

function factorList(raw: string, flag: string): number[] {
  const factors = raw.split(',').map((s) => Number(s.trim()));
  if (factors.length === 0 || factors.some((f) => !(f > 0) || !Number.isFinite(f)))
    throw new UsageError(`${flag} takes positive numbers separated by commas, got "${raw}"`);
  return factors;
}

function analyzeRequest(model: string, values: Values): AnalyzeRequest {
  if (!values.data) throw new UsageError('--data is required (the analysis data: .npz, .npy, .json or .csv)');
  const lossRaw = values.loss ?? 'auto';
  const loss = lossRaw === 'auto' ? 'auto' : parseLossName(lossRaw);
  if (!loss)
    throw new UsageError(
      `--loss must be auto, categorical_crossentropy, sparse_categorical_crossentropy, binary_crossentropy or mse, got "${lossRaw}"`,
    );
  // Combinations the engine would refuse only after loading everything: they are usage errors.
  if (values.rescale !== undefined && values['rescale-neurons'] !== undefined)
    throw new UsageError('give either --rescale or --rescale-neurons, not both');
  const normalization = choice(values, 'normalization', ['layer', 'element'] as const, 'layer');
  if (values.horizontal && normalization !== 'layer') throw new UsageError('--horizontal is defined for --normalization layer only');
  const labelColumn = values['label-column'];
  const threads = values.threads === undefined || values.threads === 'auto' ? 'auto' : integer(values, 'threads');
  return {
    model,
    data: values.data,
    labels: values.labels,
    labelColumn: labelColumn === undefined ? undefined : /^-?\d+$/.test(labelColumn) ? Number(labelColumn) : labelColumn,
    samples: integer(values, 'samples'),
    seed: integer(values, 'seed', 0),
    loss,
    backend: choice(values, 'backend', ['auto', 'wasm', 'cpu', 'tensorflow'] as const, 'auto'),
    threads,
    chunkSize: integer(values, 'batch-size'),
    cacheMegabytes: integer(values, 'cache-mb', 0),
    includeRegularizers: values['include-regularizers'] ?? false,
    rescale: values.rescale ? factorList(values.rescale, '--rescale') : null,
    rescaleNeurons: integer(values, 'rescale-neurons', 0) ?? null,
    maxParameters: integer(values, 'max-parameters'),
    settings: {
      topK: integer(values, 'top-k') ?? 5,
      normalization,
      operator: values.horizontal ? 'horizontal' : 'dhd',
      density: values.density ?? false,
      crossCheck: values['cross-check'] ?? false,
      perLayer: !values['no-per-layer'],
      ...(values['exact-threshold'] !== undefined ? { exactThreshold: integer(values, 'exact-threshold', 0) } : {}),
      ...(values.tolerance !== undefined ? { lanczosTolerance: positiveNumber(values, 'tolerance') } : {}),
      ...(values['max-iterations'] !== undefined ? { lanczosMaxIterations: integer(values, 'max-iterations') } : {}),
      ...(values['trace-samples'] !== undefined ? { traceMaxSamples: integer(values, 'trace-samples') } : {}),
    },
  };
}

/** One self-overwriting line on a terminal's stderr; nothing when piped or --quiet. */
export function progressPrinter(enabled: boolean): { update: (event: ProgressEvent) => void; clear: () => void } {
  if (!enabled || !process.stderr.isTTY) return { update: () => undefined, clear: () => undefined };
  let last = 0;
  const write = (text: string) => process.stderr.write(`\r\x1b[2K${text.slice(0, (process.stderr.columns ?? 100) - 1)}`);
  return {
    update(event) {
      const now = Date.now();
      if (now - last < 100 && event.iteration !== null) return;
      last = now;
      const step = event.iteration !== null ? ` ${event.iteration}/${event.maxIterations}` : '';
      const eta = event.etaSeconds !== null ? ` · ≤${Math.ceil(event.etaSeconds)} s left` : '';
      write(
        `[${event.stageIndex}/${event.stageCount}] ${event.stage}${step}${event.detail ? ` · ${event.detail}` : ''} · ${event.hvpCount} HVPs${eta}`,
      );
    },
    clear: () => process.stderr.write('\r\x1b[2K'),
  };
}

/** A reduced request (--threads, --top-k) is said on stderr when it is decided, unless --quiet. */
function warningPrinter(values: Values, progress: { clear: () => void }): (message: string) => void {
  return (message) => {
    if (values.quiet) return;
    progress.clear();
    process.stderr.write(`sharpness-lens: warning: ${message}\n`);
  };
}

/** The same file by path, or by identity where both exist (a link or another spelling of the path). */
function sameFile(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  try {
    const [x, y] = [statSync(a), statSync(b)];
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}

/** The weight shards a model.json lists; none when it cannot be read (the analysis then reports why). */
function shardFiles(model: string): string[] {
  try {
    return readModelJson(model).json.weightsManifest.flatMap((group) => group.paths.map((path) => resolveShardPath(model, path)));
  } catch {
    return [];
  }
}

/**
 * Checked before the analysis, so a run of minutes does not end in a failed write: --out must not be an
 * input (a model, its shards, the data), and must be a file name in an existing folder.
 */
function assertWritableOutput(out: string, models: string[], dataFiles: (string | undefined)[]): void {
  const inputs = [...models, ...models.flatMap(shardFiles), ...dataFiles.filter((p): p is string => p !== undefined)];
  if (inputs.some((input) => sameFile(input, out))) throw new UsageError(`--out ${out} is one of the input files; it would be overwritten`);
  const folder = dirname(resolve(out));
  if (!statSync(folder, { throwIfNoEntry: false })?.isDirectory())
    throw new SharpnessError(`cannot write the report: the folder ${folder} does not exist`, out);
  if (statSync(out, { throwIfNoEntry: false })?.isDirectory())
    throw new SharpnessError("is a folder; --out takes the report's file name", out);
}

function writeReport(out: string, json: string): void {
  try {
    writeFileSync(out, json);
  } catch (error) {
    throw new SharpnessError(`cannot write the report: ${(error as Error).message}`, out);
  }
}

async function runAnalyze(positionals: string[], values: Values, signal: AbortSignal): Promise<void> {
  if (positionals.length !== 1) throw new UsageError('analyze takes exactly one model.json');
  const request = analyzeRequest(positionals[0], values);
  const format = choice(values, 'format', ['table', 'markdown', 'json'] as const, 'table');
  if (values.out) assertWritableOutput(values.out, [request.model], [request.data, request.labels]);
  const progress = progressPrinter(!values.quiet);
  let report: Report;
  try {
    report = await analyze(request, { signal, onProgress: progress.update, onWarning: warningPrinter(values, progress) });
  } finally {
    progress.clear();
  }
  const json = JSON.stringify(report, null, 2) + '\n';
  if (values.out) writeReport(values.out, json);
  if (format === 'json') {
    if (!values.out) process.stdout.write(json);
    else if (!values.quiet) process.stderr.write(`report written to ${values.out}\n`);
  } else {
    process.stdout.write((format === 'markdown' ? formatMarkdown(report) : formatTable(report)) + '\n');
  }
}

async function runCompare(positionals: string[], values: Values, signal: AbortSignal): Promise<void> {
  if (positionals.length < 2) throw new UsageError('compare takes two or more model.json files');
  const format = choice(values, 'format', ['table', 'markdown', 'json'] as const, 'table');
  if (values.out) assertWritableOutput(values.out, positionals, [values.data, values.labels]);
  // Every model.json is read before the first analysis, so a broken last model fails at once, not
  // after the others have run.
  for (const model of positionals) readModelJson(model);
  const reports: Report[] = [];
  const progress = progressPrinter(!values.quiet);
  try {
    for (const model of positionals)
      reports.push(
        await analyze(analyzeRequest(model, values), { signal, onProgress: progress.update, onWarning: warningPrinter(values, progress) }),
      );
  } finally {
    progress.clear();
  }
  const json = JSON.stringify({ schemaVersion: 1, reports }, null, 2) + '\n';
  if (values.out) writeReport(values.out, json);
  if (format === 'json') {
    if (!values.out) process.stdout.write(json);
  } else {
    process.stdout.write(formatComparison(reports, format));
  }
}

async function runRescale(positionals: string[], values: Values): Promise<void> {
  if (positionals.length !== 1) throw new UsageError('rescale takes exactly one model.json');
  if (!values.out) throw new UsageError('rescale needs --out <dir>, a new folder for the rescaled copy');
  if ((values.factors === undefined) === (values.neurons === undefined))
    throw new UsageError('rescale needs either --factors a1,a2,... or --neurons SEED');
  const factors = values.factors === undefined ? null : factorList(values.factors, '--factors');
  const seed = integer(values, 'neurons', 0);
  const model = loadModel(positionals[0], { maxParameters: integer(values, 'max-parameters') });
  const rescaling = factors ? layerwiseRescaling(model, factors) : neuronwiseRescaling(model, seed!);
  const written = writeModelCopy(model, rescaling.values, values.out, { rescaling: rescaling.description });
  if (!values.quiet) process.stderr.write(`${rescaling.description}\n`);
  process.stdout.write(written.join('\n') + '\n');
}

/**
 * One line for the problem, the usage hint the next. Node's parseArgs explains at length how to pass a
 * positional that starts with "-", where the option's name is what matters, and spreads some messages
 * over several lines.
 */
function usageMessage(error: Error): string {
  const unknown = (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? /'([^']+)'/.exec(error.message) : null;
  return unknown ? `unknown option ${unknown[1]}` : error.message.replace(/\s*\n\s*/g, ' ');
}

export async function main(argv: string[]): Promise<number> {
  let verbose = argv.includes('--verbose');
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  try {
    const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    verbose = values.verbose ?? false;
    if (values.version) {
      process.stdout.write(`${version}\n`);
      return 0;
    }
    const [command, ...rest] = positionals;
    if (values.help || command === 'help') {
      process.stdout.write(HELP);
      return 0;
    }
    switch (command) {
      case 'analyze':
        await runAnalyze(rest, values, controller.signal);
        return 0;
      case 'compare':
        await runCompare(rest, values, controller.signal);
        return 0;
      case 'rescale':
        await runRescale(rest, values);
        return 0;
      case 'demo':
        await runDemo({ outDir: values['out-dir'], quiet: values.quiet ?? false, signal: controller.signal });
        return 0;
      case undefined:
        throw new UsageError('no command given (analyze, compare, rescale, demo)');
      default:
        throw new UsageError(`unknown command "${command}" (analyze, compare, rescale, demo)`);
    }
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`sharpness-lens: ${usageMessage(error as Error)}\nrun "sharpness-lens --help" for usage\n`);
      return 2;
    }
    // Our messages may quote text from an input file, line breaks included; they stay one line. Anything
    // else is a bug, whose first line is what a user can report.
    const message =
      error instanceof SharpnessError || error instanceof CancelledError
        ? error.message.replace(/\s*[\r\n]+\s*/g, ' ')
        : `internal error: ${String((error as Error).message ?? error).split('\n')[0]}`;
    process.stderr.write(`sharpness-lens: ${message}\n`);
    if (verbose && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
