/**
 * `npm run demo`: the paper's finding on the bundled MNIST pair (examples/), and the point of the
 * invariant measure — a function-preserving rescaling makes the flat model look sharper than the
 * sharp one to λ_max(H), while λ_max(DHD) does not move. Prints a table; writes Markdown and JSON only
 * to the folder `outDir` names (nothing is written by default, so a demo run leaves the checkout as it was).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { SharpnessError } from '../engine/errors';
import type { ProgressEvent } from '../shared/progress';
import { assessModel, type Assessment } from './assess';
import { demoMarkdown, demoTable, type DemoResult } from './demo-format';

export interface DemoOptions {
  examplesDir?: string;
  outDir?: string;
  quiet: boolean;
  signal?: AbortSignal;
  onProgress?: (label: string, event: ProgressEvent) => void;
}

const PAIR = [
  { folder: 'mnist-small-batch', label: 'small batch' },
  { folder: 'mnist-large-batch', label: 'large batch' },
];

function batchSizeOf(modelPath: string): number | null {
  const metadata = JSON.parse(readFileSync(modelPath, 'utf8')).userDefinedMetadata;
  return typeof metadata?.batchSize === 'number' ? metadata.batchSize : null;
}

/** The package's root: two folders up from src/demo when run from source, one up from dist/. */
function packageRoot(): string {
  return existsSync(join(__dirname, '..', 'package.json')) ? join(__dirname, '..') : join(__dirname, '..', '..');
}

/** A "nice" factor ≥ x (1, 2, 5 × powers of ten), so the rescaling reads well in the table. */
function niceAbove(x: number): number {
  const power = 10 ** Math.floor(Math.log10(x));
  return [1, 2, 5, 10].map((m) => m * power).find((v) => v >= x)!;
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const examples = options.examplesDir ?? join(packageRoot(), 'examples');
  const testData = join(examples, 'mnist-test.npz');
  for (const path of [testData, ...PAIR.map((p) => join(examples, p.folder, 'model.json'))]) {
    if (!existsSync(path)) throw new SharpnessError('the demo example is missing (re-create it with npm run experiment -- --bundle)', path);
  }
  const log = (line: string) => {
    if (!options.quiet) process.stderr.write(`${line}\n`);
  };
  const assessments: (Assessment & { batchSize: number | null; path: string })[] = [];
  for (const { folder, label } of PAIR) {
    const model = join(examples, folder, 'model.json');
    log(`analysing the ${label} model (${relative(process.cwd(), model)})…`);
    const assessment = await assessModel(
      { model, trainData: join(examples, folder, 'data.npz'), testData, label },
      { signal: options.signal, onProgress: (event) => options.onProgress?.(label, event) },
    );
    assessments.push({ ...assessment, batchSize: batchSizeOf(model), path: model });
  }
  const [flat, sharp] = [...assessments].sort((a, b) => a.report.invariant.sharpness - b.report.invariant.sharpness);
  // α = (1/c, c, 1, …) multiplies the first layer's block of H by c², and a diagonal block's λ_max
  // bounds λ_max(H) from below, so c² · λ_max(H₁₁) > 2 · λ_max(H_sharp) guarantees the flip.
  const firstLayer = flat.report.perLayer[0].euclideanSharpness;
  const c = niceAbove(Math.sqrt((2 * sharp.report.euclidean.topEigenvalues[0]) / firstLayer));
  const factors = flat.report.model.symmetries.kernelLayers.map((_, i) => (i === 0 ? 1 / c : i === 1 ? c : 1));
  log(`rescaling the ${flat.label} model by α = (${factors.join(', ')}) and analysing it again…`);
  const rescaled = await assessModel(
    { model: flat.path, trainData: flat.report.data.path, testData, label: `${flat.label}, rescaled`, rescale: factors },
    { signal: options.signal, onProgress: (event) => options.onProgress?.('rescaled', event) },
  );
  const result: DemoResult = {
    schemaVersion: 1,
    kind: 'sharpness-lens demo',
    models: assessments.map((a) => ({ ...a, batchSize: a.batchSize })),
    rescaled: { ...rescaled, batchSize: flat.batchSize, path: flat.path, factors, of: flat.label },
    flatLabel: flat.label,
    sharpLabel: sharp.label,
  };
  process.stdout.write(demoTable(result) + '\n');
  if (options.outDir) {
    mkdirSync(options.outDir, { recursive: true });
    writeFileSync(join(options.outDir, 'demo.json'), JSON.stringify(result, null, 2) + '\n');
    writeFileSync(join(options.outDir, 'demo.md'), demoMarkdown(result));
    process.stdout.write(`written: ${join(options.outDir, 'demo.md')}, ${join(options.outDir, 'demo.json')}\n`);
  } else if (!options.quiet) {
    process.stderr.write('nothing written (--out-dir DIR writes demo.md and demo.json there)\n');
  }
  return result;
}
