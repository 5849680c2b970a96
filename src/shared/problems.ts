/**
 * Errors and warnings of an analysis as data: a code, the message without any front end's option
 * names, and the option that changes the outcome. Each front end names the option its own way (the
 * CLI a flag, the extension a setting or a sidecar key) through `describeProblem`, so a VS Code user
 * never reads a command-line flag. Plain data: it crosses the worker boundary and goes into the report.
 */
import type { OptionKey } from './options';

export type ProblemCode =
  /** A model, weight or data file that cannot be used as it is (the default). */
  | 'invalid-input'
  | 'too-many-parameters'
  | 'weights-too-large'
  | 'unsupported-loss'
  | 'missing-labels'
  /** An option's value the engine refuses. */
  | 'invalid-option'
  | 'conflicting-options'
  | 'invalid-rescaling'
  /** An option the engine reduced to fit the model or the machine (threads, top-k). */
  | 'capped-option'
  | 'uncertain-trace'
  | 'unconverged-eigenvalues'
  | 'unconverged-layers'
  | 'regularizers-excluded'
  /** What the time budget chose (fewer samples, cheaper estimators), and why. */
  | 'budget-choice'
  /** The analysis is expected to take longer than its time budget. */
  | 'over-budget'
  /** `intervals: auto` skipped the sampling intervals: they would have taken too large a share of the analysis. */
  | 'intervals-skipped'
  | 'internal';

/** The options a problem can point to: the analysis options, and the inputs and rescalings. */
export type ProblemOption = OptionKey | 'data' | 'labels' | 'rescale' | 'rescaleNeurons';

/**
 * How the option enters the sentence: `value` puts it in front ("--samples must be at least 1"), the
 * others add a hint after the message ("raise it with --max-parameters").
 */
export type OptionAction = 'value' | 'raise' | 'choose' | 'give' | 'include' | 'turn-on';

export interface Problem {
  code: ProblemCode;
  /** One line; names no flag or setting (`option` says which one matters). */
  message: string;
  option: { name: ProblemOption; action: OptionAction } | null;
}

/** An error's problem: a warning's, plus the file it is about (the extension offers to open it). */
export interface FileProblem extends Problem {
  file: string | null;
}

/** How a front end names an option: `--max-parameters`, `the setting sharpnessLens.maxParameters`, … */
export type OptionWording = (option: ProblemOption) => string;

/** The options under their own names, for callers of the engine that are no front end (tests, scripts). */
export const PLAIN_WORDING: OptionWording = (option) => option;

function hint(action: Exclude<OptionAction, 'value'>, option: string): string {
  switch (action) {
    case 'raise':
      return `raise it with ${option}`;
    case 'choose':
      return `choose one with ${option}`;
    case 'give':
      return `give ${option}`;
    case 'include':
      return `${option} includes them`;
    case 'turn-on':
      return `set ${option} to on to compute them`;
  }
}

/** The problem as one line, the option worded by the front end, prefixed by the file when there is one. */
export function describeProblem(problem: Problem & { file?: string | null }, wording: OptionWording): string {
  const { option } = problem;
  const text = !option
    ? problem.message
    : option.action === 'value'
      ? `${wording(option.name)} ${problem.message}`
      : `${problem.message} (${hint(option.action, wording(option.name))})`;
  return problem.file ? `${problem.file}: ${text}` : text;
}
