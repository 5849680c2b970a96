/**
 * Option checks shared by the estimators: a bad count or tolerance is a caller bug, reported at
 * once rather than as a loop that never runs or never stops.
 */

export function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  const chosen = value ?? fallback;
  if (!Number.isInteger(chosen) || chosen < 1) throw new RangeError(`${name} must be a positive integer, got ${chosen}`);
  return chosen;
}

export function nonNegativeNumber(name: string, value: number | undefined, fallback: number): number {
  const chosen = value ?? fallback;
  if (!Number.isFinite(chosen) || chosen < 0) throw new RangeError(`${name} must be a finite number ≥ 0, got ${chosen}`);
  return chosen;
}
