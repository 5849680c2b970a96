"""How often the ‖∇L‖ and loss intervals of a 1,024-digit sample cover their 8,000-digit values, from
exact per-sample gradients: an independent check of the interval method (docs/measures.md, "Sampling
error"), with no engine in the loop and thousands of seeds instead of coverage.ts's forty.

The bundled examples are ReLU MLPs (Dense → Dense → Dense softmax, categorical cross-entropy), so each
digit's gradient is computed here in closed form with NumPy in float64. Each seed draws 1,024 of the
8,000 training digits, splits them into the analysis's 8 random groups of 128, and forms the interval
as sampling.ts does: for ‖g‖², the unbiased estimate U = ‖m‖² − tr Σ̂/N from the group means with its
delete-one-group jackknife standard error; for the loss, the group losses' jackknife. Each is printed
as the plain t-interval and with Hall's skewness correction (what ships). The truth is the 8,000-digit
value: the loss's mean, and ‖g‖² bias-corrected the same way over single digits.

    node --import tsx scripts/sampling/dump-train.ts /tmp/train-digits.npz
    /usr/bin/python3 scripts/sampling/gradient_coverage.py /tmp/train-digits.npz [--seeds 2000] [--groups 8]
"""
import argparse
import json
import math
import os

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLES = 1024
# Two-sided 95% Student t quantiles, t_{0.975, K−1}, for the group counts samplingGroupCount gives.
T975 = {8: 2.364624, 16: 2.131450, 32: 2.039513, 64: 1.998341}


def load_mlp(folder):
    model = json.load(open(os.path.join(folder, 'model.json')))
    flat = np.fromfile(os.path.join(folder, 'weights.bin'), dtype='<f4')
    weights, offset = {}, 0
    for group in model['weightsManifest']:
        for w in group['weights']:
            size = int(np.prod(w['shape']))
            weights[w['name']] = flat[offset:offset + size].reshape(w['shape']).astype(np.float64)
            offset += size
    layers = model['modelTopology']['config']['layers']
    assert [l['class_name'] for l in layers] == ['Dense'] * 3, 'a three-Dense MLP'
    assert [l['config']['activation'] for l in layers] == ['relu', 'relu', 'softmax']
    names = [l['config']['name'] for l in layers]
    return [(weights[f'{n}/kernel'], weights[f'{n}/bias']) for n in names]


def per_sample(layers, x, y):
    """Each digit's loss and its gradient with respect to (kernel, bias) of every layer, in manifest order."""
    (w1, b1), (w2, b2), (w3, b3) = layers
    z1 = x @ w1 + b1
    a1 = np.maximum(z1, 0)
    z2 = a1 @ w2 + b2
    a2 = np.maximum(z2, 0)
    z3 = a2 @ w3 + b3
    z3 = z3 - z3.max(1, keepdims=True)
    log_p = z3 - np.log(np.exp(z3).sum(1, keepdims=True))
    rows = np.arange(len(y))
    loss = -log_p[rows, y]
    d3 = np.exp(log_p)
    d3[rows, y] -= 1
    d2 = (d3 @ w3.T) * (z2 > 0)
    d1 = (d2 @ w2.T) * (z1 > 0)
    outer = lambda a, d: (a[:, :, None] * d[:, None, :]).reshape(len(y), -1)
    return loss, np.concatenate([outer(x, d1), d1, outer(a1, d2), d2, outer(a2, d3), d3], axis=1)


def skewness(values):
    n = len(values)
    d = values - values.mean()
    m2, m3 = (d ** 2).mean(), (d ** 3).mean()
    return 0.0 if m2 <= 0 else math.sqrt(n * (n - 1)) / (n - 2) * m3 / m2 ** 1.5


def hall(estimate, se, gamma, groups, t):
    """Hall's (1992) transformation of the studentised mean, inverted at ∓t (statistics.ts, hallInterval)."""
    a, b = gamma / (3 * math.sqrt(groups)), gamma / (6 * math.sqrt(groups))
    inverse = (lambda v: v - b) if abs(a) < 1e-12 else (lambda v: (np.cbrt(1 + 3 * a * (v - b)) - 1) / a)
    return estimate - inverse(t) * se, estimate - inverse(-t) * se


def unbiased_square(gram, sizes, kept):
    s = sizes[kept]
    total = s.sum()
    g = gram[np.ix_(kept, kept)]
    square = s @ g @ s / total ** 2
    spread = (s * np.diag(g)).sum() - total * square
    return square - spread / ((len(kept) - 1) * total)


def jackknife(leave_out):
    k = len(leave_out)
    se = math.sqrt((k - 1) / k * ((leave_out - leave_out.mean()) ** 2).sum())
    return se, -skewness(leave_out)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('digits')
    parser.add_argument('--seeds', type=int, default=2000)
    parser.add_argument('--groups', type=int, default=8)
    parser.add_argument('--model', action='append')
    args = parser.parse_args()
    with np.load(args.digits) as digits:
        x = digits['x'].astype(np.float64)
        y = digits['y'].astype(np.int64)
    k, t = args.groups, T975[args.groups]
    models = args.model or ['examples/mnist-small-batch', 'examples/mnist-large-batch']
    for folder in models:
        loss, grads = per_sample(load_mlp(os.path.join(ROOT, folder)), x, y)
        n = len(y)
        mean = grads.mean(0)
        truth_square = mean @ mean - ((grads - mean) ** 2).sum() / (n - 1) / n
        truth_loss = loss.mean()
        rng = np.random.default_rng(1)
        hits = {'‖∇L‖ plain': 0, '‖∇L‖ Hall': 0, 'loss plain': 0, 'loss Hall': 0}
        for _ in range(args.seeds):
            chosen = rng.choice(n, SAMPLES, replace=False)
            sizes = np.full(k, SAMPLES // k, dtype=np.float64)
            means = grads[chosen].reshape(k, SAMPLES // k, -1).mean(1)
            gram = means @ means.T
            everyone = np.arange(k)
            u = unbiased_square(gram, sizes, everyone)
            se, gamma = jackknife(np.array([unbiased_square(gram, sizes, np.delete(everyone, g)) for g in range(k)]))
            hits['‖∇L‖ plain'] += u - t * se <= truth_square <= u + t * se
            low, high = hall(u, se, gamma, k, t)
            hits['‖∇L‖ Hall'] += low <= truth_square <= high
            group_loss = loss[chosen].reshape(k, -1).mean(1)
            m = group_loss.mean()
            se, gamma = jackknife((group_loss.sum() - group_loss) / (k - 1))
            hits['loss plain'] += m - t * se <= truth_loss <= m + t * se
            low, high = hall(m, se, gamma, k, t)
            hits['loss Hall'] += low <= truth_loss <= high
        print(f'{folder}: 8,000-digit ‖∇L‖ (bias-corrected) {math.sqrt(max(0, truth_square)):.5g}, loss {truth_loss:.5g}; '
              f'{args.seeds} seeds × {SAMPLES} digits in {k} groups, 95% intervals')
        for name, hit in hits.items():
            print(f'  {name:12} covered {hit}/{args.seeds} = {100 * hit / args.seeds:.1f}%')


if __name__ == '__main__':
    main()
