/**
 * Turns the extension's settings, a model's sidecar, its data choice and a rescaling into the engine's
 * request. The settings are the shared analysis options (src/shared/options.ts) under the same names,
 * so every analysis the CLI can run, VS Code can run too. Pure, unit tested.
 */
import type { AnalyzeRequest } from '../shared/analysis-request';
import type { AnalysisOptions } from '../shared/defaults';
import { analyzeRequestFor, OPTION_SPECS, OptionValueError, parseOption, withDefaults, type OptionKey } from '../shared/options';
import type { RescalingChoice } from '../shared/protocol';
import type { DataChoice, Sidecar } from './data-selection';

/** The settings' section: `sharpnessLens.<option>`. */
export const SETTINGS_SECTION = 'sharpnessLens';

/** A setting whose value the analysis cannot use: one line naming the setting and what it must be. */
export class SettingError extends Error {
  override readonly name = 'SettingError';
}

/**
 * The analysis options as the settings give them. `get` returns a setting's value (VS Code gives the
 * declared default when the user set none); a value the analysis cannot use is an error naming the
 * setting, never silently replaced, so the numbers are always those of the settings shown.
 */
export function readSettings(get: (key: OptionKey) => unknown): Partial<AnalysisOptions> {
  const settings: Partial<Record<OptionKey, unknown>> = {};
  for (const { key } of OPTION_SPECS) {
    const value = get(key);
    if (value === undefined) continue;
    try {
      settings[key] = parseOption(key, value, false);
    } catch (error) {
      if (error instanceof OptionValueError) throw new SettingError(`the setting ${SETTINGS_SECTION}.${key} ${error.message}`);
      throw error;
    }
  }
  return settings as Partial<AnalysisOptions>;
}

export function analysisRequest(
  model: string,
  data: DataChoice,
  settings: Partial<AnalysisOptions>,
  sidecar: Sidecar | null,
  rescaling: RescalingChoice | null = null,
): AnalyzeRequest {
  // A model's sidecar overrides the settings for that model: it travels with the model in the repository.
  const request = analyzeRequestFor(model, data, withDefaults(settings, sidecar?.options ?? {}));
  // A model's own sample count is a choice for that model: the time budget warns rather than lowers it.
  if (sidecar?.options.samples !== undefined) request.samplesForced = true;
  if (rescaling?.kind === 'layer-wise') request.rescale = rescaling.factors;
  if (rescaling?.kind === 'random-layer-wise') request.rescaleRandom = { seed: rescaling.seed, spread: rescaling.spread };
  if (rescaling?.kind === 'neuron-wise') request.rescaleNeurons = rescaling.seed;
  return request;
}
