/**
 * Two cpu kernels the engine calls on every HVP are far slower than they need be, so the project
 * registers its own:
 * - UnsortedSegmentSum compares every id with every segment (a second on a few thousand values); the
 *   engine scatters max-pool and Embedding gradients with it: the linear-time loop wasm uses too;
 * - Conv2DBackpropFilter walks the filter in its outer loops and the batch in its inner ones (7 s for
 *   a 3×3×1×32 filter on 256 MNIST digits): a loop that keeps the output channels innermost, as a
 *   convolution would (0.1 s).
 */
import * as tf from '@tensorflow/tfjs-core';
import { type KernelFunc, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { nhwcConvInfo, segmentSum } from './wasm-kernels';

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

/** dW[i, j, c, f] = Σ_{n,p,q} x[n, p·s + i − padTop, q·s + j − padLeft, c] · dy[n, p, q, f], f innermost. */
const conv2dBackpropFilter: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as NamedTensorInfoMap & { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  const info = nhwcConvInfo(x.shape, filterShape, { strides, pad, dimRoundingMode });
  const cpu = backend as unknown as CpuBackend;
  const xs = cpu.data.get(x.dataId).values;
  const dys = cpu.data.get(dy.dataId).values;
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth } = info;
  const dw = new Float32Array(filterHeight * filterWidth * inChannels * outChannels);
  for (let n = 0; n < batchSize; n++) {
    for (let p = 0; p < outHeight; p++) {
      for (let q = 0; q < outWidth; q++) {
        const dyBase = ((n * outHeight + p) * outWidth + q) * outChannels;
        for (let i = 0; i < filterHeight; i++) {
          const h = p * info.strideHeight + i - info.padInfo.top;
          if (h < 0 || h >= inHeight) continue;
          for (let j = 0; j < filterWidth; j++) {
            const w = q * info.strideWidth + j - info.padInfo.left;
            if (w < 0 || w >= inWidth) continue;
            const xBase = ((n * inHeight + h) * inWidth + w) * inChannels;
            const wBase = (i * filterWidth + j) * inChannels * outChannels;
            for (let c = 0; c < inChannels; c++) {
              const xv = xs[xBase + c];
              const row = wBase + c * outChannels;
              for (let f = 0; f < outChannels; f++) dw[row + f] += xv * dys[dyBase + f];
            }
          }
        }
      }
    }
  }
  return cpu.makeTensorInfo(filterShape, 'float32', dw);
};

const replacements: Record<string, KernelFunc> = {
  UnsortedSegmentSum: unsortedSegmentSum,
  Conv2DBackpropFilter: conv2dBackpropFilter,
};

export function registerCpuKernels(): void {
  for (const [kernelName, kernelFunc] of Object.entries(replacements)) {
    const existing = tf.getKernel(kernelName, 'cpu');
    if (existing?.kernelFunc === kernelFunc) continue;
    if (existing) tf.unregisterKernel(kernelName, 'cpu');
    tf.registerKernel({ kernelName, backendName: 'cpu', kernelFunc });
  }
}
