"""Exact float64 references for the model corpus (test/fixtures/corpus/, written by scripts/corpus/make-corpus.ts).

For each case: read model.json with this project's independent PyTorch reading of Keras semantics
(keras_reference/), read its data (x and y, or one array per input and per output: x0, x1, … and y0, y1, …,
or the names case.json gives), check its forward pass against the predictions tfjs-layers itself made
(`tfjs_outputs`, or `tfjs_outputs0`, `tfjs_outputs1`, … for several outputs, in data.npz; a case for a Keras
option tfjs-layers lacks has none), drop the samples that lie within KINK_MARGIN of a non-smooth point
(rewriting data.npz without them), and compute the exact Hessian of the training loss (with several outputs,
Σ weight × each output's loss) by double backpropagation: loss, accuracy, ‖∇L‖,
every eigenvalue and the trace of H and of D H D with layer and element D, and the same per layer. Writes
expected.json in the layout test/unit/engine/reference.test.ts reads (docs/testing.md, "The model corpus").

    /usr/bin/python3 scripts/reference/corpus_reference.py [case ...]
"""
import io
import json
import os
import sys
import zipfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from keras_reference.graph import parse  # noqa: E402
from keras_reference.kinks import KINK_MARGIN  # noqa: E402
from keras_reference.model import ReferenceModel  # noqa: E402
from keras_reference.model_file import read_model_file  # noqa: E402

torch.set_default_dtype(torch.float64)
ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'fixtures', 'corpus'))
LOSS_NAMES = {'categoricalCrossentropy': 'categorical_crossentropy',
              'sparseCategoricalCrossentropy': 'sparse_categorical_crossentropy',
              'binaryCrossentropy': 'binary_crossentropy', 'meanSquaredError': 'mean_squared_error'}
# tfjs-layers computes in float32: its outputs agree with the float64 reading to about this
FORWARD_TOLERANCE = 1e-4


def read_npz(path):
    with zipfile.ZipFile(path) as z:
        return {name[:-4]: np.load(io.BytesIO(z.read(name))) for name in z.namelist()}


def write_npz(path, arrays):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w', zipfile.ZIP_DEFLATED) as z:
        for name, value in arrays.items():
            member = io.BytesIO()
            np.save(member, value)
            z.writestr(f'{name}.npy', member.getvalue())
    with open(path, 'wb') as f:
        f.write(buffer.getvalue())


def output_loss(name, p, y):
    """One output's mean loss over the samples."""
    if name in ('categorical_crossentropy', 'sparse_categorical_crossentropy'):
        target = torch.nn.functional.one_hot(y.long(), p.shape[-1]).to(p.dtype) if y.dim() == 1 else y
        return -(target * torch.log(p)).sum(-1).mean()
    if name == 'binary_crossentropy':
        return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()
    return ((p - y) ** 2).mean()


def output_accuracy(name, p, y):
    """One output's fraction of correct predictions, or None for regression."""
    p = p.detach()
    if name in ('categorical_crossentropy', 'sparse_categorical_crossentropy'):
        labels = y.long() if y.dim() == 1 else y.argmax(-1)
        return float((p.argmax(-1) == labels).double().mean())
    if name == 'binary_crossentropy':
        return float(((p > 0.5) == (y > 0.5)).double().mean())
    return None


def loss_of(losses, outputs, ys):
    """The model's loss: Σ over outputs of weight × the output's own loss (Keras loss_weights)."""
    return sum(weight * output_loss(name, p, y) for (name, weight), p, y in zip(losses, outputs, ys))


def accuracy_of(losses, outputs, ys):
    """The mean over the outputs that have an accuracy (docs/architecture.md, "Report schema"); None if none has."""
    scored = [a for a in (output_accuracy(name, p, y) for (name, _), p, y in zip(losses, outputs, ys)) if a is not None]
    return sum(scored) / len(scored) if scored else None


def array_names(case, inputs, outputs):
    """The data file's array for each input and each output: as case.json names them, else x (one input) or
    x0, x1, …, and y (one output) or y0, y1, …"""
    if 'arrays' in case:
        return case['arrays']['inputs'], case['arrays']['targets']
    return (['x'] if inputs == 1 else [f'x{k}' for k in range(inputs)]), (['y'] if outputs == 1 else [f'y{m}' for m in range(outputs)])


def tensors(data, names):
    return [torch.tensor(data[n].astype(np.int64) if data[n].dtype.kind == 'i' else data[n].astype(np.float64)) for n in names]


def analyse(case_dir):
    case = json.load(open(os.path.join(case_dir, 'case.json')))
    # one output: its loss; several: each one's loss and weight in the model's loss
    losses = [(LOSS_NAMES[o['loss']], float(o['weight'])) for o in case['outputs']] if 'outputs' in case else [(LOSS_NAMES[case['loss']], 1.0)]
    data_path = os.path.join(case_dir, 'data.npz')
    data = read_npz(data_path)
    model_path = os.path.join(case_dir, 'model.json')
    input_names, target_names = array_names(case, len(parse(read_model_file(model_path)[0]).inputs), len(losses))
    model = ReferenceModel(model_path, [list(data[n].shape[1:]) for n in input_names])
    assert len(model.graph.outputs) == len(losses) == len(target_names), f'{case["case"]}: {len(model.graph.outputs)} outputs'
    xs = tensors(data, input_names)
    outputs, kinks = model.forward(xs)
    # a case with hand-written Keras layers that tfjs-layers does not compute has no tfjs_outputs
    # (scripts/corpus/keras-placeholders.ts, keras-subclasses.ts): this reading is then the only forward reference
    agreement = None
    predicted = ['tfjs_outputs'] if len(outputs) == 1 else [f'tfjs_outputs{k}' for k in range(len(outputs))]
    if all(name in data for name in predicted):
        agreement = 0.0
        for name, out in zip(predicted, outputs):
            tfjs = data[name]
            differs = float(np.abs(out.detach().numpy() - tfjs).max())
            assert differs < FORWARD_TOLERANCE * max(1.0, float(np.abs(tfjs).max())), f'{case["case"]}: {name}: forward differs from tfjs-layers by {differs}'
            agreement = max(agreement, differs)
    distance = kinks.per_sample(xs[0].shape[0]).numpy()
    keep = distance >= KINK_MARGIN
    if not keep.all():
        data = {k: v[keep] for k, v in data.items()}
        write_npz(data_path, data)
        xs = tensors(data, input_names)
        print(f'  {case["case"]}: dropped {int((~keep).sum())} samples within {KINK_MARGIN} of a kink')
    ys = [torch.tensor(data[n].astype(np.float64)) for n in target_names]

    theta = torch.tensor(model.theta0, requires_grad=True)
    out, kinks = model.forward(xs, theta)
    assert kinks.per_sample(xs[0].shape[0]).min() >= KINK_MARGIN
    L = loss_of(losses, out, ys)
    g = torch.autograd.grad(L, theta, create_graph=True)[0]
    n = theta.numel()
    H = torch.zeros(n, n)
    for i in range(n):
        H[i] = torch.autograd.grad(g[i], theta, retain_graph=True)[0]
    H = H.numpy()
    asymmetry = float(np.abs(H - H.T).max() / max(np.abs(H).max(), 1e-300))
    assert asymmetry < 1e-10, asymmetry
    H = 0.5 * (H + H.T)
    theta0 = model.theta0
    sizes = np.diff(model.offsets)
    d_layer = np.concatenate([np.full(s, np.linalg.norm(theta0[model.offsets[i]:model.offsets[i + 1]])) for i, s in enumerate(sizes)])
    d_elem = np.abs(theta0)
    ops = {'euclidean': H, 'invariantLayer': d_layer[:, None] * H * d_layer[None, :], 'invariantElement': d_elem[:, None] * H * d_elem[None, :]}
    expected = {
        'case': case['case'], 'format': case['format'],
        'loss': {'name': losses[0][0], 'value': float(L)},
        'sampleCount': int(xs[0].shape[0]), 'parameterCount': int(n), 'frozenParameterCount': model.frozen_parameters,
        'parameters': [{'name': b['name'], 'layer': model.graph.layers[b['layer']].path, 'shape': list(b['shape']),
                        'norm': float(np.linalg.norm(theta0[model.offsets[i]:model.offsets[i + 1]]))} for i, b in enumerate(model.blocks)],
        'accuracy': accuracy_of(losses, out, ys),
        'gradientNorm': float(g.detach().norm()),
        'outputs': out[0].detach()[:4].reshape(min(4, out[0].shape[0]), -1).tolist(),
        'tfjsAgreement': agreement,
        'eigenvaluesComplete': True,
    }
    if len(out) > 1:
        # each output by its layer's path, with its own loss (before its weight) and accuracy
        expected['perOutput'] = [{'name': model.graph.layers[model.graph.calls[ref[1]][0]].path, 'loss': name, 'weight': weight,
                                  'value': float(output_loss(name, p, y)), 'accuracy': output_accuracy(name, p, y)}
                                 for (name, weight), ref, p, y in zip(losses, model.graph.outputs, out, ys)]
    for key, M in ops.items():
        expected[key] = {'eigenvalues': [float(v) for v in np.sort(np.linalg.eigvalsh(M))[::-1]], 'trace': float(np.trace(M))}
    per_layer = []
    for path, idx in model.layer_blocks():
        cols = np.concatenate([np.arange(model.offsets[i], model.offsets[i + 1]) for i in idx])
        entry = {'name': path, 'parameterCount': int(cols.size)}
        for key, M in ops.items():
            B = M[np.ix_(cols, cols)]
            entry[key] = {'max': float(np.linalg.eigvalsh(B)[-1]), 'trace': float(np.trace(B))}
        per_layer.append(entry)
    expected['perLayer'] = per_layer
    expected['dataFile'] = 'data.npz'
    with open(os.path.join(case_dir, 'expected.json'), 'w') as f:
        json.dump(expected, f, indent=1)
        f.write('\n')
    print(f'  {case["case"]}: {n} parameters, loss {float(L):.4g}, λ_max(H) {expected["euclidean"]["eigenvalues"][0]:.4g}, '
          f'forward vs tfjs-layers {"(none)" if agreement is None else f"{agreement:.1e}"}, min kink distance {float(distance[keep].min()) if keep.any() else 0:.1e}')


def main():
    wanted = sys.argv[1:]
    cases = sorted(d for d in os.listdir(ROOT) if os.path.isfile(os.path.join(ROOT, d, 'case.json')))
    for name in cases:
        if not wanted or name in wanted:
            analyse(os.path.join(ROOT, name))


if __name__ == '__main__':
    main()
