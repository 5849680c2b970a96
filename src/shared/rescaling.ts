/**
 * When layer-wise factors keep a model's function, decided once for the engine (which applies them),
 * the extension's palette and the panel's form (which check them as they are typed).
 *
 * A layer-wise rescaling multiplies kernel l by α_l; its output (before the activation) then carries
 * the scale of its input times α_l. The engine reads off the graph which outputs must carry the same
 * scale (the branches a merge joins) and which must keep scale 1 (the model's input and output, and
 * the input of anything not positively homogeneous): the model's scale links (report.ts). The factors
 * keep the function exactly when every link's output scale is consistent with them.
 */
import type { ScaleLink } from './report';

/** Two scales are the same within this relative distance (float64 products of float32-typed factors). */
export const SCALE_TOLERANCE = 1e-9;

export function sameScale(a: number, b: number): boolean {
  return Math.abs(a - b) <= SCALE_TOLERANCE * Math.max(Math.abs(a), Math.abs(b));
}

export type LayerwiseCheck =
  /** `scales[c]`: the scale every output of class c carries (class 0 is 1). */
  { ok: true; scales: Map<number, number> } | { ok: false; message: string };

/** Whether `factors` (one per kernel layer, in the links' order) keep the function, and the scales they give. */
export function checkLayerwiseFactors(links: readonly ScaleLink[], factors: readonly number[]): LayerwiseCheck {
  if (factors.length !== links.length) {
    return {
      ok: false,
      message: `a layer-wise rescaling needs one factor per kernel layer (${links.length}: ${links.map((l) => l.layer).join(', ')}), got ${factors.length}`,
    };
  }
  const bad = factors.find((f) => !(Number.isFinite(f) && f > 0));
  if (bad !== undefined) return { ok: false, message: `rescaling factors must be positive numbers, got ${bad}` };
  const scales = new Map<number, number>([[0, 1]]);
  for (const [i, link] of links.entries()) {
    // Links come in topological order: a layer's input class got its scale from an earlier link, or is 1.
    const scale = scales.get(link.from)! * factors[i];
    const required = scales.get(link.to);
    if (required === undefined) scales.set(link.to, scale);
    else if (!sameScale(scale, required)) {
      const why =
        link.to === 0
          ? 'the scale must be 1 at the output and before any layer that is not positively homogeneous'
          : 'another branch merged with it arrives with that scale';
      return {
        ok: false,
        message: `the rescaling factors up to "${link.layer}" multiply to ${scale.toPrecision(6)}, but they must multiply to ${Number(required.toPrecision(6))} there (${why})`,
      };
    }
  }
  return { ok: true, scales };
}

/**
 * The last factor that, with the others as given, keeps the function (1 / the product of the others
 * for a chain of layers); null when the others do not fit the links or the last factor is free.
 */
export function balancingFactor(links: readonly ScaleLink[], factors: readonly number[]): number | null {
  if (links.length === 0 || factors.length !== links.length) return null;
  const check = checkLayerwiseFactors(links.slice(0, -1), factors.slice(0, -1));
  if (!check.ok) return null;
  const last = links[links.length - 1];
  const required = check.scales.get(last.to);
  return required === undefined ? null : required / check.scales.get(last.from)!;
}
