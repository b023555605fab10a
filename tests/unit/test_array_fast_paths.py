"""The array binder's shortcuts for composites of rules give the composite's numbers bit for bit
(signed zeros, infinities and NaN included): relu's derivative multiplies by a boolean mask
(``ArrayOps.mul_step``, against ``g * step(x)``), and tanh's calls its three kernels directly
(``ArrayOps.tanh_backward``, against ``g - (g * y) * y``); the compiled path records the
composites."""

from __future__ import annotations

import numpy as np
import pytest

import torchlean as tl
from torchlean.backends import get_backend
from torchlean.eager.arrays import ArrayOps
from torchlean.frontend import Ops
from torchlean.options import Device

SPECIAL = [0.0, -0.0, 1.5, -1.5, np.inf, -np.inf, np.nan, 1e-45, -1e-45]


@pytest.fixture(autouse=True)
def _quiet():
    with np.errstate(invalid="ignore"):  # inf * 0 is part of what is checked
        yield


def _layouts(g, x):
    """(g, x) pairs: one layout, x column-major, and g a broadcast view (each branch)."""
    return [(g, x), (g, np.asfortranarray(x)), (np.broadcast_to(g[:1], g.shape), x)]


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_mask_product_equals_product_with_step(dtype):
    ops = ArrayOps(get_backend(Device.CPU), dtype)
    grid = [np.array(v, dtype) for v in np.meshgrid(SPECIAL, SPECIAL)]
    for g, x in _layouts(*grid):
        fast = ops.mul_step(g, x)
        slow = Ops.mul_step(ops, g, x)  # g * step(x), step as a float array
        assert fast.dtype == slow.dtype == np.dtype(dtype)
        assert np.array_equal(fast, slow, equal_nan=True)
        assert np.ascontiguousarray(fast).tobytes() == np.ascontiguousarray(slow).tobytes()


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_tanh_backward_equals_its_composite(dtype):
    ops = ArrayOps(get_backend(Device.CPU), dtype)
    g, x = (np.array(v, dtype) for v in np.meshgrid(SPECIAL, SPECIAL))
    y = np.tanh(x)
    fast, slow = ops.tanh_backward(g, y), Ops.tanh_backward(ops, g, y)
    assert fast.dtype == slow.dtype == np.dtype(dtype)
    assert fast.tobytes() == slow.tobytes()


def test_relu_gradient_eager_equals_compiled_on_special_values():
    x = np.array(SPECIAL * 2, np.float64)
    w = np.array([2.0, -3.0, np.inf, np.nan] * 4 + [1.0, -0.0], np.float64)

    def loss(ops, x, w):
        return ops.sum(ops.mul(ops.relu(x), w))

    s = tl.Session(dtype=np.float64)
    xr = s.input(x, requires_grad=True)
    eager = s.backward(loss(s, xr, s.input(w)))[xr]
    _, grads = tl.compile_scalar(loss, [x, w], wrt=[True, False]).value_and_grad(x, w)
    compiled = grads[0]
    assert np.asarray(eager).tobytes() == np.asarray(compiled).tobytes()
