"""The compiled ScalarTrainer's steady-state SGD step (``_sgd_runner``): the same bits as the
general path, the rate and the optimizer it follows, and bad input refused with nothing
changed."""

from __future__ import annotations

import numpy as np
import pytest

import torchlean as tl
from torchlean._core.errors import ArgumentError, ShapeError
from torchlean.models import mlp_init, mlp_loss
from torchlean.optim import SGD

RNG = np.random.default_rng(0)
X = RNG.standard_normal((8, 5)).astype(np.float32)
Y = np.array([0, 1, 2, 1, 0, 2, 2, 1])


def _trainer():
    return tl.ScalarTrainer(mlp_init([5, 6, 3], seed=1), [(8, 5), ((8,), np.int64)], mlp_loss,
                            tl.Options(backend=tl.Backend.COMPILED))


def _values(tr):
    return [np.array(v) for v in tr.get_params()]


@pytest.mark.parametrize("rates", [[0.1] * 5, [0.1, 0.1, 0.05, 0.05, 0.2]])
def test_the_fast_step_equals_the_general_path_bitwise(rates):
    fast, slow = _trainer(), _trainer()
    for lr in rates:
        a = fast.step(lr, X, Y)
        b = slow._step("sgd", SGD, (X, Y), lr=lr)  # the general path, every time
        assert np.array_equal(a, b)
    assert fast._fast_sgd is not None
    assert all(np.array_equal(p, q) for p, q in zip(_values(fast), _values(slow)))
    assert fast.optimizer("sgd").param_groups[0]["lr"] == rates[-1]


def test_a_rate_changed_on_the_optimizer_is_overwritten_by_the_steps_rate_as_before():
    fast, slow = _trainer(), _trainer()
    for tr in (fast, slow):
        tr.step(0.1, X, Y)
        tr.optimizer("sgd").param_groups[0]["lr"] = 0.5  # a scheduler, say
    fast.step(0.1, X, Y)
    slow._step("sgd", SGD, (X, Y), lr=0.1)
    assert fast.optimizer("sgd").param_groups[0]["lr"] == 0.1
    assert all(np.array_equal(p, q) for p, q in zip(_values(fast), _values(slow)))


def test_the_fast_step_uses_the_rate_it_is_given_after_the_optimizers_rate_changed_to_it():
    fast, slow = _trainer(), _trainer()
    for tr in (fast, slow):
        tr.step(0.1, X, Y)
        tr.optimizer("sgd").param_groups[0]["lr"] = 0.05
    fast.step(0.05, X, Y)  # the group already says 0.05: the step must not reuse the 0.1 it recorded
    slow._step("sgd", SGD, (X, Y), lr=0.05)
    assert all(np.array_equal(p, q) for p, q in zip(_values(fast), _values(slow)))


def test_bad_input_on_the_fast_path_changes_nothing():
    tr = _trainer()
    tr.step(0.1, X, Y)
    tr.step(0.1, X, Y)
    before = _values(tr)
    with pytest.raises(ShapeError, match=r"ScalarTrainer.*input 0 must have shape \(8, 5\), got \(4, 5\)"):
        tr.step(0.1, X[:4], Y)
    with pytest.raises(ArgumentError, match="cross_entropy"):
        tr.step(0.1, X, np.array([0, 1, 2, 1, 0, 2, 2, 9]))
    with pytest.raises(ArgumentError, match=r"ScalarTrainer.*expected 2 inputs, got 1"):
        tr.step(0.1, X)
    assert all(np.array_equal(p, q) for p, q in zip(before, _values(tr)))
