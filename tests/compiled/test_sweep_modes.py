"""The compiled sweep under other optimiser settings.

* Every case with no pass and no fusion (the plain planned executor) equals eager, as the
  main sweep (tests/ops/test_compiled_sweep.py, default settings) checks with every pass.
* A subset whose graphs have fusable elementwise runs is run with fusion on and off: float64
  results are bitwise equal (transcendental ops stay NumPy kernels in float64). The subset
  keeps numba's compile time in CI to a few seconds; the whole sweep passes with fusion on
  (``TORCHLEAN_FUSION=1 pytest tests/ops/test_compiled_sweep.py``).
"""

from __future__ import annotations

import numpy as np
import pytest

from torchlean.compiled.config import compile_options
from torchlean.testing.sweep import compiled_run, eager_value, eager_vjp

from ..ops.cases import cases, get, has_diff, rng_for
from .helpers import bitwise_equal, has_numba

FUSED_SUBSET = {"clamp", "silu", "gelu", "mse_loss", "layer_norm", "dropout"}


def _close(a, b, what):
    np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64), rtol=1e-12, atol=1e-12,
                               err_msg=what)


def _forward_and_vjp(name, k):
    spec, sample = get(name, k)
    c, args = compiled_run(spec, sample)
    out = [c.forward(*args)]
    if has_diff(spec, sample):
        cot = rng_for(name, 300 + k).standard_normal(c.output_type.shape)
        out += [g for g in c.vjp_with_seed(args, cot) if g is not None]
    return out


@pytest.mark.parametrize("name,k", cases())
def test_plain_planned_executor_equals_eager(name, k):
    spec, sample = get(name, k)
    with compile_options(passes=(), fusion=False):
        c, args = compiled_run(spec, sample)
        _close(c.forward(*args), eager_value(spec, sample), f"{name}: forward, no passes")
        if has_diff(spec, sample):
            c, args = compiled_run(spec, sample)  # a fresh random stream, as the eager reference
            cot = rng_for(name, 300 + k).standard_normal(c.output_type.shape)
            grads = c.vjp_with_seed(args, cot)
            for i, g in zip(spec.diff_positions(sample), eager_vjp(spec, sample, cot)):
                _close(grads[i], g, f"{name}: VJP of input {i}, no passes")


@pytest.mark.skipif(not has_numba(), reason="numba is not installed (pip install 'torchlean[jit]')")
@pytest.mark.parametrize("name,k", [c for c in cases(lambda spec, sample: spec.name in FUSED_SUBSET)
                                    if c.values[1] < 2])  # two samples per spec
def test_fused_equals_unfused_bitwise_in_float64(name, k):
    with compile_options(fusion=True):
        fused = _forward_and_vjp(name, k)
    with compile_options(fusion=False):
        plain = _forward_and_vjp(name, k)
    assert len(fused) == len(plain)
    for a, b in zip(fused, plain):
        assert bitwise_equal(a, b), name


def _tier_outputs(name, k, eager_calls):
    """Forward and VJP of the case's first compiled call, on the eager tier or lowered."""
    with compile_options(eager_above=0, eager_calls=eager_calls):
        return _forward_and_vjp(name, k)


@pytest.mark.parametrize("name,k", cases())
def test_eager_tier_equals_lowered_graph_bitwise(name, k):
    """The first calls of a very large compiled function run on the eager interpreter
    (compiled/eager_tier.py); forced here on every case, they give the lowered graph's bits
    (float64: the fused kernels keep NumPy's operation order)."""
    tier = _tier_outputs(name, k, eager_calls=1)
    lowered = _tier_outputs(name, k, eager_calls=0)
    assert len(tier) == len(lowered)
    for a, b in zip(tier, lowered):
        assert a.shape == b.shape and a.dtype == b.dtype, name
        assert bitwise_equal(a, b), name
