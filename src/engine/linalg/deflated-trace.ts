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

/**
 * Per-probe values of Σ_i w_i z_i (PAPz)_i for several weight vectors at once, from y = Az (the
 * undeflated product) in one pass over the basis. With c = Vᵀz and A V = V T + r e_mᵀ:
 * PAPz = Az − V d − c_m r with d = T c + e_m (rᵀz) (so A's input needs no projection), and
 * Σ_i w_i z_i (PAPz)_i = Σ_i w_i z_i y_i − Σ_a d_a ⟨w⊙z, v_a⟩ − c_m ⟨w⊙z, r⟩. Weights that are 0/1
 * masks over index ranges (a layer's parameters) are given as ranges, so each pass is a sum over them.
 */
export function deflatedSampleValues(
  decomposition: LanczosDecomposition,
  targets: readonly { ranges: readonly (readonly [number, number])[] | null }[],
): (z: Float64Array, y: Float64Array) => number[] {
  const { alpha, beta, basis, residual } = decomposition;
  const m = alpha.length;
  const vectors = [...basis, residual];
  const covered = targets.reduce((sum, target) => sum + (target.ranges ?? []).reduce((s, [start, end]) => s + end - start, 0), 0);
  return (z, y) => {
    // partial[t][a] = ⟨w_t ⊙ z, vectors[a]⟩ and direct[t] = Σ w_t z y, one pass per range.
    const partial = targets.map(() => new Float64Array(m + 1));
    const direct = new Float64Array(targets.length);
    const total = new Float64Array(m + 1);
    const rangeSums = (start: number, end: number, into: Float64Array) => {
      let zy = 0;
      for (let i = start; i < end; i++) zy += z[i] * y[i];
      for (let a = 0; a <= m; a++) {
        const v = vectors[a];
        let s = 0;
        for (let i = start; i < end; i++) s += z[i] * v[i];
        into[a] += s;
      }
      return zy;
    };
    targets.forEach((target, t) => {
      if (target.ranges) for (const [start, end] of target.ranges) direct[t] += rangeSums(start, end, partial[t]);
    });
    // When the ranged targets cover every index once (one per layer), their sums add up to the whole.
    let whole = 0;
    if (covered === z.length) {
      for (let t = 0; t < targets.length; t++) {
        if (!targets[t].ranges) continue;
        whole += direct[t];
        for (let a = 0; a <= m; a++) total[a] += partial[t][a];
      }
    } else {
      whole = rangeSums(0, z.length, total);
    }
    // total holds c = Vᵀz in [0, m) and rᵀz at m.
    const d = new Float64Array(m);
    for (let a = 0; a < m; a++)
      d[a] = alpha[a] * total[a] + (a > 0 ? beta[a - 1] * total[a - 1] : 0) + (a + 1 < m ? beta[a] * total[a + 1] : 0);
    d[m - 1] += total[m];
    const value = (projections: Float64Array, zy: number) => {
      let v = zy - total[m - 1] * projections[m];
      for (let a = 0; a < m; a++) v -= d[a] * projections[a];
      return v;
    };
    return targets.map((target, t) => (target.ranges === null ? value(total, whole) : value(partial[t], direct[t])));
  };
}

/**
 * The operator PAP, P = I − VVᵀ for the decomposition's basis V, without projecting A's input:
 * with c = Vᵀz, A(Pz) = Az − V T c − c_m r and Vᵀ A z = T c + e_m (rᵀz) (both from
 * A V = V T + r e_mᵀ), so PAPz = Az − V (T c + e_m rᵀz) − c_m r: one product by A and two passes
 * over V instead of four.
 */
export function deflatedOperator(op: SymmetricOperator, decomposition: LanczosDecomposition): SymmetricOperator {
  const { alpha, beta, basis, residual } = decomposition;
  const m = alpha.length;
  return {
    dimension: op.dimension,
    async apply(z, signal) {
      const out = await op.apply(z, signal);
      const c = basis.map((v) => dot(v, z));
      const d = c.map((ca, a) => alpha[a] * ca + (a > 0 ? beta[a - 1] * c[a - 1] : 0) + (a + 1 < m ? beta[a] * c[a + 1] : 0));
      d[m - 1] += dot(residual, z);
      basis.forEach((v, a) => axpy(-d[a], v, out));
      axpy(-c[m - 1], residual, out);
      return out;
    },
  };
}
