#!/usr/bin/python3
"""Exact float64 reference fixtures for Sharpness Lens, computed with PyTorch.

Run with Debian's Python (it has torch and numpy):

    /usr/bin/python3 scripts/reference/make_reference_fixtures.py

For every case it builds a small model with TensorFlow/Keras inference semantics
(NHWC layout, TF 'same' padding, ...) in PyTorch, trains it briefly in float64 so it
sits near a minimum, rounds weights and data to float32 (the values written to disk),
and then, in float64 and from exactly those rounded values, computes the loss, the
gradient, the exact Hessian (double backprop) and its Euclidean and rescaling-invariant
spectra.  Output: test/fixtures/reference/<case>/{model.json, weight shards, data, expected.json}.

The script only writes below test/fixtures/reference/ and is deterministic; files whose
content is unchanged are left untouched (data.npz is compared by array content, since
np.savez stamps the current time into the zip).
"""

import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)

OUT_ROOT = os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'fixtures', 'reference'))

TFJS_VERSION = '4.22.0'
KERAS_VERSION = '2.13.1'
KINK_MARGIN = 1e-3  # min |pre-activation| of every ReLU / LeakyReLU unit, min gap in every max-pool window


# ----------------------------------------------------------------------------------------------
# small helpers
# ----------------------------------------------------------------------------------------------

def f32(a):
    return np.asarray(a, dtype=np.float32)


def fl(v):
    """float64 Python float (json prints it with repr precision)."""
    return float(v)


def same_pads(n, k, s, d=1):
    """TF 'same' padding: (before, after); the extra element goes after (bottom/right)."""
    out = -(-n // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
    return total // 2, total - total // 2


def pad_nchw(x, kh, kw, sh, sw, padding, value=0.0):
    if padding == 'valid':
        return x
    t, b = same_pads(x.shape[2], kh, sh)
    left, r = same_pads(x.shape[3], kw, sw)
    if t == b == left == r == 0:
        return x
    return F.pad(x, (left, r, t, b), value=value)


def out_len(n, k, s, padding):
    return -(-n // s) if padding == 'same' else (n - k) // s + 1


class Rec:
    """Records, per sample, the distance to the nearest non-smooth point of the network."""

    def __init__(self):
        self.dist = []

    def add(self, d):  # d: [N, ...] non-negative distances
        self.dist.append(d.detach().reshape(d.shape[0], -1).min(dim=1).values)

    def per_sample(self, n):
        if not self.dist:
            return torch.full((n,), float('inf'))
        return torch.stack(self.dist, 0).min(dim=0).values


def activate(name, z, rec):
    if name == 'linear':
        return z
    if name == 'relu':
        if rec is not None:
            rec.add(z.abs())
        return torch.relu(z)
    if name == 'elu':
        if rec is not None:
            rec.add(z.abs())  # elu is C1 but not C2 at 0
        return F.elu(z)
    if name == 'tanh':
        return torch.tanh(z)
    if name == 'sigmoid':
        return torch.sigmoid(z)
    if name == 'softmax':
        return torch.softmax(z, dim=-1)
    raise ValueError(name)


# ----------------------------------------------------------------------------------------------
# tfjs-layers configuration pieces (as tfjs-layers 4.22 model.save() writes them)
# ----------------------------------------------------------------------------------------------

def tfjs_glorot():
    return {'class_name': 'VarianceScaling',
            'config': {'scale': 1, 'mode': 'fan_avg', 'distribution': 'normal', 'seed': None}}


def tfjs_init(name):
    return {'class_name': name, 'config': {}}


def keras_init(name, config=None):
    return {'module': 'keras.initializers', 'class_name': name, 'config': config or {}, 'registered_name': None}


# ----------------------------------------------------------------------------------------------
# layers: forward in NHWC (as TF), weights in Keras layout
# ----------------------------------------------------------------------------------------------

class Layer:
    cls = None
    activation = 'linear'

    def __init__(self, name):
        self.name = name

    def weight_specs(self, in_shape):
        """[(suffix, shape, trainable)] in Keras / manifest order."""
        return []

    def out_shape(self, in_shape):
        return in_shape

    def forward(self, x, w, rec, final=False):
        return x

    def tfjs_config(self):
        return {}


class Dense(Layer):
    cls = 'Dense'

    def __init__(self, name, units, activation='linear'):
        super().__init__(name)
        self.units, self.activation = units, activation

    def weight_specs(self, in_shape):
        return [('kernel', (in_shape[-1], self.units), True), ('bias', (self.units,), True)]

    def out_shape(self, in_shape):
        return in_shape[:-1] + (self.units,)

    def forward(self, x, w, rec, final=False):
        z = x @ w['kernel'] + w['bias']
        return z if final else activate(self.activation, z, rec)

    def tfjs_config(self):
        return {'units': self.units, 'activation': self.activation, 'use_bias': True,
                'kernel_initializer': tfjs_glorot(), 'bias_initializer': tfjs_init('Zeros'),
                'kernel_regularizer': None, 'bias_regularizer': None, 'activity_regularizer': None,
                'kernel_constraint': None, 'bias_constraint': None}

    def keras_config(self):
        return {'units': self.units, 'activation': self.activation, 'use_bias': True,
                'kernel_initializer': keras_init('GlorotUniform', {'seed': None}),
                'bias_initializer': keras_init('Zeros'),
                'kernel_regularizer': None, 'bias_regularizer': None, 'activity_regularizer': None,
                'kernel_constraint': None, 'bias_constraint': None}


class Conv2D(Layer):
    cls = 'Conv2D'

    def __init__(self, name, filters, kernel, strides=(1, 1), padding='valid', activation='linear'):
        super().__init__(name)
        self.filters, self.kernel, self.strides = filters, tuple(kernel), tuple(strides)
        self.padding, self.activation = padding, activation

    def weight_specs(self, in_shape):
        return [('kernel', self.kernel + (in_shape[-1], self.filters), True), ('bias', (self.filters,), True)]

    def out_shape(self, in_shape):
        h, w, _ = in_shape
        return (out_len(h, self.kernel[0], self.strides[0], self.padding),
                out_len(w, self.kernel[1], self.strides[1], self.padding), self.filters)

    def forward(self, x, w, rec, final=False):
        xc = pad_nchw(x.permute(0, 3, 1, 2), *self.kernel, *self.strides, self.padding)
        z = F.conv2d(xc, w['kernel'].permute(3, 2, 0, 1), w['bias'], stride=self.strides).permute(0, 2, 3, 1)
        return z if final else activate(self.activation, z, rec)

    def tfjs_config(self):
        return {'filters': self.filters, 'kernel_initializer': tfjs_glorot(), 'kernel_regularizer': None,
                'kernel_constraint': None, 'kernel_size': list(self.kernel), 'strides': list(self.strides),
                'padding': self.padding, 'data_format': 'channels_last', 'dilation_rate': [1, 1],
                'activation': self.activation, 'use_bias': True, 'bias_initializer': tfjs_init('Zeros'),
                'bias_regularizer': None, 'activity_regularizer': None, 'bias_constraint': None}


class DepthwiseConv2D(Layer):
    cls = 'DepthwiseConv2D'

    def __init__(self, name, kernel, depth_multiplier, strides=(1, 1), padding='valid', activation='linear'):
        super().__init__(name)
        self.kernel, self.mult, self.strides = tuple(kernel), depth_multiplier, tuple(strides)
        self.padding, self.activation = padding, activation

    def weight_specs(self, in_shape):
        c = in_shape[-1]
        return [('depthwise_kernel', self.kernel + (c, self.mult), True), ('bias', (c * self.mult,), True)]

    def out_shape(self, in_shape):
        h, w, c = in_shape
        return (out_len(h, self.kernel[0], self.strides[0], self.padding),
                out_len(w, self.kernel[1], self.strides[1], self.padding), c * self.mult)

    def forward(self, x, w, rec, final=False):
        c = x.shape[-1]
        k = w['depthwise_kernel']  # [kh, kw, c, m] -> torch [c*m, 1, kh, kw]; output channel c*m_count + m
        kt = k.permute(2, 3, 0, 1).reshape(c * self.mult, 1, *self.kernel)
        xc = pad_nchw(x.permute(0, 3, 1, 2), *self.kernel, *self.strides, self.padding)
        z = F.conv2d(xc, kt, w['bias'], stride=self.strides, groups=c).permute(0, 2, 3, 1)
        return z if final else activate(self.activation, z, rec)

    def tfjs_config(self):
        return {'kernel_size': list(self.kernel), 'strides': list(self.strides), 'padding': self.padding,
                'data_format': 'channels_last', 'dilation_rate': [1, 1], 'activation': self.activation,
                'use_bias': True, 'bias_initializer': tfjs_init('Zeros'), 'bias_regularizer': None,
                'activity_regularizer': None, 'bias_constraint': None,
                '__first__': None,  # batch_input_shape / dtype go here (after name, trainable)
                'depth_multiplier': self.mult, 'depthwise_initializer': tfjs_glorot(),
                'depthwise_regularizer': None, 'depthwise_constraint': None}


class Pool2D(Layer):
    def __init__(self, name, pool, strides, padding):
        super().__init__(name)
        self.pool, self.strides, self.padding = tuple(pool), tuple(strides), padding

    def out_shape(self, in_shape):
        h, w, c = in_shape
        return (out_len(h, self.pool[0], self.strides[0], self.padding),
                out_len(w, self.pool[1], self.strides[1], self.padding), c)

    def tfjs_config(self):
        return {'pool_size': list(self.pool), 'padding': self.padding, 'strides': list(self.strides),
                'data_format': 'channels_last'}


class MaxPooling2D(Pool2D):
    cls = 'MaxPooling2D'

    def forward(self, x, w, rec, final=False):
        xc = pad_nchw(x.permute(0, 3, 1, 2), *self.pool, *self.strides, self.padding, value=float('-inf'))
        if rec is not None:  # gap between the largest and second largest element of each window
            kh, kw = self.pool
            patches = xc.unfold(2, kh, self.strides[0]).unfold(3, kw, self.strides[1])
            patches = patches.reshape(*patches.shape[:4], kh * kw)
            top2 = patches.detach().topk(2, dim=-1).values
            gap = top2[..., 0] - top2[..., 1]
            # a window whose max is a ReLU zero (all entries <= 0) has zero derivative anyway
            gap = torch.where(top2[..., 0] > KINK_MARGIN, gap, torch.full_like(gap, float('inf')))
            rec.add(gap)
        return F.max_pool2d(xc, self.pool, self.strides).permute(0, 2, 3, 1)


class AveragePooling2D(Pool2D):
    cls = 'AveragePooling2D'

    def forward(self, x, w, rec, final=False):
        xc = x.permute(0, 3, 1, 2)
        ones = torch.ones_like(xc[:1, :1])
        xp = pad_nchw(xc, *self.pool, *self.strides, self.padding)
        op = pad_nchw(ones, *self.pool, *self.strides, self.padding)
        s = F.avg_pool2d(xp, self.pool, self.strides)
        cnt = F.avg_pool2d(op, self.pool, self.strides)  # fraction of valid (unpadded) elements
        return (s / cnt).permute(0, 2, 3, 1)


class GlobalAveragePooling2D(Layer):
    cls = 'GlobalAveragePooling2D'

    def out_shape(self, in_shape):
        return (in_shape[-1],)

    def forward(self, x, w, rec, final=False):
        return x.mean(dim=(1, 2))

    def tfjs_config(self):
        return {'data_format': 'channels_last'}


class Flatten(Layer):
    cls = 'Flatten'

    def out_shape(self, in_shape):
        return (int(np.prod(in_shape)),)

    def forward(self, x, w, rec, final=False):
        return x.reshape(x.shape[0], -1)  # row-major over (H, W, C): channels last


class Dropout(Layer):
    cls = 'Dropout'

    def __init__(self, name, rate):
        super().__init__(name)
        self.rate = rate

    def tfjs_config(self):
        return {'rate': self.rate, 'noise_shape': None, 'seed': None}


class Activation(Layer):
    cls = 'Activation'

    def __init__(self, name, activation):
        super().__init__(name)
        self.activation = activation

    def forward(self, x, w, rec, final=False):
        return x if final else activate(self.activation, x, rec)

    def tfjs_config(self):
        return {'activation': self.activation}


class LeakyReLU(Layer):
    cls = 'LeakyReLU'

    def __init__(self, name, alpha):
        super().__init__(name)
        self.alpha = alpha

    def forward(self, x, w, rec, final=False):
        if rec is not None:
            rec.add(x.abs())
        return F.leaky_relu(x, self.alpha)

    def tfjs_config(self):
        return {'alpha': self.alpha}


class BatchNormalization(Layer):
    cls = 'BatchNormalization'

    def __init__(self, name, epsilon):
        super().__init__(name)
        self.epsilon = epsilon

    def weight_specs(self, in_shape):
        c = (in_shape[-1],)
        return [('gamma', c, True), ('beta', c, True), ('moving_mean', c, False), ('moving_variance', c, False)]

    def forward(self, x, w, rec, final=False):
        return w['gamma'] * (x - w['moving_mean']) / torch.sqrt(w['moving_variance'] + self.epsilon) + w['beta']

    def tfjs_config(self):
        return {'axis': -1, 'momentum': 0.99, 'epsilon': self.epsilon, 'center': True, 'scale': True,
                'beta_initializer': tfjs_init('Zeros'), 'gamma_initializer': tfjs_init('Ones'),
                'moving_mean_initializer': tfjs_init('Zeros'), 'moving_variance_initializer': tfjs_init('Ones'),
                'beta_regularizer': None, 'gamma_regularizer': None, 'beta_constraint': None,
                'gamma_constraint': None}


class Embedding(Layer):
    cls = 'Embedding'

    def __init__(self, name, input_dim, output_dim, input_length):
        super().__init__(name)
        self.input_dim, self.output_dim, self.input_length = input_dim, output_dim, input_length

    def weight_specs(self, in_shape):
        return [('embeddings', (self.input_dim, self.output_dim), True)]

    def out_shape(self, in_shape):
        return in_shape + (self.output_dim,)

    def forward(self, x, w, rec, final=False):
        return w['embeddings'][x.long()]

    def tfjs_config(self):
        return {'input_dim': self.input_dim, 'output_dim': self.output_dim,
                'embeddings_initializer': {'class_name': 'RandomUniform',
                                           'config': {'minval': -0.05, 'maxval': 0.05, 'seed': None}},
                'embeddings_regularizer': None, 'activity_regularizer': None, 'embeddings_constraint': None,
                'mask_zero': False, 'input_length': self.input_length}


class Add(Layer):
    cls = 'Add'


# ----------------------------------------------------------------------------------------------
# models
# ----------------------------------------------------------------------------------------------

class Model:
    """layers in manifest order; graph(x, call) -> logits (final activation not applied)."""

    def __init__(self, layers, input_shape, graph=None, input_dtype='float32'):
        self.layers, self.input_shape, self.graph, self.input_dtype = layers, tuple(input_shape), graph, input_dtype
        self.specs = {}  # layer name -> weight specs
        if graph is None:
            shape = self.input_shape
            for layer in layers:
                self.specs[layer.name] = layer.weight_specs(shape)
                shape = layer.out_shape(shape)
        self.final_activation = layers[-1].activation

    def set_specs(self, specs):
        self.specs = specs

    def weight_list(self):
        """[(layer, suffix, shape, trainable)] in manifest order."""
        return [(layer, s, shp, tr) for layer in self.layers for (s, shp, tr) in self.specs.get(layer.name, [])]

    def trainable_layers(self):
        return [layer for layer in self.layers if any(tr for (_, _, tr) in self.specs.get(layer.name, []))]

    def logits(self, x, W, rec=None):
        """W: {layer name: {suffix: tensor}}."""
        def call(layer, h, final=False):
            return layer.forward(h, W.get(layer.name, {}), rec, final)
        if self.graph is not None:
            return self.graph(x, call)
        h = x
        for i, layer in enumerate(self.layers):
            h = call(layer, h, final=(i == len(self.layers) - 1))
        return h


def model_outputs(model, z):
    return activate(model.final_activation, z, None)


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
# exact analysis in float64
# ----------------------------------------------------------------------------------------------

def analyse(model, vals, x, y, loss):
    wl = model.weight_list()
    train_items = [(layer, s, shp) for layer, s, shp, tr in wl if tr]
    sizes = [int(np.prod(shp)) for _, _, shp in train_items]
    offsets = np.cumsum([0] + sizes)
    n = int(offsets[-1])
    theta0 = np.concatenate([vals[layer.name][s].reshape(-1) for layer, s, _ in train_items])
    const = {ln: {s: torch.tensor(v) for s, v in d.items()} for ln, d in vals.items()}
    xt, yt = torch.tensor(x), torch.tensor(y)

    def weights_of(theta):
        W = {ln: dict(d) for ln, d in const.items()}
        for i, (layer, s, shp) in enumerate(train_items):
            W[layer.name][s] = theta[offsets[i]:offsets[i + 1]].reshape(shp)
        return W

    theta = torch.tensor(theta0, requires_grad=True)
    z = model.logits(xt, weights_of(theta))
    L = loss_value(loss, z, yt)
    g = torch.autograd.grad(L, theta, create_graph=True)[0]
    H = torch.zeros(n, n)
    for i in range(n):
        H[i] = torch.autograd.grad(g[i], theta, retain_graph=True)[0]
    H = H.numpy()
    asym = float(np.abs(H - H.T).max() / max(np.abs(H).max(), 1e-300))
    H = 0.5 * (H + H.T)
    gnp = g.detach().numpy()

    # self-check: a Hessian row block against central differences of the gradient
    def grad_at(t):
        tt = torch.tensor(t, requires_grad=True)
        return torch.autograd.grad(loss_value(loss, model.logits(xt, weights_of(tt)), yt), tt)[0].numpy()
    v = np.random.RandomState(0).normal(size=n)
    h = 1e-5 / np.linalg.norm(v) * max(1.0, np.linalg.norm(theta0))
    fd = (grad_at(theta0 + h * v) - grad_at(theta0 - h * v)) / (2 * h)
    hv = H @ v
    fd_err = float(np.linalg.norm(fd - hv) / max(np.linalg.norm(hv), 1e-300))

    out = model_outputs(model, z.detach())
    d_layer = np.concatenate([np.full(sizes[i], np.linalg.norm(theta0[offsets[i]:offsets[i + 1]]))
                              for i in range(len(sizes))])
    d_elem = np.abs(theta0)
    ops = {'euclidean': H,
           'invariantLayer': d_layer[:, None] * H * d_layer[None, :],
           'invariantElement': d_elem[:, None] * H * d_elem[None, :]}

    if loss == 'binary_crossentropy':
        margin = float((out - 0.5).abs().min())
    elif loss == 'mean_squared_error':
        margin = float('inf')
    else:  # gap between the two largest probabilities: argmax is the same in float32
        top2 = out.topk(2, dim=1).values
        margin = float((top2[:, 0] - top2[:, 1]).min())
    res = {'margin': margin, 'loss': float(L), 'accuracy': accuracy(loss, out, yt),
           'gradientNorm': float(np.linalg.norm(gnp)),
           'outputs': out[:4].numpy(), 'n': n, 'asym': asym, 'fd_err': fd_err}
    spectra = {}
    for key, M in ops.items():
        ev = np.sort(np.linalg.eigvalsh(M))[::-1]
        spectra[key] = {'eigenvalues': ev, 'trace': float(np.trace(M)), 'sum': float(ev.sum())}
    res['spectra'] = spectra

    params = []
    for i, (layer, s, shp) in enumerate(train_items):
        params.append({'name': f'{layer.name}/{s}', 'layer': layer.name, 'shape': list(shp),
                       'norm': fl(np.linalg.norm(theta0[offsets[i]:offsets[i + 1]]))})
    res['parameters'] = params

    per_layer = []
    for layer in model.trainable_layers():
        idx = np.concatenate([np.arange(offsets[i], offsets[i + 1])
                              for i, (lay, _, _) in enumerate(train_items) if lay is layer])
        entry = {'name': layer.name, 'parameterCount': int(idx.size)}
        for key, M in ops.items():
            B = M[np.ix_(idx, idx)]
            entry[key] = {'max': fl(np.linalg.eigvalsh(B)[-1]), 'trace': fl(np.trace(B))}
        per_layer.append(entry)
    res['perLayer'] = per_layer
    return res


def expected_json(case, fmt, loss, res, n_samples, data_file, n_top=None, n_bottom=None):
    complete = n_top is None
    e = {'case': case, 'format': fmt, 'loss': {'name': loss, 'value': res['loss']},
         'sampleCount': int(n_samples), 'parameterCount': res['n'], 'parameters': res['parameters'],
         'accuracy': res['accuracy'], 'gradientNorm': res['gradientNorm'],
         'outputs': [[fl(v) for v in row] for row in res['outputs']],
         'eigenvaluesComplete': complete}
    for key in ('euclidean', 'invariantLayer', 'invariantElement'):
        ev = res['spectra'][key]['eigenvalues']
        e[key] = {'eigenvalues': [fl(v) for v in (ev if complete else ev[:n_top])],
                  'trace': res['spectra'][key]['trace']}
    if not complete:
        e['bottomEigenvalues'] = {key: [fl(v) for v in res['spectra'][key]['eigenvalues'][-n_bottom:]]
                                  for key in ('euclidean', 'invariantLayer', 'invariantElement')}
    e['perLayer'] = res['perLayer']
    e['dataFile'] = data_file
    return e


# ----------------------------------------------------------------------------------------------
# writing files
# ----------------------------------------------------------------------------------------------

WRITTEN = []


def case_dir(case):
    d = os.path.join(OUT_ROOT, case)
    os.makedirs(d, exist_ok=True)
    return d


def write_bytes(path, data):
    assert os.path.commonpath([OUT_ROOT, os.path.abspath(path)]) == OUT_ROOT
    if os.path.exists(path):
        with open(path, 'rb') as fh:
            if fh.read() == data:
                WRITTEN.append((path, len(data), False))
                return
    with open(path, 'wb') as fh:
        fh.write(data)
    WRITTEN.append((path, len(data), True))


def write_json(path, obj, indent=None, compact=False):
    if compact:
        s = json.dumps(obj, separators=(',', ':'), allow_nan=False)
    else:
        s = json.dumps(obj, indent=indent, allow_nan=False)
    write_bytes(path, (s + '\n').encode() if indent else s.encode())


def write_npz(path, **arrays):
    assert os.path.commonpath([OUT_ROOT, os.path.abspath(path)]) == OUT_ROOT
    if os.path.exists(path):
        with np.load(path) as old:
            if set(old.files) == set(arrays) and all(
                    old[k].dtype == v.dtype and old[k].shape == v.shape and np.array_equal(old[k], v)
                    for k, v in arrays.items()):
                WRITTEN.append((path, os.path.getsize(path), False))
                return
    np.savez(path, **arrays)
    WRITTEN.append((path, os.path.getsize(path), True))


def f32_text(v):
    """Shortest decimal that round-trips to this float32 (also through float64 parsing)."""
    v = np.float32(v)
    s = np.format_float_positional(v, unique=True, trim='-')
    assert np.float32(float(s)) == v, (s, v)
    return s


def tfjs_layer_entry(layer, batch_input_shape=None):
    cfg = layer.tfjs_config()
    tail = {'name': layer.name, 'trainable': True}
    if batch_input_shape is not None:
        tail['batch_input_shape'] = [None] + list(batch_input_shape)
        if not isinstance(layer, Embedding):
            tail['dtype'] = 'float32'
    if '__first__' in cfg:  # DepthwiseConv2D: its own keys come after the base-layer keys
        keys = list(cfg)
        i = keys.index('__first__')
        out = {k: cfg[k] for k in keys[:i]}
        out.update(tail)
        out.update({k: cfg[k] for k in keys[i + 1:]})
    else:
        out = dict(cfg)
        out.update(tail)
    return {'class_name': layer.cls, 'config': out}


def tfjs_training_config(loss, metrics):
    return {'loss': loss, 'metrics': metrics,
            'optimizer_config': {'class_name': 'Adam',
                                 'config': {'learningRate': 0.001, 'beta1': 0.9, 'beta2': 0.999, 'epsilon': 1e-7}}}


def write_tfjs_model(d, model, vals, loss, metrics):
    layers = [tfjs_layer_entry(layer, model.input_shape if i == 0 else None) for i, layer in enumerate(model.layers)]
    specs, blobs = [], []
    for layer, s, shp, _ in model.weight_list():
        specs.append({'name': f'{layer.name}/{s}', 'shape': list(shp), 'dtype': 'float32'})
        blobs.append(f32(vals[layer.name][s]).astype('<f4').tobytes())
    mj = {'modelTopology': {'class_name': 'Sequential',
                            'config': {'name': 'sequential_1', 'layers': layers},
                            'keras_version': f'tfjs-layers {TFJS_VERSION}', 'backend': 'tensor_flow.js'},
          'format': 'layers-model', 'generatedBy': f'TensorFlow.js tfjs-layers v{TFJS_VERSION}', 'convertedBy': None,
          'trainingConfig': tfjs_training_config(loss, metrics),
          'weightsManifest': [{'paths': ['weights.bin'], 'weights': specs}]}
    write_json(os.path.join(d, 'model.json'), mj, compact=True)
    write_bytes(os.path.join(d, 'weights.bin'), b''.join(blobs))


def keras_training_config(loss):
    return {'loss': loss, 'metrics': ['accuracy'], 'weighted_metrics': None, 'loss_weights': None,
            'optimizer_config': {'class_name': 'Custom>Adam', 'config': {
                'name': 'Adam', 'weight_decay': None, 'clipnorm': None, 'global_clipnorm': None, 'clipvalue': None,
                'use_ema': False, 'ema_momentum': 0.99, 'ema_overwrite_frequency': None, 'jit_compile': False,
                'is_legacy_optimizer': False, 'learning_rate': 0.0010000000474974513, 'beta_1': 0.9,
                'beta_2': 0.999, 'epsilon': 1e-07, 'amsgrad': False}}}


def keras_dense_entry(layer, batch_input_shape=None):
    cfg = {'name': layer.name, 'trainable': True, 'dtype': 'float32'}
    if batch_input_shape is not None:
        cfg['batch_input_shape'] = [None] + list(batch_input_shape)
    cfg.update(layer.keras_config())
    return {'class_name': 'Dense', 'config': cfg}


def keras_model_json(model_config, loss, manifest):
    return {'format': 'layers-model', 'generatedBy': f'keras v{KERAS_VERSION}',
            'convertedBy': f'TensorFlow.js Converter v{TFJS_VERSION}',
            'modelTopology': {'keras_version': KERAS_VERSION, 'backend': 'tensorflow',
                              'model_config': model_config, 'training_config': keras_training_config(loss)},
            'weightsManifest': manifest}


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


# ----------------------------------------------------------------------------------------------
# the cases
# ----------------------------------------------------------------------------------------------

SUMMARY = []
TRAIN_SMALL = [(1500, 0.01), (1000, 0.002), (1000, 0.0003)]  # full-batch Adam (steps, learning rate) phases


def finish(case, fmt, model, vals, x, y, loss, data_file, n_top=None, n_bottom=None, extra=None):
    assert LOSS_ACTIVATION[loss] == model.final_activation, (loss, model.final_activation)
    res = analyse(model, vals, x, y, loss)
    print(f'  {case}: Hessian asymmetry {res["asym"]:.1e}, finite-difference check {res["fd_err"]:.1e}')
    dist = kink_distance(model, vals, x).min()
    assert dist >= KINK_MARGIN, dist
    assert res['asym'] < 1e-10, res['asym']
    assert res['margin'] > 1e-4, res['margin']
    assert res['fd_err'] < 1e-5, res['fd_err']
    for key, sp in res['spectra'].items():
        assert abs(sp['trace'] - sp['sum']) <= 1e-9 * max(1.0, np.abs(sp['eigenvalues']).sum()), key
    e = expected_json(case, fmt, loss, res, x.shape[0], data_file, n_top, n_bottom)
    write_json(os.path.join(case_dir(case), 'expected.json'), e, indent=1)
    SUMMARY.append({'case': case, 'params': res['n'], 'loss': res['loss'], 'acc': res['accuracy'],
                    'grad': res['gradientNorm'], 'lmax': res['spectra']['euclidean']['eigenvalues'][0],
                    'lmaxLayer': res['spectra']['invariantLayer']['eigenvalues'][0],
                    'lmaxElem': res['spectra']['invariantElement']['eigenvalues'][0],
                    'lmin': res['spectra']['euclidean']['eigenvalues'][-1],
                    'kink': float(dist), 'fd': res['fd_err'], 'margin': res['margin'], **(extra or {})})
    return res


def mlp_model(names=('dense_Dense1', 'dense_Dense2', 'dense_Dense3')):
    return Model([Dense(names[0], 6, 'relu'), Dense(names[1], 5, 'relu'), Dense(names[2], 3, 'softmax')], (8,))


def case_mlp():
    rng = np.random.RandomState(101)
    torch.manual_seed(101)
    x = f32(rng.normal(size=(56, 8))).astype(np.float64)
    x, labels = add_conflicts(rng, x, teacher_classes(rng, x, 3, temp=0.6), 4, 3)
    y = one_hot(labels, 3).astype(np.float64)
    model = mlp_model()
    vals, x, rounds = fit(model, init_weights(model, rng), x, y, 'categorical_crossentropy', TRAIN_SMALL, rng)
    d = case_dir('mlp')
    write_tfjs_model(d, model, vals, 'categorical_crossentropy', ['accuracy'])
    write_npz(os.path.join(d, 'data.npz'), x=f32(x), y=f32(y))
    res = finish('mlp', 'tfjs-layers', model, vals, x, y, 'categorical_crossentropy', 'data.npz',
                 extra={'nudges': rounds})
    # self-check of the normalisations: a function-preserving rescaling (layer 1 kernel and bias x 4,
    # layer 2 kernel / 4) changes H but leaves both invariant spectra unchanged
    alpha = 4.0
    rv = {ln: dict(dd) for ln, dd in vals.items()}
    rv['dense_Dense1'] = {s: v * alpha for s, v in vals['dense_Dense1'].items()}
    rv['dense_Dense2'] = dict(vals['dense_Dense2'], kernel=vals['dense_Dense2']['kernel'] / alpha)
    res2 = analyse(model, rv, x, y, 'categorical_crossentropy')
    assert abs(res2['loss'] - res['loss']) <= 1e-12 * res['loss']
    for key in ('invariantLayer', 'invariantElement'):
        a, b = res['spectra'][key]['eigenvalues'], res2['spectra'][key]['eigenvalues']
        assert np.abs(a - b).max() <= 1e-9 * np.abs(a).max(), key
    a, b = res['spectra']['euclidean']['eigenvalues'], res2['spectra']['euclidean']['eigenvalues']
    assert abs(a[0] - b[0]) > 1e-3 * a[0]
    return model, vals, x, y


def case_cnn():
    rng = np.random.RandomState(202)
    torch.manual_seed(202)
    n = 42
    x = f32(rng.normal(size=(n, 7, 7, 2))).astype(np.float64)
    # teacher: smooth function of local averages of the image
    pooled = x.reshape(n, 7, 7, 2)[:, :6, :6, :].reshape(n, 3, 2, 3, 2, 2).mean(axis=(2, 4)).reshape(n, -1)
    x, labels = add_conflicts(rng, x, teacher_classes(rng, pooled, 3, scale=3.0, temp=0.5), 3, 3)
    model = Model([Conv2D('conv2d_Conv2D1', 3, (3, 3), (1, 1), 'same', 'relu'),
                   MaxPooling2D('max_pooling2d_MaxPooling2D1', (2, 2), (2, 2), 'same'),
                   Conv2D('conv2d_Conv2D2', 4, (2, 2), (1, 1), 'same', 'relu'),
                   AveragePooling2D('average_pooling2d_AveragePooling2D1', (3, 3), (2, 2), 'same'),
                   Flatten('flatten_Flatten1'),
                   Dense('dense_Dense1', 3, 'softmax')], (7, 7, 2))
    y = labels.astype(np.float64)
    vals, x, rounds = fit(model, init_weights(model, rng), x, y, 'sparse_categorical_crossentropy', TRAIN_SMALL, rng)
    d = case_dir('cnn')
    write_tfjs_model(d, model, vals, 'sparse_categorical_crossentropy', ['accuracy'])
    write_npz(os.path.join(d, 'data.npz'), x=f32(x), y=labels.astype(np.int64))
    finish('cnn', 'tfjs-layers', model, vals, x, y, 'sparse_categorical_crossentropy', 'data.npz',
           extra={'nudges': rounds})


def case_batchnorm():
    rng = np.random.RandomState(303)
    torch.manual_seed(303)
    x = f32(rng.normal(size=(56, 5)) * np.array([1.0, 2.0, 0.5, 1.5, 1.0]) + np.array([0.5, -1.0, 0.0, 2.0, 0.3]))
    x = x.astype(np.float64)
    w = rng.normal(size=5)
    p = 1 / (1 + np.exp(-(2.0 * np.tanh((x - x.mean(0)) / x.std(0)) @ w)))
    x, labels = add_conflicts(rng, x, (rng.uniform(size=56) < p).astype(int), 4, 2)
    n = x.shape[0]
    labels = labels.astype(np.float64).reshape(n, 1)
    model = Model([Dense('dense_Dense1', 6, 'linear'),
                   BatchNormalization('batch_normalization_BatchNormalization1', 0.001),
                   Activation('activation_Activation1', 'relu'),
                   Dropout('dropout_Dropout1', 0.3),
                   Dense('dense_Dense2', 4, 'relu'),
                   Dense('dense_Dense3', 1, 'sigmoid')], (5,))
    bn = 'batch_normalization_BatchNormalization1'

    def set_moving_stats(v):
        # realistic moving statistics: the training batch statistics of the BN input (then frozen)
        pre = x @ v['dense_Dense1']['kernel'] + v['dense_Dense1']['bias']
        v = {ln: dict(dd) for ln, dd in v.items()}
        v[bn]['moving_mean'] = pre.mean(axis=0)
        v[bn]['moving_variance'] = pre.var(axis=0)
        return v

    vals = set_moving_stats(init_weights(model, rng))
    vals = train(model, vals, x, labels, 'binary_crossentropy', [(300, 0.02)])
    vals = set_moving_stats(vals)
    vals, x, rounds = fit(model, vals, x, labels, 'binary_crossentropy', TRAIN_SMALL, rng)
    d = case_dir('batchnorm')
    write_tfjs_model(d, model, vals, 'binary_crossentropy', ['accuracy'])
    rows = [','.join([f32_text(v) for v in x[i]] + [str(int(labels[i, 0]))]) for i in range(n)]
    write_bytes(os.path.join(d, 'data.csv'), ('\n'.join(rows) + '\n').encode())
    finish('batchnorm', 'tfjs-layers', model, vals, x, labels, 'binary_crossentropy', 'data.csv',
           extra={'nudges': rounds})


def case_depthwise():
    rng = np.random.RandomState(404)
    torch.manual_seed(404)
    n = 40

    def build(sfx=''):
        return Model([DepthwiseConv2D('depthwise_conv2d_DepthwiseConv2D1', (3, 3), 2, (1, 1), 'valid', 'linear'),
                      LeakyReLU('leaky_re_lu_LeakyReLU1', 0.2),
                      Conv2D('conv2d_Conv2D1', 3, (1, 1), (1, 1), 'valid', 'tanh'),
                      GlobalAveragePooling2D('global_average_pooling2d_GlobalAveragePooling2D1'),
                      Dense('dense_Dense1', 2, 'linear')], (5, 5, 2))
    model = build()
    x = f32(rng.normal(size=(n, 5, 5, 2))).astype(np.float64)
    teacher_vals = init_weights(model, rng, bias_scale=0.3)
    for ln in teacher_vals:
        for s in teacher_vals[ln]:
            teacher_vals[ln][s] = teacher_vals[ln][s] * 1.5
    with torch.no_grad():
        yt = model.logits(torch.tensor(x), to_torch(teacher_vals)).numpy()
    # 80 noisy targets, 63 parameters: no interpolation, a genuine minimum with a residual loss
    y = f32(yt + 0.1 * rng.normal(size=yt.shape)).astype(np.float64)
    vals, x, rounds = fit(model, init_weights(model, rng), x, y, 'mean_squared_error',
                          [(1500, 0.01), (1500, 0.002), (1000, 0.0005)], rng)
    d = case_dir('depthwise')
    write_tfjs_model(d, model, vals, 'mean_squared_error', ['mse'])
    write_npz(os.path.join(d, 'data.npz'), x=f32(x), y=f32(y))
    finish('depthwise', 'tfjs-layers', model, vals, x, y, 'mean_squared_error', 'data.npz',
           extra={'nudges': rounds})


def case_embedding():
    rng = np.random.RandomState(506)
    torch.manual_seed(506)
    x = rng.randint(0, 10, size=(56, 4)).astype(np.float64)
    token_score = rng.normal(size=(10, 3)) * 1.2
    pos_w = np.array([1.0, 0.8, 0.6, 0.4])
    logits = np.einsum('p,npc->nc', pos_w, token_score[x.astype(int)])
    x, labels = add_conflicts(rng, x, np.argmax(logits + 0.7 * gumbel(rng, logits.shape), axis=1), 4, 3)
    model = Model([Embedding('embedding_Embedding1', 10, 3, 4), Flatten('flatten_Flatten1'),
                   Dense('dense_Dense1', 5, 'sigmoid'), Dense('dense_Dense2', 3, 'softmax')], (4,))
    y = labels.astype(np.float64)
    vals, x, rounds = fit(model, init_weights(model, rng), x, y, 'sparse_categorical_crossentropy', TRAIN_SMALL,
                          rng, integer_x=True)
    d = case_dir('embedding')
    write_tfjs_model(d, model, vals, 'sparse_categorical_crossentropy', ['accuracy'])
    write_json(os.path.join(d, 'data.json'), {'x': x.astype(int).tolist(), 'y': labels.astype(int).tolist()})
    finish('embedding', 'tfjs-layers', model, vals, x, y, 'sparse_categorical_crossentropy', 'data.json',
           extra={'nudges': rounds})


def case_functional():
    rng = np.random.RandomState(606)
    torch.manual_seed(606)
    x = f32(rng.normal(size=(56, 8))).astype(np.float64)
    x, labels = add_conflicts(rng, x, teacher_classes(rng, x, 3, temp=0.6), 4, 3)
    y = one_hot(labels, 3).astype(np.float64)
    d1, d2, add, d3 = Dense('dense', 6, 'relu'), Dense('dense_1', 6, 'relu'), Add('add'), Dense('dense_2', 3, 'softmax')

    def graph(xx, call):
        a1 = call(d1, xx)
        a2 = call(d2, a1)
        return call(d3, a1 + a2, final=True)
    model = Model([d1, d2, add, d3], (8,), graph=graph)
    model.set_specs({'dense': d1.weight_specs((8,)), 'dense_1': d2.weight_specs((6,)),
                     'dense_2': d3.weight_specs((6,))})
    vals, x, rounds = fit(model, init_weights(model, rng), x, y, 'categorical_crossentropy', TRAIN_SMALL, rng)
    dd = case_dir('functional')
    layers = [
        {'class_name': 'InputLayer', 'config': {'batch_input_shape': [None, 8], 'dtype': 'float32', 'sparse': False,
                                                'ragged': False, 'name': 'input_1'},
         'name': 'input_1', 'inbound_nodes': []},
        dict(keras_dense_entry(d1), name='dense', inbound_nodes=[[['input_1', 0, 0, {}]]]),
        dict(keras_dense_entry(d2), name='dense_1', inbound_nodes=[[['dense', 0, 0, {}]]]),
        {'class_name': 'Add', 'config': {'name': 'add', 'trainable': True, 'dtype': 'float32'}, 'name': 'add',
         'inbound_nodes': [[['dense', 0, 0, {}], ['dense_1', 0, 0, {}]]]},
        dict(keras_dense_entry(d3), name='dense_2', inbound_nodes=[[['add', 0, 0, {}]]]),
    ]
    model_config = {'class_name': 'Functional',
                    'config': {'name': 'model', 'trainable': True, 'layers': layers,
                               'input_layers': [['input_1', 0, 0]], 'output_layers': [['dense_2', 0, 0]]}}
    specs, blobs = [], []
    for layer, s, shp, _ in model.weight_list():
        specs.append({'name': f'{layer.name}/{s}', 'shape': list(shp), 'dtype': 'float32'})
        blobs.append(f32(vals[layer.name][s]).astype('<f4').tobytes())
    blob = b''.join(blobs)
    # split in the middle of dense_1/kernel (offset of dense_1/kernel + half its bytes)
    split = (48 + 6) * 4 + (36 * 4) // 2 + 2  # not even on a float boundary
    paths = ['group1-shard1of2.bin', 'group1-shard2of2.bin']
    write_bytes(os.path.join(dd, paths[0]), blob[:split])
    write_bytes(os.path.join(dd, paths[1]), blob[split:])
    write_json(os.path.join(dd, 'model.json'),
               keras_model_json(model_config, 'categorical_crossentropy', [{'paths': paths, 'weights': specs}]))
    write_npz(os.path.join(dd, 'data.npz'), x=f32(x), y=f32(y))
    finish('functional', 'keras-converter', model, vals, x, y, 'categorical_crossentropy', 'data.npz',
           extra={'nudges': rounds, 'shardSplitByte': split})


def case_mlp_quantized(mlp_vals, x, y):
    """The trained `mlp`, stored as the converter does with --quantize_uint8 for kernels, float16 for biases."""
    model = mlp_model(('dense', 'dense_1', 'dense_2'))
    old = ('dense_Dense1', 'dense_Dense2', 'dense_Dense3')
    specs, blobs, deq = [], [], {}
    for (layer, s, shp, _) in model.weight_list():
        v = f32(mlp_vals[old[model.layers.index(layer)]][s])
        spec = {'name': f'{layer.name}/{s}', 'shape': list(shp), 'dtype': 'float32'}
        if s == 'kernel':
            mn, mx = np.float32(v.min()), np.float32(v.max())
            scale = np.float32((float(mx) - float(mn)) / 255.0)
            q = np.clip(np.round((v.astype(np.float64) - float(mn)) / float(scale)), 0, 255).astype(np.uint8)
            # tf.io.decodeWeights: values[i] = q * scale + min (double), stored into a Float32Array
            dq = (q.astype(np.float64) * float(scale) + float(mn)).astype(np.float32)
            spec['quantization'] = {'dtype': 'uint8', 'min': float(mn), 'scale': float(scale),
                                    'original_dtype': 'float32'}
            blobs.append(q.tobytes())
        else:
            h = v.astype('<f2')
            dq = h.astype(np.float32)
            spec['quantization'] = {'dtype': 'float16', 'original_dtype': 'float32'}
            blobs.append(h.tobytes())
        deq.setdefault(layer.name, {})[s] = dq.astype(np.float64)
        specs.append(spec)
    layers = [{'class_name': 'InputLayer', 'config': {'batch_input_shape': [None, 8], 'dtype': 'float32',
                                                      'sparse': False, 'ragged': False, 'name': 'dense_input'}}]
    for i, layer in enumerate(model.layers):
        layers.append(keras_dense_entry(layer, (8,) if i == 0 else None))
    model_config = {'class_name': 'Sequential', 'config': {'name': 'sequential', 'layers': layers}}
    d = case_dir('mlp-quantized')
    write_bytes(os.path.join(d, 'group1-shard1of1.bin'), b''.join(blobs))
    write_json(os.path.join(d, 'model.json'),
               keras_model_json(model_config, 'categorical_crossentropy',
                                [{'paths': ['group1-shard1of1.bin'], 'weights': specs}]))
    # the dequantised weights move the ReLU kinks: this case gets its own (re-nudged) copy of the data
    x, nudged = clear_kinks(model, deq, x, y, 'categorical_crossentropy', np.random.RandomState(707))
    write_npz(os.path.join(d, 'data.npz'), x=f32(x), y=f32(y))
    maxerr = max(float(np.abs(deq[ln][s] - mlp_vals[old[i]][s]).max())
                 for i, ln in enumerate(('dense', 'dense_1', 'dense_2')) for s in ('kernel', 'bias'))
    finish('mlp-quantized', 'keras-converter', model, deq, x, y, 'categorical_crossentropy', 'data.npz',
           extra={'maxDequantError': maxerr, 'nudges': nudged})


def case_mlp_medium():
    rng = np.random.RandomState(808)
    torch.manual_seed(808)
    x = f32(rng.normal(size=(224, 20))).astype(np.float64)
    x, labels = add_conflicts(rng, x, teacher_classes(rng, x, 10, hidden=24, scale=3.0, temp=0.5), 16, 10)
    y = one_hot(labels, 10).astype(np.float64)
    model = Model([Dense('dense_Dense1', 32, 'relu'), Dense('dense_Dense2', 32, 'relu'),
                   Dense('dense_Dense3', 10, 'softmax')], (20,))
    vals, x, rounds = fit(model, init_weights(model, rng), x, y, 'categorical_crossentropy',
                          [(1000, 0.005), (1000, 0.001), (1000, 0.0002)], rng)
    d = case_dir('mlp-medium')
    write_tfjs_model(d, model, vals, 'categorical_crossentropy', ['accuracy'])
    write_npz(os.path.join(d, 'data.npz'), x=f32(x), y=f32(y))
    finish('mlp-medium', 'tfjs-layers', model, vals, x, y, 'categorical_crossentropy', 'data.npz',
           n_top=10, n_bottom=5, extra={'nudges': rounds})


def main():
    os.makedirs(OUT_ROOT, exist_ok=True)
    only = set(sys.argv[1:])

    def want(c):
        return not only or c in only
    if want('mlp') or want('mlp-quantized'):
        model, vals, x, y = case_mlp()
        if want('mlp-quantized'):
            case_mlp_quantized(vals, x, y)
    for name, fn in (('cnn', case_cnn), ('batchnorm', case_batchnorm), ('depthwise', case_depthwise),
                     ('embedding', case_embedding), ('functional', case_functional),
                     ('mlp-medium', case_mlp_medium)):
        if want(name):
            fn()

    print(f'{"case":<14} {"params":>6} {"loss":>10} {"acc":>6} {"|grad|":>9} {"lmax(H)":>10} '
          f'{"lmax(DHD,layer)":>15} {"lmax(DHD,elem)":>14} {"lmin(H)":>10} {"kink":>8} {"margin":>7}')
    for s in SUMMARY:
        acc = '  null' if s['acc'] is None else f'{s["acc"]:6.3f}'
        print(f'{s["case"]:<14} {s["params"]:>6} {s["loss"]:10.6f} {acc} {s["grad"]:9.2e} {s["lmax"]:10.5f} '
              f'{s["lmaxLayer"]:15.5f} {s["lmaxElem"]:14.6f} {s["lmin"]:10.2e} {s["kink"]:8.1e} {s["margin"]:7.1e}'
              + ''.join(f' {k}={v}' for k, v in s.items() if k in ('nudges', 'maxDequantError', 'shardSplitByte')))
    total = 0
    changed = 0
    for path, size, ch in WRITTEN:
        total += size
        changed += ch
    print(f'{len(WRITTEN)} files, {total} bytes in {OUT_ROOT} ({changed} changed)')


if __name__ == '__main__':
    main()
