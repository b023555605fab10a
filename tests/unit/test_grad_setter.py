"""``x.grad = None`` (PyTorch's idiom between steps) and assigning a gradient array."""

import numpy as np
import pytest

import torchlean as tl


def test_grad_none_clears_and_the_next_backward_starts_fresh():
    s = tl.Session(dtype=np.float64)
    x = s.input([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])
    (x * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [5.0, 7.0])  # accumulates, as PyTorch
    x.grad = None
    assert x.grad is None
    (x * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])


def test_an_assigned_gradient_is_accumulated_into():
    s = tl.Session(dtype=np.float64)
    x = s.input([1.0, 2.0], requires_grad=True)
    x.grad = np.array([10.0, 20.0])
    (x * 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [12.0, 22.0])
    x.grad = s.input([1.0, 1.0])
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])


def test_bad_assignments_raise_and_change_nothing():
    s = tl.Session(dtype=np.float64)
    x = s.input([1.0, 2.0], requires_grad=True)
    (x * 2.0).sum().backward()
    with pytest.raises(tl.ShapeError, match="grad: assigned gradient has shape"):
        x.grad = np.ones(3)
    with pytest.raises(tl.TorchLeanError, match="grad"):
        x.grad = "abc"
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])
    s.reset()
    with pytest.raises(tl.InvalidRefError, match="grad"):
        x.grad = None  # a stale ref
