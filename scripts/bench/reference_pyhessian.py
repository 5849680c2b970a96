#!/usr/bin/python3
"""PyHessian's method on PyTorch, for `npm run bench` (Debian's python3-torch, float32).

Written for this project after reading PyHessian's pyhessian/hessian.py and utils.py (no code copied).
What PyHessian does, and what this script reproduces:

- `hessian(model, criterion, data=(x, y))` (one batch, its documented use): the constructor runs the forward
  pass and `loss.backward(create_graph=True)` ONCE and keeps `gradsH = [p.grad + 0. for p in params]`. Every
  HVP is then `torch.autograd.grad(gradsH, params, grad_outputs=v, only_inputs=True, retain_graph=True)`: one
  backward pass through the retained graph, no new forward pass.
- `eigenvalues(maxIter=100, tol=1e-3, top_n)`: power iteration with deflation. For each eigenvalue: a
  Gaussian start normalised by ‖v‖ + 1e-6; each step orthogonalises v against the eigenvectors found so far
  (Gram-Schmidt, then the same normalisation), Hv, λ = vᵀHv, v ← Hv/(‖Hv‖ + 1e-6); it stops when
  |λ_prev − λ| / (|λ_prev| + 1e-6) < tol and keeps λ_prev (the value before the stopping step) and the last v.
- `trace(maxIter=100, tol=1e-3)`: Hutchinson with Rademacher vectors (randint 0/1, 0 → −1); after each
  sample, it stops when the running mean moved by less than tol relative to the previous mean
  (|mean − prev| / (|prev| + 1e-6) < tol; prev starts at 0).
- `hessian(model, criterion, dataloader=loader)`: no graph is kept; EVERY HVP loops over the loader's batches
  and, per batch, runs a forward pass, `loss.backward(create_graph=True)`, copies the gradients and calls
  `autograd.grad(gradsH, params, grad_outputs=v, retain_graph=False)`, then averages the batches' Hv weighted by
  their sizes (`dataloader_hv_product`). That is the second column of the bench ("PyHessian with a dataloader").

The network: a Sequential of Dense / Conv2D / MaxPooling2D / Flatten / Dropout is rebuilt natively in PyTorch
(NCHW, the Conv2D kernels permuted once, TF's 'same' padding, a Flatten that reads channels last like Keras),
any other model through this project's PyTorch reading of Keras files (scripts/reference/keras_reference, cast
to float32, channels last). Same weights and data as the engine; the loss is the mean cross-entropy of the
softmax output. Prints one JSON object.
"""
import argparse
import json
import math
import os
import resource
import statistics
import sys
import time
import warnings

import numpy as np
import torch

import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'reference'))
from keras_reference.model_file import read_model_file  # noqa: E402  (the project's reader of model files)

# PyHessian's loss.backward(create_graph=True) makes torch warn about the parameter/gradient cycle; expected here.
warnings.filterwarnings('ignore', message='Using backward\\(\\) with create_graph=True')

HERE = os.path.dirname(os.path.abspath(__file__))


def read_layers_model(folder):
    """The model config, the float32 weights by name and their manifest order, read by the project's model-file reader."""
    config, _, _, weights = read_model_file(os.path.join(folder, 'model.json'))
    return config, {name: value.astype(np.float32) for name, value in weights.items()}, list(weights)


NATIVE = ('Dense', 'Conv2D', 'MaxPooling2D', 'Flatten', 'Dropout', 'InputLayer')


def tf_same_pads(n, k, s):
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return total // 2, total - total // 2


class NativeSequential:
    """A flat Sequential of NATIVE layers as a PyTorch function; parameters are leaf tensors (conv kernels OIHW)."""

    def __init__(self, config, weights, order):
        self.layers = [l for l in config['config']['layers']] if isinstance(config['config'], dict) else config['config']
        self.params, self.names = [], []
        by_name = {}
        for name in order:
            value = torch.tensor(weights[name])
            if value.dim() == 4:
                value = value.permute(3, 2, 0, 1).contiguous()  # HWIO -> OIHW (a permutation of the coordinates)
            by_name[name] = value.requires_grad_(True)
        self.by_name = by_name
        self.params = [by_name[name] for name in order]

    def __call__(self, x):
        h = x.permute(0, 3, 1, 2) if x.dim() == 4 else x  # NHWC data -> NCHW once
        for layer in self.layers:
            kind, cfg = layer['class_name'], layer['config']
            name = cfg['name']
            if kind == 'Dense':
                h = h @ self.by_name[name + '/kernel'] + self.by_name[name + '/bias']
            elif kind == 'Conv2D':
                kernel = self.by_name[name + '/kernel']
                stride = cfg['strides'][0]
                if cfg['padding'] == 'same':
                    top, bottom = tf_same_pads(h.shape[2], kernel.shape[2], stride)
                    left, right = tf_same_pads(h.shape[3], kernel.shape[3], stride)
                    h = F.pad(h, (left, right, top, bottom))
                h = F.conv2d(h, kernel, self.by_name[name + '/bias'], stride=stride)
            elif kind == 'MaxPooling2D':
                h = F.max_pool2d(h, cfg['pool_size'][0], (cfg.get('strides') or cfg['pool_size'])[0])
            elif kind == 'Flatten':
                h = (h.permute(0, 2, 3, 1) if h.dim() == 4 else h).reshape(h.shape[0], -1)  # Keras flattens NHWC
            elif kind not in ('Dropout', 'InputLayer'):
                raise SystemExit(f'unsupported layer {kind}')
            activation = cfg.get('activation', 'linear')
            if activation == 'relu':
                h = torch.relu(h)
            elif activation not in ('linear', 'softmax', None):
                raise SystemExit(f'unsupported activation {activation}')
        return h, True  # logits (the softmax is in the loss)


class NullKinks:
    """keras_reference records distances to kinks for its fixtures; not wanted when timing."""

    def add(self, distance):
        pass

    def at(self, z, *points):
        pass


class KerasReferenceModel:
    """Any model file through keras_reference, in float32, with one leaf tensor per trainable weight."""

    def __init__(self, folder, sample_shape):
        import keras_reference.model as reference
        reference.Kinks = NullKinks
        self.model = reference.ReferenceModel(os.path.join(folder, 'model.json'), [sample_shape])
        self.model.values = {key: value.float() for key, value in self.model.values.items()}
        self.params = []
        for block in self.model.blocks:
            key = (block['layer'], block['role'])
            self.model.values[key] = self.model.values[key].clone().requires_grad_(True)
            self.params.append(self.model.values[key])

    def __call__(self, x):
        outputs, _ = self.model.forward([x])
        return outputs[0], False  # probabilities (the model's own softmax)


def make_criterion(from_logits):
    if from_logits:
        return lambda out, y: F.cross_entropy(out, y)
    return lambda out, y: F.nll_loss(torch.log(out), y)


def group_product(xs, ys):
    return sum(torch.sum(x * y) for x, y in zip(xs, ys))


def normalization(v):
    s = math.sqrt(group_product(v, v).item())
    return [vi / (s + 1e-6) for vi in v]


def orthnormal(w, vs):
    for v in vs:
        d = group_product(w, v)
        w = [wi - d * vi for wi, vi in zip(w, v)]
    return normalization(w)


def rademacher(params):
    vs = [torch.randint_like(p, high=2) for p in params]
    for v in vs:
        v[v == 0] = -1
    return vs


class SingleBatchHessian:
    """PyHessian's data=(x, y) path: the gradient graph built once, every HVP through the retained graph."""

    def __init__(self, model, criterion, x, y):
        self.params = model.params
        out, _ = model(x)
        loss = criterion(out, y)
        loss.backward(create_graph=True)
        self.loss = loss.item()
        self.gradsH = [p.grad + 0. for p in self.params]
        self.hvps = 0

    def hvp(self, v):
        self.hvps += 1
        return torch.autograd.grad(self.gradsH, self.params, grad_outputs=v, only_inputs=True, retain_graph=True)

    def eigenvalues(self, max_iter=100, tol=1e-3, top_n=1, on_eigenvalue=None):
        eigenvalues, eigenvectors = [], []
        while len(eigenvalues) < top_n:
            eigenvalue = None
            v = normalization([torch.randn(p.size()) for p in self.params])
            for _ in range(max_iter):
                v = orthnormal(v, eigenvectors)
                hv = self.hvp(v)
                current = group_product(hv, v).item()
                v = normalization(hv)
                if eigenvalue is None:
                    eigenvalue = current
                elif abs(eigenvalue - current) / (abs(eigenvalue) + 1e-6) < tol:
                    break
                else:
                    eigenvalue = current
            eigenvalues.append(eigenvalue)
            eigenvectors.append(v)
            if on_eigenvalue:
                on_eigenvalue(len(eigenvalues))
        return eigenvalues, eigenvectors

    def trace(self, max_iter=100, tol=1e-3):
        samples, previous = [], 0.
        for _ in range(max_iter):
            v = rademacher(self.params)
            samples.append(group_product(self.hvp(v), v).item())
            mean = float(np.mean(samples))
            if abs(mean - previous) / (abs(previous) + 1e-6) < tol:
                break
            previous = mean
        return samples


def dataloader_hvp(model, criterion, batches, v):
    """PyHessian's dataloader_hv_product: per batch a forward pass, a create_graph backward and one HVP."""
    params = model.params
    total = [torch.zeros(p.size()) for p in params]
    count = 0
    for x, y in batches:
        for p in params:
            p.grad = None
        out, _ = model(x)
        criterion(out, y).backward(create_graph=True)
        gradsH = [p.grad + 0. for p in params]
        for p in params:
            p.grad = None
        hv = torch.autograd.grad(gradsH, params, grad_outputs=v, only_inputs=True, retain_graph=False)
        total = [t + h * float(x.shape[0]) for t, h in zip(total, hv)]
        count += x.shape[0]
    return [t / float(count) for t in total]


def lanczos_lambda_max(hvp, params, seed, steps=80, tolerance=1e-7):
    """λ_max to near float32 precision (Lanczos with full re-orthogonalisation): the agreement check, not timed."""
    shapes = [p.shape for p in params]
    sizes = [p.numel() for p in params]
    n = sum(sizes)

    def apply(q):
        parts, start = [], 0
        for shape, size in zip(shapes, sizes):
            parts.append(torch.tensor(q[start:start + size], dtype=torch.float32).reshape(shape))
            start += size
        return np.concatenate([h.detach().reshape(-1).double().numpy() for h in hvp(parts)])

    rng = np.random.default_rng(seed)
    q = rng.standard_normal(n)
    Q = [q / np.linalg.norm(q)]
    alphas, betas, theta = [], [], None
    for j in range(min(steps, n)):
        w = apply(Q[-1])
        alphas.append(float(w @ Q[-1]))
        basis = np.array(Q)
        for _ in range(2):
            w -= basis.T @ (basis @ w)
        beta = float(np.linalg.norm(w))
        T = np.diag(alphas) + np.diag(betas, 1) + np.diag(betas, -1)
        values, vectors = np.linalg.eigh(T)
        theta = float(values[-1])
        if beta * abs(vectors[-1, -1]) <= tolerance * abs(theta) or beta == 0:
            return theta, j + 1
        betas.append(beta)
        Q.append(w / beta)
    return theta, min(steps, n)


def loaded_blas():
    """The BLAS library this process really loaded (Debian's torch uses the system libblas.so.3)."""
    with open('/proc/self/maps') as maps:
        names = {line.split()[-1] for line in maps if 'blas' in line.lower() and '/' in line}
    return sorted(os.path.basename(n) for n in names) or ['none found']


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('workload')
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--hvp-repeats', type=int, default=5)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--loader-batch', type=int, default=256, help='batch size of the dataloader column')
    parser.add_argument('--loader-hvps', type=int, default=3, help='dataloader HVPs timed')
    parser.add_argument('--trace-cap', type=int, default=300, help='Hutchinson samples at most for the 1%% figure')
    parser.add_argument('--top-n', type=int, default=5)
    parser.add_argument('--keras-reference', action='store_true', help='always use keras_reference (channels last)')
    args = parser.parse_args()
    started = time.perf_counter()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    data = np.load(os.path.join(args.workload, 'data.npz'))
    x = torch.tensor(data['x'].astype(np.float32))
    y = torch.tensor(data['y'].astype(np.int64))
    config, weights, order = read_layers_model(args.workload)
    layers = config['config']['layers'] if isinstance(config.get('config'), dict) else config.get('config')
    native = (not args.keras_reference and config.get('class_name') == 'Sequential' and isinstance(layers, list)
              and all(l['class_name'] in NATIVE for l in layers))
    model = NativeSequential(config, weights, order) if native else KerasReferenceModel(args.workload, list(x.shape[1:]))
    _, from_logits = model(x[:1])
    criterion = make_criterion(from_logits)
    load_seconds = time.perf_counter() - started

    # hessian(model, criterion, data=(x, y)): the constructor.
    start = time.perf_counter()
    hessian = SingleBatchHessian(model, criterion, x, y)
    construct_seconds = time.perf_counter() - start
    loss_value = hessian.loss
    gradient_norm = math.sqrt(sum(float(torch.sum(g.detach() ** 2)) for g in hessian.gradsH))

    # eigenvalues(top_n=5): the time to the first eigenvalue is eigenvalues(top_n=1)'s (same draws).
    hessian.hvps = 0
    marks = []
    start = time.perf_counter()
    eigenvalues, _ = hessian.eigenvalues(top_n=args.top_n, on_eigenvalue=lambda k: marks.append((time.perf_counter() - start, hessian.hvps)))
    top = {'seconds': time.perf_counter() - start, 'hvps': hessian.hvps, 'eigenvalues': eigenvalues,
           'firstSeconds': marks[0][0], 'firstHvps': marks[0][1]}

    hessian.hvps = 0
    start = time.perf_counter()
    samples = hessian.trace()
    trace = {'seconds': time.perf_counter() - start, 'hvps': hessian.hvps, 'value': float(np.mean(samples)),
             'standardError': float(np.std(samples, ddof=1) / math.sqrt(len(samples))) if len(samples) > 1 else None}
    rss_pyhessian = peak_rss_mb()

    # One HVP, warm (median).
    v = normalization([torch.randn(p.size()) for p in hessian.params])
    def median_hvp_seconds():
        times = []
        for _ in range(args.hvp_repeats):
            start = time.perf_counter()
            hessian.hvp(v)
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    hvp_seconds = median_hvp_seconds()
    # The same on one thread: on a loaded machine OpenMP's threads wait for each other, one thread does not.
    torch.set_num_threads(1)
    hvp_seconds_one_thread = median_hvp_seconds()
    torch.set_num_threads(args.threads)

    # Hutchinson (PyHessian's probes) until a 1% relative standard error: at least 10 samples, at most the
    # cap; past the cap the samples needed are extrapolated from the variance (n·(SE/(0.01·|mean|))²).
    start = time.perf_counter()
    samples = []
    while len(samples) < args.trace_cap:
        z = rademacher(hessian.params)
        samples.append(group_product(hessian.hvp(z), z).item())
        if len(samples) >= 10:
            se = float(np.std(samples, ddof=1) / math.sqrt(len(samples)))
            if se <= 0.01 * abs(float(np.mean(samples))):
                break
    seconds = time.perf_counter() - start
    mean = float(np.mean(samples))
    se = float(np.std(samples, ddof=1) / math.sqrt(len(samples)))
    needed = max(len(samples), math.ceil(len(samples) * (se / (0.01 * abs(mean))) ** 2))
    trace_rse = {'seconds': seconds * needed / len(samples), 'hvps': needed, 'measuredSamples': len(samples),
                 'extrapolated': needed > len(samples), 'value': mean, 'standardError': se}

    check, check_steps = lanczos_lambda_max(hessian.hvp, hessian.params, args.seed)

    # The dataloader path: per HVP, every batch's forward pass, create_graph backward and HVP.
    del hessian
    batches = [(x[s:s + args.loader_batch], y[s:s + args.loader_batch]) for s in range(0, x.shape[0], args.loader_batch)]
    v = normalization([torch.randn(p.size()) for p in model.params])
    times = []
    for _ in range(args.loader_hvps):
        start = time.perf_counter()
        dataloader_hvp(model, criterion, batches, v)
        times.append(time.perf_counter() - start)
    loader_hvp_seconds = statistics.median(times)

    json.dump({
        'torch': torch.__version__,
        'threads': torch.get_num_threads(),
        'blas': loaded_blas(),
        'implementation': 'native NCHW' if native else 'keras_reference (float32, channels last)',
        'parameters': sum(p.numel() for p in model.params),
        'samples': int(x.shape[0]),
        'loss': loss_value,
        'gradientNorm': gradient_norm,
        'loadSeconds': load_seconds,
        'constructSeconds': construct_seconds,
        'hvpSeconds': hvp_seconds,
        'hvpSecondsOneThread': hvp_seconds_one_thread,
        'top5': top,
        'trace': trace,
        'traceToOnePercent': trace_rse,
        'top5PlusTraceSeconds': construct_seconds + top['seconds'] + trace['seconds'],
        'firstNumberSeconds': load_seconds + construct_seconds + top['firstSeconds'],
        'peakRssMb': rss_pyhessian,
        'lambdaMaxCheck': {'value': check, 'hvps': check_steps},
        'dataloader': {'batchSize': args.loader_batch, 'batches': len(batches), 'hvpSeconds': loader_hvp_seconds,
                       'top5PlusTraceSeconds': loader_hvp_seconds * (top['hvps'] + trace['hvps'])},
    }, sys.stdout)
    print()


if __name__ == '__main__':
    main()
