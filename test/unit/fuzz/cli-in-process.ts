/**
 * Runs the command-line entry point (src/cli.ts main) in this process, capturing what it writes, so a
 * property-based test can try hundreds of inputs in seconds. Whatever the engine or a wasm kernel
 * prints as text through process.stdout/stderr or console is captured too.
 */
import { main } from '../../../src/cli';

export interface InProcessRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCliInProcess(args: readonly string[]): Promise<InProcessRun> {
  const captured = { stdout: '', stderr: '' };
  const originals = { stdout: process.stdout.write, stderr: process.stderr.write };
  // The CLI, console and wasm's print write strings; the test runner in this process writes its
  // serialized events as buffers, at any time, and those must still reach it.
  const capture = (stream: 'stdout' | 'stderr') =>
    ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      if (typeof chunk !== 'string') return (originals[stream] as (...args: unknown[]) => boolean).call(process[stream], chunk, ...rest);
      captured[stream] += chunk;
      return true;
    }) as typeof process.stdout.write;
  process.stdout.write = capture('stdout');
  process.stderr.write = capture('stderr');
  try {
    const code = await main([...args]);
    return { code, ...captured };
  } finally {
    process.stdout.write = originals.stdout;
    process.stderr.write = originals.stderr;
  }
}
