/**
 * The JSON report (docs/architecture.md, "Report schema"; src/shared/report.ts), checked field by field on
 * what the CLI printed, so a renamed or dropped field fails here before another tool trips on it.
 */
import assert from 'node:assert/strict';
import type { Report } from '../../../src/shared/report';

function isNumber(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value);
}

function assertNumbers(record: Record<string, unknown>, fields: string[], where: string): void {
  for (const field of fields)
    assert.ok(isNumber(record[field]), `${where}.${field} is ${JSON.stringify(record[field])}, expected a finite number`);
}

function assertStrings(record: Record<string, unknown>, fields: string[], where: string): void {
  for (const field of fields) assert.equal(typeof record[field], 'string', `${where}.${field}`);
}

function assertSpectrum(spectrum: Record<string, unknown>, topK: number, where: string): void {
  const top = spectrum.topEigenvalues as unknown[];
  assert.ok(Array.isArray(top) && top.length === topK && top.every(isNumber), `${where}.topEigenvalues: ${JSON.stringify(top)}`);
  assertNumbers(spectrum, ['trace'], where);
}

/** Parses a report printed by `analyze --format json` and checks it against the schema. */
export function parseReport(text: string, topK = 5): Report {
  const report = JSON.parse(text) as Record<string, unknown>;
  assert.equal(report.schemaVersion, 1);

  const model = report.model as Record<string, unknown>;
  assertStrings(model, ['path', 'format'], 'model');
  assertNumbers(model, ['parameterCount'], 'model');
  const layers = model.layers as Record<string, unknown>[];
  assert.ok(Array.isArray(layers) && layers.length > 0, 'model.layers');
  for (const [i, layer] of layers.entries()) {
    assertStrings(layer, ['name', 'className'], `model.layers[${i}]`);
    assertNumbers(layer, ['parameterCount'], `model.layers[${i}]`);
    assert.equal(typeof layer.positivelyHomogeneous, 'boolean', `model.layers[${i}].positivelyHomogeneous`);
    for (const weight of layer.weights as Record<string, unknown>[]) {
      assert.equal(typeof weight.name, 'string');
      assert.ok(Array.isArray(weight.shape) && weight.shape.every(Number.isInteger), `shape of ${String(weight.name)}`);
    }
  }

  const data = report.data as Record<string, unknown>;
  assertStrings(data, ['path', 'loss'], 'data');
  assertNumbers(data, ['sampleCount'], 'data');

  assert.ok(['wasm', 'cpu', 'tensorflow'].includes(report.backend as string), `backend ${String(report.backend)}`);
  assertNumbers(report, ['loss', 'gradientNorm'], 'report');
  assert.ok(report.accuracy === null || isNumber(report.accuracy), 'accuracy');
  const outputs = report.outputs as Record<string, unknown>[];
  assert.ok(Array.isArray(outputs) && outputs.length > 0, 'outputs: one entry per model output');
  for (const [k, output] of outputs.entries()) {
    assertStrings(output, ['name', 'array', 'loss', 'lossSource'], `outputs[${k}]`);
    assertNumbers(output, ['weight', 'lossValue'], `outputs[${k}]`);
    assert.ok(output.accuracy === null || isNumber(output.accuracy), `outputs[${k}].accuracy`);
  }
  for (const [k, input] of (data.inputs as Record<string, unknown>[]).entries())
    assertStrings(input, ['name', 'array'], `data.inputs[${k}]`);

  assertSpectrum(report.euclidean as Record<string, unknown>, topK, 'euclidean');
  const invariant = report.invariant as Record<string, unknown>;
  assertSpectrum(invariant, topK, 'invariant');
  assert.ok(['layer', 'element'].includes(invariant.normalization as string), 'invariant.normalization');
  assertNumbers(invariant, ['sharpness'], 'invariant');
  assert.equal(invariant.sharpness, (invariant.topEigenvalues as number[])[0], 'invariant.sharpness is λ_max(D H D)');

  for (const [i, layer] of (report.perLayer as Record<string, unknown>[]).entries()) {
    assert.equal(typeof layer.name, 'string');
    assertNumbers(
      layer,
      ['parameterCount', 'invariantSharpness', 'euclideanSharpness', 'invariantTrace', 'euclideanTrace'],
      `perLayer[${i}]`,
    );
  }
  assert.ok('rescaling' in report && 'density' in report, 'rescaling and density are present (null when not asked for)');
  assertNumbers(report.cost as Record<string, unknown>, ['hvpCount', 'seconds'], 'cost');
  // The sampling intervals (on by default; null when turned off or with too few samples).
  const sampling = report.sampling as Record<string, unknown> | null | undefined;
  if (sampling) {
    assertNumbers(sampling, ['groups', 'groupSize', 'level', 'tQuantile', 'hvpCount', 'seconds'], 'sampling');
    const intervals = [
      ...Object.entries(sampling.measures as Record<string, Record<string, unknown>>),
      ...(sampling.perLayer as Record<string, unknown>[]).flatMap((layer) =>
        ['euclideanSharpness', 'invariantSharpness', 'euclideanTrace', 'invariantTrace'].map(
          (k) => [`${String(layer.name)}.${k}`, layer[k] as Record<string, unknown>] as const,
        ),
      ),
    ];
    for (const [name, interval] of intervals) {
      assertNumbers(interval, ['value', 'standardError', 'low', 'high'], `sampling.${name}`);
      assert.ok((interval.low as number) <= (interval.high as number), `sampling.${name}: low ≤ high`);
    }
    for (const curve of Object.values(sampling.convergence as Record<string, Record<string, unknown>[]>))
      for (const point of curve) assertNumbers(point, ['samples', 'value', 'halfWidth'], 'sampling.convergence');
  }
  return report as unknown as Report;
}

/** The report without the fields that legitimately change from run to run: the time stamp and the timings. */
export function withoutTimings(report: Report): unknown {
  const { createdAt: _createdAt, cost, estimate, sampling, ...rest } = report;
  return {
    ...rest,
    // The estimate is measured time and memory; its plan is not.
    estimate: estimate && { ...estimate, seconds: null, hvpSeconds: null, peakBytes: null },
    sampling: sampling && { ...sampling, seconds: null },
    cost: { ...cost, seconds: null, stages: cost.stages.map((stage) => ({ ...stage, seconds: null })) },
  };
}
