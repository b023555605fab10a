"""``tl.zeros``/``tl.arange``/``tl.tensor``...: torch's top-level constructors on the current
binder (the trace being built, else the eager session that most recently took an input)."""

import numpy as np
import pytest
import torch

import torchlean as tl
from torchlean._core import current


def test_no_session_yet_raises_naming_the_op(monkeypatch):
    monkeypatch.setattr(current, "_last", [None])
    with pytest.raises(tl.TorchLeanError, match=r"arange: no session .* s.arange"):
        tl.arange(3)


def test_eager_constructors_match_torch_and_use_the_latest_session():
    a = tl.Session(dtype=np.float64)
    a.input(np.ones(1))
    b = tl.Session(dtype=np.float64)
    b.input(np.ones(1))
    z = tl.zeros(2, 3)
    assert z.session is b and z.numpy().tolist() == torch.zeros(2, 3).tolist()
    np.testing.assert_array_equal(tl.arange(1, 7, 2).numpy(), torch.arange(1, 7, 2).numpy())
    np.testing.assert_array_equal(tl.ones(2, dtype=np.int64).numpy(), [1, 1])
    np.testing.assert_array_equal(tl.full((2,), 3.5).numpy(), [3.5, 3.5])
    np.testing.assert_array_equal(tl.eye(2, 3).numpy(), torch.eye(2, 3).numpy())
    np.testing.assert_allclose(tl.linspace(0, 1, 5).numpy(), torch.linspace(0, 1, 5, dtype=torch.float64).numpy())
    assert tl.empty(4).shape == (4,)
    r = tl.randint(0, 5, (100,)).numpy()
    assert r.dtype == np.int64 and r.min() >= 0 and r.max() < 5
    assert tl.rand(3).shape == (3,) and tl.randn(2, 2).shape == (2, 2)
    t = tl.tensor([[1.0, 2.0]], requires_grad=True)
    (t * t).sum().backward()
    np.testing.assert_array_equal(t.grad, [[2.0, 4.0]])


def test_inside_a_compiled_function_they_are_constants_of_the_trace():
    s = tl.Session(dtype=np.float64)
    x = s.input(np.ones((2, 3)), requires_grad=True)

    def f(x):
        pos = tl.arange(3, dtype=x.dtype)
        return (x * pos + tl.tensor([1.0, 2.0, 3.0], dtype=x.dtype) + tl.zeros(2, 3, dtype=x.dtype)).sum()

    c = tl.compile(f)
    assert c(x).item() == f(x).item() == 2 * (0 + 1 + 2) + 2 * 6
    c(x).backward()
    np.testing.assert_array_equal(x.grad, [[0.0, 1.0, 2.0]] * 2)
    with pytest.raises(tl.TorchLeanError, match="tensor: requires_grad=True inside traced code"):
        tl.compile(lambda x: x + tl.tensor([1.0, 2.0, 3.0], requires_grad=True))(x)


def test_bad_arguments_raise():
    s = tl.Session()
    s.input(np.ones(1))
    with pytest.raises(tl.TorchLeanError, match="zeros"):
        tl.zeros("a")
    with pytest.raises(tl.TorchLeanError, match="tensor"):
        tl.tensor([1.0], device="tpu")
