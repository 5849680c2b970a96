"""A Keras model config as a flat call graph: every layer once (nested models inlined, their layers named by
path), every call in an executable order, the model's inputs and outputs."""

MODEL_CLASSES = ('Sequential', 'Functional', 'Model')


class Layer:
    def __init__(self, path, name, scopes, class_name, config, trainable):
        self.path, self.name, self.scopes = path, name, scopes
        self.class_name, self.config, self.trainable = class_name, config, trainable


class Graph:
    def __init__(self):
        self.layers = []  # Layer
        self.calls = []  # (layer index, [ref]); ref = ('input', k) | ('call', c, tensor)
        self.inputs = []  # (name, shape without batch, dtype)
        self.outputs = []  # ref
        self._by_id = {}


def _layer_list(config):
    return config if isinstance(config, list) else config['layers']


def _name(entry):
    return entry['config'].get('name') or entry.get('name')


def _shape(config):
    for key in ('batch_input_shape', 'batch_shape', 'batchInputShape'):
        if config.get(key) is not None:
            return list(config[key][1:])
    return None


def _dtype(value):
    if isinstance(value, dict):
        return value['config']['name']
    return value or 'float32'


def _own_input(entry):
    if entry['class_name'] in ('Functional', 'Model'):
        return True
    if entry['class_name'] != 'Sequential':
        return False
    first = _layer_list(entry['config'])[0]
    return first['class_name'] == 'InputLayer' or _shape(first['config']) is not None


def _inbound(node):
    """The (layer, node, tensor) references of one serialised call, in order (Keras 2 lists or Keras 3 dicts)."""
    found = []

    def walk(item):
        if isinstance(item, list):
            if len(item) >= 3 and isinstance(item[0], str) and isinstance(item[1], int) and isinstance(item[2], int):
                found.append((item[0], item[1], item[2]))
                return
            for x in item:
                walk(x)
        elif isinstance(item, dict):
            history = item.get('config', {}).get('keras_history') if isinstance(item.get('config'), dict) else None
            if history:
                found.append((history[0], history[1], history[2]))
                return
            walk(item.get('args', []))
            for v in (item.get('kwargs') or {}).values():
                walk(v)
    walk(node)
    return found


def _call_layer(graph, entry, inputs, scopes, trainable):
    if entry['class_name'] in MODEL_CLASSES:
        return _instantiate(graph, entry, inputs, scopes + [_name(entry)], trainable)
    key = id(entry)
    if key not in graph._by_id:
        name = _name(entry)
        graph._by_id[key] = len(graph.layers)
        own = entry['config'].get('trainable', True) is not False
        graph.layers.append(Layer('/'.join(scopes + [name]), name, list(scopes), entry['class_name'], entry['config'], trainable and own))
    graph.calls.append((graph._by_id[key], inputs))
    c = len(graph.calls) - 1
    return _LayerOutputs(c)


class _LayerOutputs:
    """A plain layer's outputs, whose count is known only once the layer is built."""

    def __init__(self, call):
        self.call = call

    def __getitem__(self, t):
        return ('call', self.call, t)


def _instantiate(graph, model, inputs, scopes, trainable):
    config = model['config']
    trainable = trainable and (not isinstance(config, dict) or config.get('trainable', True) is not False)
    if model['class_name'] == 'Sequential':
        current = inputs[0]
        for i, entry in enumerate(_layer_list(config)):
            if entry['class_name'] == 'InputLayer':
                continue
            outputs = _call_layer(graph, entry, [current], scopes, trainable)
            current = outputs[0]
        return [current]
    entries = config['layers']
    by_name = {_name(e): e for e in entries}
    made = {}
    for (name, _, _), ref in zip(config['input_layers'] if isinstance(config['input_layers'][0], list) else [config['input_layers']], inputs):
        made[(name, 0)] = [ref]

    def index(name, node):
        entry = by_name[name]
        if entry['class_name'] == 'InputLayer':
            return 0
        calls = len(entry.get('inbound_nodes') or [])
        if calls == 1:
            return 0
        return node - 1 if _own_input(entry) else node

    pending = []
    for entry in entries:
        if entry['class_name'] == 'InputLayer':
            continue
        for n, node in enumerate(entry.get('inbound_nodes') or []):
            pending.append((entry, n, [(l, index(l, k), t) for l, k, t in _inbound(node)]))
    while pending:
        progress = False
        for item in list(pending):
            entry, n, refs = item
            if all((l, k) in made for l, k, _ in refs):
                args = [made[(l, k)][t] for l, k, t in refs]
                made[(_name(entry), n)] = _call_layer(graph, entry, args, scopes, trainable)
                pending.remove(item)
                progress = True
        if not progress:
            break
    out = config['output_layers']
    out = out if isinstance(out[0], list) else [out]
    return [made[(name, index(name, node))][t] for name, node, t in out]


def parse(model_config):
    graph = Graph()
    if model_config['class_name'] == 'Sequential':
        first = _layer_list(model_config['config'])[0]
        while first['class_name'] in MODEL_CLASSES and _shape(first['config'] if first['class_name'] != 'Sequential' else {}) is None:
            if first['class_name'] == 'Sequential':
                first = _layer_list(first['config'])[0]
            else:
                inner = {_name(e): e for e in first['config']['layers']}[first['config']['input_layers'][0][0]]
                first = inner
                break
        graph.inputs = [('input', _shape(first['config']), _dtype(first['config'].get('dtype')))]
    else:
        config = model_config['config']
        by_name = {_name(e): e for e in config['layers']}
        names = config['input_layers'] if isinstance(config['input_layers'][0], list) else [config['input_layers']]
        graph.inputs = [(name, _shape(by_name[name]['config']), _dtype(by_name[name]['config'].get('dtype'))) for name, _, _ in names]
    graph.outputs = _instantiate(graph, model_config, [('input', k) for k in range(len(graph.inputs))], [], True)
    return graph
