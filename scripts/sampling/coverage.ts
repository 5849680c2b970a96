/**
 * How often the data-sampling intervals of a 1,024-digit analysis cover the value on all 8,000
 * training digits of the `mnist` package (the bundled models' training set), over repeated seeds:
 * each seed draws another 1,024 of the 8,000. Prints, per measure, the coverage rate and the mean
 * interval width against the spread of the 1,024-digit values over the seeds.
 *
 *   node --import tsx scripts/sampling/coverage.ts [--seeds 20] [--model examples/mnist-small-batch/model.json] [--threads N]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { analyze } from '../../src/engine/analysis/analyze';
import type { Report, SampledMeasure } from '../../src/shared/report';
import { writeTrainingDigits } from './training-digits';

/**
 * Each measure's value on a report, and the value its interval is checked against on the
 * 8,000-digit reference: ‖∇L‖'s interval is for the norm of the mean gradient over the data the
 * samples are drawn from, so its truth is the reference's own bias-corrected ‖∇L‖ (its interval's
 * centre; the raw 8,000-digit norm is itself biased upward by tr Σ/8,000, and is printed apart).
 */
const MEASURES: { key: SampledMeasure; value: (r: Report) => number; truth?: (r: Report) => number }[] = [
  { key: 'euclideanSharpness', value: (r) => r.euclidean.topEigenvalues[0] },
  { key: 'invariantSharpness', value: (r) => r.invariant.sharpness },
  { key: 'normalizedSharpness', value: (r) => r.invariant.normalizedSharpness },
  { key: 'euclideanTrace', value: (r) => r.euclidean.trace },
  { key: 'invariantTrace', value: (r) => r.invariant.trace },
  { key: 'gradientNorm', value: (r) => r.gradientNorm, truth: (r) => r.sampling!.measures.gradientNorm.centre! },
  { key: 'loss', value: (r) => r.loss },
];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string', default: '20' },
      model: { type: 'string', multiple: true },
      samples: { type: 'string', default: '1024' },
      threads: { type: 'string', default: 'auto' },
    },
  });
  const seeds = Number(values.seeds);
  const samples = Number(values.samples);
  const threads = values.threads === 'auto' ? 'auto' : Number(values.threads);
  const models = values.model ?? ['examples/mnist-small-batch/model.json', 'examples/mnist-large-batch/model.json'];
  const data = join(mkdtempSync(join(tmpdir(), 'sharpness-coverage-')), 'train.npz');
  const trainCount = writeTrainingDigits(data);
  const overall: number[] = [];
  for (const model of models) {
    const reference = await analyze({ model, data, samples: trainCount, intervals: true, budgetSeconds: null, threads });
    console.log(`${model}: reference on all ${trainCount} training digits (${reference.cost.seconds.toFixed(0)} s)`);
    const runs: Report[] = [];
    for (let seed = 1; seed <= seeds; seed++) {
      runs.push(await analyze({ model, data, samples, seed, budgetSeconds: null, intervals: true, threads }));
      process.stderr.write(`  seed ${seed}/${seeds}\r`);
    }
    const level = runs[0].sampling!.level;
    console.log(`  ${seeds} seeds × ${samples} digits, ${Math.round(100 * level)}% intervals (${runs[0].sampling!.groups} groups each)`);
    console.log(
      `  ${'measure'.padEnd(20)} ${'8,000-digit value'.padStart(18)} ${'covered'.padStart(8)} ${'mean width'.padStart(11)} ${'2·t·sd(seeds)'.padStart(14)}`,
    );
    for (const { key, value, truth: truthOf } of MEASURES) {
      const truth = (truthOf ?? value)(reference);
      const intervals = runs.map((r) => r.sampling!.measures[key]);
      const covered = intervals.filter((i) => i.low <= truth && truth <= i.high).length;
      overall.push(covered / seeds);
      const width = intervals.reduce((s, i) => s + i.high - i.low, 0) / seeds;
      const values = runs.map(value);
      const mean = values.reduce((s, x) => s + x, 0) / seeds;
      const sd = Math.sqrt(values.reduce((s, x) => s + (x - mean) ** 2, 0) / (seeds - 1));
      console.log(
        `  ${key.padEnd(20)} ${truth.toPrecision(5).padStart(18)} ${`${covered}/${seeds}`.padStart(8)} ${width.toPrecision(3).padStart(11)} ${(2 * runs[0].sampling!.tQuantile * sd).toPrecision(3).padStart(14)}`,
      );
      if (truthOf) {
        const raw = value(reference);
        const rawCovered = intervals.filter((i) => i.low <= raw && raw <= i.high).length;
        console.log(`  ${`${key} (raw)`.padEnd(20)} ${raw.toPrecision(5).padStart(18)} ${`${rawCovered}/${seeds}`.padStart(8)}`);
      }
    }
  }
  const rate = overall.reduce((s, x) => s + x, 0) / overall.length;
  console.log(`coverage over every measure, model and seed: ${(100 * rate).toFixed(1)}% (stated: 95%)`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
