#!/usr/bin/python3
"""PyTorch reference of one exact Hessian-vector product, for scripts/bench/profile.ts.

  /usr/bin/python3 scripts/bench/profile_reference.py MODEL_JSON FOLDER [--loss NAME] [--threads 2] [--hvps 3]

FOLDER holds what profile.ts wrote: data.npz (x, y: the samples as the engine analysed them),
blocks.json (the engine's parameter blocks: name "layer/role", offset, size, shape), v.f64 (the
direction) and hv.f64 (the engine's H·v). The network is rebuilt in PyTorch from the TF.js
layers model (channels-last kernels turned to NCHW), the gradient graph is built once
(create_graph=True) and each product is autograd.grad(grads, params, v, retain_graph=True), as
PyHessian computes it. Prints one JSON line: the median seconds per product, v·Hv and
‖Hv − Hv_engine‖ / ‖Hv‖.
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'reference'))
from keras_reference.model_file import read_model_file  # noqa: E402  (the project's reader of model files)


def load_model(path):
    """The layer list and the float32 weights by name, read by the project's model-file reader."""
    model_config, _, _, weights = read_model_file(path)
    config = model_config['config']
    layers = config['layers'] if isinstance(config, dict) else config
    return layers, {name: value.astype(np.float32) for name, value in weights.items()}


def same_padding(size, kernel, stride):
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def forward(layers, params, x):
    """x is NCHW (or [N, features]); kernels are NCHW-ordered; returns the logits (softmax is in the loss)."""
    h = x
    for layer in layers:
        kind, cfg = layer['class_name'], layer['config']
        name = cfg['name']
        if kind in ('InputLayer',):
            continue
        if kind == 'Dense':
            h = h @ params[name + '/kernel'] + params[name + '/bias']
        elif kind == 'Conv2D':
            kernel = params[name + '/kernel']
            stride = pair(cfg.get('strides', 1))
            if cfg['padding'] == 'same':
                top, bottom = same_padding(h.shape[2], kernel.shape[2], stride[0])
                left, right = same_padding(h.shape[3], kernel.shape[3], stride[1])
                h = F.pad(h, (left, right, top, bottom))
            h = F.conv2d(h, kernel, params.get(name + '/bias'), stride=stride)
        elif kind == 'MaxPooling2D':
            pool = pair(cfg['pool_size'])
            h = F.max_pool2d(h, pool, pair(cfg.get('strides') or cfg['pool_size']))
        elif kind == 'Flatten':
            if h.dim() == 4:
                h = h.permute(0, 2, 3, 1)  # back to NHWC order, as Keras flattens
            h = h.reshape(h.shape[0], -1)
        elif kind == 'Dropout':
            pass
        else:
            raise SystemExit(f'profile_reference.py: unsupported layer {kind}')
        activation = cfg.get('activation', 'linear')
        if activation == 'relu':
            h = torch.relu(h)
        elif activation not in ('linear', 'softmax', None):
            raise SystemExit(f'profile_reference.py: unsupported activation {activation}')
    return h


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('model')
    parser.add_argument('folder')
    parser.add_argument('--loss', default='sparse_categorical_crossentropy')
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--hvps', type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    layers, weights = load_model(args.model)
    blocks = json.load(open(os.path.join(args.folder, 'blocks.json')))
    v_flat = np.fromfile(os.path.join(args.folder, 'v.f64'), dtype='<f8')
    hv_engine = np.fromfile(os.path.join(args.folder, 'hv.f64'), dtype='<f8')
    data = np.load(os.path.join(args.folder, 'data.npz'))
    x = torch.tensor(data['x'].astype(np.float32))
    if x.dim() == 4:
        x = x.permute(0, 3, 1, 2).contiguous()  # NHWC → NCHW
    y = data['y']

    def to_torch(name, array):
        # Conv2D kernels [kh, kw, in, out] → [out, in, kh, kw].
        return torch.tensor(array.transpose(3, 2, 0, 1).copy() if array.ndim == 4 else array)

    params = {b['name']: to_torch(b['name'], weights[b['name']].reshape(b['shape'])).requires_grad_(True) for b in blocks}
    plist = [params[b['name']] for b in blocks]
    v = [to_torch(b['name'], v_flat[b['offset']:b['offset'] + b['size']].astype(np.float32).reshape(b['shape'])) for b in blocks]

    logits = forward(layers, params, x)
    one_hot = y.ndim == 2 and y.shape[1] == logits.shape[1] and logits.shape[1] > 1
    if args.loss == 'sparse_categorical_crossentropy' and not one_hot:
        loss = F.cross_entropy(logits, torch.tensor(y.reshape(-1).astype(np.int64)))
    elif args.loss in ('categorical_crossentropy', 'sparse_categorical_crossentropy'):
        # The engine hands sparse labels over one-hot.
        loss = -(torch.tensor(y.astype(np.float32)) * F.log_softmax(logits, dim=-1)).sum(dim=-1).mean()
    else:
        raise SystemExit(f'profile_reference.py: unsupported loss {args.loss}')
    grads = torch.autograd.grad(loss, plist, create_graph=True)

    def hvp():
        return torch.autograd.grad(grads, plist, grad_outputs=v, retain_graph=True)

    hv = hvp()
    times = []
    for _ in range(args.hvps):
        start = time.perf_counter()
        hv = hvp()
        times.append(time.perf_counter() - start)
    # Back to the engine's layout (channels last) to compare.
    flat = np.zeros_like(hv_engine)
    for b, t in zip(blocks, hv):
        a = t.detach().numpy().astype(np.float64)
        if a.ndim == 4:
            a = a.transpose(2, 3, 1, 0)
        flat[b['offset']:b['offset'] + b['size']] = a.reshape(-1)
    difference = float(np.linalg.norm(flat - hv_engine) / np.linalg.norm(flat))
    print(json.dumps({
        'torch': torch.__version__,
        'threads': args.threads,
        'hvpSeconds': statistics.median(times),
        'vHv': float(np.dot(flat, v_flat)),
        'relativeDifference': difference,
    }))


if __name__ == '__main__':
    main()
