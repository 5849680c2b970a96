/**
 * Writes the 8,000 training digits the bundled examples were trained on (the `mnist` package's
 * digits, split as scripts/experiment/run.ts splits them) as raw arrays for gradient_coverage.py:
 * x.f32 (8,000 × 784 float32, row-major) and y.u8 (8,000 labels).
 *
 *   node --import tsx scripts/sampling/dump-train.ts DIR
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXAMPLE_SPLIT, splitDigits } from '../experiment/mnist-digits';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node --import tsx scripts/sampling/dump-train.ts DIR');
  process.exit(2);
}
mkdirSync(dir, { recursive: true });
const { train } = splitDigits(EXAMPLE_SPLIT.testFraction, EXAMPLE_SPLIT.seed);
writeFileSync(join(dir, 'x.f32'), new Float32Array(train.x));
writeFileSync(join(dir, 'y.u8'), Uint8Array.from(train.y));
console.log(`${train.count} digits written to ${dir}`);
