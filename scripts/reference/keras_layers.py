"""The layers of the reference models, re-implemented in PyTorch with TensorFlow/Keras inference semantics.

Forward passes run in NHWC (as TF does), with TF's 'same' padding and weights in Keras layout, so the
same weights give the same outputs as TF.js. Each layer also says what tfjs-layers 4.22 `model.save()`
writes for it (`tfjs_config`). A new layer is a subclass of `Layer` here; its weights appear in
`weight_specs` in Keras / manifest order.

Every module of the fixture generator imports this one: it sets float64 and one thread for all of them.
"""

import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)

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

