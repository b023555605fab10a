"""A compiled step in steady state allocates nothing but the arrays it returns.

Criterion (tracemalloc traces every NumPy data buffer and every Python object):

* **no growth**: after warm-up, the traced memory after each of 20 steps (their outputs
  dropped) is exactly the same number of bytes;
* **no transient allocation**: during each step, the peak traced memory exceeds the memory
  before the step by at most the bytes of the returned arrays plus ``SLACK`` (4 KiB of Python
  objects: the returned arrays' headers, the result lists, call frames). Every intermediate of
  these models is at least 64 KiB, so a single intermediate array allocated per step fails it;
  the harness checks that it does catch one.
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import torchlean as tl
from torchlean.compiled.api import compile_scalar
from torchlean.compiled.config import compile_options

from .helpers import has_numba

SLACK = 4096
RNG = np.random.default_rng(0)
SHAPES = [(256, 128), (256,), (64, 256), (64,)]
INPUTS = [(256, 128), (256, 64)]  # every intermediate: >= 256 x 64 float32 = 64 KiB


def loss(ops, w1, b1, w2, b2, x, y):
    h = ops.relu(ops.linear(w1, b1, x))
    return ops.mse_loss(ops.linear(w2, b2, h), y)


def _arrays(shapes):
    return [RNG.standard_normal(s).astype(np.float32) for s in shapes]


def _nbytes(result: Any) -> int:
    if isinstance(result, np.ndarray):
        return result.nbytes
    if isinstance(result, (list, tuple)):
        return sum(_nbytes(r) for r in result)
    return 0


def measure(step: Callable[[], Any], warmup: int = 20, steps: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """(traced bytes after each step, peak bytes of each step beyond its returned arrays)."""
    for _ in range(warmup):
        step()
    gc.collect()
    after = np.zeros(steps, np.int64)
    extra = np.zeros(steps, np.int64)
    gc.disable()
    tracemalloc.start()
    try:
        for _ in range(3):
            step()
        for i in range(steps):
            before = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            out = step()
            extra[i] = tracemalloc.get_traced_memory()[1] - before - _nbytes(out)
            del out
            after[i] = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
        gc.enable()
    return after, extra


FUSION = [False, pytest.param(True, marks=pytest.mark.skipif(not has_numba(), reason="numba is not installed"))]


def test_the_harness_catches_one_intermediate_per_step():
    x = _arrays(INPUTS[1:])[0]
    after, extra = measure(lambda: float(np.tanh(x).sum()))  # one 64 KiB temporary
    assert (after == after[0]).all()
    assert (extra > 64 * 1024).all()


@pytest.mark.parametrize("fusion", FUSION)
def test_value_and_grad_allocates_only_its_outputs(fusion):
    params, data = _arrays(SHAPES), _arrays(INPUTS)
    with compile_options(fusion=fusion):
        c = compile_scalar(loss, params + data)
        c.value_and_grad(*params, *data)
    after, extra = measure(lambda: c.value_and_grad(*params, *data))
    assert (after == after[0]).all(), f"traced memory grows: {after - after[0]}"
    assert (extra <= SLACK).all(), f"transient bytes beyond the outputs: {extra}"


@pytest.mark.parametrize("fusion", FUSION)
def test_a_compiled_sgd_step_allocates_only_the_new_parameters(fusion):
    data = _arrays(INPUTS)
    with compile_options(fusion=fusion):
        tr = tl.ScalarTrainer(_arrays(SHAPES), [(256, 128), (256, 64)], loss,
                              tl.Options(backend=tl.Backend.COMPILED))
        tr.step(0.01, *data)

    def step():
        value = tr.step(0.01, *data)
        return [value, *[p.value for p in tr.params]]  # the step's outputs: loss and new params

    after, extra = measure(step)
    assert (after == after[0]).all(), f"traced memory grows: {after - after[0]}"
    assert (extra <= SLACK).all(), f"transient bytes beyond the outputs: {extra}"
