#!/usr/bin/python3
"""PyHessian-equivalent reference for `npm run bench`, on PyTorch (Debian's python3-torch).

Reads a bench workload (a TF.js layers model: model.json + weights.bin, data.npz with x and y), builds
the same network in PyTorch (NHWC semantics of TF, float32 like PyHessian), and times:
  - one exact Hessian-vector product (double backprop), median of several;
  - PyHessian's top-5: power iteration with deflation, maxIter 100, tol 1e-3;
  - PyHessian's trace: Hutchinson (Rademacher), maxIter 100, tol 1e-3 (relative change of the mean);
  - Hutchinson to a 1% relative standard error (the bench's trace target, for a like-for-like figure).
Prints one JSON object. Run with 2 threads by default (--threads). Written for this project; the
algorithms follow PyHessian's published description (hessian.py: eigenvalues, trace).
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


def load_model(folder):
    with open(os.path.join(folder, 'model.json')) as f:
        spec = json.load(f)
    manifest = [w for group in spec['weightsManifest'] for w in group['weights']]
    buffer = b''.join(open(os.path.join(folder, p), 'rb').read() for group in spec['weightsManifest'] for p in group['paths'])
    weights, offset = {}, 0
    for w in manifest:
        count = int(np.prod(w['shape'])) if w['shape'] else 1
        weights[w['name']] = torch.tensor(np.frombuffer(buffer, dtype='<f4', count=count, offset=offset).reshape(w['shape']).copy())
        offset += 4 * count
    topology = spec['modelTopology']
    config = topology.get('model_config', topology)['config']
    layers = config['layers'] if isinstance(config, dict) else config
    return layers, weights, [w['name'] for w in manifest]


def same_padding(size, kernel, stride):
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def forward(layers, params, x):
    """x is NHWC (or [N, features]); returns logits (the softmax is in the loss)."""
    h = x
    for i, layer in enumerate(layers):
        kind, cfg = layer['class_name'], layer['config']
        name = cfg['name']
        if kind == 'Dense':
            h = h @ params[name + '/kernel'] + params[name + '/bias']
        elif kind == 'Conv2D':
            kernel = params[name + '/kernel'].permute(3, 2, 0, 1)  # [kh, kw, in, out] -> [out, in, kh, kw]
            stride = cfg['strides'][0]
            hn = h.permute(0, 3, 1, 2)
            if cfg['padding'] == 'same':
                top, bottom = same_padding(hn.shape[2], kernel.shape[2], stride)
                left, right = same_padding(hn.shape[3], kernel.shape[3], stride)
                hn = F.pad(hn, (left, right, top, bottom))
            h = F.conv2d(hn, kernel, params[name + '/bias'], stride=stride).permute(0, 2, 3, 1)
        elif kind == 'MaxPooling2D':
            pool = cfg['pool_size'][0]
            stride = (cfg.get('strides') or cfg['pool_size'])[0]
            h = F.max_pool2d(h.permute(0, 3, 1, 2), pool, stride).permute(0, 2, 3, 1)
        elif kind == 'Flatten':
            h = h.reshape(h.shape[0], -1)
        else:
            raise SystemExit(f'unsupported layer {kind}')
        activation = cfg.get('activation', 'linear')
        if activation == 'relu':
            h = torch.relu(h)
        elif activation not in ('linear', 'softmax', None):
            raise SystemExit(f'unsupported activation {activation}')
    return h


TRACE_CAP = 300


def loaded_blas():
    """The BLAS library this process really loaded (Debian's torch uses the system libblas.so.3)."""
    with open('/proc/self/maps') as maps:
        names = {line.split()[-1] for line in maps if 'blas' in line.lower() and '/' in line}
    return sorted(os.path.basename(n) for n in names) or ['none found']


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('workload')
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--hvp-repeats', type=int, default=5)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    layers, weights, order = load_model(args.workload)
    data = np.load(os.path.join(args.workload, 'data.npz'))
    x = torch.tensor(data['x'].astype(np.float32))
    y = torch.tensor(data['y'].astype(np.int64))
    params = {name: weights[name].clone().requires_grad_(True) for name in order}
    plist = [params[name] for name in order]

    hvp_count = 0

    def hvp(v):
        nonlocal hvp_count
        hvp_count += 1
        loss = F.cross_entropy(forward(layers, params, x), y)
        grads = torch.autograd.grad(loss, plist, create_graph=True)
        return torch.autograd.grad(grads, plist, grad_outputs=v)

    def dot(a, b):
        return sum(torch.sum(p * q) for p, q in zip(a, b)).item()

    def normalize(v):
        n = math.sqrt(dot(v, v))
        return [p / (n + 1e-6) for p in v]

    def orthonormalize(w, vs):
        for v in vs:
            d = dot(w, v)
            w = [p - d * q for p, q in zip(w, v)]
        return normalize(w)

    def rademacher():
        return [torch.randint_like(p, high=2) * 2 - 1 for p in plist]

    # One HVP, warm.
    v = normalize([torch.randn_like(p) for p in plist])
    hvp(v)
    times = []
    for _ in range(args.hvp_repeats):
        start = time.perf_counter()
        hvp(v)
        times.append(time.perf_counter() - start)
    hvp_seconds = statistics.median(times)

    # PyHessian eigenvalues(maxIter=100, tol=1e-3, top_n=5): power iteration with deflation.
    hvp_count = 0
    start = time.perf_counter()
    eigenvalues, eigenvectors = [], []
    for _ in range(5):
        eigenvalue = None
        v = normalize([torch.randn_like(p) for p in plist])
        for _ in range(100):
            v = orthonormalize(v, eigenvectors)
            hv = hvp(v)
            tmp = dot(hv, v)
            v = normalize(hv)
            if eigenvalue is not None and abs(eigenvalue - tmp) / (abs(eigenvalue) + 1e-6) < 1e-3:
                eigenvalue = tmp
                break
            eigenvalue = tmp
        eigenvalues.append(eigenvalue)
        eigenvectors.append(v)
    top5 = {'seconds': time.perf_counter() - start, 'hvps': hvp_count, 'eigenvalues': eigenvalues}

    # PyHessian trace(maxIter=100, tol=1e-3).
    hvp_count = 0
    start = time.perf_counter()
    samples, previous = [], 0.0
    for _ in range(100):
        z = rademacher()
        samples.append(dot(hvp(z), z))
        mean = float(np.mean(samples))
        if abs(mean - previous) / (abs(previous) + 1e-6) < 1e-3:
            break
        previous = mean
    trace = {'seconds': time.perf_counter() - start, 'hvps': hvp_count, 'value': float(np.mean(samples))}

    # Hutchinson to 1% relative standard error: at least 10 samples, at most TRACE_CAP; when the cap
    # is hit, the time to 1% is extrapolated from the variance (samples needed = n·(SE/(0.01·|mean|))²).
    hvp_count = 0
    start = time.perf_counter()
    samples = []
    while len(samples) < TRACE_CAP:
        z = rademacher()
        samples.append(dot(hvp(z), z))
        if len(samples) >= 10:
            se = float(np.std(samples, ddof=1) / math.sqrt(len(samples)))
            if se <= 0.01 * abs(float(np.mean(samples))):
                break
    seconds = time.perf_counter() - start
    mean = float(np.mean(samples))
    se = float(np.std(samples, ddof=1) / math.sqrt(len(samples)))
    needed = max(len(samples), math.ceil(len(samples) * (se / (0.01 * abs(mean))) ** 2))
    trace_rse = {'seconds': seconds * needed / len(samples), 'hvps': needed, 'measuredSamples': len(samples), 'extrapolated': needed > len(samples), 'value': mean, 'standardError': se}

    json.dump({
        'torch': torch.__version__,
        'threads': args.threads,
        'blas': loaded_blas(),
        'hvpSeconds': hvp_seconds,
        'top5': top5,
        'trace': trace,
        'traceToOnePercent': trace_rse,
        'top5PlusTraceSeconds': top5['seconds'] + trace['seconds'],
    }, sys.stdout)
    print()


if __name__ == '__main__':
    main()
