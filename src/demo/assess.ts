/**
 * One model's entry in the small- vs large-batch comparison: the full analysis (layer D), the
 * element-normalised sharpness, and the test-set loss and accuracy for the generalization gap.
 */
import { analyze, type AnalyzeHooks } from '../engine/analysis/analyze';
import { evaluateModel, type Evaluation } from '../engine/analysis/evaluate';
import type { Report } from '../shared/report';

export interface Assessment {
  label: string;
  report: Report;
  /** λ_max(DHD) with element-wise D (invariant to neuron-wise rescalings too). */
  elementSharpness: number;
  test: Evaluation;
  /** Accuracy on the analysed training samples minus test accuracy. */
  accuracyGap: number;
  /** Test loss minus the loss on the analysed training samples. */
  lossGap: number;
}

export async function assessModel(
  request: { model: string; trainData: string; testData: string; label: string; rescale?: number[] },
  hooks: AnalyzeHooks = {},
): Promise<Assessment> {
  const common = { model: request.model, data: request.trainData, rescale: request.rescale ?? null };
  // The demo's verdict on the pair needs the sampling intervals whatever they cost ('auto' could skip them).
  const report = await analyze({ ...common, intervals: true }, hooks);
  // Only λ_max is wanted from the element-normalised run; the minimum of trace probes keeps it cheap.
  const element = await analyze(
    { ...common, intervals: false, settings: { normalization: 'element', topK: 1, perLayer: false, traceMaxSamples: 10 } },
    hooks,
  );
  const test = await evaluateModel({ model: request.model, data: request.testData });
  return {
    label: request.label,
    report,
    elementSharpness: element.invariant.sharpness,
    test,
    accuracyGap: (report.accuracy ?? 0) - (test.accuracy ?? 0),
    lossGap: test.loss - report.loss,
  };
}
