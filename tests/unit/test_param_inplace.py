"""PyTorch's in-place idioms on parameters, side by side with torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import torchlean as tl
import torchlean.nn as nn
import torchlean.nn.functional as F
from torchlean._core.errors import ArgumentError, DTypeError, ShapeError


def _pair(seed=0):
    rng = np.random.default_rng(seed)
    w, b = rng.standard_normal((2, 3)), rng.standard_normal(2)
    m = nn.Linear(3, 2, dtype=np.float64)
    with tl.no_grad():
        m.weight.copy_(w)
        m.bias.copy_(b)
    t = torch.nn.Linear(3, 2).double()
    with torch.no_grad():
        t.weight.copy_(torch.tensor(w))
        t.bias.copy_(torch.tensor(b))
    return m, t


def test_manual_sgd_loop_matches_torch():
    m, t = _pair()
    rng = np.random.default_rng(1)
    s = tl.Session(dtype=np.float64)
    for _ in range(5):
        x, y = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
        s.reset()
        F.mse_loss(m(s.input(x)), s.input(y)).backward()
        torch.nn.functional.mse_loss(t(torch.tensor(x)), torch.tensor(y)).backward()
        with tl.no_grad():
            for p in m.parameters():
                p -= 0.1 * p.grad
                p.grad = None
        with torch.no_grad():
            for p in t.parameters():
                p -= 0.1 * p.grad
                p.grad = None
    np.testing.assert_allclose(m.weight.numpy(), t.weight.detach().numpy(), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(m.bias.numpy(), t.bias.detach().numpy(), rtol=1e-14, atol=1e-15)


def test_data_idioms_work_while_recording():
    m, t = _pair()
    m.weight.data.mul_(0.5)
    m.weight.data.add_(np.ones((2, 3)), alpha=2.0)
    m.bias.data.zero_()
    m.bias.data.fill_(0.25)
    t.weight.data.mul_(0.5)
    t.weight.data.add_(torch.ones(2, 3, dtype=torch.float64), alpha=2.0)
    t.bias.data.zero_()
    t.bias.data.fill_(0.25)
    assert np.array_equal(m.weight.numpy(), t.weight.detach().numpy())
    assert np.array_equal(m.bias.numpy(), t.bias.detach().numpy())
    m.weight.data = np.zeros((2, 3))
    assert not m.weight.numpy().any()
    m.weight.data.copy_(torch.arange(6.0).reshape(2, 3))  # porting weights from torch
    assert m.weight.numpy().tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert m.weight.data.shape == (2, 3) and m.weight.dtype == np.float64
    m.weight.data.clamp_(1.0, 4.0)
    assert m.weight.numpy().tolist() == [[1.0, 1.0, 2.0], [3.0, 4.0, 4.0]]


def test_in_place_change_while_recording_is_refused_and_changes_nothing():
    m, _ = _pair()
    before = m.weight.numpy()
    for call in (lambda: m.weight.zero_(), lambda: m.weight.add_(1.0), lambda: m.weight.normal_(),
                 lambda: m.weight.copy_(np.zeros((2, 3)))):
        with pytest.raises(ArgumentError, match="no_grad"):
            call()
        assert np.array_equal(m.weight.numpy(), before)
    with pytest.raises(ArgumentError, match="no_grad"):
        w = m.weight
        w -= 1.0
    assert np.array_equal(m.weight.numpy(), before)
    m.weight.requires_grad_(False)
    m.weight.zero_()  # a frozen parameter may change in place, as in PyTorch
    assert not m.weight.numpy().any()


def test_bad_updates_raise_before_changing_anything():
    m, _ = _pair()
    before = m.weight.numpy()
    with tl.no_grad():
        with pytest.raises(ShapeError, match="copy_"):
            m.weight.copy_(np.zeros((3, 2)))
        with pytest.raises(ShapeError, match="add_"):
            m.weight.add_(np.zeros((4, 2, 3)))  # would grow the parameter
        with pytest.raises(DTypeError, match="mul_"):
            m.weight.mul_("2")
        with pytest.raises(ShapeError, match="fill_"):
            m.weight.fill_(np.zeros(2))
        with pytest.raises(ArgumentError, match="clamp_"):
            m.weight.clamp_()
    assert np.array_equal(m.weight.numpy(), before)


def test_broadcasting_casting_and_random_fills():
    p = tl.Param(np.zeros((2, 3), np.float32))
    with tl.no_grad():
        p += np.array([1.0, 2.0, 3.0])  # broadcasts to the parameter, float64 cast to float32
        p *= 2
        p /= 4
    assert p.dtype == np.float32 and p.numpy().tolist() == [[0.5, 1.0, 1.5]] * 2
    tl.manual_seed(7)
    with tl.no_grad():
        p.normal_(1.0, 0.5)
    q = tl.Param(np.zeros((2, 3), np.float32))
    tl.manual_seed(7)
    nn.init.normal_(q, 1.0, 0.5)
    assert np.array_equal(p.numpy(), q.numpy())
    p.data.uniform_(-1.0, 1.0)
    assert (np.abs(p.numpy()) <= 1.0).all() and not np.array_equal(p.numpy(), q.numpy())
