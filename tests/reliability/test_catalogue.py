"""The bad-input and fault catalogue (issue 8, item 10): one parametrised test over every case.

Each case is a row in one of the ``cases_*.py`` tables; ``harness.run_case`` runs it in a fresh
world and checks the exception class, the message and that no observable state changed (or,
for a positive control, the exact value).
"""

from __future__ import annotations

import numpy as np
import pytest

import torchlean as tl

from . import cases_boundary, cases_cli, cases_compiled, cases_families, cases_ops, cases_optim, cases_steps
from .harness import err, later, ok, run_case, same

MODULES = (cases_boundary, cases_ops, cases_families, cases_optim, cases_steps, cases_compiled, cases_cli)
ALL = [c for m in MODULES for c in m.CASES]


def test_catalogue_size_and_unique_ids():
    ids = [c.id for c in ALL]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    assert not dup, f"duplicate case ids: {dup}"
    assert len(ALL) >= 300, f"the catalogue has {len(ALL)} cases, at least 300 are required"


@pytest.mark.parametrize("case", ALL, ids=[c.id for c in ALL])
def test_case(case):
    run_case(case)


def _fails(case):
    try:
        run_case(case)
    except AssertionError as e:
        return str(e)
    return None


def test_harness_catches_what_it_must():
    """The harness itself: a tape change, a param change, an optimizer change, a random-counter
    change, a wrong class, a raw error, a missing name and a wrong value are each reported."""

    def records_then_raises(w):
        w.s.relu(w.x)
        raise tl.ShapeError("relu: boom")

    def moves_param(w):
        w.w.set_value(np.zeros((2, 3), np.float32))
        raise tl.ShapeError("set_value: boom")

    def bumps_t(w):
        o = w.opt("adam")
        o.state[o.param_groups[0]["params"][0]]["step"] = 99
        raise tl.ShapeError("step: boom")

    def draws(w):
        w.s.rand_uniform((2,))
        raise tl.ShapeError("rand_uniform: boom")

    assert "changed" in _fails(err("t1", records_then_raises, tl.ShapeError))
    assert "changed" in _fails(err("t2", moves_param, tl.ShapeError))
    assert "changed" in _fails(err("t3", bumps_t, tl.ShapeError, setup=lambda w: w.opt("adam")))
    assert "changed" in _fails(err("t4", draws, tl.ShapeError))
    assert "expected DTypeError" in _fails(err("t5", lambda w: w.s.reshape(w.m, (7,)), tl.DTypeError))
    assert "builtins.KeyError" in _fails(err("t6", lambda w: {}["k"], tl.ShapeError))
    assert "does not name" in _fails(err("t7", lambda w: w.s.reshape(w.m, (7,)), tl.ShapeError, "nonsense"))
    assert _fails(ok("t8", lambda w: w.s.mul(w.x, 2.0), same(np.zeros(3, np.float32))))
    assert _fails(err("t9", lambda w: w.s.mul(w.x, 2.0), tl.ShapeError))  # no error at all
    assert _fails(err("t10", lambda w: later(w.s.relu, w.s.input([1.0])), tl.ShapeError))  # Call is run
    assert _fails(err("t11", lambda w: _raise(tl.TorchLeanError("x: bare")), tl.TorchLeanError))  # base class
    assert _fails(err("t12", lambda w: _raise(tl.ShapeError("shape_of: hook")), tl.ShapeError))  # hook name


def _raise(e):
    raise e
