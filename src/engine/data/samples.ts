/** Analysis samples as the curvature engine consumes them: one flat, row-major array per model input and per output. */
/** One array of the samples: every sample's values, back to back. */
export interface SampleArray {
  values: Float32Array | Int32Array;
  /** Shape of one sample. */
  shape: number[];
  dtype: 'float32' | 'int32';
}

export interface SampleSet {
  /** One array per model input, in the model's input order. */
  inputs: SampleArray[];
  /** One float32 array per model output, in the model's output order. */
  targets: SampleArray[];
  count: number;
}

/** Samples [start, end) of one array. */
export function sliceSamples(array: SampleArray, start: number, end: number): SampleArray {
  const per = array.shape.reduce((a, b) => a * b, 1);
  return { ...array, values: array.values.subarray(start * per, end * per) };
}
