"""Every op spec gives the same forward, VJP and JVP eagerly and compiled (a sweep, not a sample)."""

from __future__ import annotations

import numpy as np
import pytest

from torchlean.testing.sweep import compiled_run, compiled_tangent_args, eager_jvp, eager_value, eager_vjp

from .cases import cases, get, has_diff, rng_for


def _close(a, b, what):
    np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64), rtol=1e-12,
                               atol=1e-12, err_msg=what)


@pytest.mark.parametrize("name,k", cases())
def test_compiled_forward_equals_eager(name, k):
    spec, sample = get(name, k)
    c, args = compiled_run(spec, sample)
    _close(c.forward(*args), eager_value(spec, sample), f"{name}: compiled forward")


@pytest.mark.parametrize("name,k", cases(has_diff))
def test_compiled_vjp_equals_eager(name, k):
    spec, sample = get(name, k)
    c, args = compiled_run(spec, sample)
    cot = rng_for(name, 300 + k).standard_normal(c.output_type.shape)
    grads = c.vjp_with_seed(args, cot)
    ours = eager_vjp(spec, sample, cot)
    for i, g in zip(spec.diff_positions(sample), ours):
        _close(grads[i], g, f"{name}: compiled VJP of input {i}")


@pytest.mark.parametrize("name,k", cases(has_diff))
def test_compiled_jvp_equals_eager(name, k):
    spec, sample = get(name, k)
    c, args = compiled_run(spec, sample)
    rng = rng_for(name, 400 + k)
    ts = [rng.standard_normal(np.shape(sample.args[i])) for i in spec.diff_positions(sample)]
    _close(c.jvp(args, compiled_tangent_args(spec, sample, ts)), eager_jvp(spec, sample, ts),
           f"{name}: compiled JVP")
