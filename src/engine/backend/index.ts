/**
 * Chooses the compute backend: tfjs-node ("tensorflow") when the user has it installed and it loads,
 * else wasm (shipped with the extension), else cpu. The choice is reported with every result.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { SharpnessError } from '../errors';
import { registerCpuKernels } from './cpu-kernels';
import { registerWasmKernels } from './wasm-kernels';

import type { BackendChoice } from '../../shared/analysis-request';
import type { BackendName } from '../../shared/report';

export type { BackendChoice, BackendName };

export interface BackendStatus {
  name: BackendName;
  /** Why this backend ran when another was preferred, e.g. "tfjs-node is not installed". */
  note: string | null;
}

let tfjsNodeFailure: string | null | undefined;

/** Loads @tensorflow/tfjs-node if present; it registers the "tensorflow" backend with the shared engine. */
function loadTfjsNode(): string | null {
  if (tfjsNodeFailure !== undefined) return tfjsNodeFailure;
  try {
    // A runtime require: tfjs-node is an optional, native dependency the bundles never include.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('@tensorflow/tfjs-node');
    tfjsNodeFailure = tf.findBackend('tensorflow') ? null : 'tfjs-node loaded but registered no backend';
  } catch (error) {
    const code = (error as { code?: string }).code;
    tfjsNodeFailure =
      code === 'MODULE_NOT_FOUND' ? 'tfjs-node is not installed' : `tfjs-node failed to load (${(error as Error).message.split('\n')[0]})`;
  }
  return tfjsNodeFailure;
}

async function activate(name: BackendName): Promise<boolean> {
  try {
    if (!(await tf.setBackend(name))) return false;
    await tf.ready();
    if (name === 'wasm') registerWasmKernels();
    if (name === 'cpu') registerCpuKernels();
    return true;
  } catch {
    return false;
  }
}

export async function initializeBackend(choice: BackendChoice = 'auto'): Promise<BackendStatus> {
  // Production mode keeps TF.js from printing its "install tfjs-node" banner; (IS_TEST would too,
  // but it also turns on a kernel leak check that fails on wasm's own fusedMatMul gradient).
  tf.enableProdMode();
  if (choice !== 'auto') {
    if (choice === 'tensorflow') {
      const failure = loadTfjsNode();
      if (failure) throw new SharpnessError(`backend "tensorflow" is not available: ${failure}`);
    }
    if (!(await activate(choice))) throw new SharpnessError(`backend "${choice}" could not be initialised`);
    return { name: choice, note: null };
  }
  const nodeFailure = loadTfjsNode();
  if (!nodeFailure && (await activate('tensorflow'))) return { name: 'tensorflow', note: null };
  if (await activate('wasm')) return { name: 'wasm', note: nodeFailure };
  if (await activate('cpu')) return { name: 'cpu', note: `${nodeFailure ?? 'tfjs-node unavailable'}; wasm could not be initialised` };
  throw new SharpnessError('no TF.js backend could be initialised');
}
