"""A model file as a float64 PyTorch function of its trainable parameters."""
import re

import numpy as np
import torch

from . import layers_conv, layers_conv_extra, layers_core, layers_merge, layers_misc, layers_norm, layers_recurrent  # noqa: F401  (they register the builders)
from .graph import parse
from .kinks import Kinks
from .model_file import read_model_file
from .registry import BUILDERS, Context

CELL = re.compile(r'(^|_)cell(_\d+)?$')
STATISTICS = ('moving_mean', 'moving_variance', 'mean', 'variance')  # batch-norm and Normalization statistics


def _find_weight(names, layer, role_paths):
    """The one manifest name that ends with <layer name>/<path> (a recurrent cell segment allowed before the
    path's last segment); among several, the one whose prefix is the layer's nested-model path."""
    found = []
    for name in names:
        seg = name.split('/')
        for path in role_paths:
            n, k = len(seg), len(path)
            plain = seg[n - k - 1:] == [layer.name] + list(path) if n >= k + 1 else False
            celled = (n >= k + 2 and seg[-1] == path[-1] and CELL.search(seg[-2]) is not None
                      and seg[n - k - 2:n - 2] == [layer.name] + list(path[:-1]))
            if plain or celled:
                found.append((name, seg[:n - k - 1] if plain else seg[:n - k - 2]))
                break
    if len(found) > 1:
        exact = [name for name, prefix in found if prefix == layer.scopes or prefix[1:] == layer.scopes]
        assert len(exact) == 1, f'ambiguous weights for {layer.path}: {found}'
        return exact[0]
    assert found, f'no weight for {layer.path} {role_paths}'
    return found[0][0]


class ReferenceModel:
    def __init__(self, path, sample_shapes):
        model_config, self.training_config, keras_version, stored = read_model_file(path)
        self.graph = parse(model_config)
        ctx = Context(keras_version)
        self.input_shapes = []
        for (name, declared, _), given in zip(self.graph.inputs, sample_shapes):
            shape = [g if d is None else d for d, g in zip(declared, given)] if declared else list(given)
            assert list(shape) == list(given), f'input {name}: data {given} vs model {declared}'
            self.input_shapes.append(shape)
        self.impls = []  # per call
        shapes = {}
        first_impl = {}
        for c, (l, refs) in enumerate(self.graph.calls):
            layer = self.graph.layers[l]
            in_shapes = [self.input_shapes[r[1]] if r[0] == 'input' else shapes[(r[1], r[2])] for r in refs]
            impl = BUILDERS[layer.class_name](layer.config, in_shapes, ctx)
            if l in first_impl:
                assert [w[:2] for w in first_impl[l].weights] == [w[:2] for w in impl.weights], f'shared {layer.path}'
            else:
                first_impl[l] = impl
            for t, s in enumerate(impl.out_shapes):
                shapes[(c, t)] = s
            self.impls.append(impl)
        # every weight of every layer, matched to its manifest entry
        manifest_order = {name: i for i, name in enumerate(stored)}
        self.values = {}  # (layer index, role) -> float64 tensor
        blocks = []
        self.frozen_parameters = 0
        for l, impl in first_impl.items():
            layer = self.graph.layers[l]
            for role, shape, trainable, paths in impl.weights:
                name = _find_weight(stored, layer, paths)
                value = stored[name]
                assert tuple(value.shape) == tuple(shape), f'{name}: {value.shape} vs {shape}'
                self.values[(l, role)] = torch.tensor(value)
                if trainable and layer.trainable:
                    blocks.append((manifest_order[name], l, role, name))
                elif role not in STATISTICS:
                    self.frozen_parameters += int(np.prod(shape))
        blocks.sort()
        self.blocks = [{'layer': l, 'role': role, 'name': name, 'shape': tuple(self.values[(l, role)].shape)} for _, l, role, name in blocks]
        sizes = [int(np.prod(b['shape'])) for b in self.blocks]
        self.offsets = np.cumsum([0] + sizes)
        self.theta0 = np.concatenate([self.values[(b['layer'], b['role'])].numpy().reshape(-1) for b in self.blocks])

    def forward(self, inputs, theta=None):
        """inputs: list of tensors; theta: flat trainable parameters (default: stored). -> (outputs, kinks)"""
        values = dict(self.values)
        if theta is not None:
            for i, b in enumerate(self.blocks):
                values[(b['layer'], b['role'])] = theta[self.offsets[i]:self.offsets[i + 1]].reshape(b['shape'])
        kinks = Kinks()
        made = {}
        for c, (l, refs) in enumerate(self.graph.calls):
            xs = [inputs[r[1]] if r[0] == 'input' else made[(r[1], r[2])] for r in refs]
            W = {role: values[(l, role)] for role, *_ in self.impls[c].weights}
            for t, y in enumerate(self.impls[c].forward(xs, W, kinks)):
                made[(c, t)] = y
        outputs = [inputs[r[1]] if r[0] == 'input' else made[(r[1], r[2])] for r in self.graph.outputs]
        return outputs, kinks

    def layer_blocks(self):
        """(layer path, [block indices]) for every layer with trainable blocks, in the order of its first call."""
        order = []
        for l, _ in self.graph.calls:
            if l not in order:
                order.append(l)
        out = []
        for l in order:
            idx = [i for i, b in enumerate(self.blocks) if b['layer'] == l]
            if idx:
                out.append((self.graph.layers[l].path, idx))
        return out
