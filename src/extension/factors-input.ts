/** The palette's layer-wise factors, typed as a comma-separated list. Pure: unit tested. */
import type { ScaleLink } from '../shared/report';
import { checkLayerwiseFactors } from '../shared/rescaling';

export function parseFactorsInput(text: string): number[] {
  return text.split(',').map((s) => (s.trim() === '' ? Number.NaN : Number(s.trim())));
}

/**
 * What is wrong with the typed factors, or undefined: positive numbers, and, once the engine has
 * described the model (`links`), one per kernel layer that keep the function.
 */
export function factorsInputProblem(text: string, links: readonly ScaleLink[] | null): string | undefined {
  const factors = parseFactorsInput(text);
  if (factors.some((f) => !(f > 0) || !Number.isFinite(f))) return 'positive numbers separated by commas';
  if (!links) return undefined;
  const check = checkLayerwiseFactors(links, factors);
  return check.ok ? undefined : check.message;
}
