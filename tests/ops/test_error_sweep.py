"""Bad input gets a torchlean error naming the op, raised before the tape changes.

For every spec sample, each tensor argument in turn is given a wrong shape (an extra axis, or
one axis lengthened) or a wrong dtype; the op must either accept it (broadcasting can make it
valid) or raise a TorchLeanError, and a failed call must leave the tape as it was.
"""

from __future__ import annotations

import numpy as np
import pytest

import torchlean as tl

from .cases import cases, get


def _variants(a: np.ndarray):
    yield "extra-axis", np.stack([a, a, a], axis=-1) if a.ndim else np.ones(3, a.dtype) * a
    if a.ndim:
        yield "longer-axis", np.concatenate([a, a[..., :1]], axis=-1)
    if a.dtype.kind == "f":
        yield "int-dtype", a.astype(np.int64)
    else:
        yield "float-dtype", a.astype(np.float64)


def _bad_cases():
    out = []
    for p in cases():
        _, sample = get(*p.values)
        for i, a in enumerate(sample.args):
            if isinstance(a, np.ndarray):
                for label, _ in _variants(a):
                    out.append(pytest.param(*p.values, i, label, id=f"{p.id}-arg{i}-{label}"))
    return out


@pytest.mark.parametrize("name,k,i,label", _bad_cases())
def test_bad_arguments_raise_torchlean_errors_and_leave_the_tape(name, k, i, label):
    spec, sample = get(name, k)
    bad = dict(_variants(sample.args[i]))[label]
    s = tl.Session(dtype=np.float64)
    refs = []
    for j, a in enumerate(sample.args):
        if isinstance(a, np.ndarray):
            a = bad if j == i else a
            refs.append(s.input(a, requires_grad=a.dtype.kind == "f"))
        else:
            refs.append(a)
    before = len(s)
    try:
        spec.apply(s, *refs, **sample.kwargs)
    except tl.TorchLeanError as e:
        assert len(s) == before, f"{name}: a failed call changed the tape"
        assert str(e), f"{name}: empty error message"
