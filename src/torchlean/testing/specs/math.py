"""Specs of elementwise math and matrix products: the primitives of ``ops/mathops.py`` and the
PyTorch-shaped functions of ``torchlean.pt.math`` (named ``torch_<name>``).

Samples avoid kinks and jumps (rounding boundaries, clamp bounds, jumps of floor division), so
that finite differences and float32 agree; kink and tie semantics are unit-tested in
``tests/unit/test_math.py``. Integer samples check that int64 stays int64 where torch keeps it
and is promoted to the binder's float dtype where torch promotes (the references promote to
float64, the sweeps' dtype).
"""

from __future__ import annotations

import numpy as np

from ...pt import math as tm
from ..opspec import BINARY_SHAPES, UNARY_SHAPES, OpSpec, Sample, away_from, normal, positive, unary_samples


def _off_grid(rng: np.random.Generator, shape: tuple[int, ...], half: bool = False) -> np.ndarray:
    """k + u with u at least 0.1 away from the integers (and from k + 0.5 if ``half``)."""
    u = rng.uniform(0.1, 0.4, shape) + (rng.random(shape) < 0.5) * (0.5 if half else rng.uniform(0, 0.5, shape))
    return rng.integers(-4, 4, shape) + u


def _ints(rng: np.random.Generator, *shape: int, lo: int = -5, hi: int = 6) -> np.ndarray:
    return rng.integers(lo, hi, shape)


def _quotients(rng: np.random.Generator) -> list[Sample]:
    """(a, b) with every a / b at least 0.1 away from an integer (no jump of floor(a / b) near)."""
    out = []
    for sa, sb in BINARY_SHAPES:
        shape = np.broadcast_shapes(sa, sb)
        if sa == shape:  # a = q * b for quotients q off the integer grid
            b = away_from(rng, sb, [0.0], margin=0.5)
            a = _off_grid(rng, shape) * np.broadcast_to(b, shape)
        elif sb == shape:  # b = a / q, a away from 0
            a = away_from(rng, sa, [0.0], margin=0.5)
            b = np.broadcast_to(a, shape) / _off_grid(rng, shape)
        else:  # neither operand has the full shape: draw until the quotients are off the grid
            a, b = _draw_off_grid(rng, sa, sb, shape)
        out.append(Sample((a, b), {}, f"{sa},{sb}"))
    return out


def _draw_off_grid(rng: np.random.Generator, sa: tuple[int, ...], sb: tuple[int, ...],
                   shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    for _ in range(1000):
        a, b = rng.uniform(-5, 5, sa), away_from(rng, sb, [0.0], margin=0.5)
        q = np.broadcast_to(a, shape) / np.broadcast_to(b, shape)
        frac = q - np.floor(q)
        if np.all((frac > 0.1) & (frac < 0.9)):
            return a, b
    raise AssertionError("could not draw operands away from the jumps of floor(a / b)")


def _int_pairs(rng: np.random.Generator, nonzero: bool = False) -> list[Sample]:
    out = []
    for sa, sb in BINARY_SHAPES[:3]:
        b = _ints(rng, *sb)
        if nonzero:
            b = np.where(b == 0, 3, b)
        out.append(Sample((_ints(rng, *sa), b), {}, f"int{sa},{sb}"))
    return out


def _pow_samples(rng: np.random.Generator) -> list[Sample]:
    out = [Sample((positive(rng, *sa), normal(rng, *sb)), {}, f"{sa},{sb}") for sa, sb in BINARY_SHAPES]
    out.append(Sample((away_from(rng, (3, 4), [0.0], margin=0.3), _ints(rng, 3, 4, lo=-2, hi=4)), {},
                      "neg-base,int-exp"))
    out.append(Sample((_ints(rng, 3, 4), _ints(rng, 3, 4, lo=0, hi=4)), {}, "int,int"))
    out.append(Sample((_ints(rng, 7, lo=-2, hi=3), _ints(rng, 7, lo=-3, hi=3)), {}, "int,negative-int"))
    return out


def _three_apart(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple[np.ndarray, ...]:
    """(x, lo, hi) in a random order per element, pairwise at least 0.2 apart (every ordering
    occurs, lo > hi included; no ties for the gradient)."""
    v = np.cumsum(rng.uniform(0.2, 1.0, (3, *shape)), axis=0) + rng.uniform(-3.0, 0.0, shape)
    order = np.argsort(rng.random((3, *shape)), axis=0)
    return tuple(np.take_along_axis(v, order, axis=0))


def _clamp_tensor_samples(rng: np.random.Generator) -> list[Sample]:
    return [Sample(_three_apart(rng, shape), {}, f"{shape}") for shape in [(3, 4), (2, 3, 4), (), (6,)]]


def _clamp_bcast(rng: np.random.Generator) -> list[Sample]:
    x = away_from(rng, (3, 4), [-0.5, 0.5], margin=0.1)
    return [Sample((x, np.full((4,), -0.5), np.asarray(0.5)), {}, "x,(4,),()"),
            Sample((_ints(rng, 3, 4), _ints(rng, 4, lo=-3, hi=0), _ints(rng, 3, 1, lo=1, hi=4)), {}, "int")]


def _sep(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(x, bound) of one shape, at least 0.2 apart everywhere (no ties for the gradient)."""
    x = normal(rng, *shape)
    return x, x + rng.choice([-1.0, 1.0], shape) * rng.uniform(0.2, 1.0, shape)


def _as64(t, x):
    return x if x.is_floating_point() else x.to(t.float64)


def _float_unary(name: str, make, ref, int_too: bool = True) -> OpSpec:
    """A promoting torch function: float samples plus (optionally) an int64 one."""
    fn = getattr(tm, name)

    def gen(rng: np.random.Generator) -> list[Sample]:
        out = unary_samples(make)(rng)
        if int_too:
            out.append(Sample((_ints(rng, 2, 3, lo=1, hi=4),), {}, "int64"))
        return out

    return OpSpec(f"torch_{name}", gen, call=lambda ops, x: fn(x), torch=lambda t, x: ref(t, _as64(t, x)))


def _binary_cmp(name: str) -> OpSpec:
    fn = getattr(tm, name)
    tied = lambda rng, s: rng.integers(-2, 3, s).astype(np.float64)

    def gen(rng: np.random.Generator) -> list[Sample]:
        out = [Sample((tied(rng, a), tied(rng, b)), {}, f"{a},{b}") for a, b in BINARY_SHAPES]
        return [*out, Sample((rng.integers(-2, 3, (3, 4)),), {"other": 0.5}, "int,0.5")]

    return OpSpec(f"torch_{name}", gen, call=lambda ops, a, *b, **kw: fn(a, *b, **kw),
                  torch=lambda t, a, *b, **kw: getattr(t, name)(a, *b, **kw), nondiff=(0, 1), fd=False)


N = lambda rng, s: normal(rng, *s)
POS = lambda rng, s: positive(rng, *s)
NONZERO = lambda rng, s: away_from(rng, s, [0.0], margin=0.3)
KINK0 = lambda rng, s: away_from(rng, s, [0.0])
ABOVE_M1 = lambda rng, s: rng.uniform(-0.9, 3.0, s)


def _with_int(make, label: str = "int64", **kwargs):
    """Float samples of ``make`` on the usual shapes plus one int64 sample."""
    def gen(rng: np.random.Generator) -> list[Sample]:
        return [*unary_samples(make, **kwargs)(rng), Sample((_ints(rng, 3, 4),), dict(kwargs), label)]

    return gen


def _round_samples(rng: np.random.Generator) -> list[Sample]:
    return [*unary_samples(lambda r, s: _off_grid(r, s, half=True))(rng),
            Sample((np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5]),), {}, "ties-to-even")]


def _tiny(make):
    def gen(rng: np.random.Generator) -> list[Sample]:
        return [*unary_samples(make)(rng), Sample((normal(rng, 5) * 1e-9,), {}, "tiny")]

    return gen


def _clamp_closed_samples(rng: np.random.Generator) -> list[Sample]:
    out = [Sample((away_from(rng, s, [-0.5, 0.8]),), {"lo": -0.5, "hi": 0.8}, f"{s}") for s in UNARY_SHAPES]
    return [*out, Sample((away_from(rng, (6,), [0.2]),), {"lo": 0.2}, "min-only"),
            Sample((away_from(rng, (6,), [0.2]),), {"hi": 0.2}, "max-only"),
            Sample((away_from(rng, (6,), [0.2, -0.2]),), {"lo": 0.2, "hi": -0.2}, "lo>hi"),
            Sample((_ints(rng, 3, 4),), {"lo": -2, "hi": 3}, "int")]


def _pt_pow_samples(rng: np.random.Generator) -> list[Sample]:
    return [*_pow_samples(rng), Sample((normal(rng, 3, 4),), {"exponent": 3}, "x**3"),
            Sample((positive(rng, 5),), {"exponent": 0.5}, "x**0.5"),
            Sample((_ints(rng, 3, 4),), {"exponent": 2}, "int**2"),
            Sample((_ints(rng, 3, 4, lo=1, hi=5),), {"exponent": 0.5}, "int**0.5")]


def _t_pow(t, a, *b, **kw):
    return t.pow(_as64(t, a) if kw.get("exponent") == 0.5 else a, *b, *kw.values())


def _division_samples(scalar: float) -> object:
    def gen(rng: np.random.Generator) -> list[Sample]:
        return [*_quotients(rng)[:3], *_int_pairs(rng, nonzero=True),
                Sample((_off_grid(rng, (3, 4)) * scalar,), {"other": scalar}, f"x,{scalar}"),
                Sample((_ints(rng, 3, 4),), {"other": -3}, "int,-3")]

    return gen


def _extreme_pairs(rng: np.random.Generator) -> list[Sample]:
    return [*(Sample((normal(rng, *a), normal(rng, *b)), {}, f"{a},{b}") for a, b in BINARY_SHAPES),
            *_int_pairs(rng)]


def _logical_samples(rng: np.random.Generator) -> list[Sample]:
    return [Sample((rng.random((3, 4)) > 0.5, rng.random((4,)) > 0.5), {}, "bool"),
            Sample((rng.integers(-1, 2, (3, 4)).astype(np.float64), rng.integers(-1, 2, (3, 4))), {}, "float,int")]


def _where_samples(rng: np.random.Generator) -> list[Sample]:
    return [Sample((rng.random((3, 4)) > 0.4, normal(rng, 3, 4), normal(rng, 4)), {}, "bcast"),
            Sample((rng.random((3, 4)) > 0.4, normal(rng, 3, 4)), {"other": 0.0}, "scalar-other"),
            Sample((rng.random((5,)) > 0.4, _ints(rng, 5), _ints(rng, 1)), {}, "int")]


def _pt_clamp_samples(rng: np.random.Generator) -> list[Sample]:
    return [Sample((away_from(rng, (3, 4), [-0.5, 0.8]),), {"min": -0.5, "max": 0.8}, "scalars"),
            Sample((away_from(rng, (3, 4), [0.0]),), {"min": 0}, "int-min"),
            Sample((_ints(rng, 3, 4),), {"min": -1, "max": 2}, "int64"),
            Sample((_ints(rng, 3, 4),), {"max": 1.5}, "int64,float-max")]


def _t_clamp(t, x, *b, **kw):
    return t.clamp(_as64(t, x) if isinstance(kw.get("max"), float) else x, *b, **kw)


def _one_sided(bound: str):
    def gen(rng: np.random.Generator) -> list[Sample]:
        out = [Sample((away_from(rng, (3, 4), [0.3]),), {bound: 0.3}, "scalar"),
               Sample(_sep(rng, (3, 4)), {}, "tensor")]
        far = 5.0 if bound == "min" else -5.0
        return [*out, Sample((normal(rng, 3, 4), normal(rng, 4) + far), {}, "bcast-tensor")]

    return gen


def _matmul_samples(rng: np.random.Generator) -> list[Sample]:
    shapes = [((3, 4), (4, 5)), ((4,), (4, 5)), ((2, 3, 4), (4,)), ((2, 1, 3, 4), (5, 4, 2))]
    return [Sample((normal(rng, *a), normal(rng, *b)), {}, f"{a}@{b}") for a, b in shapes]


def _addmm_samples(rng: np.random.Generator) -> list[Sample]:
    a, b = (3, 4), (4, 5)
    return [Sample((normal(rng, 3, 5), normal(rng, *a), normal(rng, *b)), {}, "plain"),
            Sample((normal(rng, 5), normal(rng, *a), normal(rng, *b)), {"beta": 0.5, "alpha": -2.0}, "bcast"),
            Sample((normal(rng, 3, 1), normal(rng, *a), normal(rng, *b)), {"beta": 0.0}, "beta=0")]


def _pt(name: str, samples, ref, **kw) -> OpSpec:
    """The spec of ``torchlean.pt.math.<name>`` with the reference ``ref(torch, *args, **kwargs)``."""
    fn = getattr(tm, name)
    return OpSpec(f"torch_{name}", samples, call=lambda ops, *a, **k: fn(*a, **k), torch=ref, **kw)


def _torch(name: str):
    return lambda t, *a, **k: getattr(t, name)(*a, **k)


N = lambda rng, s: normal(rng, *s)
POS = lambda rng, s: positive(rng, *s)
NONZERO = lambda rng, s: away_from(rng, s, [0.0], margin=0.3)
KINK0 = lambda rng, s: away_from(rng, s, [0.0])
ABOVE_M1 = lambda rng, s: rng.uniform(-0.9, 3.0, s)
ZERO = {"zero_grad": True, "fd": False}


SPECS: list[OpSpec] = [
    # ----- primitives ---------------------------------------------------------------------------
    OpSpec("floor", unary_samples(_off_grid), torch=_torch("floor"), **ZERO),
    OpSpec("ceil", unary_samples(_off_grid), torch=_torch("ceil"), **ZERO),
    OpSpec("trunc", unary_samples(_off_grid), torch=_torch("trunc"), **ZERO),
    OpSpec("round", _round_samples, torch=_torch("round"), **ZERO),
    OpSpec("sin", unary_samples(lambda rng, s: normal(rng, *s) * 3), torch=_torch("sin")),
    OpSpec("cos", unary_samples(lambda rng, s: normal(rng, *s) * 3), torch=_torch("cos")),
    OpSpec("expm1", _tiny(N), torch=_torch("expm1")),
    OpSpec("log1p", _tiny(ABOVE_M1), torch=_torch("log1p")),
    # floor_divide has no torch derivative; its (zero) gradient is compared with detached inputs
    OpSpec("floor_divide", lambda rng: [*_quotients(rng), *_int_pairs(rng, nonzero=True)],
           torch=lambda t, a, b: t.floor_divide(a.detach(), b.detach()), **ZERO),
    OpSpec("remainder", lambda rng: [*_quotients(rng), *_int_pairs(rng, nonzero=True)], torch=_torch("remainder")),
    OpSpec("pow", _pow_samples, torch=_torch("pow")),
    OpSpec("clamp_closed", _clamp_closed_samples, call=lambda ops, x, lo=None, hi=None: ops.clip(x, lo, hi),
           torch=lambda t, x, lo=None, hi=None: t.clamp(x, lo, hi)),
    OpSpec("clamp_tensor", lambda rng: [*_clamp_tensor_samples(rng), *_clamp_bcast(rng)],
           call=lambda ops, x, lo, hi: ops.clip(x, lo, hi), torch=_torch("clamp")),
    # ----- torch functions: unary ---------------------------------------------------------------
    _float_unary("exp", N, lambda t, x: t.exp(x)),
    _float_unary("log", POS, lambda t, x: t.log(x)),
    _float_unary("log1p", ABOVE_M1, lambda t, x: t.log1p(x)),
    _float_unary("expm1", N, lambda t, x: t.expm1(x)),
    _float_unary("sqrt", POS, lambda t, x: t.sqrt(x)),
    _float_unary("rsqrt", POS, lambda t, x: t.rsqrt(x)),
    _float_unary("reciprocal", NONZERO, lambda t, x: t.reciprocal(x)),
    _float_unary("sin", N, lambda t, x: t.sin(x)),
    _float_unary("cos", N, lambda t, x: t.cos(x)),
    _float_unary("tanh", N, lambda t, x: t.tanh(x)),
    _float_unary("sigmoid", lambda rng, s: normal(rng, *s) * 4, lambda t, x: t.sigmoid(x)),
    _float_unary("erf", N, lambda t, x: t.erf(x)),
    _pt("abs", _with_int(KINK0), _torch("abs")),
    _pt("neg", _with_int(N), _torch("neg")),
    _pt("square", _with_int(N), _torch("square")),
    _pt("sign", lambda rng: [*_with_int(KINK0)(rng), Sample((rng.random((5,)) > 0.5,), {}, "bool")],
        _torch("sign"), **ZERO),
    *[_pt(n, _with_int(_off_grid), _torch(n), **ZERO) for n in ("floor", "ceil", "trunc")],
    _pt("round", lambda rng: [
        Sample((_off_grid(rng, (3, 4), half=True),), {}, "plain"),
        Sample((_off_grid(rng, (3, 4), half=True) * 0.01,), {"decimals": 2}, "decimals=2"),
        Sample((_off_grid(rng, (5,), half=True) * 100,), {"decimals": -2}, "decimals=-2"),
        Sample((_ints(rng, 3, 4),), {}, "int64")], _torch("round"), **ZERO),
    # ----- torch functions: binary --------------------------------------------------------------
    _pt("pow", _pt_pow_samples, _t_pow),
    OpSpec("torch_pow_scalar_base", lambda rng: [
        Sample((normal(rng, 3, 4),), {"base": 2.5}, "2.5**x"),
        Sample((_ints(rng, 5, lo=0, hi=4),), {"base": 2}, "2**int")],
        call=lambda ops, x, base: tm.pow(base, x), torch=lambda t, x, base: t.pow(base, x)),
    _pt("floor_divide", _division_samples(2.0),
        lambda t, a, *b, **k: t.floor_divide(a.detach(), *(v.detach() for v in b), *k.values()), **ZERO),
    _pt("remainder", _division_samples(1.5), _torch("remainder")),
    _pt("maximum", _extreme_pairs, _torch("maximum")),
    _pt("minimum", _extreme_pairs, _torch("minimum")),
    *[_binary_cmp(n) for n in ("eq", "ne", "lt", "le", "gt", "ge")],
    *[_pt(n, _logical_samples, _torch(n), nondiff=(0, 1), fd=False)
      for n in ("logical_and", "logical_or", "logical_xor")],
    _pt("logical_not", lambda rng: [Sample((rng.integers(-1, 2, (3, 4)).astype(np.float64),), {}, "float"),
                                    Sample((rng.random((5,)) > 0.5,), {}, "bool")],
        _torch("logical_not"), nondiff=(0,), fd=False),
    _pt("where", _where_samples, _torch("where")),
    _pt("clamp", _pt_clamp_samples, _t_clamp),
    OpSpec("torch_clamp_tensors", lambda rng: [*_clamp_tensor_samples(rng)[:2], *_clamp_bcast(rng)],
           call=lambda ops, *a: tm.clamp(*a), torch=_torch("clamp")),
    _pt("clamp_min", _one_sided("min"), _torch("clamp_min")),
    _pt("clamp_max", _one_sided("max"), _torch("clamp_max")),
    # ----- torch functions: matrix products -----------------------------------------------------
    _pt("matmul", _matmul_samples, _torch("matmul")),
    _pt("mm", lambda rng: [Sample((normal(rng, 3, 4), normal(rng, 4, 5))),
                           Sample((normal(rng, 1, 2), normal(rng, 2, 1)))], _torch("mm"), binds=("matmul",)),
    _pt("bmm", lambda rng: [Sample((normal(rng, 2, 3, 4), normal(rng, 2, 4, 5)))], _torch("bmm"), binds=("matmul",)),
    _pt("outer", lambda rng: [Sample((normal(rng, 3), normal(rng, 4))),
                              Sample((_ints(rng, 2), _ints(rng, 3)), {}, "int")], _torch("outer")),
    _pt("addmm", _addmm_samples, _torch("addmm"), binds=("matmul",)),
]
