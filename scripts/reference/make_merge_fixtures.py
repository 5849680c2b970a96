#!/usr/bin/python3
"""Exact float64 reference fixture for the merge layers Concatenate and Average, computed with PyTorch.

Run with Debian's Python (it has torch and numpy):

    /usr/bin/python3 scripts/reference/make_merge_fixtures.py

It writes test/fixtures/reference/merge/ in the layout of the other reference cases (model.json as
tensorflowjs_converter writes a Keras functional model, one weight shard, data.npz, expected.json):

    input(6) ─┬─ left  = Dense(4, tanh) ─┐
              └─ right = Dense(4, tanh) ─┴─ Concatenate ─┬─ branch_a = Dense(3, tanh) ─┐
                                                         └─ branch_b = Dense(3, tanh) ─┴─ Average ── output = Dense(3, softmax)

The model is trained in float64 near a minimum, its weights and data are rounded to float32 (the
values written to disk), and from exactly those values the loss, the gradient, the Hessian (double
backprop, no finite differences) and its Euclidean and invariant spectra are computed, whole and per
layer. tanh keeps the loss smooth, so no sample sits on a kink where float32 and float64 could take
different sides (the merges are what this case is about; ReLU is covered by the other cases).
Deterministic; files whose content is unchanged are kept.
"""

import json
import os

import numpy as np
import torch

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)

OUT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'fixtures', 'reference', 'merge'))
KERAS_VERSION = '2.13.1'
TFJS_VERSION = '4.22.0'
SAMPLES, FEATURES, CLASSES = 64, 6, 3
# (name, inputs, units) in manifest order, which is also the topological order.
DENSE = [('left', 6, 4), ('right', 6, 4), ('branch_a', 8, 3), ('branch_b', 8, 3), ('output', 3, 3)]
SEED = 1028


def unpack(theta):
    """Flat θ (kernel then bias, layer by layer) → {name: (kernel [in, out], bias [out])}."""
    weights, offset = {}, 0
    for name, n_in, n_out in DENSE:
        kernel = theta[offset:offset + n_in * n_out].reshape(n_in, n_out)
        offset += n_in * n_out
        weights[name] = (kernel, theta[offset:offset + n_out])
        offset += n_out
    return weights


def logits_of(theta, x):
    w = unpack(theta)
    dense = lambda name, h: torch.tanh(h @ w[name][0] + w[name][1])
    joined = torch.cat([dense('left', x), dense('right', x)], dim=1)
    averaged = (dense('branch_a', joined) + dense('branch_b', joined)) / 2
    return averaged @ w['output'][0] + w['output'][1]


def loss_of(theta, x, y):
    logits = logits_of(theta, x)
    return (torch.logsumexp(logits, dim=1) - (y * logits).sum(dim=1)).mean()


def initial_theta(rng):
    parts = []
    for _, n_in, n_out in DENSE:
        limit = np.sqrt(6.0 / (n_in + n_out))
        parts += [rng.uniform(-limit, limit, size=n_in * n_out), rng.uniform(-0.1, 0.1, size=n_out)]
    return np.concatenate(parts)


def dataset(rng):
    """A noisy teacher's classes; 4 inputs appear three times, once with another class, so the minimum is
    not a perfect fit (its loss stays near 0.1 and the Hessian is not dominated by a few samples)."""
    x = rng.normal(size=(SAMPLES - 8, FEATURES))
    teacher = rng.normal(size=(FEATURES, CLASSES))
    labels = np.argmax(np.tanh(x @ teacher) * 2 + rng.gumbel(size=(x.shape[0], CLASSES)) * 0.5, axis=1)
    repeated = rng.choice(x.shape[0], 4, replace=False)
    other = (labels[repeated] + rng.randint(1, CLASSES, size=4)) % CLASSES
    x = np.concatenate([x, x[repeated], x[repeated]])
    labels = np.concatenate([labels, labels[repeated], other])
    order = rng.permutation(SAMPLES)
    return x[order], np.eye(CLASSES)[labels[order]]


def trained(seed):
    """The float32-rounded θ and data, and the model's probabilities."""
    rng = np.random.RandomState(seed)
    x, y = dataset(rng)
    x = x.astype(np.float32).astype(np.float64)
    theta = torch.tensor(initial_theta(rng), requires_grad=True)
    xt, yt = torch.tensor(x), torch.tensor(y)
    for steps, rate in ((1500, 0.01), (1000, 0.002), (1000, 0.0003)):
        optimizer = torch.optim.Adam([theta], lr=rate)
        for _ in range(steps):
            optimizer.zero_grad()
            loss_of(theta, xt, yt).backward()
            optimizer.step()
    theta = torch.tensor(theta.detach().numpy().astype(np.float32).astype(np.float64))
    with torch.no_grad():
        probabilities = torch.softmax(logits_of(theta, xt), dim=1)
    # The accuracy must be the same in float32: no sample within 1e-4 of an argmax tie.
    top2 = probabilities.topk(2, dim=1).values
    assert float((top2[:, 0] - top2[:, 1]).min()) > 1e-4
    return theta, x, y, probabilities.numpy()


def spectrum(matrix):
    return {'eigenvalues': [float(v) for v in np.sort(np.linalg.eigvalsh(matrix))[::-1]], 'trace': float(np.trace(matrix))}


def expected(theta, x, y, probabilities):
    xt, yt = torch.tensor(x), torch.tensor(y)
    n = theta.numel()
    point = theta.clone().requires_grad_(True)
    gradient = torch.autograd.grad(loss_of(point, xt, yt), point, create_graph=True)[0]
    hessian = torch.stack([torch.autograd.grad(gradient[i], point, retain_graph=True)[0] for i in range(n)]).numpy()
    assert np.abs(hessian - hessian.T).max() <= 1e-10 * np.abs(hessian).max()
    hessian = (hessian + hessian.T) / 2
    values = theta.numpy()
    tensors, offset = [], 0
    for name, n_in, n_out in DENSE:
        for suffix, size, shape in (('kernel', n_in * n_out, [n_in, n_out]), ('bias', n_out, [n_out])):
            tensors.append({'name': f'{name}/{suffix}', 'layer': name, 'shape': shape, 'start': offset, 'end': offset + size})
            offset += size
    d_layer = np.concatenate([np.full(t['end'] - t['start'], np.linalg.norm(values[t['start']:t['end']])) for t in tensors])
    d_element = np.abs(values)
    operators = {
        'euclidean': hessian,
        'invariantLayer': d_layer[:, None] * hessian * d_layer[None, :],
        'invariantElement': d_element[:, None] * hessian * d_element[None, :],
    }
    per_layer = []
    for name, *_ in DENSE:
        index = np.concatenate([np.arange(t['start'], t['end']) for t in tensors if t['layer'] == name])
        entry = {'name': name, 'parameterCount': int(index.size)}
        for key, matrix in operators.items():
            block = matrix[np.ix_(index, index)]
            entry[key] = {'max': float(np.linalg.eigvalsh(block)[-1]), 'trace': float(np.trace(block))}
        per_layer.append(entry)
    accuracy = float((probabilities.argmax(1) == y.argmax(1)).mean())
    return {
        'case': 'merge',
        'format': 'keras-converter',
        'loss': {'name': 'categorical_crossentropy', 'value': float(loss_of(theta, xt, yt))},
        'sampleCount': SAMPLES,
        'parameterCount': n,
        'parameters': [{'name': t['name'], 'layer': t['layer'], 'shape': t['shape'],
                        'norm': float(np.linalg.norm(values[t['start']:t['end']]))} for t in tensors],
        'accuracy': accuracy,
        'gradientNorm': float(gradient.detach().norm()),
        'outputs': [[float(v) for v in row] for row in probabilities[:4]],
        'eigenvaluesComplete': True,
        **{key: spectrum(matrix) for key, matrix in operators.items()},
        'perLayer': per_layer,
        'dataFile': 'data.npz',
    }


def initializer(name, config=None):
    return {'module': 'keras.initializers', 'class_name': name, 'config': config or {}, 'registered_name': None}


def model_json(manifest):
    def node(*inputs):
        return [[[name, 0, 0, {}] for name in inputs]]

    def dense(name, units, activation, *inputs):
        config = {'name': name, 'trainable': True, 'dtype': 'float32', 'units': units, 'activation': activation, 'use_bias': True,
                  'kernel_initializer': initializer('GlorotUniform', {'seed': None}), 'bias_initializer': initializer('Zeros'),
                  'kernel_regularizer': None, 'bias_regularizer': None, 'activity_regularizer': None,
                  'kernel_constraint': None, 'bias_constraint': None}
        return {'class_name': 'Dense', 'config': config, 'name': name, 'inbound_nodes': node(*inputs)}

    def merge(class_name, name, *inputs, **extra):
        return {'class_name': class_name, 'config': {'name': name, 'trainable': True, 'dtype': 'float32', **extra},
                'name': name, 'inbound_nodes': node(*inputs)}

    layers = [
        {'class_name': 'InputLayer', 'config': {'batch_input_shape': [None, FEATURES], 'dtype': 'float32', 'sparse': False,
                                                'ragged': False, 'name': 'input_1'}, 'name': 'input_1', 'inbound_nodes': []},
        dense('left', 4, 'tanh', 'input_1'),
        dense('right', 4, 'tanh', 'input_1'),
        merge('Concatenate', 'concatenate', 'left', 'right', axis=-1),
        dense('branch_a', 3, 'tanh', 'concatenate'),
        dense('branch_b', 3, 'tanh', 'concatenate'),
        merge('Average', 'average', 'branch_a', 'branch_b'),
        dense('output', 3, 'softmax', 'average'),
    ]
    model_config = {'class_name': 'Functional', 'config': {'name': 'model', 'trainable': True, 'layers': layers,
                                                           'input_layers': [['input_1', 0, 0]], 'output_layers': [['output', 0, 0]]}}
    training = {'loss': 'categorical_crossentropy', 'metrics': ['accuracy'], 'weighted_metrics': None, 'loss_weights': None,
                'optimizer_config': {'class_name': 'Custom>Adam', 'config': {'name': 'Adam', 'learning_rate': 0.0010000000474974513}}}
    return {'format': 'layers-model', 'generatedBy': f'keras v{KERAS_VERSION}', 'convertedBy': f'TensorFlow.js Converter v{TFJS_VERSION}',
            'modelTopology': {'keras_version': KERAS_VERSION, 'backend': 'tensorflow', 'model_config': model_config,
                              'training_config': training},
            'weightsManifest': manifest}


def write(path, data):
    """Writes only a changed file; returns whether it changed."""
    if os.path.exists(path):
        with open(path, 'rb') as existing:
            if existing.read() == data:
                return False
    with open(path, 'wb') as out:
        out.write(data)
    return True


def write_npz(path, **arrays):
    """np.savez stamps the time into the zip: compare by content."""
    if os.path.exists(path):
        with np.load(path) as old:
            if set(old.files) == set(arrays) and all(old[k].dtype == v.dtype and np.array_equal(old[k], v) for k, v in arrays.items()):
                return False
    np.savez(path, **arrays)
    return True


def main():
    theta, x, y, probabilities = trained(SEED)
    result = expected(theta, x, y, probabilities)
    os.makedirs(OUT, exist_ok=True)
    shard = 'group1-shard1of1.bin'
    manifest = [{'paths': [shard], 'weights': [{'name': p['name'], 'shape': p['shape'], 'dtype': 'float32'} for p in result['parameters']]}]
    changed = [
        write(os.path.join(OUT, shard), theta.numpy().astype('<f4').tobytes()),
        write(os.path.join(OUT, 'model.json'), json.dumps(model_json(manifest)).encode()),
        write_npz(os.path.join(OUT, 'data.npz'), x=x.astype(np.float32), y=y.astype(np.float32)),
        write(os.path.join(OUT, 'expected.json'), (json.dumps(result, indent=1) + '\n').encode()),
    ]
    top = result['euclidean']['eigenvalues']
    print(f'merge: {result["parameterCount"]} parameters, loss {result["loss"]["value"]:.6f}, '
          f'accuracy {result["accuracy"]:.4f}, |grad| {result["gradientNorm"]:.2e}, lmax(H) {top[0]:.6f}, lmin(H) {top[-1]:.2e}, '
          f'lmax(DHD, layer) {result["invariantLayer"]["eigenvalues"][0]:.6f}; {sum(changed)} of 4 files changed')


if __name__ == '__main__':
    main()
