"""Merge layers over several inputs."""
import torch

from .registry import LayerImpl, register


@register('Add')
def add(config, shapes, ctx):
    return LayerImpl([], [shapes[0]], lambda xs, W, kinks: [sum(xs[1:], xs[0])])


@register('Average')
def average(config, shapes, ctx):
    return LayerImpl([], [shapes[0]], lambda xs, W, kinks: [sum(xs[1:], xs[0]) / len(xs)])


@register('Concatenate')
def concatenate(config, shapes, ctx):
    axis = config.get('axis', -1)
    rank = len(shapes[0])
    a = axis if axis >= 0 else rank + 1 + axis  # with the batch axis
    out = list(shapes[0])
    out[a - 1] = sum(s[a - 1] for s in shapes)
    return LayerImpl([], [out], lambda xs, W, kinks: [torch.cat(xs, dim=a)])
