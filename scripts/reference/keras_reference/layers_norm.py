"""BatchNormalization in inference mode (moving statistics; γ and β trainable)."""
import torch

from .registry import LayerImpl, register


@register('BatchNormalization')
def batch_normalization(config, shapes, ctx):
    axis = config.get('axis', -1)
    axis = axis[0] if isinstance(axis, list) else axis
    rank = len(shapes[0])
    assert axis in (-1, rank), f'BatchNormalization over axis {axis}'
    c = shapes[0][-1]
    center, scale = config.get('center', True), config.get('scale', True)
    eps = config.get('epsilon', 1e-3)
    weights = ([('gamma', (c,), True)] if scale else []) + ([('beta', (c,), True)] if center else []) + [
        ('moving_mean', (c,), False), ('moving_variance', (c,), False)]

    def forward(xs, W, kinks):
        y = (xs[0] - W['moving_mean']) / torch.sqrt(W['moving_variance'] + eps)
        if scale:
            y = y * W['gamma']
        if center:
            y = y + W['beta']
        return [y]
    return LayerImpl(weights, [shapes[0]], forward)
