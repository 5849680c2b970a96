"""Dense, Embedding, the activation layers, and the layers that only move values (Flatten, Reshape,
ZeroPadding2D, the inference-time identities)."""
import math

import torch
import torch.nn.functional as F

from . import activations
from .registry import LayerImpl, register


@register('Dense')
def dense(config, shapes, ctx):
    units = config['units']
    use_bias = config.get('use_bias', True)
    weights = [('kernel', (shapes[0][-1], units), True)] + ([('bias', (units,), True)] if use_bias else [])
    act = activations.activation_name(config.get('activation'))

    def forward(xs, W, kinks):
        z = xs[0] @ W['kernel']
        if use_bias:
            z = z + W['bias']
        return [activations.apply(act, z, kinks, ctx.keras_version)]
    return LayerImpl(weights, [shapes[0][:-1] + [units]], forward)


@register('Embedding')
def embedding(config, shapes, ctx):
    vocabulary, dim = config['input_dim'], config['output_dim']
    return LayerImpl([('embeddings', (vocabulary, dim), True)], [shapes[0] + [dim]],
                     lambda xs, W, kinks: [W['embeddings'][xs[0].long()]])


@register('Activation')
def activation_layer(config, shapes, ctx):
    act = activations.activation_name(config.get('activation'))
    return LayerImpl([], [shapes[0]], lambda xs, W, kinks: [activations.apply(act, xs[0], kinks, ctx.keras_version)])


@register('ReLU')
def relu_layer(config, shapes, ctx):
    max_value = config.get('max_value')
    threshold = config.get('threshold') or 0.0
    slope = config.get('negative_slope') or 0.0

    def forward(xs, W, kinks):
        x = xs[0]
        kinks.at(x, threshold)
        y = torch.where(x >= threshold, x, slope * (x - threshold))
        if max_value is not None:
            kinks.at(x, max_value)
            y = torch.clamp(y, max=max_value)
        return [y]
    return LayerImpl([], [shapes[0]], forward)


@register('LeakyReLU')
def leaky_relu(config, shapes, ctx):
    alpha = config.get('alpha', config.get('negative_slope', 0.3))

    def forward(xs, W, kinks):
        kinks.at(xs[0], 0.0)
        return [F.leaky_relu(xs[0], alpha)]
    return LayerImpl([], [shapes[0]], forward)


@register('ELU')
def elu_layer(config, shapes, ctx):
    alpha = config.get('alpha', 1.0)

    def forward(xs, W, kinks):
        kinks.at(xs[0], 0.0)
        return [F.elu(xs[0], alpha)]
    return LayerImpl([], [shapes[0]], forward)


@register('Softmax')
def softmax_layer(config, shapes, ctx):
    # an axis list is normalised jointly: exp(x - logsumexp over all of its axes)
    axis = config.get('axis', -1)
    axes = axis if isinstance(axis, list) else [axis]
    return LayerImpl([], [shapes[0]], lambda xs, W, kinks: [torch.exp(xs[0] - torch.logsumexp(xs[0], dim=axes, keepdim=True))])


@register('Flatten')
def flatten(config, shapes, ctx):
    return LayerImpl([], [[math.prod(shapes[0])]], lambda xs, W, kinks: [xs[0].reshape(xs[0].shape[0], -1)])


@register('Reshape')
def reshape(config, shapes, ctx):
    target = list(config['target_shape'])
    if -1 in target:
        known = math.prod(d for d in target if d != -1)
        target[target.index(-1)] = math.prod(shapes[0]) // known
    return LayerImpl([], [target], lambda xs, W, kinks: [xs[0].reshape(xs[0].shape[0], *target)])


def _pairs(padding, rank):
    if isinstance(padding, int):
        return [(padding, padding)] * rank
    out = []
    for p in padding:
        out.append((p, p) if isinstance(p, int) else (p[0], p[1]))
    return out


@register('ZeroPadding2D')
def zero_padding_2d(config, shapes, ctx):
    (t, b), (left, r) = _pairs(config.get('padding', 1), 2)
    h, w, c = shapes[0]
    return LayerImpl([], [[h + t + b, w + left + r, c]], lambda xs, W, kinks: [F.pad(xs[0], (0, 0, left, r, t, b))])


@register('Dropout', 'SpatialDropout1D', 'SpatialDropout2D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout',
          'ActivityRegularization')
def identity(config, shapes, ctx):
    return LayerImpl([], [shapes[0]], lambda xs, W, kinks: [xs[0]])
