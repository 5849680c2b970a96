"""Reads model.json and its weight shards: the three layouts (tfjs-layers save, the Keras converter, the old
converter), float32 / int32 weights and the converter's uint8 / uint16 / float16 quantization."""
import json
import os

import numpy as np


def read_model_file(path):
    """-> (model_config, training_config, keras_version, weights {normalised name: float64 array}, raw names)"""
    with open(path, 'rb') as f:
        text = f.read().decode('utf-8-sig')
    model_json = json.loads(text)
    topology = model_json['modelTopology']
    if 'model_config' in topology:
        model_config = topology['model_config']
        training_config = topology.get('training_config') or model_json.get('trainingConfig')
    else:
        model_config = topology
        training_config = model_json.get('trainingConfig') or topology.get('training_config')
    keras_version = str(topology.get('keras_version') or '')
    folder = os.path.dirname(os.path.abspath(path))
    weights = {}
    for group in model_json.get('weightsManifest', []):
        data = b''.join(open(os.path.join(folder, p), 'rb').read() for p in group['paths'])
        offset = 0
        for entry in group['weights']:
            count = int(np.prod(entry['shape'])) if entry['shape'] else 1
            quant = entry.get('quantization')
            if quant:
                dtype = {'uint8': np.uint8, 'uint16': np.uint16, 'float16': np.float16}[quant['dtype']]
                raw = np.frombuffer(data, dtype=dtype, count=count, offset=offset)
                offset += raw.nbytes
                values = raw.astype(np.float64) if quant['dtype'] == 'float16' else raw.astype(np.float64) * quant['scale'] + quant['min']
            else:
                dtype = np.int32 if entry['dtype'] == 'int32' else np.float32
                raw = np.frombuffer(data, dtype=dtype, count=count, offset=offset)
                offset += raw.nbytes
                values = raw.astype(np.float64)
            name = entry['name']
            if name.endswith(':0'):
                name = name[:-2]
            assert name not in weights, f'duplicate weight {name}'
            weights[name] = values.reshape(entry['shape'])
    return model_config, training_config, keras_version, weights
