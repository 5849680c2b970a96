/** Reading Keras layer configs (snake_case, as tfjs-layers and the Keras converter write them). */
import { SharpnessError } from '../../errors';
import type { Shape } from '../types';

/**
 * Which program wrote the model, from `modelTopology.keras_version`: a Keras release ("2.13.1",
 * "3.10.0"), tfjs-layers ("tfjs-layers 4.22.0", which follows Keras 2), or nothing said. A few layer
 * semantics changed between releases (Keras 3's hard_sigmoid, RandomCrop at inference from Keras 3.8).
 */
export interface KerasVersion {
  writer: 'keras' | 'tfjs-layers' | 'unknown';
  major: number;
  minor: number;
  /** As the file wrote it, for messages. */
  text: string;
}

export function parseKerasVersion(value: unknown): KerasVersion {
  const text = typeof value === 'string' ? value.trim() : '';
  const tfjs = /^tfjs-layers\b/i.test(text);
  const numbers = /(\d+)\.(\d+)/.exec(text);
  if (!numbers) return { writer: 'unknown', major: 0, minor: 0, text };
  return { writer: tfjs ? 'tfjs-layers' : 'keras', major: Number(numbers[1]), minor: Number(numbers[2]), text };
}

export const UNKNOWN_KERAS_VERSION: KerasVersion = parseKerasVersion(undefined);

export class LayerConfig {
  constructor(
    readonly layerName: string,
    readonly className: string,
    readonly raw: Record<string, unknown>,
    /** The file's writer; a wrapper builds its inner layer's config with the same one. */
    readonly kerasVersion: KerasVersion = UNKNOWN_KERAS_VERSION,
  ) {}

  /** Written by Keras 3 (by its release number; tfjs-layers follows Keras 2). */
  get keras3(): boolean {
    return this.kerasVersion.writer === 'keras' && this.kerasVersion.major >= 3;
  }

  fail(problem: string): never {
    throw new SharpnessError(`layer "${this.layerName}" (${this.className}): ${problem}`);
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined && this.raw[key] !== null;
  }

  number(key: string, fallback?: number): number {
    const value = this.raw[key] ?? fallback;
    if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(`"${key}" must be a number, not ${JSON.stringify(value)}`);
    return value;
  }

  positiveInteger(key: string, fallback?: number): number {
    const value = this.number(key, fallback);
    if (!Number.isInteger(value) || value < 1) this.fail(`"${key}" must be a positive integer, not ${value}`);
    return value;
  }

  optionalNumber(key: string): number | null {
    return this.has(key) ? this.number(key) : null;
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.raw[key] ?? fallback;
    if (typeof value !== 'boolean') this.fail(`"${key}" must be true or false`);
    return value;
  }

  string(key: string, fallback: string): string {
    const value = this.raw[key] ?? fallback;
    if (typeof value !== 'string') this.fail(`"${key}" must be a string`);
    return value;
  }

  /** An integer pair such as kernel_size, given as [a, b] or a single number. */
  pair(key: string, fallback?: [number, number]): [number, number] {
    const value = this.raw[key] ?? fallback;
    if (typeof value === 'number' && Number.isInteger(value) && value > 0) return [value, value];
    if (Array.isArray(value) && value.length === 2 && value.every((v) => Number.isInteger(v) && v > 0)) return [value[0], value[1]];
    this.fail(`"${key}" must be a positive integer or a pair of them, not ${JSON.stringify(value)}`);
  }

  padding(): 'valid' | 'same' {
    const padding = this.string('padding', 'valid').toLowerCase();
    if (padding !== 'valid' && padding !== 'same') this.fail(`padding "${padding}" is not supported (valid or same)`);
    return padding;
  }

  requireChannelsLast(): void {
    const format = this.raw.data_format;
    if (format !== undefined && format !== null && format !== 'channels_last')
      this.fail(`data_format "${String(format)}" is not supported; save the model with channels_last`);
  }

  requireUnitDilation(): void {
    if (this.has('dilation_rate')) {
      const [a, b] = this.pair('dilation_rate');
      if (a !== 1 || b !== 1) this.fail('dilation_rate other than 1 is not supported');
    }
  }
}

export function requireRank(config: LayerConfig, shape: Shape, rank: number, what: string): void {
  if (shape.length !== rank) config.fail(`expects ${what} (rank ${rank + 1} with the batch), got input shape [batch, ${shape.join(', ')}]`);
}

/** Output length of a convolution or pooling window along one axis, as TensorFlow computes it. */
export function windowOutputLength(input: number, window: number, stride: number, padding: 'valid' | 'same'): number {
  return padding === 'same' ? Math.ceil(input / stride) : Math.floor((input - window) / stride) + 1;
}
