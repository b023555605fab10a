"""Seed semantics at kinks and boundaries, which the random sweeps avoid on purpose."""

import numpy as np
import pytest

import torchlean as tl


def grad_of(fn, x, **kw):
    s = tl.Session(dtype=np.float64)
    r = s.input(np.asarray(x, np.float64), requires_grad=True)
    out = fn(s, r, **kw)
    return s.backward(out, np.ones(out.shape))[r]


def tangent_of(fn, x, t):
    s = tl.Session(dtype=np.float64)
    r = s.input(np.asarray(x, np.float64), requires_grad=True)
    return s.jvp(fn(s, r), {r: np.asarray(t, np.float64)})


@pytest.mark.parametrize("op", ["relu", "abs", "sqrt"])
def test_derivative_at_zero_is_zero(op):
    f = lambda s, x: getattr(s, op)(x)
    assert grad_of(f, [0.0])[0] == 0.0
    assert tangent_of(f, [0.0], [1.0])[0] == 0.0


def test_sqrt_gradient_away_from_zero_is_finite_and_exact():
    np.testing.assert_allclose(grad_of(lambda s, x: s.sqrt(x), [0.0, 4.0]), [0.0, 0.25])


def test_clamp_gradient_is_strict_at_the_bounds():
    g = grad_of(lambda s, x: s.clamp(x, -1.0, 1.0), [-1.0, -0.5, 1.0, 2.0, -3.0])
    np.testing.assert_array_equal(g, [0.0, 1.0, 0.0, 0.0, 0.0])


@pytest.mark.parametrize("op", ["maximum", "minimum", "max", "min"])
def test_ties_split_the_gradient_half_half(op):
    s = tl.Session(dtype=np.float64)
    a = s.input([1.0, 2.0, 3.0], requires_grad=True)
    b = s.input([1.0, 0.0, 5.0], requires_grad=True)
    grads = s.backward(getattr(s, op)(a, b).sum())
    wins = [1.0, 1.0, 0.0] if op in ("maximum", "max") else [1.0, 0.0, 1.0]
    np.testing.assert_array_equal(grads[a], [0.5, wins[1], wins[2]])
    np.testing.assert_array_equal(grads[b], [0.5, 1 - wins[1], 1 - wins[2]])


def test_stable_forms_do_not_overflow():
    s = tl.Session()
    x = s.input([-1000.0, 1000.0], requires_grad=True)
    np.testing.assert_allclose(x.sigmoid().numpy(), [0.0, 1.0])
    np.testing.assert_allclose(x.softplus().numpy(), [0.0, 1000.0])
    np.testing.assert_allclose(x.tanh().numpy(), [-1.0, 1.0])
    np.testing.assert_allclose(s.softmax(x).numpy(), [0.0, 1.0])
    grads = s.backward(x.sigmoid().sum() + x.softplus().sum() + s.log_softmax(x).sum())
    assert np.all(np.isfinite(grads[x]))


def test_safe_log_is_the_softplus_form():
    s = tl.Session(dtype=np.float64)
    x = s.input([-50.0, 0.0, 3.0])
    np.testing.assert_allclose(s.safe_log(x).numpy(), np.log(np.logaddexp(0, [-50.0, 0.0, 3.0]) + 1e-6))


def test_softmax_of_a_scalar_is_one_with_zero_gradient():
    s = tl.Session()
    x = s.input(2.0, requires_grad=True)
    assert s.softmax(x).item() == 1.0 and s.log_softmax(x).item() == 0.0
    assert s.backward(s.softmax(x))[x] == 0.0


def test_power_zero_has_zero_gradient_even_at_zero():
    np.testing.assert_array_equal(grad_of(lambda s, x: s.power(x, 0.0), [0.0, 2.0]), [0.0, 0.0])


def test_one_hot_out_of_range_labels_give_zero_rows():
    s = tl.Session()
    oh = s.one_hot(s.input(np.array([0, 3, -1])), 3)
    np.testing.assert_array_equal(oh.numpy(), [[1, 0, 0], [0, 0, 0], [0, 0, 0]])


def test_broadcast_witness_allows_trailing_expansion_and_rejects_bad_maps():
    s = tl.Session()
    v = s.input([1.0, 2.0], requires_grad=True)
    y = s.broadcast_to(v, (2, 3), axes=(0,))
    np.testing.assert_array_equal(y.numpy(), [[1, 1, 1], [2, 2, 2]])
    np.testing.assert_array_equal(s.backward(y.sum())[v], [3.0, 3.0])
    with pytest.raises(tl.ShapeError, match="broadcast_to"):
        s.broadcast_to(v, (2, 3))  # right-aligned: 2 vs 3
    with pytest.raises(tl.ShapeError, match="strictly increasing"):
        s.broadcast_to(s.input(np.ones((2, 3))), (2, 3, 4), axes=(1, 0))
