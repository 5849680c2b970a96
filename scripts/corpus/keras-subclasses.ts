/**
 * Keras layer classes and options tfjs-layers does not have — ZeroPadding1D, Cropping1D, UpSampling1D,
 * SeparableConv1D, Conv1D with padding 'causal', Conv2DTranspose with output_padding, DepthwiseConv2D
 * with dilation_rate (tfjs-layers writes it but convolves undilated), the 1-D global poolings with
 * keepdims, SeparableConv2D's depth_multiplier (tfjs-layers computes with it but does not save it) — as tfjs-layers Layer subclasses, so a corpus case can build, train and save
 * them like any other layer. Each writes its Keras class name and Keras config (the keys Keras 2 and 3
 * write), and computes its forward pass with tfjs-core ops from the Keras documentation of the layer.
 * That forward pass is this project's reading, not a tool's: for these cases the independent PyTorch
 * reading (scripts/reference/keras_reference/layers_conv_extra.py) is the reference, and the check
 * against `tfjs_outputs` shows that two separate readings agree (docs/testing.md, "The model corpus").
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

type Json = Record<string, unknown>;
type Shape = (number | null)[];
type Activation = 'linear' | 'relu' | 'tanh';

const ACTIVATIONS: Record<Activation, (x: tf.Tensor) => tf.Tensor> = {
  linear: (x) => x,
  relu: (x) => tf.relu(x),
  tanh: (x) => tf.tanh(x),
};

interface BaseArgs {
  name?: string;
  inputShape?: number[];
}

const single = (inputs: tf.Tensor | tf.Tensor[]) => (Array.isArray(inputs) ? inputs[0] : inputs);

/**
 * A layer that saves as the Keras class its subclass names in `static className` (tfjs-layers reads it
 * while constructing), with the Keras config `keras` (snake_case keys).
 */
abstract class KerasLayer extends tfl.layers.Layer {
  constructor(
    private readonly keras: Json,
    args: BaseArgs,
  ) {
    super(args);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...(this.keras as tf.serialization.ConfigDict), ...super.getConfig() };
  }
}

/** Keras's kernel initialisers and friends are irrelevant here (the corpus seeds every weight). */
const initializer = () => tfl.initializers.glorotUniform({});

class ZeroPadding1D extends KerasLayer {
  static readonly className = 'ZeroPadding1D';
  constructor(
    private readonly pads: [number, number],
    args: BaseArgs,
  ) {
    super({ padding: pads }, args);
  }
  override computeOutputShape(s: Shape): Shape {
    return [s[0], s[1]! + this.pads[0] + this.pads[1], s[2]];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.pad(single(inputs), [[0, 0], this.pads, [0, 0]]);
  }
}

class Cropping1D extends KerasLayer {
  static readonly className = 'Cropping1D';
  constructor(
    private readonly crops: [number, number],
    args: BaseArgs,
  ) {
    super({ cropping: crops }, args);
  }
  override computeOutputShape(s: Shape): Shape {
    return [s[0], s[1]! - this.crops[0] - this.crops[1], s[2]];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = single(inputs);
    return tf.slice(x, [0, this.crops[0], 0], [x.shape[0], x.shape[1]! - this.crops[0] - this.crops[1], x.shape[2]!]);
  }
}

class UpSampling1D extends KerasLayer {
  static readonly className = 'UpSampling1D';
  constructor(
    private readonly size: number,
    args: BaseArgs,
  ) {
    super({ size }, args);
  }
  override computeOutputShape(s: Shape): Shape {
    return [s[0], s[1]! * this.size, s[2]];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    // Keras: every step repeated `size` times in place.
    const x = single(inputs);
    const [n, steps, channels] = x.shape;
    return tf.reshape(tf.tile(tf.reshape(x, [n, steps!, 1, channels!]), [1, 1, this.size, 1]), [n, steps! * this.size, channels!]);
  }
}

/** The 1-D global poolings with Keras's keepdims. */
abstract class GlobalPooling1D extends KerasLayer {
  constructor(
    private readonly keepDims: boolean,
    private readonly reduce: (x: tf.Tensor, keepDims: boolean) => tf.Tensor,
    args: BaseArgs,
  ) {
    super({ data_format: 'channels_last', keepdims: keepDims }, args);
  }
  override computeOutputShape(s: Shape): Shape {
    return this.keepDims ? [s[0], 1, s[2]] : [s[0], s[2]];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return this.reduce(single(inputs), this.keepDims);
  }
}

class GlobalMaxPooling1D extends GlobalPooling1D {
  static readonly className = 'GlobalMaxPooling1D';
  constructor(keepDims: boolean, args: BaseArgs) {
    super(keepDims, (x, keep) => tf.max(x, 1, keep), args);
  }
}

class GlobalAveragePooling1D extends GlobalPooling1D {
  static readonly className = 'GlobalAveragePooling1D';
  constructor(keepDims: boolean, args: BaseArgs) {
    super(keepDims, (x, keep) => tf.mean(x, 1, keep), args);
  }
}

interface Conv1DArgs extends BaseArgs {
  filters: number;
  kernelSize: number;
  strides?: number;
  dilationRate?: number;
  padding: 'valid' | 'same' | 'causal';
  activation: Activation;
  useBias?: boolean;
}

/** Keras's 1-D window: causal padding is (k − 1)·d zero steps before the sequence, then 'valid'. */
function window1d(args: Conv1DArgs) {
  const strides = args.strides ?? 1;
  const dilation = args.dilationRate ?? 1;
  const before = args.padding === 'causal' ? (args.kernelSize - 1) * dilation : 0;
  const padding: 'valid' | 'same' = args.padding === 'same' ? 'same' : 'valid';
  const length = (steps: number) =>
    padding === 'same' ? Math.ceil(steps / strides) : Math.floor((steps + before - (args.kernelSize - 1) * dilation - 1) / strides) + 1;
  return { strides, dilation, before, padding, length };
}

function conv1dConfig(args: Conv1DArgs): Json {
  return {
    filters: args.filters,
    kernel_size: [args.kernelSize],
    strides: [args.strides ?? 1],
    padding: args.padding,
    data_format: 'channels_last',
    dilation_rate: [args.dilationRate ?? 1],
    activation: args.activation,
    use_bias: args.useBias ?? true,
  };
}

/** Keras's 1-D convolutions: the causal zeros before the steps, the convolution, then the bias and the activation. */
abstract class Convolution1D extends KerasLayer {
  private bias: tfl.LayerVariable | null = null;
  constructor(
    protected readonly args: Conv1DArgs,
    keras: Json,
  ) {
    super(keras, args);
  }
  protected addBias(): void {
    if (this.args.useBias ?? true) this.bias = this.addWeight('bias', [this.args.filters], 'float32', initializer());
  }
  protected abstract convolve(x: tf.Tensor3D, window: ReturnType<typeof window1d>): tf.Tensor;
  override computeOutputShape(s: Shape): Shape {
    return [s[0], window1d(this.args).length(s[1]!), this.args.filters];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const window = window1d(this.args);
      const x = tf.pad(single(inputs), [
        [0, 0],
        [window.before, 0],
        [0, 0],
      ]) as tf.Tensor3D;
      const y = this.convolve(x, window);
      return ACTIVATIONS[this.args.activation](this.bias ? tf.add(y, this.bias.read()) : y);
    });
  }
}

/** Conv1D with Keras's 'causal' padding, which tfjs-layers refuses. */
class CausalConv1D extends Convolution1D {
  static readonly className = 'Conv1D';
  private kernel!: tfl.LayerVariable;
  constructor(args: Conv1DArgs) {
    super(args, { ...conv1dConfig(args), groups: 1 });
  }
  override build(s: Shape): void {
    this.kernel = this.addWeight('kernel', [this.args.kernelSize, s[2]!, this.args.filters], 'float32', initializer());
    this.addBias();
    this.built = true;
  }
  protected convolve(x: tf.Tensor3D, { strides, padding, dilation }: ReturnType<typeof window1d>): tf.Tensor {
    return tf.conv1d(x, this.kernel.read() as tf.Tensor3D, strides, padding, 'NWC', dilation);
  }
}

/** SeparableConv1D: a depthwise 1-D convolution [k, in, m], then a pointwise one [1, in·m, filters] with the bias. */
class SeparableConv1D extends Convolution1D {
  static readonly className = 'SeparableConv1D';
  private depthwise!: tfl.LayerVariable;
  private pointwise!: tfl.LayerVariable;
  constructor(
    private readonly multiplier: number,
    args: Conv1DArgs,
  ) {
    super(args, { ...conv1dConfig(args), depth_multiplier: multiplier });
  }
  override build(s: Shape): void {
    const channels = s[2]!;
    this.depthwise = this.addWeight('depthwise_kernel', [this.args.kernelSize, channels, this.multiplier], 'float32', initializer());
    this.pointwise = this.addWeight('pointwise_kernel', [1, channels * this.multiplier, this.args.filters], 'float32', initializer());
    this.addBias();
    this.built = true;
  }
  protected convolve(x: tf.Tensor3D, { strides, padding, dilation }: ReturnType<typeof window1d>): tf.Tensor {
    const [k, channels, m] = this.depthwise.shape as number[];
    const y = tf.separableConv2d(
      tf.expandDims(x, 1) as tf.Tensor4D,
      tf.reshape(this.depthwise.read(), [1, k, channels, m]) as tf.Tensor4D,
      tf.reshape(this.pointwise.read(), [1, 1, channels * m, this.args.filters]) as tf.Tensor4D,
      [1, strides],
      padding,
      [1, dilation],
    );
    return tf.squeeze(y, [1]);
  }
}

interface Conv2DTransposeArgs extends BaseArgs {
  filters: number;
  kernelSize: [number, number];
  strides: [number, number];
  padding: 'valid' | 'same';
  outputPadding: [number, number];
  activation: Activation;
}

/** Conv2DTranspose with Keras's output_padding, which tfjs-layers lacks: output (in − 1)·s + (k or k mod 2) + output_padding. */
class PaddedConv2DTranspose extends KerasLayer {
  static readonly className = 'Conv2DTranspose';
  private kernel!: tfl.LayerVariable;
  private bias!: tfl.LayerVariable;
  constructor(private readonly args: Conv2DTransposeArgs) {
    super(
      {
        filters: args.filters,
        kernel_size: args.kernelSize,
        strides: args.strides,
        padding: args.padding,
        output_padding: args.outputPadding,
        data_format: 'channels_last',
        dilation_rate: [1, 1],
        activation: args.activation,
        use_bias: true,
      },
      args,
    );
  }
  private outputLength(input: number, axis: 0 | 1): number {
    const k = this.args.kernelSize[axis];
    return (input - 1) * this.args.strides[axis] + (this.args.padding === 'valid' ? k : k % 2) + this.args.outputPadding[axis];
  }
  override build(s: Shape): void {
    this.kernel = this.addWeight('kernel', [...this.args.kernelSize, this.args.filters, s[3]!], 'float32', initializer());
    this.bias = this.addWeight('bias', [this.args.filters], 'float32', initializer());
    this.built = true;
  }
  override computeOutputShape(s: Shape): Shape {
    return [s[0], this.outputLength(s[1]!, 0), this.outputLength(s[2]!, 1), this.args.filters];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs) as tf.Tensor4D;
      const shape: [number, number, number, number] = [
        x.shape[0],
        this.outputLength(x.shape[1], 0),
        this.outputLength(x.shape[2], 1),
        this.args.filters,
      ];
      const y = tf.conv2dTranspose(x, this.kernel.read() as tf.Tensor4D, shape, this.args.strides, this.args.padding);
      return ACTIVATIONS[this.args.activation](tf.add(y, this.bias.read()));
    });
  }
}

interface DepthwiseArgs extends BaseArgs {
  kernelSize: [number, number];
  dilationRate: [number, number];
  depthMultiplier: number;
  activation: Activation;
}

/** DepthwiseConv2D with a dilation_rate, which Keras applies ('valid' padding, stride 1). */
class DilatedDepthwiseConv2D extends KerasLayer {
  static readonly className = 'DepthwiseConv2D';
  private kernel!: tfl.LayerVariable;
  private bias!: tfl.LayerVariable;
  constructor(private readonly args: DepthwiseArgs) {
    super(
      {
        kernel_size: args.kernelSize,
        strides: [1, 1],
        padding: 'valid',
        depth_multiplier: args.depthMultiplier,
        data_format: 'channels_last',
        dilation_rate: args.dilationRate,
        activation: args.activation,
        use_bias: true,
      },
      args,
    );
  }
  private span(axis: 0 | 1): number {
    return (this.args.kernelSize[axis] - 1) * this.args.dilationRate[axis] + 1;
  }
  override build(s: Shape): void {
    this.kernel = this.addWeight('depthwise_kernel', [...this.args.kernelSize, s[3]!, this.args.depthMultiplier], 'float32', initializer());
    this.bias = this.addWeight('bias', [s[3]! * this.args.depthMultiplier], 'float32', initializer());
    this.built = true;
  }
  override computeOutputShape(s: Shape): Shape {
    return [s[0], s[1]! - this.span(0) + 1, s[2]! - this.span(1) + 1, s[3]! * this.args.depthMultiplier];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const y = tf.depthwiseConv2d(
        single(inputs) as tf.Tensor4D,
        this.kernel.read() as tf.Tensor4D,
        1,
        'valid',
        'NHWC',
        this.args.dilationRate,
      );
      return ACTIVATIONS[this.args.activation](tf.add(y, this.bias.read()));
    });
  }
}

/**
 * tfjs-layers' own layer (its own forward pass), saving the config keys Keras writes and tfjs-layers
 * leaves out: SeparableConv2D's depth_multiplier, without which a tfjs-layers file does not say it.
 */
function withKerasConfig<T extends tfl.layers.Layer>(layer: T, keys: Json): T {
  const own = layer.getConfig.bind(layer);
  layer.getConfig = () => ({ ...own(), ...(keys as tf.serialization.ConfigDict) });
  return layer;
}

/** The Keras-only layers, for corpus cases (save them in a Keras converter layout: tfjs-layers cannot write them). */
export const kerasLayers = {
  zeroPadding1d: (padding: [number, number], args: BaseArgs = {}) => new ZeroPadding1D(padding, args),
  cropping1d: (cropping: [number, number], args: BaseArgs = {}) => new Cropping1D(cropping, args),
  upSampling1d: (size: number, args: BaseArgs = {}) => new UpSampling1D(size, args),
  globalMaxPooling1d: (keepDims: boolean, args: BaseArgs = {}) => new GlobalMaxPooling1D(keepDims, args),
  globalAveragePooling1d: (keepDims: boolean, args: BaseArgs = {}) => new GlobalAveragePooling1D(keepDims, args),
  causalConv1d: (args: Omit<Conv1DArgs, 'padding'>) => new CausalConv1D({ ...args, padding: 'causal' }),
  separableConv1d: ({ depthMultiplier, ...args }: Conv1DArgs & { depthMultiplier: number }) => new SeparableConv1D(depthMultiplier, args),
  conv2dTranspose: (args: Conv2DTransposeArgs) => new PaddedConv2DTranspose(args),
  dilatedDepthwiseConv2d: (args: DepthwiseArgs) => new DilatedDepthwiseConv2D(args),
  /** tfjs-layers' SeparableConv2D, saving its depth_multiplier as Keras does. */
  separableConv2d: (args: Parameters<typeof tfl.layers.separableConv2d>[0]) =>
    withKerasConfig(tfl.layers.separableConv2d(args), { depth_multiplier: args.depthMultiplier ?? 1 }),
};
