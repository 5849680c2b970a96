/**
 * Errors a user can act on. Each carries its problem as data (src/shared/problems.ts): a code, the
 * message, the option that matters and the file. The CLI and the extension word the option their own
 * way and print one line, nothing else (no stack trace unless asked); `message` is that line with the
 * options under their plain names, for callers that are no front end.
 */
import { describeProblem, PLAIN_WORDING, type FileProblem, type Problem, type ProblemCode } from '../shared/problems';

export class SharpnessError extends Error {
  override readonly name = 'SharpnessError';
  /** The file the problem is about, when there is one (the extension offers to open it). */
  readonly file: string | undefined;
  readonly problem: FileProblem;

  constructor(message: string, file?: string, detail: { code?: ProblemCode; option?: Problem['option'] } = {}) {
    const problem: FileProblem = { code: detail.code ?? 'invalid-input', message, option: detail.option ?? null, file: file ?? null };
    super(describeProblem(problem, PLAIN_WORDING));
    this.file = file;
    this.problem = problem;
  }
}

/** Raised when an analysis is cancelled through its AbortSignal. */
export class CancelledError extends Error {
  override readonly name = 'CancelledError';
  constructor() {
    super('analysis cancelled');
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}
