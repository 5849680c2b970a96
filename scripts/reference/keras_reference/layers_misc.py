"""Normalisation, activation, merge, reshaping and preprocessing layers, from Keras's documented semantics (Keras 2,
Keras 3, and tfjs-layers where it differs): LayerNormalization, PReLU, ThresholdedReLU, Permute, RepeatVector,
Subtract, Multiply, Maximum, Minimum, Dot, Rescaling, Normalization, the random augmentation layers (the identity at
inference), RandomCrop and CenterCrop."""
import re

import numpy as np
import torch

from .registry import LayerImpl, register


def writer(ctx):
    """('tfjs-layers' | 'keras' | 'unknown', (major, minor)) from the file's keras_version."""
    found = re.search(r'(\d+)\.(\d+)', ctx.keras_version or '')
    if not found:
        return 'unknown', (0, 0)
    kind = 'tfjs-layers' if ctx.keras_version.startswith('tfjs-layers') else 'keras'
    return kind, (int(found.group(1)), int(found.group(2)))


def tensor_axes(axis, rank):
    """Keras axis (int or list, batch axis 0, negatives from the end) -> sorted axes of the batched tensor."""
    axes = axis if isinstance(axis, (list, tuple)) else [axis]
    out = sorted(a + rank + 1 if a < 0 else a for a in axes)
    assert all(1 <= a <= rank for a in out) and len(set(out)) == len(out), f'axis {axis}'
    return out


def constant(value):
    if isinstance(value, dict) and value.get('class_name') == '__numpy__':
        value = value['config']['value']
    return torch.tensor(np.array(value, dtype=np.float64))


@register('LayerNormalization')
def layer_normalization(config, shapes, ctx):
    assert not config.get('rms_scaling', False)
    shape = shapes[0]
    axes = tensor_axes(config.get('axis', -1), len(shape))
    eps = config.get('epsilon', 1e-3)
    center, scale = config.get('center', True), config.get('scale', True)
    param = [shape[a - 1] for a in axes]
    broadcast = [1] + [d if i + 1 in axes else 1 for i, d in enumerate(shape)]
    weights = ([('gamma', param, True)] if scale else []) + ([('beta', param, True)] if center else [])

    def forward(xs, W, kinks):
        x = xs[0]
        mean = x.mean(dim=axes, keepdim=True)
        variance = ((x - mean) ** 2).mean(dim=axes, keepdim=True)
        y = (x - mean) / torch.sqrt(variance + eps)
        if scale:
            y = y * W['gamma'].reshape(broadcast)
        if center:
            y = y + W['beta'].reshape(broadcast)
        return [y]
    return LayerImpl(weights, [shape], forward)


@register('PReLU')
def prelu(config, shapes, ctx):
    shared = config.get('shared_axes') or []
    shared = [shared] if isinstance(shared, int) else list(shared)
    alpha_shape = [1 if i + 1 in shared else d for i, d in enumerate(shapes[0])]

    def forward(xs, W, kinks):
        x = xs[0]
        kinks.at(x, 0.0)
        return [torch.relu(x) - W['alpha'] * torch.relu(-x)]
    return LayerImpl([('alpha', alpha_shape, True)], [shapes[0]], forward)


@register('ThresholdedReLU')
def thresholded_relu(config, shapes, ctx):
    theta = config.get('theta', 1.0)

    def forward(xs, W, kinks):
        x = xs[0]
        kinks.at(x, theta)
        return [x * (x > theta).to(x.dtype)]
    return LayerImpl([], [shapes[0]], forward)


@register('Permute')
def permute(config, shapes, ctx):
    dims = list(config['dims'])
    return LayerImpl([], [[shapes[0][d - 1] for d in dims]], lambda xs, W, kinks: [xs[0].permute(0, *dims)])


@register('RepeatVector')
def repeat_vector(config, shapes, ctx):
    n = config['n']
    return LayerImpl([], [[n, shapes[0][0]]], lambda xs, W, kinks: [xs[0].unsqueeze(1).repeat(1, n, 1)])


@register('Subtract')
def subtract(config, shapes, ctx):
    assert len(shapes) == 2
    return LayerImpl([], [shapes[0]], lambda xs, W, kinks: [xs[0] - xs[1]])


@register('Multiply')
def multiply(config, shapes, ctx):
    def forward(xs, W, kinks):
        y = xs[0]
        for x in xs[1:]:
            y = y * x
        return [y]
    return LayerImpl([], [shapes[0]], forward)


def extremum(largest):
    def build(config, shapes, ctx):
        def forward(xs, W, kinks):
            stacked = torch.stack(xs, 0)
            ordered = torch.sort(stacked, dim=0, descending=largest).values
            kinks.add((ordered[0] - ordered[1]).abs())  # a tie between the two extreme inputs
            return [ordered[0]]
        return LayerImpl([], [shapes[0]], forward)
    return build


register('Maximum')(extremum(True))
register('Minimum')(extremum(False))


@register('Dot')
def dot(config, shapes, ctx):
    assert len(shapes) == 2
    axes = config['axes']
    axes = [axes, axes] if isinstance(axes, int) else list(axes)
    axes = [a % (len(s) + 1) if a < 0 else a for a, s in zip(axes, shapes)]
    kind, version = writer(ctx)
    # the floor of the squared norm in L2 normalisation: tfjs-layers' epsilon, tf.math.l2_normalize's, Keras 3's ε²
    floor = 1e-7 if kind == 'tfjs-layers' else 1e-14 if version[0] >= 3 else 1e-12
    free = [[d for i, d in enumerate(s) if i + 1 != a] for s, a in zip(shapes, axes)]
    out_shape = free[0] + free[1] or [1]

    def forward(xs, W, kinks):
        a, b = xs
        if config.get('normalize', False):
            def unit(x, axis):
                squares = (x * x).sum(dim=axis, keepdim=True)
                kinks.add((squares - floor).abs())
                return x / torch.sqrt(torch.clamp(squares, min=floor))
            a, b = unit(a, axes[0]), unit(b, axes[1])
        letters_a = ['n'] + [chr(ord('a') + i) for i in range(a.dim() - 1)]
        letters_b = ['n'] + [chr(ord('p') + i) for i in range(b.dim() - 1)]
        letters_b[axes[1]] = letters_a[axes[0]]
        kept = [c for i, c in enumerate(letters_a) if i != axes[0]] + [c for i, c in enumerate(letters_b) if i not in (0, axes[1])]
        y = torch.einsum(f'{"".join(letters_a)},{"".join(letters_b)}->{"".join(kept)}', a, b)
        return [y.reshape(y.shape[0], *out_shape)]
    return LayerImpl([], [out_shape], forward)


@register('Rescaling')
def rescaling(config, shapes, ctx):
    scale = constant(config['scale'])
    offset = constant(config.get('offset', 0.0))
    return LayerImpl([], [shapes[0]], lambda xs, W, kinks: [xs[0] * scale + offset])


@register('Normalization')
def normalization(config, shapes, ctx):
    shape = shapes[0]
    axis = config.get('axis', -1)
    keep = [] if axis is None or axis == [] else tensor_axes(axis, len(shape))
    keep_shape = [shape[a - 1] for a in keep]
    broadcast = [1] + [d if i + 1 in keep else 1 for i, d in enumerate(shape)]
    invert = config.get('invert', False)
    if config.get('mean') is not None:
        fixed = {k: torch.tensor(np.broadcast_to(constant(config[k]).numpy(), keep_shape).copy()) for k in ('mean', 'variance')}
        weights = []
    else:
        fixed = None
        weights = [('mean', keep_shape, False), ('variance', keep_shape, False)]

    def forward(xs, W, kinks):
        values = fixed or W
        mean = values['mean'].reshape(broadcast)
        deviation = torch.clamp(torch.sqrt(values['variance'].reshape(broadcast)), min=1e-7)  # Keras's backend epsilon
        return [mean + xs[0] * deviation if invert else (xs[0] - mean) / deviation]
    return LayerImpl(weights, [shape], forward)


@register('RandomFlip', 'RandomRotation', 'RandomZoom', 'RandomTranslation', 'RandomContrast', 'RandomBrightness',
          'RandomHeight', 'RandomWidth', 'RandomGrayscale', 'RandomHue', 'RandomSaturation', 'RandomSharpness',
          'RandomShear', 'RandomColorJitter', 'RandomColorDegeneration', 'RandomPosterization', 'RandomInvert',
          'RandomErasing', 'RandomGaussianBlur', 'RandomPerspective', 'RandomElasticTransform', 'MixUp', 'CutMix',
          'AugMix', 'RandAugment')
def augmentation(config, shapes, ctx):
    return LayerImpl([], [shapes[0]], lambda xs, W, kinks: [xs[0]])


def window(shape, top, left, h, w):
    return LayerImpl([], [[h, w, shape[2]]], lambda xs, W, kinks: [xs[0][:, top:top + h, left:left + w, :]])


@register('RandomCrop')
def random_crop(config, shapes, ctx):
    H, W_, C = shapes[0]
    h, w = config['height'], config['width']
    kind, version = writer(ctx)
    if (H, W_) == (h, w) or (kind == 'keras' and version >= (3, 8)):
        return LayerImpl([], [shapes[0]], lambda xs, W, kinks: [xs[0]])
    # Keras 2 and 3.0-3.7 at inference: the centred window of the target's aspect ratio, resized to h x w
    crop_h = max(min(H, int(float(W_ * h) / w)), 1)
    crop_w = max(min(W_, int(float(H * w) / h)), 1)
    assert (crop_h, crop_w) == (h, w), 'RandomCrop would resize'
    return window(shapes[0], int(float(H - crop_h) / 2), int(float(W_ - crop_w) / 2), h, w)


@register('CenterCrop')
def center_crop(config, shapes, ctx):
    H, W_, C = shapes[0]
    h, w = config['height'], config['width']
    assert H >= h and W_ >= w, 'CenterCrop would resize'
    kind, _ = writer(ctx)
    if kind != 'tfjs-layers':
        return window(shapes[0], (H - h) // 2, (W_ - w) // 2, h, w)
    # tfjs-layers: cropAndResize (nearest) of the box [top, left, bottom, right] / size, offsets as it computes them
    top = (H - h) // 2 if H != h else 0
    left = ((W_ - w) // 2 or 1) if W_ != w else 0
    box = [top / H, left / W_, (h + top) / H, (w + left) / W_]
    rows = [int(np.floor(box[0] * (H - 1) + i * (box[2] - box[0]) * (H - 1) / (h - 1) + 0.5)) for i in range(h)]
    cols = [int(np.floor(box[1] * (W_ - 1) + j * (box[3] - box[1]) * (W_ - 1) / (w - 1) + 0.5)) for j in range(w)]
    return LayerImpl([], [[h, w, C]], lambda xs, W, kinks: [xs[0][:, rows][:, :, cols]])
