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

The code: keras_layers.py (the layers in PyTorch), training.py (data, training, kinks), analysis.py
(the exact Hessian and expected.json), writers.py (the files) and cases.py (the cases, one function
each). This file runs them.

Usage: make_reference_fixtures.py [CASE...]   (all cases when none is named)
"""

import os
import sys

sys.dont_write_bytecode = True  # imports the modules beside it without leaving __pycache__ in the repository

from analysis import SUMMARY
from cases import CASES
from writers import OUT_ROOT, WRITTEN


def cases_to_run(only):
    """The cases named (all when none is), with the cases they need, in run order."""
    by_name = {c.name: c for c in CASES}
    unknown = sorted(set(only) - set(by_name))
    if unknown:
        sys.exit(f'unknown case {", ".join(unknown)}; the cases are {", ".join(by_name)}')
    wanted = set()
    for name in (only or by_name):
        while name is not None and name not in wanted:
            wanted.add(name)
            name = by_name[name].needs
    return [c for c in CASES if c.name in wanted]


def main():
    os.makedirs(OUT_ROOT, exist_ok=True)
    results = {}
    for c in cases_to_run(sys.argv[1:]):
        results[c.name] = c.make(results[c.needs]) if c.needs else c.make()
        assert SUMMARY and SUMMARY[-1]['case'] == c.name, f'the case {c.name} must end with finish({c.name!r}, ...)'

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
