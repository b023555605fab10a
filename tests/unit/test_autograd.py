"""Functional autograd helpers on both backends, with the seed quickstart's golden fixture."""

import numpy as np
import pytest

import torchlean as tl

W = np.array([[0.2, -0.1], [0.0, 0.3], [-0.4, 0.1]])
B = np.array([0.01, -0.02, 0.03])
X = np.array([0.5, -1.2])
Y = np.array([0.7, 0.1, -0.5])
BACKENDS = [tl.Backend.EAGER, tl.Backend.COMPILED]


def linear(ops, w, b, x):
    return ops.linear(w, b, x)


def loss(ops, w, b, x, y):
    return ops.mse_loss(ops.linear(w, b, x), y)


@pytest.mark.parametrize("backend", BACKENDS)
def test_vjp_with_a_ones_seed_and_jacobians(backend):
    out, pullback = tl.vjp(linear, W, B, X, backend=backend)
    np.testing.assert_allclose(out, W @ X + B)
    gw, _, gx = pullback(np.ones(3))
    np.testing.assert_allclose(gx, W.T @ np.ones(3))
    np.testing.assert_allclose(gw, np.outer(np.ones(3), X))
    np.testing.assert_allclose(tl.jacrev(linear, 2, backend=backend)(W, B, X), W)
    np.testing.assert_allclose(tl.jacfwd(linear, 0, backend=backend)(W, B, X),
                               tl.jacrev(linear, 0, backend=backend)(W, B, X))


@pytest.mark.parametrize("backend", BACKENDS)
def test_grad_value_and_grad_and_jvp(backend):
    r = W @ X + B - Y
    value, (gw, gb) = tl.value_and_grad(loss, (0, 1), backend=backend)(W, B, X, Y)
    assert float(value) == pytest.approx(np.mean(r ** 2))
    np.testing.assert_allclose(gb, 2 * r / 3)
    np.testing.assert_allclose(gw, np.outer(2 * r / 3, X))
    np.testing.assert_allclose(tl.grad(loss, 1, backend=backend)(W, B, X, Y), 2 * r / 3)
    vw, vb = np.full_like(W, 0.1), np.full_like(B, -0.2)
    _, t = tl.jvp(loss, (W, B, X, Y), (vw, vb, np.zeros(2), np.zeros(3)), backend=backend)
    assert float(t) == pytest.approx(np.sum(2 * r / 3 * (vw @ X + vb)))


def test_detached_loss_has_zero_gradient():
    g = tl.grad(lambda ops, w: ops.sum(ops.detach(ops.mul(w, w))))(W)
    assert not np.any(g)


def test_hvp_and_hessian_of_mean_square():
    x = np.array([1.0, 2.0, 3.0])
    f = lambda ops, x: ops.mean(ops.mul(x, x))
    np.testing.assert_allclose(tl.hvp(f, [x], [np.array([1.0, 0.0, 2.0])])[0], [2 / 3, 0, 4 / 3])
    hess = tl.jacfwd(lambda ops, x: ops.mul(x, 2.0 / 3.0))(x)  # the gradient of mean(x^2) is 2x/3
    np.testing.assert_allclose(hess, np.eye(3) * 2 / 3)


def test_grad_of_a_non_scalar_is_an_error():
    with pytest.raises(tl.TorchLeanError, match="scalar"):
        tl.grad(linear)(W, B, X)
