"""What a primitive's forward saves for the eager backward (``registry.set_saving``): for every
primitive that saves, the saving forward's value equals the kernel's bit for bit and each saved
VJP rule equals the plain rule bit for bit; the session saves only for a node that needs a
gradient, and where the saving forward does not apply (column-major logits) the plain kernels
run. Registry-driven: a primitive that saves without samples here fails the first test."""

from __future__ import annotations

import numpy as np
import pytest

import torchlean as tl
from torchlean._core.errors import ArgumentError
from torchlean._core.registry import REGISTRY
from torchlean.backends import get_backend
from torchlean.eager.arrays import ArrayOps
from torchlean.options import Device


def _ce_samples(dtype):
    rng = np.random.default_rng(0)
    for n, c, ignore in [(64, 10, -100), (7, 3, -100), (5, 4, 2), (9, 6, -1), (1, 1, -100)]:
        z = (rng.standard_normal((n, c)) * 4).astype(dtype)
        labels = rng.integers(0, c, n)
        if ignore >= 0 or ignore == -1:
            labels[::3] = ignore
        yield (z, labels), {"ignore_index": ignore}
    yield (np.array([[1e30, -1e30, 0.0]], dtype), np.array([1])), {"ignore_index": -100}


SAMPLES = {"cross_entropy": _ce_samples}


def test_every_saving_primitive_has_samples():
    assert {name for name, p in REGISTRY.items() if p.saving is not None} == set(SAMPLES)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_saving_forward_and_saved_rules_equal_the_plain_ones(name, dtype):
    prim = REGISTRY[name]
    backend = get_backend(Device.CPU)
    ops = ArrayOps(backend, dtype)
    for args, params in SAMPLES[name](dtype):
        got = prim.saving(backend, *args, **params)
        assert got is not None
        value, saved = got
        plain = backend.resolve(prim)(*args, **params)
        assert type(value) is type(plain) and np.array_equal(value, plain, equal_nan=True)
        g = np.asarray(0.75, dtype)
        for rule, saved_rule in zip(prim.vjp, prim.saved_vjp):
            if saved_rule is None:
                continue
            want = rule(ops, g, plain, *args, **params)
            have = saved_rule(ops, g, plain, *args, saved=saved, **params)
            assert have.dtype == want.dtype and have.strides == want.strides
            assert np.array_equal(have, want, equal_nan=True)


def _grads(s, z0, y0, save, layout):
    prim = REGISTRY["cross_entropy"]
    kept = prim.saving
    prim.saving = kept if save else None
    try:
        z = s.input(z0 if layout == "C" else z0.T, requires_grad=True)
        logits = s.mul(z if layout == "C" else s.permute(z, (1, 0)), 2.0)
        assert logits._v.flags.c_contiguous == (layout == "C")
        loss = s.cross_entropy(logits, s.input(y0))
        return s.value(loss), s.backward(loss)[z], loss
    finally:
        prim.saving = kept


@pytest.mark.parametrize("layout", ["C", "F"])
def test_the_session_gradient_is_the_same_with_and_without_saving(layout):
    rng = np.random.default_rng(1)
    z0 = rng.standard_normal((16, 5)).astype(np.float32)
    y0 = rng.integers(0, 5, 16)
    s = tl.Session()
    v1, g1, loss = _grads(s, z0, y0, True, layout)
    assert hasattr(loss, "saved") == (layout == "C")  # column-major logits: the plain kernels
    v2, g2, loss = _grads(s, z0, y0, False, layout)
    assert not hasattr(loss, "saved")
    assert np.array_equal(v1, v2) and np.array_equal(g1, g2)


def test_nothing_is_saved_without_a_gradient_and_bad_labels_still_raise():
    s = tl.Session()
    z = s.input(np.zeros((3, 4), np.float32))
    assert not hasattr(s.cross_entropy(z, s.input(np.array([0, 1, 2]))), "saved")
    zg = s.input(np.zeros((3, 4), np.float32), requires_grad=True)
    n = len(s)
    with pytest.raises(ArgumentError, match=r"^cross_entropy: label 4 is out of range"):
        s.cross_entropy(zg, s.input(np.array([0, 4, 2])))
    assert len(s) == n + 1  # the labels' input only: the failed op recorded nothing
