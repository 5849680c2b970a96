/**
 * Writes the training digits of the bundled examples to an .npz for gradient_coverage.py.
 *
 *   node --import tsx scripts/sampling/dump-train.ts FILE.npz
 */
import { writeTrainingDigits } from './training-digits';

const path = process.argv[2];
if (!path) {
  console.error('usage: node --import tsx scripts/sampling/dump-train.ts FILE.npz');
  process.exit(2);
}
console.log(`${writeTrainingDigits(path)} digits written to ${path}`);
