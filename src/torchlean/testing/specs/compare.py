"""Specs of comparisons, casts, the maximum/minimum tie rule and scalar division."""

from __future__ import annotations

import numpy as np

from ..._core.registry import REGISTRY
from ..opspec import BINARY_SHAPES, OpSpec, Sample, normal, unary_samples


def _tied(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Small integer-valued floats, so that ties (a == b) are frequent."""
    return rng.integers(-2, 3, shape).astype(np.float64)


def _tied_pairs(rng: np.random.Generator) -> list[Sample]:
    return [Sample((_tied(rng, a), _tied(rng, b)), {}, f"{a},{b}") for a, b in BINARY_SHAPES]


def _compare(name: str, fn) -> OpSpec:
    return OpSpec(name, _tied_pairs, torch=lambda t, a, b: fn(a, b), nondiff=(0, 1), fd=False)


def _bool_pairs(rng: np.random.Generator) -> list[Sample]:
    return [Sample((rng.random(a) > 0.5, rng.random(b) > 0.5), {}, f"bool{a},{b}") for a, b in BINARY_SHAPES]


def _int_pairs(rng: np.random.Generator) -> list[Sample]:
    return [Sample((rng.integers(-8, 8, a), rng.integers(-8, 8, b)), {}, f"int{a},{b}") for a, b in BINARY_SHAPES[:3]]


def _bitwise(name: str, fn) -> OpSpec:
    return OpSpec(name, lambda rng: _bool_pairs(rng) + _int_pairs(rng), torch=lambda t, a, b: fn(a, b))


def _where_samples(rng: np.random.Generator) -> list[Sample]:
    out = []
    for c, a, b in [((3, 4), (3, 4), (3, 4)), ((3, 4), (4,), ()), ((1, 4), (3, 1), (3, 4)), ((), (5,), (5,))]:
        out.append(Sample((rng.random(c) > 0.4, normal(rng, *a), normal(rng, *b)), {}, f"{c},{a},{b}"))
    return out


SPECS: list[OpSpec] = [
    _bitwise("bitwise_and", lambda a, b: a & b),
    _bitwise("bitwise_or", lambda a, b: a | b),
    _bitwise("bitwise_xor", lambda a, b: a ^ b),
    OpSpec("bitwise_not", lambda rng: [Sample((rng.random((3, 4)) > 0.5,), {}, "bool"),
                                       Sample((rng.integers(-8, 8, (5,)),), {}, "int")],
           torch=lambda t, a: ~a),
    OpSpec("where", _where_samples, torch=lambda t, c, a, b: t.where(c, a, b)),
    OpSpec("where_scalars", lambda rng: [Sample((rng.random((3, 4)) > 0.4, normal(rng, 3, 4)), {}, "x,0.5")],
           call=lambda ops, c, a: ops.where(c, a, 0.5), binds=("where",),
           torch=lambda t, c, a: t.where(c, a, 0.5)),
    OpSpec("erf", unary_samples(lambda rng, s: normal(rng, *s) * 2), torch=lambda t, x: t.erf(x)),
    _compare("eq", lambda a, b: a == b),
    _compare("ne", lambda a, b: a != b),
    _compare("lt", lambda a, b: a < b),
    _compare("le", lambda a, b: a <= b),
    _compare("gt", lambda a, b: a > b),
    _compare("ge", lambda a, b: a >= b),
    OpSpec("max_share", _tied_pairs, zero_grad=True, fd=False,
           torch=lambda t, a, b: 1 - (a < b).to(a.dtype) * 0.5 - (a <= b).to(a.dtype) * 0.5),
    # The primitive bound directly to its own dtype (the front end skips that no-op cast), so the
    # sweeps see a linear op in the sweep's dtype; float32 <-> float64 is tests/unit/test_compare.py.
    OpSpec("astype", unary_samples(lambda rng, s: normal(rng, *s)),
           call=lambda ops, x: ops.bind(REGISTRY["astype"], x, dtype=ops.type_of(x).dtype.name),
           torch=lambda t, x: x.clone()),
    OpSpec("cast", lambda rng: [
        Sample((normal(rng, 3, 4) * 5,), {"to": "int64"}, "float-to-int64"),
        Sample((rng.integers(-3, 4, (2, 5)),), {"to": "float"}, "int64-to-float"),
        Sample((rng.random((4,)) > 0.5,), {"to": "float"}, "bool-to-float"),
        Sample((rng.random((4,)) > 0.5,), {"to": "int64"}, "bool-to-int64")],
        call=lambda ops, x, to: ops.cast(x, ops.dtype if to == "float" else to), nondiff=(0,), fd=False,
        torch=lambda t, x, to: x.to(t.float64 if to == "float" else t.int64)),
    OpSpec("div_scalar", unary_samples(lambda rng, s: normal(rng, *s), c=-1.7), torch=lambda t, x, c: x / c),
]
