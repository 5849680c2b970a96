/**
 * The symmetric operators the estimators see, all built on one CurvatureProvider:
 * H, D H D, and their diagonal blocks for a subset of θ blocks (one layer's), optionally with the
 * horizontal projection of docs/measures.md, "Horizontal projection" (P D H D P in normalised coordinates).
 */
import type { NormalizationKind } from '../../shared/report';
import type { CurvatureProvider } from '../curvature/provider';
import type { SymmetricOperator } from '../linalg/operator';
import type { ParameterBlock } from '../network/network';
import { addRegularizerHvp, type RegularizerTerm } from '../loss/regularizers';

export interface OperatorOptions {
  /** θ blocks the operator acts on (its dimension is their total size); all when omitted. */
  blocks?: readonly number[];
  /** D as a vector over the full θ (omit for H itself). */
  scales?: Float64Array;
  /** Unit directions θ̂_b per block (full θ), to project onto the horizontal space. */
  horizontal?: Float64Array;
  regularizers?: readonly RegularizerTerm[];
}

export class CurvatureOperator implements SymmetricOperator {
  readonly dimension: number;
  private readonly selected: readonly ParameterBlock[];
  private readonly restricted: boolean;

  constructor(
    private readonly provider: CurvatureProvider,
    private readonly options: OperatorOptions = {},
  ) {
    const wanted = options.blocks ? new Set(options.blocks) : null;
    this.selected = provider.blocks.filter((b) => !wanted || wanted.has(b.index));
    this.restricted = wanted !== null && this.selected.length < provider.blocks.length;
    this.dimension = this.selected.reduce((s, b) => s + b.size, 0);
  }

  async apply(u: Float64Array, _signal?: AbortSignal): Promise<Float64Array> {
    const { scales, horizontal, regularizers } = this.options;
    const input = horizontal ? horizontalProjection(u, horizontal, this.selected) : u;
    const full = new Float64Array(this.provider.dimension);
    let k = 0;
    for (const b of this.selected) {
      for (let i = b.offset; i < b.offset + b.size; i++) full[i] = scales ? scales[i] * input[k++] : input[k++];
    }
    const indices = this.restricted ? this.selected.map((b) => b.index) : undefined;
    const product = await this.provider.hvp(full, indices);
    if (regularizers?.length) addRegularizerHvp(regularizers, this.provider.blocks, full, product, indices ? new Set(indices) : undefined);
    const out = new Float64Array(this.dimension);
    k = 0;
    for (const b of this.selected) {
      for (let i = b.offset; i < b.offset + b.size; i++) out[k++] = scales ? scales[i] * product[i] : product[i];
    }
    return horizontal ? horizontalProjection(out, horizontal, this.selected) : out;
  }
}

/**
 * D as a vector: ‖θ_b‖_F on every element of block b (the paper), or |θ_i| (invariant to neuron-wise
 * and batch-norm rescalings too). D(Aθ) = A·D(θ) for the rescalings each is built for, so
 * D′H′D′ = D H D exactly.
 */
export function normalizationScales(theta: Float64Array, blocks: readonly ParameterBlock[], kind: NormalizationKind): Float64Array {
  const d = new Float64Array(theta.length);
  for (const b of blocks) {
    if (kind === 'element') {
      for (let i = b.offset; i < b.offset + b.size; i++) d[i] = Math.abs(theta[i]);
    } else {
      let sum = 0;
      for (let i = b.offset; i < b.offset + b.size; i++) sum += theta[i] * theta[i];
      d.fill(Math.sqrt(sum), b.offset, b.offset + b.size);
    }
  }
  return d;
}

/** θ̂_b = θ_b/‖θ_b‖ for every block (zero blocks stay zero). */
export function blockUnitDirections(theta: Float64Array, blocks: readonly ParameterBlock[]): Float64Array {
  const unit = new Float64Array(theta.length);
  for (const b of blocks) {
    let sum = 0;
    for (let i = b.offset; i < b.offset + b.size; i++) sum += theta[i] * theta[i];
    const norm = Math.sqrt(sum);
    if (norm > 0) for (let i = b.offset; i < b.offset + b.size; i++) unit[i] = theta[i] / norm;
  }
  return unit;
}

/**
 * P(u)_b = u_b − (c_b − c̄)·θ̂_b with c_b = ⟨θ̂_b, u_b⟩, for u laid out over `blocks`: removes the
 * per-block radial directions except their common mean. An orthogonal projection, so P·DHD·P stays
 * symmetric.
 */
export function horizontalProjection(u: Float64Array, unit: Float64Array, blocks: readonly ParameterBlock[]): Float64Array {
  const c: number[] = [];
  let k = 0;
  for (const b of blocks) {
    let dot = 0;
    for (let i = b.offset; i < b.offset + b.size; i++) dot += unit[i] * u[k++];
    c.push(dot);
  }
  const mean = c.reduce((s, x) => s + x, 0) / c.length;
  const out = u.slice();
  k = 0;
  blocks.forEach((b, j) => {
    for (let i = b.offset; i < b.offset + b.size; i++) out[k++] -= (c[j] - mean) * unit[i];
  });
  return out;
}
