"""The fixture files: model.json (tfjs-layers and Keras-converter formats), weight shards, data and expected.json.

Everything is written below test/fixtures/reference/, and a file whose content is unchanged is left alone.
"""

import json
import os

import numpy as np

from keras_layers import Embedding, f32

OUT_ROOT = os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'fixtures', 'reference'))

TFJS_VERSION = '4.22.0'
KERAS_VERSION = '2.13.1'


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

