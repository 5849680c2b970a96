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
    const problem: FileProblem = {
      code: detail.code ?? 'invalid-input',
      message: printable(message),
      option: detail.option ?? null,
      file: file === undefined ? null : printable(file),
    };
    super(describeProblem(problem, PLAIN_WORDING));
    this.file = file;
    this.problem = problem;
  }
}

/**
 * Messages quote their input (paths, names, snippets of a file): control characters and bidirectional
 * overrides in it are shown escaped, so a terminal or notification displays them rather than obeys
 * them, and the message stays one line.
 */
export function printable(text: string): string {
  return text.replace(/[\p{Cc}\u202a-\u202e\u2066-\u2069]/gu, (char) => {
    const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    return named[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
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
