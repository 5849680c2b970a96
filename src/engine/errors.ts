/**
 * Errors a user can act on. The CLI and the extension print `message` as one line and nothing else
 * (no stack trace unless asked), so the message names the file and the problem.
 */
export class SharpnessError extends Error {
  override readonly name = 'SharpnessError';
  /** The file the problem is about, when there is one (the extension offers to open it). */
  readonly file: string | undefined;

  constructor(message: string, file?: string) {
    super(printable(file ? `${file}: ${message}` : message));
    this.file = file;
  }
}

/**
 * Messages quote their input (paths, names, snippets of a file): control characters and bidirectional
 * overrides in it are shown escaped, so a terminal or notification displays them rather than obeys
 * them, and the message stays one line.
 */
function printable(text: string): string {
  return text.replace(/[\p{Cc}\u202a-\u202e\u2066-\u2069]/gu, (char) => {
    const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    return named[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/** Bad command-line usage: exit code 2 instead of 1. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(message: string) {
    super(printable(message));
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
