/** A dense row-major (C order) array read from a data file; the first axis indexes samples. */
export interface NdArray {
  data: Float32Array | Int32Array;
  shape: number[];
  dtype: 'float32' | 'int32';
}

/** What an array of a data file is for: inputs are float32; targets keep exact integers (class labels) as int32. */
export type ArrayRole = 'input' | 'target';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, size) => product * size, 1);
}

/** Values that make up one sample: the product of every axis after the first. */
export function sampleSize(array: NdArray): number {
  return elementCount(array.shape.slice(1));
}

export function isInt32(value: number): boolean {
  return Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX;
}

/** Narrowing a finite double beyond float32's range yields ±Infinity, which would later pass for bad data in the file. */
export function overflowsFloat32(value: number): boolean {
  return Number.isFinite(value) && !Number.isFinite(Math.fround(value));
}

export function float32Array(values: readonly number[], shape: number[]): NdArray {
  return { data: Float32Array.from(values), shape, dtype: 'float32' };
}

/** Class labels stay exact integers; anything else (regression targets) becomes float32. */
export function labelArray(values: readonly number[], shape: number[]): NdArray {
  if (values.every(isInt32)) return { data: Int32Array.from(values), shape, dtype: 'int32' };
  return float32Array(values, shape);
}

export function describeShape(shape: readonly number[]): string {
  return `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
}
