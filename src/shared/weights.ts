/**
 * Weights that are statistics of the training data, never parameters: BatchNormalization's moving
 * mean and variance, Normalization's mean, variance and count. They are not part of θ, and a layer
 * holding only them is not frozen even when its config says `trainable: false` (Keras writes that for
 * Normalization). The engine's parameter counts, the sidebar and the panel read this one list.
 */
export const STATISTIC_WEIGHTS: ReadonlySet<string> = new Set(['moving_mean', 'moving_variance', 'mean', 'variance', 'count']);

/** Whether a weight, by its role or its manifest name (`bn/moving_mean:0`), is a statistic. */
export function isStatisticWeight(name: string): boolean {
  return STATISTIC_WEIGHTS.has(name.replace(/:\d+$/, '').split('/').pop()!);
}
