/**
 * The extension's analysis worker (a worker_threads thread): runs the engine so the extension host
 * never computes. One analysis per worker; the host terminates the worker to cancel. Errors go back
 * as data (the problem), which the host words for VS Code.
 */
import { parentPort } from 'node:worker_threads';
import { analyze } from '../engine/analysis/analyze';
import { SharpnessError } from '../engine/errors';
import type { WorkerMessage, WorkerRequest } from '../shared/protocol';

const port = parentPort!;
const post = (message: WorkerMessage) => port.postMessage(message);

port.once('message', (request: WorkerRequest) => {
  analyze(request.request, {
    onProgress: (event) => post({ type: 'progress', event }),
    onPartial: (partial) => post({ type: 'partial', partial }),
  }).then(
    (report) => post({ type: 'result', report }),
    (error: unknown) => {
      const message = error instanceof Error ? error.message.split('\n').join(' ') : String(error);
      post({
        type: 'error',
        problem:
          error instanceof SharpnessError
            ? error.problem
            : { code: 'internal', message: `internal error: ${message}`, option: null, file: null },
      });
    },
  );
});
