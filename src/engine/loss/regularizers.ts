/**
 * Keras weight regularizers (L1, L2, L1L2 on kernels, biases, embeddings, γ, β). They are part of the
 * training objective only when the user asks (--include-regularizers): the analysis measures the data
 * loss by default, and the report says which.
 */
import type { LoadedModel } from '../model/load-model';
import type { ParameterBlock } from '../network/network';

export interface RegularizerTerm {
  block: number;
  layer: string;
  weight: string;
  l1: number;
  l2: number;
}

const CONFIG_KEYS: Record<string, string> = {
  kernel: 'kernel_regularizer',
  depthwise_kernel: 'depthwise_regularizer',
  bias: 'bias_regularizer',
  embeddings: 'embeddings_regularizer',
  gamma: 'gamma_regularizer',
  beta: 'beta_regularizer',
};

function coefficients(value: unknown): { l1: number; l2: number } | null {
  if (typeof value !== 'object' || value === null) return null;
  const { class_name: className, config } = value as { class_name?: unknown; config?: Record<string, unknown> };
  const read = (key: string) => (typeof config?.[key] === 'number' ? (config[key] as number) : 0);
  switch (String(className).toLowerCase()) {
    case 'l1l2':
      return { l1: read('l1'), l2: read('l2') };
    case 'l2':
      return { l1: 0, l2: read('l2') || read('l') };
    case 'l1':
      return { l1: read('l1') || read('l'), l2: 0 };
    default:
      return null;
  }
}

export function findRegularizers(model: LoadedModel, blocks: readonly ParameterBlock[]): RegularizerTerm[] {
  const terms: RegularizerTerm[] = [];
  for (const block of blocks) {
    const layer = model.layers.find((l) => l.name === block.layer)!;
    const c = coefficients(layer.config[CONFIG_KEYS[block.role] ?? '']);
    if (c && (c.l1 !== 0 || c.l2 !== 0)) terms.push({ block: block.index, layer: block.layer, weight: block.name, ...c });
  }
  return terms;
}

/** Σ l1·|θ| + l2·θ² over the regularized blocks. */
export function regularizerValue(terms: readonly RegularizerTerm[], blocks: readonly ParameterBlock[], theta: Float64Array): number {
  let total = 0;
  for (const t of terms) {
    const b = blocks[t.block];
    for (let i = b.offset; i < b.offset + b.size; i++) total += t.l1 * Math.abs(theta[i]) + t.l2 * theta[i] * theta[i];
  }
  return total;
}

/** Adds the regularizers' gradient (l1·sign θ + 2·l2·θ) into `gradient`. */
export function addRegularizerGradient(
  terms: readonly RegularizerTerm[],
  blocks: readonly ParameterBlock[],
  theta: Float64Array,
  gradient: Float64Array,
): void {
  for (const t of terms) {
    const b = blocks[t.block];
    for (let i = b.offset; i < b.offset + b.size; i++) gradient[i] += t.l1 * Math.sign(theta[i]) + 2 * t.l2 * theta[i];
  }
}

/** Adds the regularizers' Hessian (2·l2·I on each block; L1 has none almost everywhere) times v. */
export function addRegularizerHvp(
  terms: readonly RegularizerTerm[],
  blocks: readonly ParameterBlock[],
  v: Float64Array,
  out: Float64Array,
  onlyBlocks?: ReadonlySet<number>,
): void {
  for (const t of terms) {
    if (onlyBlocks && !onlyBlocks.has(t.block)) continue;
    const b = blocks[t.block];
    for (let i = b.offset; i < b.offset + b.size; i++) out[i] += 2 * t.l2 * v[i];
  }
}
