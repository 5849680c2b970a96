/** Analysis samples as the curvature engine consumes them: inputs and float targets, flat and row-major. */
export interface SampleSet {
  inputs: Float32Array | Int32Array;
  /** Shape of one sample. */
  inputShape: number[];
  inputDtype: 'float32' | 'int32';
  targets: Float32Array;
  targetShape: number[];
  count: number;
}
