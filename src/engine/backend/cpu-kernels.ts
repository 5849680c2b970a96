/**
 * The cpu backend's UnsortedSegmentSum compares every id with every segment (a second on a few
 * thousand values); the engine scatters max-pool and Embedding gradients with it, so the project
 * registers the linear-time loop it already uses for wasm.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { segmentSum } from './wasm-kernels';

/** The parts of tfjs-backend-cpu's MathBackendCPU used here. */
interface CpuBackend {
  data: { get(dataId: object): { values: ArrayLike<number> } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array | Int32Array): TensorInfo;
}

const unsortedSegmentSum: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, segmentIds } = inputs as NamedTensorInfoMap & { x: TensorInfo; segmentIds: TensorInfo };
  const { numSegments } = attrs as unknown as tf.UnsortedSegmentSumAttrs;
  const cpu = backend as unknown as CpuBackend;
  const rowShape = x.shape.slice(segmentIds.shape.length);
  const inner = rowShape.reduce((a, b) => a * b, 1);
  const sums = x.dtype === 'int32' ? new Int32Array(numSegments * inner) : new Float32Array(numSegments * inner);
  segmentSum(cpu.data.get(x.dataId).values, cpu.data.get(segmentIds.dataId).values, inner, numSegments, sums);
  return cpu.makeTensorInfo([numSegments, ...rowShape], x.dtype, sums);
};

export function registerCpuKernels(): void {
  const existing = tf.getKernel('UnsortedSegmentSum', 'cpu');
  if (existing?.kernelFunc === unsortedSegmentSum) return;
  if (existing) tf.unregisterKernel('UnsortedSegmentSum', 'cpu');
  tf.registerKernel({ kernelName: 'UnsortedSegmentSum', backendName: 'cpu', kernelFunc: unsortedSegmentSum });
}
