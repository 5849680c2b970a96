/**
 * Errors a user can act on. The CLI and the extension print `message` as one line and nothing else
 * (no stack trace unless asked), so the message names the file and the problem.
 */
export class SharpnessError extends Error {
  override readonly name = 'SharpnessError';
  /** The file the problem is about, when there is one (the extension offers to open it). */
  readonly file: string | undefined;

  constructor(message: string, file?: string) {
    super(file ? `${file}: ${message}` : message);
    this.file = file;
  }
}

/** Bad command-line usage: exit code 2 instead of 1. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
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
