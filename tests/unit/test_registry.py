"""The registry refuses incomplete primitives; every primitive is complete and documented."""

import numpy as np
import pytest

import torchlean as tl
from torchlean._core.registry import REGISTRY, ZERO, defop

_shape = lambda x: x
_impl = lambda xp, x: x
_rule = lambda ops, g, out, x: g


def _cleanup(name):
    REGISTRY.pop(name, None)


@pytest.mark.parametrize("kwargs,match", [
    ({"vjp": [_rule], "jvp": []}, "one rule"),
    ({"vjp": [], "jvp": []}, "one rule"),
    ({"vjp": [_rule], "jvp": [None]}, "non-differentiable"),
    ({"vjp": [ZERO], "jvp": [_rule]}, "zero"),
    ({"vjp": ["nope"], "jvp": [_rule]}, "not callable"),
])
def test_incomplete_definitions_fail_at_definition(kwargs, match):
    with pytest.raises(tl.RegistryError, match=match):
        defop("_test_bad", shape=_shape, impl=_impl, **kwargs)
    assert "_test_bad" not in REGISTRY


def test_missing_kernel_or_duplicate_name_fails():
    with pytest.raises(tl.RegistryError, match="kernel"):
        defop("_test_nokernel", shape=_shape, impl=None, vjp=[_rule], jvp=[_rule])
    with pytest.raises(tl.RegistryError, match="already registered"):
        defop("add", shape=_shape, impl=_impl, vjp=[_rule], jvp=[_rule])


def test_a_user_primitive_works_end_to_end():
    try:
        cube = defop("_test_cube", shape=lambda x: x, impl=lambda xp, x: x * x * x,
                     vjp=[lambda ops, g, out, x: ops.mul(g, ops.scale(ops.mul(x, x), 3.0))],
                     jvp=[lambda ops, t, out, x: ops.mul(t, ops.scale(ops.mul(x, x), 3.0))])
        s = tl.Session()
        x = s.input([2.0], requires_grad=True)
        y = s.bind(cube, x)
        assert y.item() == 8.0
        assert s.backward(y.sum())[x][0] == 12.0
    finally:
        _cleanup("_test_cube")


def test_every_primitive_has_rules_for_each_input():
    for name, prim in REGISTRY.items():
        assert prim.nargs == len(prim.vjp) == len(prim.jvp) >= 1, name
        assert callable(prim.shape) and callable(prim.impl), name


def test_declared_ufunc_kernels_are_the_kernel_bitwise():
    """``set_ufunc`` promises ``impl(xp, *a) == xp.<ufunc>(*a)``: the backend calls the ufunc
    directly, so the promise must hold exactly, special values included."""
    from torchlean.backends import get_backend
    from torchlean.options import Device

    declared = [p for p in REGISTRY.values() if p.ufunc is not None]
    assert {p.name for p in declared} >= {"add", "mul", "tanh", "exp"}
    rng = np.random.default_rng(0)
    specials = np.array([0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 1e-40, 3.5, -2.25])
    backend = get_backend(Device.CPU)
    for prim in declared:
        assert backend.resolve(prim) is getattr(np, prim.ufunc)
        for dt in (np.float32, np.float64):
            a = np.concatenate([specials, rng.standard_normal(20) * 10]).astype(dt)
            b = np.concatenate([specials[::-1], rng.standard_normal(20) * 10]).astype(dt)
            args = (a,) if prim.nargs == 1 else (a, b)
            with np.errstate(all="ignore"):
                want, got = prim.impl(np, *args), getattr(np, prim.ufunc)(*args)
            assert got.dtype == want.dtype and np.array_equal(got, want, equal_nan=True), prim.name


def test_declared_scalar_ufunc_kernels_are_the_kernel_bitwise():
    """``set_ufunc(..., scalar=True)`` promises ``impl(xp, x, c=c) == xp.<ufunc>(x, c)``."""
    from torchlean.backends import get_backend
    from torchlean.options import Device

    declared = [p for p in REGISTRY.values() if p.scalar_ufunc is not None]
    assert {p.name for p in declared} >= {"scale", "add_scalar"}
    backend = get_backend(Device.CPU)
    x = np.array([0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 1e-40, 3.5, -2.25, 7e37])
    for prim in declared:
        kernel = backend.resolve(prim)
        assert prim.ufunc is None and kernel is backend.resolve(prim)
        for dt, consts in ((np.float32, (0.1, -1.7, 0.0, -0.0, np.inf, 1e300)), (np.float64, (0.1, -1.7, np.nan)),
                           (np.int64, (3, -2, 0))):
            a = x[np.isfinite(x)].astype(dt) if dt is np.int64 else x.astype(dt)
            for c in consts:
                with np.errstate(all="ignore"):
                    want, got = prim.impl(np, a, c=c), kernel(a, c=c)
                assert got.dtype == want.dtype == a.dtype and np.array_equal(got, want, equal_nan=True), (prim.name, c)
                assert got.tobytes() == want.tobytes(), (prim.name, dt, c)


def test_identity_is_a_real_rule_that_passes_the_seed_on():
    from torchlean._core.registry import IDENTITY, REGISTRY

    g = np.array([1.5, -2.0])
    assert IDENTITY(None, g, None, np.zeros(2), c=3.0) is g
    assert REGISTRY["add"].vjp == (IDENTITY, IDENTITY) and REGISTRY["add"].grad_mask == (True, True)
    assert REGISTRY["add_scalar"].jvp == (IDENTITY,)
