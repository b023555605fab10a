"""Registry-driven sweeps: every op spec against PyTorch/NumPy, finite differences and itself."""

from __future__ import annotations

import numpy as np
import pytest

from torchlean import REGISTRY
from torchlean.testing import check_dot_product, check_jvp_fd
from torchlean.testing.specs import ALL_SPECS
from torchlean.testing.sweep import (
    eager_jvp,
    eager_run,
    eager_value,
    eager_vjp,
    torch_reference,
    with_diff_args,
)

from .cases import SPECS, cases, get, has_diff, rng_for


def test_spec_names_are_unique():
    assert len(SPECS) == len(ALL_SPECS)


def test_every_primitive_has_a_spec():
    missing = sorted(set(REGISTRY) - set(SPECS))
    assert not missing, f"registered primitives without an op spec: {missing}"


def test_every_spec_has_a_reference():
    assert [s.name for s in ALL_SPECS if s.torch is None and s.numpy is None] == []


@pytest.mark.parametrize("name,k", cases())
def test_binds_its_primitives_and_rules_predict_kernels(name, k):
    # TORCHLEAN_CHECKS=1 (conftest) makes every bind compare the kernel's output type with the
    # shape rule's prediction, so running the op is the shape-rule check.
    spec, sample = get(name, k)
    s, _, out = eager_run(spec, sample)
    bound = {node.prim.name for node in s.tape.nodes if node.prim is not None}
    expected = set(spec.binds) if spec.binds is not None else ({name} if name in REGISTRY else set())
    assert expected <= bound, f"{name}: expected to bind {expected}, bound {bound}"
    assert out.type.dtype == np.float64 or out.type.dtype.kind != "f"


@pytest.mark.parametrize("name,k", cases())
def test_forward_matches_reference(name, k):
    spec, sample = get(name, k)
    ours = eager_value(spec, sample)
    if spec.torch is not None:
        ref, _ = torch_reference(spec, sample)
    else:
        ref = spec.numpy(*sample.args, **sample.kwargs)
    assert ours.shape == np.shape(ref), f"{name}: shape {ours.shape} vs reference {np.shape(ref)}"
    np.testing.assert_allclose(ours, ref, rtol=spec.rtol, atol=spec.atol)


@pytest.mark.parametrize("name,k", cases(lambda s, x: has_diff(s, x) and s.torch is not None))
def test_vjp_matches_torch_autograd(name, k):
    spec, sample = get(name, k)
    rng = rng_for(name, 1 + k)
    cot = rng.standard_normal(np.shape(eager_value(spec, sample)))
    ours = eager_vjp(spec, sample, cot)
    _, ref = torch_reference(spec, sample, cot)
    for i, (a, b) in enumerate(zip(ours, ref)):
        assert a.shape == b.shape, f"{name}: gradient {i} has shape {a.shape}, expected {b.shape}"
        np.testing.assert_allclose(a, b, rtol=spec.rtol * 10, atol=spec.atol * 10,
                                   err_msg=f"{name}: gradient of differentiable input {i}")


@pytest.mark.parametrize("name,k", cases(has_diff))
def test_dot_product_vjp_is_adjoint_of_jvp(name, k):
    spec, sample = get(name, k)
    rng = rng_for(name, 100 + k)
    pos = spec.diff_positions(sample)
    ts = [rng.standard_normal(sample.args[i].shape) for i in pos]
    jt = eager_jvp(spec, sample, ts)
    c = rng.standard_normal(jt.shape)
    cts = eager_vjp(spec, sample, c)
    if spec.zero_grad:
        assert all(not np.any(ct) for ct in cts) and not np.any(jt)
    check_dot_product(jt, c, ts, cts, what=name)


@pytest.mark.parametrize("name,k", cases(lambda s, x: has_diff(s, x) and s.fd))
def test_jvp_matches_finite_differences(name, k):
    spec, sample = get(name, k)
    rng = rng_for(name, 200 + k)
    pos = spec.diff_positions(sample)
    xs = [sample.args[i] for i in pos]
    ts = [rng.standard_normal(x.shape) for x in xs]
    jt = eager_jvp(spec, sample, ts)
    f = lambda *vals: eager_value(spec, sample, with_diff_args(spec, sample, list(vals)))
    check_jvp_fd(jt, f, xs, ts, rtol=spec.fd_rtol, atol=spec.fd_atol, what=name)


@pytest.mark.parametrize("name,k", cases())
def test_float32_agrees_with_float64(name, k):
    spec, sample = get(name, k)
    s, _, out = eager_run(spec, sample, dtype=np.float32)
    if out.type.dtype.kind == "f":
        assert out.type.dtype == np.float32, f"{name}: float32 inputs gave {out.type.dtype}"
    np.testing.assert_allclose(s.value(out), eager_value(spec, sample), rtol=spec.f32_rtol,
                               atol=spec.f32_atol)
