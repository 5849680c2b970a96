import { writeFileSync } from 'node:fs';
import { encodeNpz } from '../lib/numpy-files';
import { EXAMPLE_SPLIT, PIXELS, splitDigits } from '../experiment/mnist-digits';

/**
 * Writes the 8,000 training digits the bundled examples were trained on (the `mnist` package's digits,
 * split as scripts/experiment/run.ts splits them) to `path` as an .npz: x (count × 784 float32), y (uint8).
 * Returns the count.
 */
export function writeTrainingDigits(path: string): number {
  const { train } = splitDigits(EXAMPLE_SPLIT.testFraction, EXAMPLE_SPLIT.seed);
  writeFileSync(
    path,
    encodeNpz({ x: { values: train.x, shape: [train.count, PIXELS] }, y: { values: Uint8Array.from(train.y), shape: [train.count] } }),
  );
  return train.count;
}
