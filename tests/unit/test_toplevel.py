"""torchlean's top-level torch-style names (tl.cat, tl.where, tl.no_grad, ...)."""

import numpy as np
import pytest
import torch

import torchlean as tl
from torchlean.pt import toplevel

GRAD_MODE = {"no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled"}


def test_every_top_level_name_is_a_torch_name_and_exported():
    for name in toplevel.__all__:
        assert hasattr(torch, name), name
        assert getattr(tl, name) is getattr(toplevel, name), name
        assert name in tl.__all__


def test_the_names_the_issue_lists_are_there():
    assert {"cat", "stack", "where", "einsum", "matmul", "maximum", "minimum", "sum", "mean", "softmax",
            "argmax", "outer", "addmm"} <= set(toplevel.__all__)


def test_top_level_functions_agree_with_torch():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    s = tl.Session(dtype=np.float64)
    x, y = s.input(a), s.input(b)
    ta, tb = torch.tensor(a), torch.tensor(b)
    cases = [
        (tl.cat([x, y], dim=1), torch.cat([ta, tb], dim=1)),
        (tl.stack([x, y]), torch.stack([ta, tb])),
        (tl.where(x > y, x, y), torch.where(ta > tb, ta, tb)),
        (tl.einsum("ij,kj->ik", x, y), torch.einsum("ij,kj->ik", ta, tb)),
        (tl.matmul(x, y.t()), torch.matmul(ta, tb.t())),
        (tl.maximum(x, y), torch.maximum(ta, tb)),
        (tl.sum(x, dim=0), torch.sum(ta, dim=0)),
        (tl.mean(x, 1, keepdim=True), torch.mean(ta, 1, keepdim=True)),
        (tl.softmax(x, dim=-1), torch.softmax(ta, dim=-1)),
        (tl.argmax(x, dim=1), torch.argmax(ta, dim=1)),
        (tl.outer(x[0], y[1]), torch.outer(ta[0], tb[1])),
        (tl.addmm(s.input(a[:, :3]), x, y.t()), torch.addmm(ta[:, :3], ta, tb.t())),
        (tl.max(x), torch.max(ta)),
    ]
    for ours, ref in cases:
        np.testing.assert_allclose(ours.numpy(), ref.numpy(), rtol=1e-12, atol=0)


def test_no_grad_stops_recording_in_every_session_and_restores():
    s1, s2 = tl.Session(dtype=np.float64), tl.Session(dtype=np.float64)
    x1 = s1.input(np.ones(2), requires_grad=True)
    x2 = s2.input(np.ones(2), requires_grad=True)
    with tl.no_grad():
        assert not tl.is_grad_enabled()
        assert not (x1 * 2).requires_grad and not (x2 * 2).requires_grad
        with tl.enable_grad():
            assert (x1 * 2).requires_grad
        assert not (x1 * 2).requires_grad
    assert tl.is_grad_enabled() and (x1 * 2).requires_grad and (x2 * 2).requires_grad


def test_no_grad_as_decorator_and_set_grad_enabled():
    s = tl.Session(dtype=np.float64)
    x = s.input(np.ones(2), requires_grad=True)

    @tl.no_grad()
    def evaluate(v):
        return v * 3

    assert not evaluate(x).requires_grad and (x * 3).requires_grad
    tl.set_grad_enabled(False)
    try:
        assert not (x * 3).requires_grad
    finally:
        tl.set_grad_enabled(True)
    with tl.set_grad_enabled(False):
        assert not (x * 3).requires_grad
    assert (x * 3).requires_grad
    with tl.inference_mode():
        assert not (x * 3).requires_grad


def test_a_session_no_grad_block_inside_global_mode_composes():
    s = tl.Session(dtype=np.float64)
    x = s.input(np.ones(2), requires_grad=True)
    with s.no_grad(), tl.enable_grad():
        assert not (x * 2).requires_grad  # the session's own setting still holds
    with tl.no_grad():
        with s.no_grad():
            pass
        assert not (x * 2).requires_grad  # leaving the session block keeps the global mode
    assert (x * 2).requires_grad


def test_exceptions_inside_no_grad_restore_the_mode():
    with pytest.raises(ZeroDivisionError), tl.no_grad():
        1 / 0
    assert tl.is_grad_enabled()


@pytest.mark.parametrize("name", ["all", "any"])
def test_all_and_any_agree_with_torch_and_check_keepdim(name):
    a = np.array([[1.0, 0.0, 2.0], [0.0, 0.0, 0.0]], np.float32)
    s = tl.Session()
    x, t = s.input(a), torch.tensor(a)
    for kw in ({}, {"dim": 0}, {"dim": 1, "keepdim": True}, {"dim": (0, 1)}):
        got = getattr(tl, name)(x, **kw)
        want = getattr(torch, name)(t, **kw)
        assert got.dtype == np.bool_
        np.testing.assert_array_equal(got.numpy(), want.numpy())
        np.testing.assert_array_equal(getattr(x, name)(**kw).numpy(), want.numpy())
    with pytest.raises(tl.ArgumentError, match=f"{name}: keepdim must be a bool"):
        getattr(x, name)(dim=0, keepdim=1)
