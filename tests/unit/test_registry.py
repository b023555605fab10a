"""The registry refuses incomplete primitives; every primitive is complete and documented."""

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
