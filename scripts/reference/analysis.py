"""The exact float64 analysis of a case, its self-checks and its expected.json.

README.md, "How the fixtures are made", steps 5 and 6, and "expected.json".
"""

import os

import numpy as np
import torch

from keras_layers import KINK_MARGIN, fl, model_outputs
from training import LOSS_ACTIVATION, accuracy, kink_distance, loss_value
from writers import case_dir, write_json


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
# finishing a case: analyse, check, write expected.json
# ----------------------------------------------------------------------------------------------

SUMMARY = []


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
