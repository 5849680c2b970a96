/**
 * Hutchinson on what a Lanczos run leaves: with V the run's orthonormal Krylov basis,
 * Π = VVᵀ and P = I − Π,
 *
 *   A = ΠAΠ + ΠAP + PAΠ + PAP,   ΠAΠ = V T Vᵀ,   ΠAP = v_m r_mᵀ   (from A V = V T + r_m e_mᵀ),
 *
 * so for any weights w, Σ_i w_i A_ii = Σ_i w_i [(V T Vᵀ)_ii + 2 v_m,i r_m,i] + Σ_i w_i (PAP)_ii:
 * the first part exactly, from the run already made, and only the second by random probes of PAP.
 * The top of a Hessian's spectrum, which dominates both its trace and Hutchinson's variance, lies
 * in the Krylov space, so far fewer probes reach a given standard error (the idea of Hutch++,
 * Meyer, Musco, Musco & Woodruff 2021, with the subspace that the eigenvalue run already built).
 * The probes are independent of the basis, so the estimate stays unbiased.
 */
import type { LanczosDecomposition } from './lanczos';
import { axpy, dot, type SymmetricOperator } from './operator';

/** Σ_i w_i [(V T Vᵀ)_ii + 2 v_m,i r_m,i] (w = ones when omitted). */
export function krylovTracePart(decomposition: LanczosDecomposition, weights?: Float64Array): number {
  const { alpha, beta, basis, residual } = decomposition;
  const m = alpha.length;
  const n = basis[0].length;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const w = weights ? weights[i] : 1;
    if (w === 0) continue;
    let diagonal = 0;
    for (let a = 0; a < m; a++) {
      const va = basis[a][i];
      diagonal += alpha[a] * va * va;
      if (a + 1 < m) diagonal += 2 * beta[a] * va * basis[a + 1][i];
    }
    total += w * (diagonal + 2 * basis[m - 1][i] * residual[i]);
  }
  return total;
}

/** The operator PAP, P = I − VVᵀ for the decomposition's basis V. */
export function deflatedOperator(op: SymmetricOperator, decomposition: LanczosDecomposition): SymmetricOperator {
  const project = (u: Float64Array) => {
    const out = Float64Array.from(u);
    for (const v of decomposition.basis) axpy(-dot(v, out), v, out);
    return out;
  };
  return {
    dimension: op.dimension,
    apply: async (u, signal) => project(await op.apply(project(u), signal)),
  };
}
