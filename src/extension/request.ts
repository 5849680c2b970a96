/** Turns the extension's settings, a model and its data choice into an analysis request. Pure, unit tested. */
// The seeded generator is a few lines of plain TypeScript; importing it loads nothing of TF.js.
import { SeededRandom } from '../engine/linalg/random';
import type { AnalyzeRequest, BackendChoice } from '../shared/analysis-request';
import type { RescalingChoice } from '../shared/protocol';
import type { NormalizationKind } from '../shared/report';
import type { DataChoice, Sidecar } from './data-selection';

export interface ExtensionSettings {
  samples: number;
  topK: number;
  normalization: NormalizationKind;
  backend: BackendChoice;
  threads: number | 'auto';
  density: boolean;
  seed: number;
  exactThreshold: number;
}

export const DEFAULT_SETTINGS: ExtensionSettings = {
  samples: 1024,
  topK: 5,
  normalization: 'layer',
  backend: 'auto',
  threads: 'auto',
  density: false,
  seed: 0,
  exactThreshold: 400,
};

/** Settings as VS Code returns them, with anything invalid replaced by its default. */
export function readSettings(get: <T>(key: string, fallback: T) => T): ExtensionSettings {
  const integer = (key: keyof ExtensionSettings, min: number) => {
    const value = get<number>(key, DEFAULT_SETTINGS[key] as number);
    return Number.isInteger(value) && value >= min ? value : (DEFAULT_SETTINGS[key] as number);
  };
  const threads = get<number | string>('threads', 'auto');
  return {
    samples: integer('samples', 1),
    topK: integer('topK', 1),
    normalization: get<string>('normalization', 'layer') === 'element' ? 'element' : 'layer',
    backend: (['auto', 'wasm', 'cpu', 'tensorflow'] as const).find((b) => b === get<string>('backend', 'auto')) ?? 'auto',
    threads: typeof threads === 'number' && Number.isInteger(threads) && threads >= 1 ? threads : 'auto',
    density: get<boolean>('density', false) === true,
    seed: integer('seed', 0),
    exactThreshold: integer('exactThreshold', 0),
  };
}

export function analysisRequest(
  model: string,
  data: DataChoice,
  settings: ExtensionSettings,
  sidecar: Sidecar | null,
  rescaling: RescalingChoice | null = null,
): AnalyzeRequest {
  const request: AnalyzeRequest = {
    model,
    data: data.data,
    labels: data.labels,
    samples: sidecar?.samples ?? settings.samples,
    seed: settings.seed,
    backend: settings.backend,
    threads: settings.threads,
    settings: {
      topK: settings.topK,
      normalization: settings.normalization,
      density: settings.density,
      exactThreshold: settings.exactThreshold,
    },
  };
  if (rescaling?.kind === 'layer-wise') request.rescale = rescaling.factors;
  if (rescaling?.kind === 'neuron-wise') request.rescaleNeurons = rescaling.seed;
  return request;
}

/** Seeded random layer-wise factors, log-uniform in [1/spread, spread], the last one making the product 1. */
export function randomLayerwiseFactors(count: number, seed: number, spread: number): number[] {
  if (count === 0) return [];
  const random = new SeededRandom(seed);
  const factors = Array.from({ length: count - 1 }, () => Math.exp((2 * random.uniform() - 1) * Math.log(spread)));
  return [...factors, 1 / factors.reduce((a, b) => a * b, 1)];
}

/** A rescaling choice as the layer-wise factors or neuron-wise seed the engine takes. */
export function resolveRescaling(choice: RescalingChoice, kernelLayers: number): RescalingChoice {
  return choice.kind === 'random-layer-wise'
    ? { kind: 'layer-wise', factors: randomLayerwiseFactors(kernelLayers, choice.seed, choice.spread) }
    : choice;
}
