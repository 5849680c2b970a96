/**
 * Kernels the wasm backend lacks or gets wrong, registered by the project (docs/tfjs-notes.md):
 * - Conv2DBackpropFilter: one dilated convolution of the transposed input with the transposed dy
 *   (dilation = the forward stride), built from wasm's own Transpose/Slice/PadV2/Conv2D kernels;
 * - DepthwiseConv2dNativeBackpropFilter/Input and UnsortedSegmentSum (Embedding's gradient), which
 *   it does not have: the depthwise input gradient (multiplier 1, no dilation) as XNNPACK depthwise
 *   convolutions by phases, the rest as loops over the wasm heap;
 * - MaxPoolWithArgmax and MaxPoolGrad, whose wasm versions start their running maximum at the
 *   smallest positive float and so mishandle windows whose maximum is ≤ 0. The replacements pick
 *   the first maximum of each window, as the cpu backend does;
 * - Conv2DBackpropInput, whose wasm version is a plain loop many times slower than a convolution: as
 *   one XNNPACK convolution of the (stride-dilated, padded) dy with the flipped, transposed filter;
 * - Conv2D, DepthwiseConv2dNative and their fused forms, which return zeros for 'same' padding when
 *   the last window stops short of the input's end (tensorflow/tfjs#6629): the wrappers pad the
 *   input explicitly and run the original kernel with 'valid' padding;
 * - Sum over leading axes (a bias gradient: Σ over samples and positions per channel), which wasm
 *   computes by transposing the whole tensor first: one pass over the heap instead (float64
 *   accumulators), the original for every other reduction;
 * - GatherV2 without batch dimensions, which wasm computes element by element (10 ms for 550 rows of a
 *   784×256 matrix): as one copy per gathered slice.
 */
import * as tf from '@tensorflow/tfjs-core';
import { backend_util, type KernelFunc, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs-core';

/** The parts of tfjs-backend-wasm's BackendWasm these kernels use. */
interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: object, force?: boolean): boolean;
}

type KernelArgs = { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap };

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

function inputsOf<K extends string>(inputs: NamedTensorInfoMap, ...names: K[]): Record<K, TensorInfo> {
  const found = {} as Record<K, TensorInfo>;
  for (const name of names) {
    const tensor = inputs[name];
    if (!tensor) throw new Error(`kernel input "${name}" is missing`);
    found[name] = tensor;
  }
  return found;
}

/** Runs another wasm kernel directly (kernels must not call ops while the engine runs a kernel). */
function callKernel(name: string, backend: unknown, inputs: NamedTensorInfoMap, attrs: NamedAttrMap): TensorInfo {
  const kernel = tf.getKernel(name, 'wasm');
  if (!kernel) throw new Error(`the wasm backend has no ${name} kernel`);
  return kernel.kernelFunc({ inputs, backend: backend as tf.KernelBackend, attrs }) as TensorInfo;
}

/**
 * Input channels up to which the filter gradient is an im2col product (measured: it pays for one
 * channel, not for three): that convolution's output
 * has only C·kh·kw pixels, which XNNPACK computes far below its speed (a 3×3×1×32 filter on 256
 * MNIST digits: 8× a forward convolution's time, against 2× for 32 input channels).
 */
export const IM2COL_FILTER_CHANNELS = 1;

/**
 * The filter gradient as one product with the im2col patches: P = [N·Ho·Wo, C·kh·kw] from a
 * depthwise convolution with one-hot filters (patch element (c, i, j) is x at window offset (i, j) of
 * channel c), then dW (c, i, j order) = Pᵀ·dy, transposed to [kh, kw, C, F].
 */
function im2colFilterGradient(
  x: TensorInfo,
  dy: TensorInfo,
  info: backend_util.Conv2DInfo,
  pad: 'valid' | 'same',
  backend: unknown,
): TensorInfo {
  const heap = backend as WasmHeapBackend;
  const temporaries: TensorInfo[] = [];
  const keep = (t: TensorInfo) => (temporaries.push(t), t);
  try {
    const { inChannels: c, filterHeight: kh, filterWidth: kw, outChannels: f } = info;
    const taps = kh * kw;
    const oneHot = keep(heap.makeOutput([kh, kw, c, taps], 'float32'));
    const values = heap.typedArrayFromHeap(oneHot);
    values.fill(0);
    // Filter [i, j, c, k] is 1 where k = i·kw + j: output channel c·taps + k holds tap k of channel c.
    for (let i = 0; i < kh; i++)
      for (let j = 0; j < kw; j++) for (let ch = 0; ch < c; ch++) values[((i * kw + j) * c + ch) * taps + i * kw + j] = 1;
    const patches = keep(
      callKernel(
        'DepthwiseConv2dNative',
        backend,
        { x, filter: oneHot },
        { strides: [info.strideHeight, info.strideWidth], pad, dilations: [1, 1], dimRoundingMode: undefined as unknown as string },
      ),
    );
    const rows = info.batchSize * info.outHeight * info.outWidth;
    const flat = keep(callKernel('Reshape', backend, { x: patches }, { shape: [rows, c * taps] }));
    const patchesT = keep(callKernel('Transpose', backend, { x: flat }, { perm: [1, 0] }));
    const dyFlat = keep(callKernel('Reshape', backend, { x: dy }, { shape: [rows, f] }));
    const product = keep(callKernel('BatchMatMul', backend, { a: patchesT, b: dyFlat }, { transposeA: false, transposeB: false }));
    const byChannel = keep(callKernel('Reshape', backend, { x: product }, { shape: [c, kh, kw, f] }));
    return callKernel('Transpose', backend, { x: byChannel }, { perm: [1, 2, 0, 3] });
  } finally {
    for (const t of temporaries) heap.disposeData(t.dataId);
  }
}

/** TensorFlow's geometry of one channels-last (NHWC) convolution, from a kernel's attributes. */
export function nhwcConvInfo(
  inputShape: readonly number[],
  filterShape: readonly number[],
  attrs: {
    strides: number | [number, number];
    dilations?: number | [number, number];
    pad: tf.Conv2DAttrs['pad'];
    dimRoundingMode?: tf.Conv2DAttrs['dimRoundingMode'];
    depthwise?: boolean;
  },
): backend_util.Conv2DInfo {
  return backend_util.computeConv2DInfo(
    inputShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    attrs.depthwise ?? false,
    'channelsLast',
  );
}

/**
 * dW[i, j, c, f] = Σ_{n,p,q} x[n, p·s + i − padTop, q·s + j − padLeft, c] · dy[n, p, q, f]: a valid
 * convolution of xᵀ = [C, H', W', N] with dyᵀ = [Ho, Wo, N, F] as the filter, dilated by the stride
 * (an im2col product for few input channels).
 */
const conv2dBackpropFilter: KernelFunc = ({ inputs, backend, attrs }: KernelArgs) => {
  const { x, dy } = inputsOf(inputs, 'x', 'dy');
  const { strides, pad, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  const info = nhwcConvInfo(x.shape, filterShape, { strides, pad, dimRoundingMode });
  if (info.inChannels <= IM2COL_FILTER_CHANNELS && (pad === 'valid' || pad === 'same'))
    return im2colFilterGradient(x, dy, info, pad, backend);
  const heap = backend as WasmHeapBackend;
  const temporaries: TensorInfo[] = [];
  const keep = (t: TensorInfo) => (temporaries.push(t), t);
  try {
    // The rows (columns) the forward pass read: from −padTop, (outH − 1)·strideH + filterH of them.
    const window = (inLength: number, padBefore: number, out: number, stride: number, filter: number) => {
      const needed = (out - 1) * stride + filter;
      const kept = Math.min(inLength, needed - padBefore);
      return { kept, before: padBefore, after: needed - padBefore - kept };
    };
    const rows = window(info.inHeight, info.padInfo.top, info.outHeight, info.strideHeight, info.filterHeight);
    const cols = window(info.inWidth, info.padInfo.left, info.outWidth, info.strideWidth, info.filterWidth);
    let input: TensorInfo = x;
    if (rows.kept < info.inHeight || cols.kept < info.inWidth) {
      input = keep(
        callKernel('Slice', backend, { x: input }, { begin: [0, 0, 0, 0], size: [info.batchSize, rows.kept, cols.kept, info.inChannels] }),
      );
    }
    if (rows.before || rows.after || cols.before || cols.after) {
      const paddings = [
        [0, 0],
        [rows.before, rows.after],
        [cols.before, cols.after],
        [0, 0],
      ];
      input = keep(callKernel('PadV2', backend, { x: input }, { paddings, constantValue: 0 }));
    }
    const inputT = keep(callKernel('Transpose', backend, { x: input }, { perm: [3, 1, 2, 0] }));
    const dyT = keep(callKernel('Transpose', backend, { x: dy }, { perm: [1, 2, 0, 3] }));
    const product = keep(
      callKernel(
        'Conv2D',
        backend,
        { x: inputT, filter: dyT },
        {
          strides: [1, 1],
          pad: 'valid',
          dataFormat: 'NHWC',
          dilations: [info.strideHeight, info.strideWidth],
          dimRoundingMode: undefined as unknown as string,
        },
      ),
    );
    return callKernel('Transpose', backend, { x: product }, { perm: [1, 2, 0, 3] });
  } finally {
    for (const t of temporaries) heap.disposeData(t.dataId);
  }
};

/**
 * Conv2DBackpropInput for strides above 1, by phases: the rows h with (h + padTop) mod s = a only
 * meet the taps i = a + s·t, so dx[m·s + a − padTop] = Σ_t dy[m − t]·W[a + s·t] is a stride-1
 * correlation of dy (padded by T − 1 before) with that phase's flipped sub-filter. One small
 * convolution per phase (s_h·s_w of them), interleaved into dx by reshapes and two concats: the
 * convolutions do a forward pass's work, where dilating dy does s_h·s_w times as much on zeros.
 * `depthwise` (multiplier 1, dilation 1): the sub-filters are [T_h, T_w, C, 1] and the phases
 * XNNPACK depthwise convolutions, for any stride (stride 1 is one phase).
 */
function phasedBackpropInput(
  dy: TensorInfo,
  filter: TensorInfo,
  info: backend_util.Conv2DInfo,
  backend: unknown,
  depthwise = false,
): TensorInfo {
  const heap = backend as WasmHeapBackend;
  const temporaries: TensorInfo[] = [];
  const keep = (t: TensorInfo) => (temporaries.push(t), t);
  try {
    const [n, outH, outW, f] = dy.shape;
    const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, inChannels: c } = info;
    const { top, left } = info.padInfo;
    // Rows g = h + padTop on a grid of mh·sh rows (columns alike); dx is its slice [top, top + H).
    const [mh, mw] = [Math.ceil((info.inHeight + top) / sh), Math.ceil((info.inWidth + left) / sw)];
    const [rowsUsed, colsUsed] = [Math.min(outH, mh), Math.min(outW, mw)];
    let source: TensorInfo = dy;
    if (rowsUsed < outH || colsUsed < outW)
      source = keep(callKernel('Slice', backend, { x: dy }, { begin: [0, 0, 0, 0], size: [n, rowsUsed, colsUsed, f] }));
    const rowsOfPhases: TensorInfo[] = [];
    for (let ah = 0; ah < sh; ah++) {
      const phases: TensorInfo[] = [];
      for (let aw = 0; aw < sw; aw++) {
        const [th, tw] = [Math.ceil((kh - ah) / sh), Math.ceil((kw - aw) / sw)];
        let phase: TensorInfo;
        if (th <= 0 || tw <= 0) {
          // No tap of this phase: its rows of dx get nothing (a kernel shorter than the stride).
          phase = keep(heap.makeOutput([n, mh, mw, c], 'float32'));
          heap.typedArrayFromHeap(phase).fill(0);
        } else {
          // Sub-filter [th, tw, F, C]: tap (t', u') = W[ah + sh·(th − 1 − t'), aw + sw·(tw − 1 − u')], channels swapped
          // (depthwise: [th, tw, C, 1], the same taps, nothing to swap).
          const sub = keep(heap.makeOutput(depthwise ? [th, tw, c, 1] : [th, tw, f, c], 'float32'));
          // Views of the heap taken after the allocation: growing the heap detaches older ones.
          const values = heap.typedArrayFromHeap(sub);
          const filterValues = heap.typedArrayFromHeap(filter);
          for (let t = 0; t < th; t++)
            for (let u = 0; u < tw; u++) {
              const [i, j] = [ah + sh * (th - 1 - t), aw + sw * (tw - 1 - u)];
              if (depthwise) for (let ch = 0; ch < c; ch++) values[(t * tw + u) * c + ch] = filterValues[(i * kw + j) * c + ch];
              else
                for (let ch = 0; ch < c; ch++)
                  for (let o = 0; o < f; o++) values[((t * tw + u) * f + o) * c + ch] = filterValues[((i * kw + j) * c + ch) * f + o];
            }
          const padded = keep(
            callKernel(
              'PadV2',
              backend,
              { x: source },
              {
                paddings: [
                  [0, 0],
                  [th - 1, mh - rowsUsed],
                  [tw - 1, mw - colsUsed],
                  [0, 0],
                ],
                constantValue: 0,
              },
            ),
          );
          phase = keep(
            callKernel(
              depthwise ? 'DepthwiseConv2dNative' : 'Conv2D',
              backend,
              { x: padded, filter: sub },
              { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined as unknown as string },
            ),
          );
        }
        phases.push(keep(callKernel('Reshape', backend, { x: phase }, { shape: [n, mh, 1, mw, 1, c] })));
      }
      rowsOfPhases.push(
        phases.length === 1 ? phases[0] : keep(callKernel('Concat', backend, phases as unknown as NamedTensorInfoMap, { axis: 4 })),
      );
    }
    const grid =
      rowsOfPhases.length === 1
        ? rowsOfPhases[0]
        : keep(callKernel('Concat', backend, rowsOfPhases as unknown as NamedTensorInfoMap, { axis: 2 }));
    const flat = keep(callKernel('Reshape', backend, { x: grid }, { shape: [n, mh * sh, mw * sw, c] }));
    return callKernel('Slice', backend, { x: flat }, { begin: [0, top, left, 0], size: [n, info.inHeight, info.inWidth, c] });
  } finally {
    for (const t of temporaries) heap.disposeData(t.dataId);
  }
}

/**
 * dx[h] = Σ_i dy[(h + padTop − i)/s] · W[i] over the positions where the division is exact: with dy
 * dilated by the stride (s − 1 zeros between rows and columns) and padded by k − 1 − padTop before,
 * a valid, stride-1 correlation with the flipped filter (in and out channels swapped).
 */
const conv2dBackpropInput: KernelFunc = ({ inputs, backend, attrs }: KernelArgs) => {
  const { dy, filter } = inputsOf(inputs, 'dy', 'filter');
  const { strides, pad, dimRoundingMode, inputShape } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  const [kh, kw, , outChannels] = filter.shape;
  const info = nhwcConvInfo(inputShape, filter.shape, { strides, pad, dimRoundingMode });
  const heap = backend as WasmHeapBackend;
  const temporaries: TensorInfo[] = [];
  const keep = (t: TensorInfo) => (temporaries.push(t), t);
  try {
    if (info.strideHeight > 1 || info.strideWidth > 1) return phasedBackpropInput(dy, filter, info, backend);
    const [n, outH, outW] = dy.shape;
    const [sh, sw] = [info.strideHeight, info.strideWidth];
    let spread: TensorInfo = dy;
    if (sh > 1 || sw > 1) {
      // Zero insertion by reshape → pad → reshape: [n, oh, 1, ow, 1, f] padded to [n, oh, sh, ow, sw, f].
      const six = keep(callKernel('Reshape', backend, { x: dy }, { shape: [n, outH, 1, outW, 1, outChannels] }));
      const padded = keep(
        callKernel(
          'PadV2',
          backend,
          { x: six },
          {
            paddings: [
              [0, 0],
              [0, 0],
              [0, sh - 1],
              [0, 0],
              [0, sw - 1],
              [0, 0],
            ],
            constantValue: 0,
          },
        ),
      );
      const flat = keep(callKernel('Reshape', backend, { x: padded }, { shape: [n, outH * sh, outW * sw, outChannels] }));
      spread = keep(
        callKernel(
          'Slice',
          backend,
          { x: flat },
          { begin: [0, 0, 0, 0], size: [n, (outH - 1) * sh + 1, (outW - 1) * sw + 1, outChannels] },
        ),
      );
    }
    const [spreadH, spreadW] = [(outH - 1) * sh + 1, (outW - 1) * sw + 1];
    const before = [kh - 1 - info.padInfo.top, kw - 1 - info.padInfo.left];
    const after = [info.inHeight - spreadH + info.padInfo.top, info.inWidth - spreadW + info.padInfo.left];
    let source = spread;
    if (after[0] < 0 || after[1] < 0) {
      source = keep(
        callKernel(
          'Slice',
          backend,
          { x: source },
          { begin: [0, 0, 0, 0], size: [n, spreadH + Math.min(0, after[0]), spreadW + Math.min(0, after[1]), outChannels] },
        ),
      );
    }
    const paddings = [
      [0, 0],
      [before[0], Math.max(0, after[0])],
      [before[1], Math.max(0, after[1])],
      [0, 0],
    ];
    if (paddings.flat().some((p) => p !== 0)) source = keep(callKernel('PadV2', backend, { x: source }, { paddings, constantValue: 0 }));
    const flipped = keep(callKernel('Reverse', backend, { x: filter }, { dims: [0, 1] }));
    const swapped = keep(callKernel('Transpose', backend, { x: flipped }, { perm: [0, 1, 3, 2] }));
    return callKernel(
      'Conv2D',
      backend,
      { x: source, filter: swapped },
      { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined as unknown as string },
    );
  } finally {
    for (const t of temporaries) heap.disposeData(t.dataId);
  }
};

/** Calls `visit(xIndex, dyIndex, filterIndex)` for every term of a depthwise convolution. */
function forEachDepthwiseTerm(
  info: backend_util.Conv2DInfo,
  multiplier: number,
  visit: (xBase: number, dyBase: number, filterBase: number) => void,
): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth } = info;
  const outChannels = inChannels * multiplier;
  for (let n = 0; n < batchSize; n++) {
    for (let p = 0; p < outHeight; p++) {
      for (let i = 0; i < filterHeight; i++) {
        const h = p * info.strideHeight + i * info.dilationHeight - info.padInfo.top;
        if (h < 0 || h >= inHeight) continue;
        for (let q = 0; q < outWidth; q++) {
          for (let j = 0; j < filterWidth; j++) {
            const w = q * info.strideWidth + j * info.dilationWidth - info.padInfo.left;
            if (w < 0 || w >= inWidth) continue;
            visit(
              ((n * inHeight + h) * inWidth + w) * inChannels,
              ((n * outHeight + p) * outWidth + q) * outChannels,
              (i * filterWidth + j) * inChannels * multiplier,
            );
          }
        }
      }
    }
  }
}

/**
 * dW[i, j, c, k] = Σ_{n,p,q} x[n, p·s + i·d − padTop, q·s + j·d − padLeft, c] · dy[n, p, q, c·m + k]: for
 * each row of dy and tap, the sum over the row's valid columns is kept in a register (a float64) and
 * added once to a float64 accumulator — 2.9× the speed of accumulating every term in the filter's
 * array (measured on MobileNetV2's depthwise layers), and summed in double precision.
 */
const depthwiseBackpropFilter: KernelFunc = ({ inputs, backend, attrs }: KernelArgs) => {
  const { x, dy } = inputsOf(inputs, 'x', 'dy');
  const { strides, dilations, pad, dimRoundingMode, filterShape } = attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
  const info = nhwcConvInfo(x.shape, filterShape, { strides, dilations, pad, dimRoundingMode, depthwise: true });
  const heap = backend as WasmHeapBackend;
  const out = heap.makeOutput(filterShape, 'float32');
  const [xs, dys] = [heap.typedArrayFromHeap(x), heap.typedArrayFromHeap(dy)];
  const m = filterShape[3];
  const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth, filterHeight, filterWidth } = info;
  const [sh, sw, dh, dw] = [info.strideHeight, info.strideWidth, info.dilationHeight, info.dilationWidth];
  const { top, left } = info.padInfo;
  const f = c * m;
  const sums = new Float64Array(filterHeight * filterWidth * f);
  for (let j = 0; j < filterWidth; j++) {
    // The columns q whose input column w = q·sw + j·dw − left lies inside [0, inWidth).
    const offset = j * dw - left;
    const q0 = Math.min(outWidth, Math.max(0, Math.ceil(-offset / sw)));
    const q1 = Math.max(q0, Math.min(outWidth, Math.floor((inWidth - 1 - offset) / sw) + 1));
    if (q1 <= q0) continue;
    const xStep = sw * c;
    for (let n = 0; n < batchSize; n++)
      for (let p = 0; p < outHeight; p++)
        for (let i = 0; i < filterHeight; i++) {
          const h = p * sh + i * dh - top;
          if (h < 0 || h >= inHeight) continue;
          const xStart = ((n * inHeight + h) * inWidth + q0 * sw + offset) * c;
          const dyStart = ((n * outHeight + p) * outWidth + q0) * f;
          const base = (i * filterWidth + j) * f;
          for (let ch = 0; ch < c; ch++)
            for (let k = 0; k < m; k++) {
              let sum = 0;
              for (let q = q0, xi = xStart + ch, di = dyStart + ch * m + k; q < q1; q++, xi += xStep, di += f) sum += xs[xi] * dys[di];
              sums[base + ch * m + k] += sum;
            }
        }
  }
  heap.typedArrayFromHeap(out).set(sums);
  return out;
};

const depthwiseBackpropInput: KernelFunc = ({ inputs, backend, attrs }: KernelArgs) => {
  const { dy, filter } = inputsOf(inputs, 'dy', 'filter');
  const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  const info = nhwcConvInfo(inputShape, filter.shape, { strides, dilations, pad, dimRoundingMode, depthwise: true });
  const multiplier = filter.shape[3];
  // Multiplier 1 without dilation (MobileNet's): XNNPACK depthwise convolutions by phases, 15–20× the loop below.
  if (multiplier === 1 && info.dilationHeight === 1 && info.dilationWidth === 1)
    return phasedBackpropInput(dy, filter, info, backend, true);
  const heap = backend as WasmHeapBackend;
  const out = heap.makeOutput(inputShape, 'float32');
  const [dys, ws, dx] = [heap.typedArrayFromHeap(dy), heap.typedArrayFromHeap(filter), heap.typedArrayFromHeap(out)];
  dx.fill(0);
  forEachDepthwiseTerm(info, multiplier, (xBase, dyBase, filterBase) => {
    for (let c = 0; c < info.inChannels; c++) {
      let sum = 0;
      for (let k = 0; k < multiplier; k++) sum += dys[dyBase + c * multiplier + k] * ws[filterBase + c * multiplier + k];
      dx[xBase + c] += sum;
    }
  });
  return out;
};

/** TensorFlow's UnsortedSegmentSum: out[ids[i]] += x[i] over rows of `inner` values; out-of-range ids are dropped. */
export function segmentSum(
  xs: ArrayLike<number>,
  ids: ArrayLike<number>,
  inner: number,
  numSegments: number,
  sums: Float32Array | Int32Array,
): void {
  sums.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const segment = ids[i];
    if (segment < 0 || segment >= numSegments) continue;
    for (let j = 0; j < inner; j++) sums[segment * inner + j] += xs[i * inner + j];
  }
}

const unsortedSegmentSum: KernelFunc = ({ inputs, backend, attrs }: KernelArgs) => {
  const { x, segmentIds } = inputsOf(inputs, 'x', 'segmentIds');
  const { numSegments } = attrs as unknown as tf.UnsortedSegmentSumAttrs;
  const inner = size(x.shape.slice(segmentIds.shape.length));
  const heap = backend as WasmHeapBackend;
  const out = heap.makeOutput([numSegments, ...x.shape.slice(segmentIds.shape.length)], x.dtype);
  segmentSum(
    heap.typedArrayFromHeap(x),
    heap.typedArrayFromHeap(segmentIds),
    inner,
    numSegments,
    heap.typedArrayFromHeap(out) as Float32Array | Int32Array,
  );
  return out;
};

/** For every pooling window, the flat input index of its first maximum (−1 for an empty window). */
function firstMaxima(values: ArrayLike<number>, info: backend_util.Conv2DInfo, includeBatch: boolean): Int32Array {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth } = info;
  const result = new Int32Array(batchSize * outHeight * outWidth * inChannels);
  let o = 0;
  for (let n = 0; n < batchSize; n++) {
    for (let p = 0; p < outHeight; p++) {
      for (let q = 0; q < outWidth; q++) {
        for (let c = 0; c < inChannels; c++, o++) {
          let best = -Infinity;
          let where = -1;
          for (let i = 0; i < info.effectiveFilterHeight; i += info.dilationHeight) {
            const h = p * info.strideHeight - info.padInfo.top + i;
            if (h < 0 || h >= inHeight) continue;
            for (let j = 0; j < info.effectiveFilterWidth; j += info.dilationWidth) {
              const w = q * info.strideWidth - info.padInfo.left + j;
              if (w < 0 || w >= inWidth) continue;
              const index = ((n * inHeight + h) * inWidth + w) * inChannels + c;
              if (values[index] > best || where < 0) {
                best = values[index];
                where = index;
              }
            }
          }
          result[o] = where < 0 || includeBatch ? where : where - n * inHeight * inWidth * inChannels;
        }
      }
    }
  }
  return result;
}

const maxPoolWithArgmax: KernelFunc = ({ inputs, backend, attrs }: KernelArgs) => {
  const { x } = inputsOf(inputs, 'x');
  const { filterSize, strides, pad, includeBatchInIndex } = attrs as unknown as tf.MaxPoolWithArgmaxAttrs;
  const info = backend_util.computePool2DInfo(x.shape as [number, number, number, number], filterSize, strides, [1, 1], pad);
  const heap = backend as WasmHeapBackend;
  const pooled = heap.makeOutput(info.outShape, 'float32');
  const indexes = heap.makeOutput(info.outShape, 'int32');
  const xs = heap.typedArrayFromHeap(x);
  const flat = firstMaxima(xs, info, true);
  const [values, where] = [heap.typedArrayFromHeap(pooled), heap.typedArrayFromHeap(indexes)];
  const perImage = info.inHeight * info.inWidth * info.inChannels;
  const perOutput = info.outHeight * info.outWidth * info.inChannels;
  for (let o = 0; o < flat.length; o++) {
    values[o] = xs[flat[o]];
    where[o] = includeBatchInIndex ? flat[o] : flat[o] - Math.floor(o / perOutput) * perImage;
  }
  return [pooled, indexes];
};

const maxPoolGrad: KernelFunc = ({ inputs, backend, attrs }: KernelArgs) => {
  const { dy, input } = inputsOf(inputs, 'dy', 'input');
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
  const info = backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const heap = backend as WasmHeapBackend;
  const out = heap.makeOutput(input.shape, 'float32');
  const flat = firstMaxima(heap.typedArrayFromHeap(input), info, true);
  const [dys, dx] = [heap.typedArrayFromHeap(dy), heap.typedArrayFromHeap(out)];
  dx.fill(0);
  for (let o = 0; o < flat.length; o++) if (flat[o] >= 0) dx[flat[o]] += dys[o];
  return out;
};

/** Runs a convolution kernel on an explicitly padded input with 'valid' padding instead of 'same'. */
function withExplicitPadding(original: KernelFunc, depthwise: boolean): KernelFunc {
  return ({ inputs, backend, attrs }: KernelArgs) => {
    const { x, filter } = inputsOf(inputs, 'x', 'filter');
    const { strides, pad, dilations, dimRoundingMode } = attrs as unknown as tf.Conv2DAttrs;
    if (pad !== 'same') return original({ inputs, backend: backend as tf.KernelBackend, attrs });
    const info = nhwcConvInfo(x.shape, filter.shape, { strides, dilations, pad, dimRoundingMode, depthwise });
    const { top, bottom, left, right } = info.padInfo;
    if (top + bottom + left + right === 0)
      return original({ inputs, backend: backend as tf.KernelBackend, attrs: { ...attrs, pad: 'valid' } });
    const padded = callKernel(
      'PadV2',
      backend,
      { x },
      {
        paddings: [
          [0, 0],
          [top, bottom],
          [left, right],
          [0, 0],
        ],
        constantValue: 0,
      },
    );
    try {
      return original({ inputs: { ...inputs, x: padded }, backend: backend as tf.KernelBackend, attrs: { ...attrs, pad: 'valid' } });
    } finally {
      (backend as WasmHeapBackend).disposeData(padded.dataId);
    }
  };
}

/**
 * out[i] = Σ_r x[r·inner + i]: a sum over the leading `rows` of a row-major [rows, inner] array, four
 * rows at a time into float64 sums (2.5× the speed of one row at a time on BatchNormalization's
 * bias gradients, measured).
 */
export function sumLeadingRows(xs: ArrayLike<number>, rows: number, inner: number, out: Float32Array | Int32Array): void {
  const sums = new Float64Array(inner);
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const a = r * inner;
    const b = a + inner;
    const c = b + inner;
    const d = c + inner;
    for (let i = 0; i < inner; i++) sums[i] += xs[a + i] + xs[b + i] + xs[c + i] + xs[d + i];
  }
  for (; r < rows; r++) {
    const base = r * inner;
    for (let i = 0; i < inner; i++) sums[i] += xs[base + i];
  }
  out.set(sums);
}

/** The reduced axes when they are the leading ones (and not all of them), else null. */
export function leadingAxes(axis: number | number[], shape: number[]): number | null {
  const axes = tf.util.parseAxisParam(axis, shape).sort((a, b) => a - b);
  const leading = axes.every((a, i) => a === i);
  return leading && axes.length > 0 && axes.length < shape.length ? axes.length : null;
}

function withLeadingSum(original: KernelFunc): KernelFunc {
  return ({ inputs, backend, attrs }: KernelArgs) => {
    const { x } = inputsOf(inputs, 'x');
    const { axis, keepDims } = attrs as unknown as tf.SumAttrs;
    const count = x.dtype === 'float32' ? leadingAxes(axis, x.shape) : null;
    if (count === null || size(x.shape) === 0) return original({ inputs, backend: backend as tf.KernelBackend, attrs });
    const heap = backend as WasmHeapBackend;
    const rest = x.shape.slice(count);
    const out = heap.makeOutput(keepDims ? [...x.shape.slice(0, count).map(() => 1), ...rest] : rest, 'float32');
    sumLeadingRows(heap.typedArrayFromHeap(x), size(x.shape.slice(0, count)), size(rest), heap.typedArrayFromHeap(out) as Float32Array);
    return out;
  };
}

/**
 * out[o, j, :] = x[o, indices[j], :] for x viewed as [outer, dim, inner]: one contiguous copy of
 * `inner` values per (o, j). Throws on an index outside [0, dim), as wasm's GatherV2 does.
 */
export function gatherSlices<T extends Float32Array | Int32Array>(
  x: T,
  outer: number,
  dim: number,
  inner: number,
  indices: ArrayLike<number>,
  out: T,
): void {
  const count = indices.length;
  for (let j = 0; j < count; j++) {
    const index = indices[j];
    if (!(index >= 0 && index < dim)) throw new Error(`GatherV2: the index value ${index} is not in [0, ${dim - 1}]`);
  }
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < count; j++) {
      const from = (o * dim + indices[j]) * inner;
      out.set(x.subarray(from, from + inner), (o * count + j) * inner);
    }
}

function withSliceGather(original: KernelFunc): KernelFunc {
  return ({ inputs, backend, attrs }: KernelArgs) => {
    const { x, indices } = inputsOf(inputs, 'x', 'indices');
    const { axis, batchDims } = attrs as unknown as tf.GatherV2Attrs;
    if (batchDims !== 0 || (x.dtype !== 'float32' && x.dtype !== 'int32') || indices.dtype !== 'int32')
      return original({ inputs, backend: backend as tf.KernelBackend, attrs });
    const heap = backend as WasmHeapBackend;
    const a = tf.util.parseAxisParam(axis, x.shape)[0];
    const out = heap.makeOutput([...x.shape.slice(0, a), ...indices.shape, ...x.shape.slice(a + 1)], x.dtype);
    if (size(x.shape) === 0 || size(out.shape) === 0) return out;
    gatherSlices(
      heap.typedArrayFromHeap(x) as Float32Array,
      size(x.shape.slice(0, a)),
      x.shape[a],
      size(x.shape.slice(a + 1)),
      heap.typedArrayFromHeap(indices),
      heap.typedArrayFromHeap(out) as Float32Array,
    );
    return out;
  };
}

const PADDING_FIXES: Record<string, boolean> = {
  Conv2D: false,
  FusedConv2D: false,
  DepthwiseConv2dNative: true,
  FusedDepthwiseConv2D: true,
};
/** wasm's own kernels the project wraps (kept so that registering twice wraps them once). */
const originalConvolutions = new Map<string, KernelFunc>();

const replacements: Record<string, KernelFunc> = {
  Conv2DBackpropFilter: conv2dBackpropFilter,
  Conv2DBackpropInput: conv2dBackpropInput,
  DepthwiseConv2dNativeBackpropFilter: depthwiseBackpropFilter,
  DepthwiseConv2dNativeBackpropInput: depthwiseBackpropInput,
  UnsortedSegmentSum: unsortedSegmentSum,
  MaxPoolWithArgmax: maxPoolWithArgmax,
  MaxPoolGrad: maxPoolGrad,
};

/** Registers the project's wasm kernels (idempotent; replaces wasm's buggy max-pool and 'same' convolution kernels). */
export function registerWasmKernels(): void {
  for (const [kernelName, depthwise] of Object.entries(PADDING_FIXES)) {
    if (originalConvolutions.has(kernelName)) continue;
    const original = tf.getKernel(kernelName, 'wasm');
    if (!original) continue;
    originalConvolutions.set(kernelName, original.kernelFunc);
    replacements[kernelName] = withExplicitPadding(original.kernelFunc, depthwise);
  }
  if (!originalConvolutions.has('Sum')) {
    const original = tf.getKernel('Sum', 'wasm');
    if (original) {
      originalConvolutions.set('Sum', original.kernelFunc);
      replacements.Sum = withLeadingSum(original.kernelFunc);
    }
  }
  if (!originalConvolutions.has('GatherV2')) {
    const original = tf.getKernel('GatherV2', 'wasm');
    if (original) {
      originalConvolutions.set('GatherV2', original.kernelFunc);
      replacements.GatherV2 = withSliceGather(original.kernelFunc);
    }
  }
  for (const [kernelName, kernelFunc] of Object.entries(replacements)) {
    const existing = tf.getKernel(kernelName, 'wasm');
    if (existing?.kernelFunc === kernelFunc) continue;
    if (existing) tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
  }
}
