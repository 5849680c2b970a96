"""Keras's 1-D convolutions and poolings, separable and transposed convolutions, up-sampling, cropping and 1-D
zero padding, channels last, in float64. TensorFlow's 'same' padding puts the odd element after; Keras's
'causal' padding puts (k - 1)·d zeros before a sequence; a transposed convolution is TensorFlow's
conv2d_transpose (the adjoint of the convolution from the output shape back to the input)."""
import torch
import torch.nn.functional as F

from . import activations
from .layers_conv import pad_nchw, pair, same_pads
from .registry import LayerImpl, register


def length(value, default=None):
    """A 1-D size option: an int or a list of one."""
    value = default if value is None else value
    return value if isinstance(value, int) else value[0]


def boundary(value):
    """Amounts before and after one axis: n or (before, after)."""
    return (value, value) if isinstance(value, int) else (value[0], value[1])


def conv_out(n, k, s, d, padding):
    span = (k - 1) * d + 1
    if padding == 'same':
        return -(-n // s)
    if padding == 'causal':
        n += span - 1
    return (n - span) // s + 1


def pad_ncl(x, k, s, d, padding, value=0.0):
    """x [N, C, L] padded for a 'valid' window pass."""
    if padding == 'causal':
        return F.pad(x, ((k - 1) * d, 0), value=value)
    if padding == 'same':
        before, after = same_pads(x.shape[2], k, s, d)
        return F.pad(x, (before, after), value=value)
    return x


def _conv1d_geometry(config, shapes):
    k = length(config['kernel_size'])
    s = length(config.get('strides'), 1)
    d = length(config.get('dilation_rate'), 1)
    padding = str(config.get('padding', 'valid')).lower()
    steps, c = shapes[0]
    return k, s, d, padding, c, conv_out(steps, k, s, d, padding)


def _bias_activation(config, ctx):
    return config.get('use_bias', True), activations.activation_name(config.get('activation'))


@register('Conv1D', 'Convolution1D')
def conv1d(config, shapes, ctx):
    k, s, d, padding, c, out = _conv1d_geometry(config, shapes)
    filters = config['filters']
    use_bias, act = _bias_activation(config, ctx)
    weights = [('kernel', (k, c, filters), True)] + ([('bias', (filters,), True)] if use_bias else [])

    def forward(xs, W, kinks):
        x = pad_ncl(xs[0].permute(0, 2, 1), k, s, d, padding)
        z = F.conv1d(x, W['kernel'].permute(2, 1, 0), W['bias'] if use_bias else None, stride=s, dilation=d)
        return [activations.apply(act, z.permute(0, 2, 1), kinks, ctx.keras_version)]
    return LayerImpl(weights, [[out, filters]], forward)


@register('SeparableConv1D', 'SeparableConvolution1D')
def separable_conv1d(config, shapes, ctx):
    k, s, d, padding, c, out = _conv1d_geometry(config, shapes)
    m = config.get('depth_multiplier', 1)
    filters = config['filters']
    use_bias, act = _bias_activation(config, ctx)
    weights = [('depthwise_kernel', (k, c, m), True), ('pointwise_kernel', (1, c * m, filters), True)]
    weights += [('bias', (filters,), True)] if use_bias else []

    def forward(xs, W, kinks):
        x = pad_ncl(xs[0].permute(0, 2, 1), k, s, d, padding)
        # depthwise [k, c, m] -> torch [c·m, 1, k]: output channel c·m + j is input channel c's j-th filter
        h = F.conv1d(x, W['depthwise_kernel'].permute(1, 2, 0).reshape(c * m, 1, k), None, stride=s, dilation=d, groups=c)
        z = F.conv1d(h, W['pointwise_kernel'].permute(2, 1, 0), W['bias'] if use_bias else None)
        return [activations.apply(act, z.permute(0, 2, 1), kinks, ctx.keras_version)]
    return LayerImpl(weights, [[out, filters]], forward)


@register('SeparableConv2D', 'SeparableConvolution2D')
def separable_conv2d(config, shapes, ctx):
    kernel = pair(config['kernel_size'])
    strides = pair(config.get('strides'), 1)
    dilation = pair(config.get('dilation_rate'), 1)
    padding = str(config.get('padding', 'valid')).lower()
    h, w, c = shapes[0]
    out_hw = [conv_out(h, kernel[0], strides[0], dilation[0], padding), conv_out(w, kernel[1], strides[1], dilation[1], padding)]
    m = config.get('depth_multiplier', 1)
    filters = config['filters']
    use_bias, act = _bias_activation(config, ctx)
    weights = [('depthwise_kernel', kernel + (c, m), True), ('pointwise_kernel', (1, 1, c * m, filters), True)]
    weights += [('bias', (filters,), True)] if use_bias else []

    def forward(xs, W, kinks):
        x = pad_nchw(xs[0].permute(0, 3, 1, 2), kernel, strides, padding, dilation)
        depthwise = W['depthwise_kernel'].permute(2, 3, 0, 1).reshape(c * m, 1, *kernel)
        hidden = F.conv2d(x, depthwise, None, stride=strides, dilation=dilation, groups=c)
        z = F.conv2d(hidden, W['pointwise_kernel'].permute(3, 2, 0, 1), W['bias'] if use_bias else None)
        return [activations.apply(act, z.permute(0, 2, 3, 1), kinks, ctx.keras_version)]
    return LayerImpl(weights, [out_hw + [filters]], forward)


def transposed_length(n, k, s, padding, output_padding):
    """Keras's output length of a transposed convolution (deconv_output_length)."""
    if output_padding is None:
        return n * s + max(k - s, 0) if padding == 'valid' else n * s
    return (n - 1) * s + (k if padding == 'valid' else k - 2 * (k // 2)) + output_padding


@register('Conv2DTranspose', 'Convolution2DTranspose')
def conv2d_transpose(config, shapes, ctx):
    kernel = pair(config['kernel_size'])
    strides = pair(config.get('strides'), 1)
    padding = str(config.get('padding', 'valid')).lower()
    assert pair(config.get('dilation_rate'), 1) == (1, 1)
    output_padding = config.get('output_padding')
    output_padding = (None, None) if output_padding is None else pair(output_padding)
    h, w, c = shapes[0]
    filters = config['filters']
    use_bias, act = _bias_activation(config, ctx)
    out = [transposed_length(n, kernel[a], strides[a], padding, output_padding[a]) for a, n in enumerate((h, w))]
    # The forward convolution from the output back to the input pads `before` rows ('same': TensorFlow's split
    # for that output length), so output row r is row r + before of the full transposed convolution.
    before = [0 if padding == 'valid' else same_pads(out[a], kernel[a], strides[a])[0] for a in range(2)]
    weights = [('kernel', kernel + (filters, c), True)] + ([('bias', (filters,), True)] if use_bias else [])

    def forward(xs, W, kinks):
        # Keras [kh, kw, filters, in] -> torch's transposed weight [in, filters, kh, kw]
        full = F.conv_transpose2d(xs[0].permute(0, 3, 1, 2), W['kernel'].permute(3, 2, 0, 1), stride=strides)
        short = [max(before[a] + out[a] - full.shape[2 + a], 0) for a in range(2)]
        full = F.pad(full, (0, short[1], 0, short[0]))
        z = full[:, :, before[0]:before[0] + out[0], before[1]:before[1] + out[1]]
        if use_bias:
            z = z + W['bias'][None, :, None, None]
        return [activations.apply(act, z.permute(0, 2, 3, 1), kinks, ctx.keras_version)]
    return LayerImpl(weights, [out + [filters]], forward)


@register('UpSampling2D')
def up_sampling_2d(config, shapes, ctx):
    assert config.get('interpolation', 'nearest') == 'nearest'
    sh, sw = pair(config.get('size'), 2)
    h, w, c = shapes[0]
    return LayerImpl([], [[h * sh, w * sw, c]], lambda xs, W, kinks: [xs[0].repeat_interleave(sh, 1).repeat_interleave(sw, 2)])


@register('UpSampling1D')
def up_sampling_1d(config, shapes, ctx):
    size = length(config.get('size'), 2)
    steps, c = shapes[0]
    return LayerImpl([], [[steps * size, c]], lambda xs, W, kinks: [xs[0].repeat_interleave(size, 1)])


@register('Cropping2D')
def cropping_2d(config, shapes, ctx):
    raw = config.get('cropping', 0)
    (t, b), (left, r) = [boundary(raw)] * 2 if isinstance(raw, int) else [boundary(v) for v in raw]
    h, w, c = shapes[0]
    return LayerImpl([], [[h - t - b, w - left - r, c]], lambda xs, W, kinks: [xs[0][:, t:h - b, left:w - r]])


@register('Cropping1D')
def cropping_1d(config, shapes, ctx):
    before, after = boundary(config.get('cropping', 1))
    steps, c = shapes[0]
    return LayerImpl([], [[steps - before - after, c]], lambda xs, W, kinks: [xs[0][:, before:steps - after]])


@register('ZeroPadding1D')
def zero_padding_1d(config, shapes, ctx):
    before, after = boundary(config.get('padding', 1))
    steps, c = shapes[0]
    return LayerImpl([], [[steps + before + after, c]], lambda xs, W, kinks: [F.pad(xs[0], (0, 0, before, after))])


def _pool1d_geometry(config, shapes):
    pool = length(config.get('pool_size'), 2)
    strides = length(config.get('strides'), pool) if config.get('strides') is not None else pool
    padding = str(config.get('padding', 'valid')).lower()
    steps, c = shapes[0]
    return pool, strides, padding, [conv_out(steps, pool, strides, 1, padding), c]


def _record_max_ties(windows, dim, kinks):
    """A tie for a window's maximum would let float32 pick another element (a tie of exact zeros, ReLU
    outputs whose derivative is zero whichever is picked, is not a kink)."""
    if windows.shape[dim] > 1:
        top2 = windows.detach().topk(2, dim=dim).values
        first, second = top2.select(dim, 0), top2.select(dim, 1)
        gap = first - second
        kinks.add(torch.where(first == 0, torch.full_like(gap, float('inf')), gap))


@register('MaxPooling1D', 'MaxPool1D')
def max_pooling_1d(config, shapes, ctx):
    pool, strides, padding, out = _pool1d_geometry(config, shapes)

    def forward(xs, W, kinks):
        x = pad_ncl(xs[0].permute(0, 2, 1), pool, strides, 1, padding, value=float('-inf'))
        _record_max_ties(x.unfold(2, pool, strides), -1, kinks)
        return [F.max_pool1d(x, pool, strides).permute(0, 2, 1)]
    return LayerImpl([], [out], forward)


@register('AveragePooling1D', 'AvgPool1D')
def average_pooling_1d(config, shapes, ctx):
    pool, strides, padding, out = _pool1d_geometry(config, shapes)

    def forward(xs, W, kinks):
        x = xs[0].permute(0, 2, 1)
        summed = F.avg_pool1d(pad_ncl(x, pool, strides, 1, padding), pool, strides)
        counted = F.avg_pool1d(pad_ncl(torch.ones_like(x[:1, :1]), pool, strides, 1, padding), pool, strides)
        return [(summed / counted).permute(0, 2, 1)]  # 'same' windows average the steps they really hold
    return LayerImpl([], [out], forward)


@register('GlobalMaxPooling1D', 'GlobalMaxPool1D')
def global_max_pooling_1d(config, shapes, ctx):
    keep = bool(config.get('keepdims', False))
    c = shapes[0][-1]

    def forward(xs, W, kinks):
        _record_max_ties(xs[0], 1, kinks)
        return [xs[0].max(dim=1, keepdim=keep).values]
    return LayerImpl([], [[1, c] if keep else [c]], forward)


@register('GlobalAveragePooling1D', 'GlobalAvgPool1D')
def global_average_pooling_1d(config, shapes, ctx):
    keep = bool(config.get('keepdims', False))
    c = shapes[0][-1]
    return LayerImpl([], [[1, c] if keep else [c]], lambda xs, W, kinks: [xs[0].mean(dim=1, keepdim=keep)])
