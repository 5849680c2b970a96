"""Losses, synthetic data, float64 training, and moving the data off the kinks.

README.md, "How the fixtures are made", steps 1, 2 and 4.
"""

import numpy as np
import torch
import torch.nn.functional as F

from keras_layers import KINK_MARGIN, Rec, f32


# ----------------------------------------------------------------------------------------------
# losses (means over samples, from the logits)
# ----------------------------------------------------------------------------------------------

def loss_value(loss, z, y):
    if loss == 'categorical_crossentropy':
        return (torch.logsumexp(z, dim=1) - (y * z).sum(dim=1)).mean()
    if loss == 'sparse_categorical_crossentropy':
        return (torch.logsumexp(z, dim=1) - z.gather(1, y.long().reshape(-1, 1)).reshape(-1)).mean()
    if loss == 'binary_crossentropy':
        return (F.softplus(z) - y * z).mean()
    if loss == 'mean_squared_error':
        return ((z - y) ** 2).mean()
    raise ValueError(loss)


LOSS_ACTIVATION = {'categorical_crossentropy': 'softmax', 'sparse_categorical_crossentropy': 'softmax',
                   'binary_crossentropy': 'sigmoid', 'mean_squared_error': 'linear'}


def accuracy(loss, out, y):
    if loss == 'categorical_crossentropy':
        return float((out.argmax(1) == y.argmax(1)).double().mean())
    if loss == 'sparse_categorical_crossentropy':
        return float((out.argmax(1) == y.long()).double().mean())
    if loss == 'binary_crossentropy':
        return float(((out > 0.5).double() == y).double().mean())
    return None


# ----------------------------------------------------------------------------------------------
# weights <-> flat theta
# ----------------------------------------------------------------------------------------------

def init_weights(model, rng, bias_scale=0.1):
    vals = {}
    for layer, s, shp, _ in model.weight_list():
        if s in ('kernel', 'depthwise_kernel'):
            fan_in = int(np.prod(shp[:-1])) if s == 'kernel' else int(np.prod(shp[:2]))
            fan_out = shp[-1] if s == 'kernel' else int(np.prod(shp[:2])) * shp[-1]
            lim = np.sqrt(6.0 / (fan_in + fan_out))
            v = rng.uniform(-lim, lim, size=shp)
        elif s == 'bias':
            v = rng.uniform(-bias_scale, bias_scale, size=shp)
        elif s == 'gamma':
            v = rng.uniform(0.8, 1.2, size=shp)
        elif s == 'beta':
            v = rng.uniform(-0.1, 0.1, size=shp)
        elif s == 'moving_mean':
            v = np.zeros(shp)
        elif s == 'moving_variance':
            v = np.ones(shp)
        elif s == 'embeddings':
            v = rng.uniform(-0.5, 0.5, size=shp)
        else:
            raise ValueError(s)
        vals.setdefault(layer.name, {})[s] = np.asarray(v, dtype=np.float64)
    return vals


def to_torch(vals, requires_grad_trainable=False, model=None):
    W = {}
    for lname, d in vals.items():
        W[lname] = {}
        for s, v in d.items():
            t = torch.tensor(np.asarray(v, dtype=np.float64))
            W[lname][s] = t
    if requires_grad_trainable:
        for layer, s, _, tr in model.weight_list():
            if tr:
                W[layer.name][s].requires_grad_(True)
    return W


def from_torch(W):
    return {ln: {s: t.detach().numpy().copy() for s, t in d.items()} for ln, d in W.items()}


def round_f32(vals):
    return {ln: {s: f32(v).astype(np.float64) for s, v in d.items()} for ln, d in vals.items()}


# ----------------------------------------------------------------------------------------------
# training
# ----------------------------------------------------------------------------------------------

def train(model, vals, x, y, loss, schedule):
    W = to_torch(vals, True, model)
    params = [W[layer.name][s] for layer, s, _, tr in model.weight_list() if tr]
    xt, yt = torch.tensor(x), torch.tensor(y)
    for steps, lr in schedule:
        opt = torch.optim.Adam(params, lr=lr)
        for _ in range(steps):
            opt.zero_grad()
            L = loss_value(loss, model.logits(xt, W), yt)
            L.backward()
            opt.step()
    return from_torch(W)


def kink_distance(model, vals, x):
    rec = Rec()
    with torch.no_grad():
        model.logits(torch.tensor(x), to_torch(vals), rec)
    return rec.per_sample(x.shape[0]).numpy()



# ----------------------------------------------------------------------------------------------
# data generation
# ----------------------------------------------------------------------------------------------

def gumbel(rng, shape):
    return -np.log(-np.log(rng.uniform(1e-12, 1.0, size=shape)))


def teacher_classes(rng, x2d, n_classes, hidden=16, scale=2.0, temp=1.0):
    w1 = rng.normal(size=(x2d.shape[1], hidden)) / np.sqrt(x2d.shape[1])
    w2 = rng.normal(size=(hidden, n_classes)) / np.sqrt(hidden)
    logits = scale * np.tanh(x2d @ w1) @ w2
    return np.argmax(logits + temp * gumbel(rng, logits.shape), axis=1)


def add_conflicts(rng, x, labels, n_ambiguous, n_classes):
    """Label noise that cannot be memorised: n_ambiguous inputs appear three times, twice with their
    label and once with another one, so the best output there is (2/3, 1/3) and accuracy < 100 %."""
    idx = rng.choice(x.shape[0], n_ambiguous, replace=False)
    other = (labels[idx] + rng.randint(1, n_classes, size=n_ambiguous)) % n_classes
    x = np.concatenate([x, x[idx], x[idx]])
    labels = np.concatenate([labels, labels[idx], other])
    perm = rng.permutation(x.shape[0])
    return x[perm], labels[perm]


def one_hot(labels, k):
    return np.eye(k, dtype=np.float32)[labels]


# ----------------------------------------------------------------------------------------------
# fitting with kink avoidance
# ----------------------------------------------------------------------------------------------

def fit(model, vals, x, y, loss, schedule, rng, integer_x=False):
    """Train, round to float32, then make sure no sample sits within KINK_MARGIN of a kink."""
    vals = round_f32(train(model, vals, x, y, loss, schedule))
    x, nudged = clear_kinks(model, vals, x, y, loss, rng, integer_x)
    return vals, x, nudged


def gradient_norm(model, vals, x, y, loss):
    W = to_torch(vals, True, model)
    params = [W[layer.name][s] for layer, s, _, tr in model.weight_list() if tr]
    L = loss_value(loss, model.logits(torch.tensor(x), W), torch.tensor(y))
    return float(torch.sqrt(sum((g ** 2).sum() for g in torch.autograd.grad(L, params))))


def clear_kinks(model, vals, x, y, loss, rng, integer_x=False, nudge=0.002, tries_per_sample=8, max_rounds=60):
    """Move every sample at least KINK_MARGIN away from the kinks, weights unchanged.

    Training pins samples exactly onto ReLU kinks (the minimum of a piecewise-smooth loss often lies on
    one), so retraining after a nudge would pull them back. Instead each offending sample gets a small
    random nudge; of a few candidates the one that leaves the smallest gradient is kept (off the kink
    only a one-sided gradient exists, and the side matters). A sample that stays on a kink (e.g. all
    first-layer ReLUs off, so it sees only a bias that training drove to ~0) gets larger nudges."""
    x0, x = x, x.copy()
    tries = np.zeros(x.shape[0], dtype=int)
    for _ in range(max_rounds):
        bad = np.nonzero(kink_distance(model, vals, x) < KINK_MARGIN)[0]
        if bad.size == 0:
            break
        if integer_x:
            raise RuntimeError('kink with integer data; change the seed')
        for i in bad:
            scale = nudge * 1.5 ** tries[i]
            best = None
            for _ in range(tries_per_sample):
                cand = x.copy()
                cand[i] = f32(x[i] + scale * rng.normal(size=x[i].shape)).astype(np.float64)
                if kink_distance(model, vals, cand[i:i + 1])[0] < KINK_MARGIN:
                    continue
                g = gradient_norm(model, vals, cand, y, loss)
                if best is None or g < best[0]:
                    best = (g, cand[i])
            if best is not None:
                x[i] = best[1]
            tries[i] += 1
    else:
        raise RuntimeError(f'could not move the data away from the kinks: {bad}')
    # two more passes over the nudged samples: re-draw each nudge (from the original sample) if that
    # lowers the gradient, since the sides the other samples ended on have changed meanwhile
    moved = np.nonzero(tries > 0)[0]
    g_now = gradient_norm(model, vals, x, y, loss)
    for _ in range(2):
        for i in moved:
            for _ in range(tries_per_sample):
                cand = x.copy()
                cand[i] = f32(x0[i] + nudge * 1.5 ** (tries[i] - 1) * rng.normal(size=x[i].shape)).astype(np.float64)
                if kink_distance(model, vals, cand[i:i + 1])[0] < KINK_MARGIN:
                    continue
                g = gradient_norm(model, vals, cand, y, loss)
                if g < g_now:
                    g_now, x = g, cand
    return x, int(moved.size)

