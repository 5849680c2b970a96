"""Keras activation functions in float64, recording their kinks."""
import math

import torch
import torch.nn.functional as F

SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805


def activation_name(value):
    if value is None:
        return 'linear'
    if isinstance(value, dict):
        value = value.get('class_name', value.get('config', {}).get('name'))
    import re
    snake = re.sub(r'([a-z0-9])([A-Z])', r'\1_\2', str(value)).lower()
    return 'hard_sigmoid' if snake in ('hard_sigmoid', 'hardsigmoid') else snake


def is_keras3(version):
    return version.startswith('3.')


def apply(name, z, kinks, keras_version=''):
    if name == 'linear':
        return z
    if name == 'relu':
        kinks.at(z, 0.0)
        return torch.relu(z)
    if name == 'relu6':
        kinks.at(z, 0.0, 6.0)
        return torch.clamp(z, 0.0, 6.0)
    if name == 'elu':
        kinks.at(z, 0.0)
        return F.elu(z)
    if name == 'selu':
        kinks.at(z, 0.0)
        return SELU_SCALE * torch.where(z > 0, z, SELU_ALPHA * (torch.exp(z) - 1))
    if name == 'tanh':
        return torch.tanh(z)
    if name == 'sigmoid':
        return torch.sigmoid(z)
    if name == 'hard_sigmoid':
        # Keras 2 and tfjs-layers: clip(0.2·x + 0.5, 0, 1); Keras 3: relu6(x + 3) / 6.
        if is_keras3(keras_version):
            kinks.at(z, -3.0, 3.0)
            return torch.clamp(z / 6 + 0.5, 0.0, 1.0)
        kinks.at(z, -2.5, 2.5)
        return torch.clamp(0.2 * z + 0.5, 0.0, 1.0)
    if name == 'softplus':
        return F.softplus(z)
    if name == 'softsign':
        kinks.at(z, 0.0)
        return z / (1 + z.abs())
    if name in ('swish', 'silu'):
        return z * torch.sigmoid(z)
    if name == 'exponential':
        return torch.exp(z)
    if name == 'gelu':
        # Keras 2 and 3 (approximate=False) and tfjs-layers: x * Phi(x)
        return 0.5 * z * (1 + torch.erf(z / math.sqrt(2)))
    if name == 'gelu_new':
        # tfjs-layers: the tanh approximation
        return 0.5 * z * (1 + torch.tanh(math.sqrt(2 / math.pi) * (z + 0.044715 * z ** 3)))
    if name == 'mish':
        return z * torch.tanh(F.softplus(z))
    if name == 'softmax':
        return torch.softmax(z, dim=-1)
    if name == 'log_softmax':
        return torch.log_softmax(z, dim=-1)
    raise ValueError(f'activation {name}')
