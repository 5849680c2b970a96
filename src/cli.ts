/**
 * sharpness-lens: the command-line front end over the engine (docs/architecture.md, "Command-line contract").
 * Its analysis options, their defaults and checks come from the shared table (src/shared/options.ts),
 * which the extension's settings use too; engine problems are worded here with the CLI's flags.
 * Exit codes: 0 success, 2 bad usage, 1 any analysis error (one line on stderr naming the file).
 */
import { statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { version } from '../package.json';
import { analyze, type AnalyzeRequest } from './engine/analysis/analyze';
import { CancelledError, printable, SharpnessError } from './engine/errors';
import { loadModel, readModelJson } from './engine/model/load-model';
import { writeModelCopy } from './engine/model/save-model';
import { resolveShardPath } from './engine/model/weights';
import { layerwiseRescaling, neuronwiseRescaling } from './engine/rescaling/rescale';
import { DATA_FILE_EXTENSIONS } from './shared/data-files';
import { DEFAULTS, type AnalysisOptions } from './shared/defaults';
import {
  analyzeRequestFor,
  forComparison,
  FLAG_WORDING,
  OPTION_SPECS,
  OptionValueError,
  parseOption,
  withDefaults,
  type OptionKey,
  type OptionSpec,
} from './shared/options';
import { describeProblem, type Problem } from './shared/problems';
import { progressLine, type ProgressEvent } from './shared/progress';
import type { Report } from './shared/report';
import { formatComparison, formatMarkdown, formatTable } from './shared/report-format';
import { runDemo } from './demo/run-demo';

/** Bad command-line usage: exit code 2 instead of 1. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(message: string) {
    super(printable(message));
  }
}

/** One line of --help: the flag with its placeholder, and what it does. */
interface HelpEntry {
  flag: string;
  text: string;
}

const HELP_GROUPS: { title: string; entries: HelpEntry[] }[] = [
  {
    title: 'data',
    entries: [
      {
        flag: '--data FILE',
        text: '.npz (arrays x, y), .npy inputs (+ --labels y.npy), .json {x, y}, or .csv; for several inputs or outputs, a .npz or .json with x0, x1, …, y0, y1, … or the layers’ names',
      },
      { flag: '--labels FILE', text: 'labels (.npy) when --data holds inputs only (one input and one output)' },
      ...optionHelp('data'),
    ],
  },
  { title: 'measures', entries: optionHelp('measures') },
  {
    title: 'rescaling (the before/after experiment)',
    entries: [
      { flag: '--rescale a1,a2,...', text: 'layer-wise, one factor per kernel layer, product 1' },
      { flag: '--rescale-neurons SEED', text: 'random neuron-wise rescaling' },
      { flag: '--factors a1,a2,...', text: '(rescale command) layer-wise factors' },
      { flag: '--neurons SEED', text: '(rescale command) neuron-wise seed' },
    ],
  },
  { title: 'compute', entries: optionHelp('compute') },
  {
    title: 'output',
    entries: [
      { flag: '--format F', text: 'table (default), markdown or json' },
      { flag: '--out FILE', text: 'write the JSON report to FILE (rescale: the output folder)' },
      { flag: '--out-dir DIR', text: '(demo) write demo.md and demo.json to DIR (default: nothing is written)' },
      { flag: '--quiet', text: 'no progress on stderr' },
      { flag: '--progress', text: 'progress on stderr even when it is not a terminal: one line as each stage begins' },
      { flag: '--verbose', text: 'stack traces on errors' },
      { flag: '--help, --version', text: '' },
    ],
  },
];

/** A default as --help prints it: small numbers in exponent notation ("1e-4"). */
function formatDefault(value: string | number | boolean): string {
  return typeof value === 'number' && value !== 0 && Math.abs(value) < 1e-2 ? value.toExponential() : String(value);
}

/** The analysis options of one group, each with its default from the shared table. */
function optionHelp(group: OptionSpec['group']): HelpEntry[] {
  return OPTION_SPECS.filter((spec) => spec.group === group).map((spec) => {
    const value = DEFAULTS[spec.key];
    const shown = spec.kind.type !== 'boolean' && value !== null ? ` (default ${formatDefault(value)})` : '';
    return { flag: `--${spec.flag}${spec.placeholder ? ` ${spec.placeholder}` : ''}`, text: `${spec.help}${shown}` };
  });
}

const HELP_INDENT = 26;
const HELP_WIDTH = 110;

/** Wraps a help text at word boundaries, continuation lines under its first. */
function wrap(text: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && HELP_INDENT + line.length + 1 + word.length > HELP_WIDTH) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines.join(`\n${' '.repeat(HELP_INDENT)}`);
}

export function helpText(): string {
  const groups = HELP_GROUPS.map(
    ({ title, entries }) => `${title}:\n${entries.map((e) => `  ${e.flag.padEnd(HELP_INDENT - 4)}  ${wrap(e.text)}`.trimEnd()).join('\n')}`,
  );
  return `sharpness-lens ${version} — rescaling-invariant Hessian sharpness of TF.js models

usage:
  sharpness-lens analyze <model.json> --data <file> [options]
  sharpness-lens compare <model.json> <model.json>... --data <file> [options]
  sharpness-lens rescale <model.json> (--factors a1,a2,... | --neurons SEED) --out <dir>
  sharpness-lens demo [--out-dir DIR] [--quiet]

${groups.join('\n\n')}
`;
}

const ANALYSIS_FLAGS = Object.fromEntries(
  OPTION_SPECS.map((spec) => [spec.flag, { type: spec.kind.type === 'boolean' ? ('boolean' as const) : ('string' as const) }]),
);

const OPTIONS = {
  ...ANALYSIS_FLAGS,
  data: { type: 'string' },
  labels: { type: 'string' },
  rescale: { type: 'string' },
  'rescale-neurons': { type: 'string' },
  factors: { type: 'string' },
  neurons: { type: 'string' },
  format: { type: 'string' },
  out: { type: 'string' },
  'out-dir': { type: 'string' },
  quiet: { type: 'boolean' },
  progress: { type: 'boolean' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} satisfies ParseArgsConfig['options'];

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

/** A CLI-only integer (a seed); the analysis options are checked by the shared table. */
function integer(values: Values, name: 'rescale-neurons' | 'neurons'): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be an integer ≥ 0, got "${String(raw)}"`);
  return n;
}

function choice<T extends string>(values: Values, name: 'format', allowed: readonly T[], fallback: T): T {
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

/** The analysis options given on the command line, each checked against the shared table. */
function analysisOptions(values: Values): AnalysisOptions {
  const given: Partial<Record<OptionKey, unknown>> = {};
  for (const spec of OPTION_SPECS) {
    const raw = (values as Record<string, string | boolean | undefined>)[spec.flag];
    if (raw === undefined) continue;
    if (spec.kind.type === 'boolean') given[spec.key] = spec.kind.negated ? !raw : raw;
    else {
      try {
        given[spec.key] = parseOption(spec.key, raw, true);
      } catch (error) {
        if (error instanceof OptionValueError) throw new UsageError(`--${spec.flag} ${error.message}`);
        throw error;
      }
    }
  }
  return withDefaults(given as Partial<AnalysisOptions>);
}

function analyzeRequest(model: string, values: Values): AnalyzeRequest {
  if (!values.data) throw new UsageError(`--data is required (the analysis data: ${DATA_FILE_EXTENSIONS.join(', ')})`);
  const options = analysisOptions(values);
  // Combinations the engine would refuse only after loading everything: they are usage errors.
  if (values.rescale !== undefined && values['rescale-neurons'] !== undefined)
    throw new UsageError('give either --rescale or --rescale-neurons, not both');
  if (options.horizontal && options.normalization !== 'layer')
    throw new UsageError('--horizontal is defined for --normalization layer only');
  return {
    ...analyzeRequestFor(model, { data: values.data, labels: values.labels }, options),
    rescale: values.rescale ? factorList(values.rescale, '--rescale') : null,
    rescaleNeurons: integer(values, 'rescale-neurons') ?? null,
    samplesForced: (values as Record<string, unknown>).samples !== undefined,
  };
}

/** Where main writes: the process's streams, or captured ones when the tests run it in-process (demo always prints to the process's). */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean; columns?: number };
}

/**
 * One self-overwriting line on a terminal's stderr. Any other stderr (a pipe, a log) gets nothing, or
 * with --progress one plain line as each stage begins. --quiet silences both.
 */
export function progressPrinter(values: Values, stderr: CliIo['stderr']): { update: (event: ProgressEvent) => void; clear: () => void } {
  if (values.quiet || !(stderr.isTTY || values.progress)) return { update: () => undefined, clear: () => undefined };
  if (!stderr.isTTY) {
    let stage: string | null = null;
    return {
      update(event) {
        if (event.stage === stage) return;
        stage = event.stage;
        stderr.write(`${progressLine(event)}\n`);
      },
      clear: () => undefined,
    };
  }
  let last = 0;
  return {
    update(event) {
      const now = Date.now();
      if (now - last < 100 && event.iteration !== null) return;
      last = now;
      stderr.write(`\r\x1b[2K${progressLine(event).slice(0, (stderr.columns ?? 100) - 1)}`);
    },
    clear: () => stderr.write('\r\x1b[2K'),
  };
}

/** A reduced request (--threads, --top-k) is said on stderr when it is decided, unless --quiet. */
function warningPrinter(values: Values, progress: { clear: () => void }, stderr: CliIo['stderr']): (problem: Problem) => void {
  return (problem) => {
    if (values.quiet) return;
    progress.clear();
    stderr.write(`sharpness-lens: warning: ${describeProblem(problem, FLAG_WORDING)}\n`);
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

async function runAnalyze(positionals: string[], values: Values, signal: AbortSignal, io: CliIo): Promise<void> {
  if (positionals.length !== 1) throw new UsageError('analyze takes exactly one model.json');
  const request = analyzeRequest(positionals[0], values);
  const format = choice(values, 'format', ['table', 'markdown', 'json'] as const, 'table');
  if (values.out) assertWritableOutput(values.out, [request.model], [request.data, request.labels]);
  const progress = progressPrinter(values, io.stderr);
  let report: Report;
  try {
    report = await analyze(request, { signal, onProgress: progress.update, onWarning: warningPrinter(values, progress, io.stderr) });
  } finally {
    progress.clear();
  }
  const json = JSON.stringify(report, null, 2) + '\n';
  if (values.out) writeReport(values.out, json);
  if (format === 'json') {
    if (!values.out) io.stdout.write(json);
    else if (!values.quiet) io.stderr.write(`report written to ${values.out}\n`);
  } else {
    io.stdout.write((format === 'markdown' ? formatMarkdown(report, FLAG_WORDING) : formatTable(report, FLAG_WORDING)) + '\n');
  }
}

async function runCompare(positionals: string[], values: Values, signal: AbortSignal, io: CliIo): Promise<void> {
  if (positionals.length < 2) throw new UsageError('compare takes two or more model.json files');
  const format = choice(values, 'format', ['table', 'markdown', 'json'] as const, 'table');
  if (values.out) assertWritableOutput(values.out, positionals, [values.data, values.labels]);
  // Every model.json is read before the first analysis, so a broken last model fails at once, not
  // after the others have run.
  for (const model of positionals) readModelJson(model);
  const reports: Report[] = [];
  const progress = progressPrinter(values, io.stderr);
  try {
    for (const model of positionals)
      reports.push(
        await analyze(forComparison(analyzeRequest(model, values)), {
          signal,
          onProgress: progress.update,
          onWarning: warningPrinter(values, progress, io.stderr),
        }),
      );
  } finally {
    progress.clear();
  }
  const json = JSON.stringify({ schemaVersion: 1, reports }, null, 2) + '\n';
  if (values.out) writeReport(values.out, json);
  if (format === 'json') {
    if (!values.out) io.stdout.write(json);
  } else {
    io.stdout.write(formatComparison(reports, format));
  }
}

async function runRescale(positionals: string[], values: Values, io: CliIo): Promise<void> {
  if (positionals.length !== 1) throw new UsageError('rescale takes exactly one model.json');
  if (!values.out) throw new UsageError('rescale needs --out <dir>, a new folder for the rescaled copy');
  if ((values.factors === undefined) === (values.neurons === undefined))
    throw new UsageError('rescale needs either --factors a1,a2,... or --neurons SEED');
  const factors = values.factors === undefined ? null : factorList(values.factors, '--factors');
  const seed = integer(values, 'neurons');
  const model = loadModel(positionals[0], { maxParameters: analysisOptions(values).maxParameters });
  const rescaling = factors ? layerwiseRescaling(model, factors) : neuronwiseRescaling(model, seed!);
  const written = writeModelCopy(model, rescaling.values, values.out, { rescaling: rescaling.description });
  if (!values.quiet) io.stderr.write(`${rescaling.description}\n`);
  io.stdout.write(written.join('\n') + '\n');
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

export async function main(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let verbose = argv.includes('--verbose');
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  try {
    const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    verbose = values.verbose ?? false;
    if (values.version) {
      io.stdout.write(`${version}\n`);
      return 0;
    }
    const [command, ...rest] = positionals;
    if (values.help || command === 'help') {
      io.stdout.write(helpText());
      return 0;
    }
    switch (command) {
      case 'analyze':
        await runAnalyze(rest, values, controller.signal, io);
        return 0;
      case 'compare':
        await runCompare(rest, values, controller.signal, io);
        return 0;
      case 'rescale':
        await runRescale(rest, values, io);
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
      io.stderr.write(`sharpness-lens: ${usageMessage(error as Error)}\nrun "sharpness-lens --help" for usage\n`);
      return 2;
    }
    // Our messages may quote text from an input file, line breaks included; they stay one line. Anything
    // else is a bug, whose first line is what a user can report.
    const message =
      error instanceof SharpnessError
        ? describeProblem(error.problem, FLAG_WORDING).replace(/\s*[\r\n]+\s*/g, ' ')
        : error instanceof CancelledError
          ? error.message
          : `internal error: ${String((error as Error).message ?? error).split('\n')[0]}`;
    io.stderr.write(`sharpness-lens: ${message}\n`);
    if (verbose && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
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
