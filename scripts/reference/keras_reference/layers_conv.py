"""Convolutions and pooling in NHWC, as TensorFlow computes them ('same' puts the odd padding element after)."""
import torch
import torch.nn.functional as F

from . import activations
from .registry import LayerImpl, register


def pair(value, default=None):
    value = default if value is None else value
    return (value, value) if isinstance(value, int) else (value[0], value[1])


def same_pads(n, k, s, d=1):
    out = -(-n // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
    return total // 2, total - total // 2


def out_len(n, k, s, padding, d=1):
    return -(-n // s) if padding == 'same' else (n - (k - 1) * d - 1) // s + 1


def pad_nchw(x, kernel, strides, padding, dilation=(1, 1), value=0.0):
    if padding == 'valid':
        return x
    t, b = same_pads(x.shape[2], kernel[0], strides[0], dilation[0])
    left, r = same_pads(x.shape[3], kernel[1], strides[1], dilation[1])
    return F.pad(x, (left, r, t, b), value=value) if t or b or left or r else x


def _conv_common(config, shapes):
    kernel = pair(config['kernel_size'])
    strides = pair(config.get('strides'), 1)
    dilation = pair(config.get('dilation_rate'), 1)
    padding = str(config.get('padding', 'valid')).lower()
    h, w, c = shapes[0]
    out_hw = [out_len(h, kernel[0], strides[0], padding, dilation[0]), out_len(w, kernel[1], strides[1], padding, dilation[1])]
    return kernel, strides, dilation, padding, c, out_hw


@register('Conv2D', 'Convolution2D')
def conv2d(config, shapes, ctx):
    kernel, strides, dilation, padding, c, out_hw = _conv_common(config, shapes)
    filters = config['filters']
    use_bias = config.get('use_bias', True)
    act = activations.activation_name(config.get('activation'))
    weights = [('kernel', kernel + (c, filters), True)] + ([('bias', (filters,), True)] if use_bias else [])

    def forward(xs, W, kinks):
        x = pad_nchw(xs[0].permute(0, 3, 1, 2), kernel, strides, padding, dilation)
        z = F.conv2d(x, W['kernel'].permute(3, 2, 0, 1), W['bias'] if use_bias else None, stride=strides, dilation=dilation)
        return [activations.apply(act, z.permute(0, 2, 3, 1), kinks, ctx.keras_version)]
    return LayerImpl(weights, [out_hw + [filters]], forward)


@register('DepthwiseConv2D')
def depthwise_conv2d(config, shapes, ctx):
    kernel, strides, dilation, padding, c, out_hw = _conv_common(config, shapes)
    mult = config.get('depth_multiplier', 1)
    use_bias = config.get('use_bias', True)
    act = activations.activation_name(config.get('activation'))
    # Keras 3 names the kernel `kernel`, Keras 2 and tfjs-layers `depthwise_kernel`
    weights = [('depthwise_kernel', kernel + (c, mult), True, [['depthwise_kernel'], ['kernel']])] + ([('bias', (c * mult,), True)] if use_bias else [])

    def forward(xs, W, kinks):
        # [kh, kw, c, m] -> torch [c·m, 1, kh, kw]: output channel c·m + k, as TensorFlow orders it
        k = W['depthwise_kernel'].permute(2, 3, 0, 1).reshape(c * mult, 1, *kernel)
        x = pad_nchw(xs[0].permute(0, 3, 1, 2), kernel, strides, padding, dilation)
        z = F.conv2d(x, k, W['bias'] if use_bias else None, stride=strides, dilation=dilation, groups=c)
        return [activations.apply(act, z.permute(0, 2, 3, 1), kinks, ctx.keras_version)]
    return LayerImpl(weights, [out_hw + [c * mult]], forward)


def _pool_common(config, shapes):
    pool = pair(config.get('pool_size'), 2)
    strides = pair(config.get('strides'), None) if config.get('strides') is not None else pool
    padding = str(config.get('padding', 'valid')).lower()
    h, w, c = shapes[0]
    return pool, strides, padding, [out_len(h, pool[0], strides[0], padding), out_len(w, pool[1], strides[1], padding), c]


@register('MaxPooling2D', 'MaxPool2D')
def max_pooling_2d(config, shapes, ctx):
    pool, strides, padding, out = _pool_common(config, shapes)

    def forward(xs, W, kinks):
        x = pad_nchw(xs[0].permute(0, 3, 1, 2), pool, strides, padding, value=float('-inf'))
        patches = x.unfold(2, pool[0], strides[0]).unfold(3, pool[1], strides[1])
        patches = patches.reshape(*patches.shape[:4], pool[0] * pool[1])
        if patches.shape[-1] > 1:
            top2 = patches.detach().topk(2, dim=-1).values
            # A tie would let float32 pick another element; a tie of exact zeros (ReLU outputs, whose
            # derivative is zero whichever is picked) is not a kink.
            gap = top2[..., 0] - top2[..., 1]
            kinks.add(torch.where(top2[..., 0] == 0, torch.full_like(gap, float('inf')), gap))
        return [F.max_pool2d(x, pool, strides).permute(0, 2, 3, 1)]
    return LayerImpl([], [out], forward)


@register('AveragePooling2D', 'AvgPool2D')
def average_pooling_2d(config, shapes, ctx):
    pool, strides, padding, out = _pool_common(config, shapes)

    def forward(xs, W, kinks):
        x = xs[0].permute(0, 3, 1, 2)
        summed = F.avg_pool2d(pad_nchw(x, pool, strides, padding), pool, strides)
        counted = F.avg_pool2d(pad_nchw(torch.ones_like(x[:1, :1]), pool, strides, padding), pool, strides)
        return [(summed / counted).permute(0, 2, 3, 1)]  # 'same' windows average their valid elements
    return LayerImpl([], [out], forward)


@register('GlobalAveragePooling2D', 'GlobalAvgPool2D')
def global_average_pooling_2d(config, shapes, ctx):
    return LayerImpl([], [[shapes[0][-1]]], lambda xs, W, kinks: [xs[0].mean(dim=(1, 2))])


@register('GlobalMaxPooling2D', 'GlobalMaxPool2D')
def global_max_pooling_2d(config, shapes, ctx):
    def forward(xs, W, kinks):
        flat = xs[0].reshape(xs[0].shape[0], -1, xs[0].shape[-1])
        top2 = flat.detach().topk(2, dim=1).values
        gap = top2[:, 0] - top2[:, 1]
        kinks.add(torch.where(top2[:, 0] == 0, torch.full_like(gap, float('inf')), gap))
        return [flat.max(dim=1).values]
    return LayerImpl([], [[shapes[0][-1]]], forward)
