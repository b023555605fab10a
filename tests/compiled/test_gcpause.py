"""Graph building runs with the cyclic collector paused, and always gives it back."""

from __future__ import annotations

import gc

import numpy as np
import pytest

import torchlean as tl
from torchlean._core.errors import ShapeError
from torchlean.compiled.api import compile_scalar


def _probe(seen):
    def fn(ops, x):
        seen.append(gc.isenabled())
        return ops.sum(ops.relu(x))
    return fn


def test_tracing_pauses_the_collector_and_resumes_it():
    seen: list[bool] = []
    assert gc.isenabled()
    c = compile_scalar(_probe(seen), [np.ones(3)], tl.Options(dtype=np.float64))
    assert seen == [False]
    assert gc.isenabled()
    value, grad = c.value_and_grad(np.array([1.0, -1.0, 2.0]))  # gradient graph and plan: paused too
    assert gc.isenabled()
    assert float(value) == 3.0 and grad[0].tolist() == [1.0, 0.0, 1.0]


def test_a_failing_trace_resumes_the_collector():
    def bad(ops, x):
        assert not gc.isenabled()
        return ops.sum(ops.reshape(x, (2,)))  # 3 values into 2

    with pytest.raises(ShapeError):
        compile_scalar(bad, [np.ones(3)], tl.Options(dtype=np.float64))
    assert gc.isenabled()


def test_a_collector_the_user_disabled_stays_disabled():
    seen: list[bool] = []
    gc.disable()
    try:
        compile_scalar(_probe(seen), [np.ones(3)], tl.Options(dtype=np.float64)).value_and_grad(np.ones(3))
        assert seen == [False]
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_tl_compile_traces_with_the_collector_paused():
    seen: list[bool] = []
    s = tl.Session(dtype=np.float64)
    f = tl.compile(lambda x: (seen.append(gc.isenabled()), x.relu().sum())[1])
    x = s.input(np.array([1.0, -2.0]), requires_grad=True)
    f(x).backward()
    assert seen == [False] and gc.isenabled()
    assert x.grad.tolist() == [1.0, 0.0]


def test_the_eager_sweeps_pause_the_collector_and_resume_it(monkeypatch):
    from torchlean.eager.arrays import ArrayOps

    seen: list[bool] = []
    mul_step = ArrayOps.mul_step

    def probe(self, a, b):
        seen.append(gc.isenabled())
        return mul_step(self, a, b)

    monkeypatch.setattr(ArrayOps, "mul_step", probe)
    s = tl.Session(dtype=np.float64)
    x = s.input(np.array([1.0, -2.0]), requires_grad=True)
    y = s.sum(s.relu(x))  # relu's rules multiply by its step (mul_step)
    assert s.backward(y)[x].tolist() == [1.0, 0.0]
    assert seen == [False] and gc.isenabled()
    seen.clear()
    assert s.jvp(y, {x: np.array([3.0, 5.0])}).tolist() == 3.0
    assert seen == [False] and gc.isenabled()


def test_a_failing_eager_sweep_resumes_the_collector(monkeypatch):
    from torchlean.eager.arrays import ArrayOps

    def boom(self, a, b):
        raise RuntimeError("boom")

    monkeypatch.setattr(ArrayOps, "mul_step", boom)
    s = tl.Session(dtype=np.float64)
    x = s.input(np.array([1.0, -2.0]), requires_grad=True)
    with pytest.raises(Exception, match="boom"):
        s.backward(s.sum(s.relu(x)))
    assert gc.isenabled()
