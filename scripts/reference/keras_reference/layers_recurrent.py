"""SimpleRNN, LSTM, GRU (reset_after false and true), Bidirectional and TimeDistributed in float64, written from
Keras's definitions (keras/src/layers/rnn/: simple_rnn.py, lstm.py, gru.py, bidirectional.py, time_distributed.py):
a loop over the time steps from a zero state, the kernels' columns in Keras's gate order (LSTM i, f, c, o; GRU
z, r, h). go_backwards runs the steps from last to first and returns the sequence in that order; a Bidirectional
reverses its backward sequence back. dropout and recurrent_dropout act only in training.

Where PyTorch has the same cell (nn.RNN with tanh or relu, nn.LSTM and nn.GRU — the latter is reset_after=True —
with tanh and sigmoid), every forward pass is also checked against it, with the gates permuted to PyTorch's
order (LSTM i, f, g, o; GRU r, z, n): the gate order and the equations are then PyTorch's, not only this file's."""
import torch

from . import activations
from .registry import BUILDERS, LayerImpl, register

TORCH_AGREEMENT = 1e-10


def _names(config, key, default):
    """The activation's name; no default (None) for recurrent_activation, whose default differs between versions."""
    return activations.activation_name(config[key] if default is None or key in config else default)


def _activation(config, key, default, ctx, kinks):
    name = _names(config, key, default)
    return lambda z: activations.apply(name, z, kinks, ctx.keras_version)


def _check(cell, x, out, W, units, config):
    """The step outputs (in processing order) against PyTorch's own module with the same weights."""
    n, steps, features = x.shape
    with torch.no_grad():
        k, u = W['kernel'].detach(), W['recurrent_kernel'].detach()
        b = W['bias'].detach() if 'bias' in W else torch.zeros((2, 3 * units) if cell == 'gru' else (k.shape[1],))
        if cell == 'rnn':
            module = torch.nn.RNN(features, units, nonlinearity=_names(config, 'activation', 'tanh'), batch_first=True)
            ih, hh, bih, bhh = k.T, u.T, b, torch.zeros_like(b)
        elif cell == 'lstm':
            module = torch.nn.LSTM(features, units, batch_first=True)
            ih, hh, bih, bhh = k.T, u.T, b, torch.zeros_like(b)
        else:
            module = torch.nn.GRU(features, units, batch_first=True)
            order = torch.cat([torch.arange(units, 2 * units), torch.arange(units), torch.arange(2 * units, 3 * units)])
            ih, hh, bih, bhh = k[:, order].T, u[:, order].T, b[0, order], b[1, order]
        module = module.double()
        module.weight_ih_l0.copy_(ih)
        module.weight_hh_l0.copy_(hh)
        module.bias_ih_l0.copy_(bih)
        module.bias_hh_l0.copy_(bhh)
        inputs = x.detach().flip(1) if config.get('go_backwards') else x.detach()
        theirs = module(inputs)[0]
        difference = float((theirs - out.detach()).abs().max())
    assert difference < TORCH_AGREEMENT, f'{cell}: differs from torch.nn by {difference}'


def _recurrent(config, shapes, ctx, gates, bias_shape, make_step, states, torch_cell):
    steps, features = shapes[0]
    units = config['units']
    assert not config.get('stateful') and not config.get('time_major')
    use_bias = config.get('use_bias', True)
    weights = [('kernel', (features, gates * units), True), ('recurrent_kernel', (units, gates * units), True)]
    if use_bias:
        weights.append(('bias', bias_shape, True))
    sequences, state_out, backwards = (bool(config.get(k)) for k in ('return_sequences', 'return_state', 'go_backwards'))
    out_shape = [steps, units] if sequences else [units]

    def forward(xs, W, kinks):
        x = xs[0]
        step = make_step(W, kinks)
        state = [x.new_zeros(x.shape[0], units) for _ in range(states)]
        outs = []
        for t in (range(steps - 1, -1, -1) if backwards else range(steps)):
            state = step(x[:, t], state)
            outs.append(state[0])
        sequence = torch.stack(outs, 1)
        if torch_cell:
            _check(torch_cell, x, sequence, W, units, config)
        y = sequence if sequences else outs[-1]
        return [y] + state if state_out else [y]
    return LayerImpl(weights, [out_shape] + ([[units]] * states if state_out else []), forward)


@register('SimpleRNN')
def simple_rnn(config, shapes, ctx):
    units = config['units']

    def make_step(W, kinks):
        act = _activation(config, 'activation', 'tanh', ctx, kinks)
        bias = W.get('bias', 0.0)
        return lambda x, s: [act(x @ W['kernel'] + bias + s[0] @ W['recurrent_kernel'])]
    checked = 'rnn' if _names(config, 'activation', 'tanh') in ('tanh', 'relu') else None
    return _recurrent(config, shapes, ctx, 1, (units,), make_step, 1, checked)


@register('LSTM')
def lstm(config, shapes, ctx):
    units = config['units']

    def make_step(W, kinks):
        act = _activation(config, 'activation', 'tanh', ctx, kinks)
        rec = _activation(config, 'recurrent_activation', None, ctx, kinks)
        bias = W.get('bias', 0.0)

        def step(x, s):
            h, c = s
            z = x @ W['kernel'] + h @ W['recurrent_kernel'] + bias
            z0, z1, z2, z3 = torch.split(z, units, dim=1)
            i, f, o = rec(z0), rec(z1), rec(z3)
            c = f * c + i * act(z2)
            return [o * act(c), c]
        return step
    checked = 'lstm' if (_names(config, 'activation', 'tanh'), _names(config, 'recurrent_activation', None)) == ('tanh', 'sigmoid') else None
    return _recurrent(config, shapes, ctx, 4, (4 * units,), make_step, 2, checked)


@register('GRU')
def gru(config, shapes, ctx):
    units = config['units']
    reset_after = config.get('reset_after', False)

    def make_step(W, kinks):
        act = _activation(config, 'activation', 'tanh', ctx, kinks)
        rec = _activation(config, 'recurrent_activation', None, ctx, kinks)
        kernel, recurrent = W['kernel'], W['recurrent_kernel']
        if 'bias' not in W:
            input_bias, recurrent_bias = 0.0, 0.0
        elif reset_after:
            input_bias, recurrent_bias = W['bias'][0], W['bias'][1]
        else:
            input_bias, recurrent_bias = W['bias'], None

        def step(x, s):
            h = s[0]
            x_z, x_r, x_h = torch.split(x @ kernel + input_bias, units, dim=1)
            if reset_after:
                inner = h @ recurrent + recurrent_bias
            else:
                inner = h @ recurrent[:, :2 * units]
            z = rec(x_z + inner[:, :units])
            r = rec(x_r + inner[:, units:2 * units])
            recurrent_h = r * inner[:, 2 * units:] if reset_after else (r * h) @ recurrent[:, 2 * units:]
            hh = act(x_h + recurrent_h)
            return [z * h + (1 - z) * hh]
        return step
    torch_gru = reset_after and (_names(config, 'activation', 'tanh'), _names(config, 'recurrent_activation', None)) == ('tanh', 'sigmoid')
    return _recurrent(config, shapes, ctx, 3, (2, 3 * units) if reset_after else (3 * units,), make_step, 1,
                      'gru' if torch_gru else None)


def _removeprefix(name, prefix):
    return name[len(prefix):] if name.startswith(prefix) else name


def _renamed(impl, prefix, segment):
    """The inner layer's weights as the wrapper's: roles under `prefix`, manifest paths under `segment`."""
    return [(prefix + role, shape, trainable, [[segment] + p for p in paths]) for role, shape, trainable, paths in impl.weights]


@register('Bidirectional')
def bidirectional(config, shapes, ctx):
    layer = config['layer']
    name = layer['config']['name']
    if config.get('backward_layer'):
        # Keras 3 (and Keras 2 given a backward layer): both layers as built, named forward_… and backward_…
        back = config['backward_layer']
        forward_segment = 'forward_' + _removeprefix(name, 'forward_')
        backward_segment = 'backward_' + _removeprefix(back['config']['name'], 'backward_')
    else:
        # Keras 2 and tfjs-layers: the wrapped layer's config; the backward copy runs the other way
        back = {'class_name': layer['class_name'], 'config': dict(layer['config'], go_backwards=not layer['config'].get('go_backwards', False))}
        forward_segment, backward_segment = 'forward_' + name, 'backward_' + name
    fwd = BUILDERS[layer['class_name']](layer['config'], shapes, ctx)
    bwd = BUILDERS[back['class_name']](back['config'], shapes, ctx)
    mode = config.get('merge_mode', 'concat')
    sequences = bool(layer['config'].get('return_sequences'))
    y_shape, b_shape = fwd.out_shapes[0], bwd.out_shapes[0]
    if mode == 'concat':
        merged = [y_shape[:-1] + [y_shape[-1] + b_shape[-1]]]
    elif mode is None:
        merged = [y_shape, b_shape]
    else:
        merged = [y_shape]
    weights = _renamed(fwd, 'forward/', forward_segment) + _renamed(bwd, 'backward/', backward_segment)

    def forward(xs, W, kinks):
        def part(impl, prefix):
            return impl.forward(xs, {role[len(prefix):]: W[role] for role, *_ in weights if role.startswith(prefix)}, kinks)
        ys, rev = part(fwd, 'forward/'), part(bwd, 'backward/')
        y, y_rev = ys[0], rev[0]
        if sequences:
            y_rev = y_rev.flip(1)
        out = {'concat': lambda: [torch.cat([y, y_rev], -1)], 'sum': lambda: [y + y_rev], 'mul': lambda: [y * y_rev],
               'ave': lambda: [(y + y_rev) / 2], None: lambda: [y, y_rev]}[mode]()
        return out + ys[1:] + rev[1:]
    return LayerImpl(weights, merged + fwd.out_shapes[1:] + bwd.out_shapes[1:], forward)


@register('TimeDistributed')
def time_distributed(config, shapes, ctx):
    layer = config['layer']
    steps, *step_shape = shapes[0]
    inner = BUILDERS[layer['class_name']](layer['config'], [step_shape], ctx)
    name = layer['config']['name']
    # tfjs-layers and Keras 2: <wrapper>/<weight>; Keras 3: <wrapper>/<inner layer>/<weight>
    weights = [(role, shape, trainable, paths + [[name] + p for p in paths]) for role, shape, trainable, paths in inner.weights]

    def forward(xs, W, kinks):
        return [torch.stack([inner.forward([xs[0][:, t]], W, kinks)[0] for t in range(steps)], 1)]
    return LayerImpl(weights, [[steps] + inner.out_shapes[0]], forward)
