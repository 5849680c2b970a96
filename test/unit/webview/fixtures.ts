// The CLI-written reports the panel's view-model is tested on (see test/fixtures/reports/README.md).
import { readFileSync } from 'node:fs';
import type { Report } from '../../../src/shared/report.ts';

function load(name: string): Report {
  return JSON.parse(readFileSync(new URL(`../../fixtures/reports/${name}`, import.meta.url), 'utf8')) as Report;
}

/** Exact dense Hessian; 3 Dense layers (ReLU, ReLU, softmax). */
export const mlp = load('mlp.json');
/** The same model rescaled layer-wise by 5, 4, 0.05 (product 1): the function is unchanged. */
export const mlpRescaled = load('mlp-rescaled-5-4-0.05.json');
/** Iterative, stopped before convergence, with traces ± standard error and the spectral density. */
export const mlpMedium = load('mlp-medium-unconverged-density.json');

/** A deep copy to modify in a test. */
export function copy<T>(value: T): T {
  return structuredClone(value);
}

/** Teachable Machine's layout (Sequential[Sequential[Functional], Sequential]): layers named by their nested path, BN statistics. */
export const tmNested = load('corpus-tm-nested.json');
/** Keras 3, a frozen nested base (`base/dense`, 56 frozen parameters) under two trainable Dense layers. */
export const frozenBase = load('corpus-keras3-frozen-base.json');
/** Keras 2, a Bidirectional LSTM: one layer, its forward and backward kernel, recurrent kernel and bias. */
export const bidirectional = load('corpus-keras2-bidirectional-states.json');
