/**
 * Drives the extension's analysis worker (dist/analysis-worker.js) as AnalysisRunner does: one
 * request in; its messages out until the report or the error, then the worker is terminated.
 */
import { Worker } from 'node:worker_threads';
import type { WorkerMessage, WorkerRequest } from '../../../src/shared/protocol';
import { builtBundle } from '../cli/built';

export function runWorker(
  request: WorkerRequest['request'],
  onMessage?: (message: WorkerMessage, worker: Worker) => void,
): Promise<{ messages: WorkerMessage[]; exitCode: number }> {
  const worker = new Worker(builtBundle('analysis-worker.js'));
  const messages: WorkerMessage[] = [];
  return new Promise((resolve, reject) => {
    worker.on('message', (message: WorkerMessage) => {
      messages.push(message);
      onMessage?.(message, worker);
      if (message.type === 'result' || message.type === 'error') void worker.terminate();
    });
    worker.on('error', reject);
    worker.on('exit', (exitCode) => resolve({ messages, exitCode }));
    worker.postMessage({ type: 'analyze', request } satisfies WorkerRequest);
  });
}
