/**
 * Analysis data for the bad-data tests: the mlp fixture (8 features, 3 softmax classes) with data
 * files written beside it, and the check that the run fails on the named data file.
 */
import { copyFixture, type FixtureCopy } from '../cli/helpers';
import { float32Npy } from '../../../scripts/lib/numpy-files';
import { writeFile } from '../data/temp-dir';
import { assertCleanFailure } from './expect-failure';

export const FEATURES = 8;

export function mlpFixture(): FixtureCopy {
  return copyFixture('mlp');
}

/** `count` samples of FEATURES values each, as nested rows. */
export function rows(count: number, features = FEATURES): number[][] {
  return Array.from({ length: count }, (_, s) => Array.from({ length: features }, (_, f) => ((s + f) % 5) / 5));
}

/** Writes a data file into the fixture's folder, which the failure check watches. */
export function writeData(fixture: FixtureCopy, name: string, contents: string | Uint8Array): string {
  return writeFile(fixture.folder, name, contents);
}

export function writeJsonData(fixture: FixtureCopy, name: string, data: { x: unknown; y?: unknown }): string {
  return writeData(fixture, name, JSON.stringify(data));
}

/** Inputs as a float32 .npy of shape [samples, FEATURES], from flat values. */
export function writeInputsNpy(fixture: FixtureCopy, name: string, values: number[]): string {
  return writeData(fixture, name, float32Npy(values, [values.length / FEATURES, FEATURES]));
}

export async function analysisFails(fixture: FixtureCopy, dataArgs: string[], file: string, problem: RegExp): Promise<void> {
  await assertCleanFailure(['analyze', fixture.model, ...dataArgs], { folder: fixture.folder, file, problem });
}
