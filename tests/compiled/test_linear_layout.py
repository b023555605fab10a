"""linear's two GEMM layouts (ops/linalg.py): small products give a column-major view, large
ones (>= C_ORDER_ELEMENTS outputs) and narrow ones (< C_ORDER_FEATURES features) C order;
eager and compiled agree bitwise on both, gradients included, and both equal x @ w.T + b."""

from __future__ import annotations

import numpy as np
import pytest

import torchlean as tl
from torchlean.compiled.api import compile_scalar
from torchlean.ops.linalg import C_ORDER_ELEMENTS, C_ORDER_FEATURES


def _loss(ops, w, b, x):
    return ops.sum(ops.relu(ops.linear(w, b, x)))


@pytest.mark.parametrize("n, out_features", [(16, 32), (64, C_ORDER_ELEMENTS // 64), (64, C_ORDER_FEATURES - 6)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_linear_layouts_eager_equals_compiled(n, out_features, dtype):
    rng = np.random.default_rng(0)
    w = rng.standard_normal((out_features, 24)).astype(dtype)
    b = rng.standard_normal(out_features).astype(dtype)
    x = rng.standard_normal((n, 24)).astype(dtype)
    s = tl.Session(dtype=dtype)
    refs = [s.input(v, requires_grad=True) for v in (w, b, x)]
    y = s.linear(*refs)
    big = n * out_features >= C_ORDER_ELEMENTS or out_features < C_ORDER_FEATURES
    assert s.value(y).shape == (n, out_features)
    assert y._v.flags.c_contiguous == big and y._v.flags.f_contiguous != big
    tol = 1e-5 if dtype == np.float32 else 1e-12  # relative to the terms' magnitudes (BLAS order varies)
    np.testing.assert_allclose(s.value(y), x @ w.T + b, rtol=tol, atol=tol * (np.abs(x) @ np.abs(w).T).max())
    loss = _loss(s, *refs)
    grads = s.backward(loss)
    c = compile_scalar(_loss, [w, b, x], tl.Options(dtype=dtype))
    value, cgrads = c.value_and_grad(w, b, x)
    assert np.array_equal(value, s.value(loss))
    for r, g in zip(refs, cgrads):
        assert np.array_equal(g, grads[r])


@pytest.mark.parametrize("n, in_features", [(16, 32), (64, 128), (64, C_ORDER_ELEMENTS // 64),
                                            (64, C_ORDER_FEATURES - 6)])
def test_input_gradient_takes_the_layout_of_a_linear_of_its_shape(n, in_features):
    # so that the previous layer's relu backward multiplies operands of one layout
    rng = np.random.default_rng(1)
    w = rng.standard_normal((20, in_features)).astype(np.float32)
    b = rng.standard_normal(20).astype(np.float32)
    x = rng.standard_normal((n, in_features)).astype(np.float32)
    s = tl.Session(dtype=np.float32)
    refs = [s.input(v, requires_grad=True) for v in (w, b, x)]
    y = s.linear(*refs)
    dx = s.backward(s.sum(s.mul(y, y)))[refs[2]]
    big = n * in_features >= C_ORDER_ELEMENTS or in_features < C_ORDER_FEATURES
    assert dx.flags.c_contiguous == big and dx.flags.f_contiguous != big
    g = 2 * s.value(y)
    np.testing.assert_allclose(dx, g @ w, rtol=1e-5, atol=1e-5 * (np.abs(g) @ np.abs(w)).max())
    # the layout a small linear's activation has: relu's mask and this cotangent agree
    w0 = rng.standard_normal((in_features, 8)).astype(np.float32)
    x0 = rng.standard_normal((n, 8)).astype(np.float32)
    h = s.relu(s.linear(s.input(w0), s.input(np.zeros(in_features, np.float32)), s.input(x0)))
    assert s.value(h).flags.f_contiguous == dx.flags.f_contiguous
