"""The reference cases: each builds a model and its data, trains it, writes its files and finishes it.

A new case is one function here, registered with @case('<folder name>'): it writes
test/fixtures/reference/<folder name>/ and ends with analysis.finish(...), which writes expected.json.
Cases run in the order they are registered; a case that builds on another's result (mlp-quantized on
the trained mlp) names it with needs= and receives that case's return value. Add the case's row to
README.md ("What each case covers").
"""

import collections
import os

import numpy as np
import torch

from analysis import analyse, finish
from keras_layers import (Activation, Add, AveragePooling2D, BatchNormalization, Conv2D, Dense, DepthwiseConv2D,
                          Dropout, Embedding, Flatten, GlobalAveragePooling2D, LeakyReLU, MaxPooling2D, Model, f32)
from training import add_conflicts, clear_kinks, fit, gumbel, init_weights, one_hot, teacher_classes, to_torch, train
from writers import (case_dir, f32_text, keras_dense_entry, keras_model_json, write_bytes, write_json, write_npz,
                     write_tfjs_model)

Case = collections.namedtuple('Case', 'name make needs')
CASES = []  # in run order


def case(name, needs=None):
    """Registers the decorated function as the case `name`; with `needs`, it gets that case's result."""
    assert needs in [None] + [c.name for c in CASES], f'{name} needs {needs}, which must be registered before it'

    def register(make):
        CASES.append(Case(name, make, needs))
        return make
    return register


TRAIN_SMALL = [(1500, 0.01), (1000, 0.002), (1000, 0.0003)]  # full-batch Adam (steps, learning rate) phases


def mlp_model(names=('dense_Dense1', 'dense_Dense2', 'dense_Dense3')):
    return Model([Dense(names[0], 6, 'relu'), Dense(names[1], 5, 'relu'), Dense(names[2], 3, 'softmax')], (8,))


@case('mlp')
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
    return vals, x, y


@case('mlp-quantized', needs='mlp')
def case_mlp_quantized(mlp):
    """The trained `mlp`, stored as the converter does with --quantize_uint8 for kernels, float16 for biases."""
    mlp_vals, x, y = mlp
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


@case('cnn')
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


@case('batchnorm')
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


@case('depthwise')
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


@case('embedding')
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


@case('functional')
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


@case('mlp-medium')
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
