"""Specs of the primitives of ``ops/elementwise_extra.py`` and of the composites of
``torchlean.pt.math_extra`` / ``torchlean.pt.reduce_extra`` (named ``torch_<name>``).

Samples stay inside each domain and away from its edges (asin/acos/atanh on (-0.9, 0.9), acosh
above 1.1, logs of positive values) and from the jumps of fmod's quotient, so that finite
differences and float32 agree; the values at the edges (inf gradients, NaN outside the
domain) are unit-tested in ``tests/unit/test_pt_math_extra.py``.
"""

from __future__ import annotations

import numpy as np

from ..._core.registry import REGISTRY as P
from ...pt import math_extra as tm
from ...pt import reduce_extra as tr
from ..opspec import BINARY_SHAPES, OpSpec, Sample, away_from, normal, positive, unary_samples
from .math import _int_pairs, _quotients


def _prim(name: str, make, ref, **kw) -> OpSpec:
    p = P[name]
    return OpSpec(name, unary_samples(make), call=lambda ops, x: ops.bind(p, x), torch=ref, **kw)


def _prim2(name: str, samples, ref, **kw) -> OpSpec:
    p = P[name]

    def call(ops, a, b):
        return ops.bind(p, *ops._pair(name, a, b))

    return OpSpec(name, samples, call=call, torch=ref, **kw)


def _pt(name: str, samples, ref, module=tm, label: str = "", **kw) -> OpSpec:
    fn = getattr(module, name)
    return OpSpec(f"torch_{name}{label}", samples, call=lambda ops, *a, **k: fn(*a, **k), torch=ref, **kw)


def _torch(name: str):
    return lambda t, *a, **k: getattr(t, name)(*a, **k)


N = lambda rng, s: normal(rng, *s)
UNIT = lambda rng, s: rng.uniform(-0.9, 0.9, s)
ABOVE1 = lambda rng, s: rng.uniform(1.1, 4.0, s)
POS = lambda rng, s: positive(rng, *s)
TAN = lambda rng, s: rng.uniform(-1.3, 1.3, s)
NONZERO = lambda rng, s: away_from(rng, s, [0.0], margin=0.3)


def _pairs(make):
    def gen(rng: np.random.Generator) -> list[Sample]:
        return [Sample((make(rng, a), make(rng, b)), {}, f"{a},{b}") for a, b in BINARY_SHAPES]

    return gen


def _erfc_samples(rng: np.random.Generator) -> list[Sample]:
    return [*unary_samples(lambda r, s: normal(r, *s) * 2)(rng),
            Sample((np.array([-7.0, -3.0, -1.0, -0.5, 0.1, 0.3, 0.9, 1.1, 2.0, 4.0, 7.0, 12.0]),), {}, "tails")]


def _signbit_samples(rng: np.random.Generator) -> list[Sample]:
    return [*unary_samples(NONZERO)(rng), Sample((np.array([0.0, -0.0, np.inf, -np.inf, 1.0]),), {}, "zeros")]


def _fmod_samples(rng: np.random.Generator) -> list[Sample]:
    return [*_quotients(rng), *_int_pairs(rng, nonzero=True)]


def _ints(rng, *shape, lo=-5, hi=6):
    return rng.integers(lo, hi, shape)


def _alpha_samples(rng: np.random.Generator) -> list[Sample]:
    return [Sample((normal(rng, 3, 4), normal(rng, 4)), {"alpha": 2.5}, "alpha=2.5"),
            Sample((normal(rng, 3, 1), normal(rng, 1, 4)), {}, "bcast"),
            Sample((normal(rng, 5),), {"other": 1.5, "alpha": -2}, "scalar-other"),
            Sample((_ints(rng, 3, 4), _ints(rng, 3, 4)), {"alpha": 3}, "int,alpha=3")]


def _div_samples(rng: np.random.Generator) -> list[Sample]:
    q = _quotients(rng)
    return [q[0], q[1], Sample(q[2].args, {"rounding_mode": "trunc"}, "trunc"),
            Sample(q[3].args, {"rounding_mode": "floor"}, "floor"),
            Sample((_ints(rng, 3, 4), _ints(rng, 4, lo=1, hi=5) * np.array([1, -1, 1, -1])),
                   {"rounding_mode": "trunc"}, "int-trunc"),
            Sample((_ints(rng, 3, 4),), {"other": -2, "rounding_mode": "trunc"}, "int,-2,trunc")]


def _lerp_samples(rng: np.random.Generator) -> list[Sample]:
    return [Sample((normal(rng, 3, 4), normal(rng, 3, 4)), {"weight": 0.3}, "w=0.3"),
            Sample((normal(rng, 3, 4), normal(rng, 4)), {"weight": 0.8}, "w=0.8"),
            Sample((normal(rng, 3, 4), normal(rng, 3, 4), rng.uniform(-1, 2, (3, 4))), {}, "tensor-w")]


def _addc_samples(rng: np.random.Generator) -> list[Sample]:
    return [Sample((normal(rng, 3, 4), normal(rng, 3, 4), NONZERO(rng, (3, 4))), {}, "plain"),
            Sample((normal(rng, 4), normal(rng, 3, 1), NONZERO(rng, (1, 4))), {"value": -0.5}, "bcast")]


def _unit_interval(rng: np.random.Generator) -> list[Sample]:
    return [*unary_samples(lambda r, s: r.uniform(0.05, 0.95, s))(rng),
            Sample((rng.uniform(-0.5, 1.5, (8,)),), {"eps": 0.1}, "eps")]


def _xlogy_samples(rng: np.random.Generator) -> list[Sample]:
    x = normal(rng, 3, 4)
    x[0, :2] = 0.0
    return [Sample((x, positive(rng, 3, 4)), {}, "zeros"), Sample((normal(rng, 3, 1), positive(rng, 4)), {}, "bcast"),
            Sample((normal(rng, 5),), {"other": 2.5}, "scalar")]


def _nan_inf(rng: np.random.Generator) -> list[Sample]:
    # (the default posinf/neginf are the dtype's extremes: float32 and float64 differ by design)
    x = normal(rng, 3, 4)
    x[0, 0], x[1, 1], x[2, 2] = np.nan, np.inf, -np.inf
    return [Sample((x,), {"nan": 1.5, "posinf": 9.0, "neginf": -9.0}, "given"),
            Sample((normal(rng, 5),), {}, "finite")]


def _scan(kind: str):
    def gen(rng: np.random.Generator) -> list[Sample]:
        out = [Sample((normal(rng, 7),), {"dim": 0}, "(7,)"), Sample((normal(rng, 3, 5),), {"dim": 1}, "(3,5)"),
               Sample((normal(rng, 4, 2, 3),), {"dim": 0}, "(4,2,3) dim0"), Sample((normal(rng),), {"dim": 0}, "()")]
        if kind != "log":
            out.append(Sample((_ints(rng, 3, 6),), {"dim": -1}, "int64"))
        if kind == "prod":
            z = normal(rng, 6)
            z[2] = 0.0
            out.append(Sample((z,), {"dim": 0}, "zero"))
        if kind == "log":
            out.append(Sample((normal(rng, 9) * 40,), {"dim": 0}, "wide range"))
        return out

    return gen


def _cum_samples(rng: np.random.Generator) -> list[Sample]:
    # values far apart (no ties: the gradient of a tie is a convention)
    return [Sample((rng.permutation(12).reshape(3, 4) * 0.5 + normal(rng, 3, 4) * 0.01,), {"dim": d}, f"dim{d}")
            for d in (0, 1, -1)] + [Sample((_ints(rng, 9),), {"dim": 0}, "int ties")]


def _reduce_samples(rng: np.random.Generator) -> list[Sample]:
    x = normal(rng, 3, 4)
    x[1, 2] = np.nan
    return [Sample((x,), {}, "all"), Sample((x,), {"dim": 1, "keepdim": True}, "dim1"),
            Sample((normal(rng, 2, 3, 4),), {"dim": (0, 2)}, "tuple")]


def _moment_samples(rng: np.random.Generator) -> list[Sample]:
    return [Sample((normal(rng, 3, 4),), {}, "all"), Sample((normal(rng, 3, 4),), {"dim": 1, "keepdim": True}, "dim1"),
            Sample((normal(rng, 2, 3, 4),), {"dim": (0, 2), "correction": 0}, "corr0")]


def _diff_samples(rng: np.random.Generator) -> list[Sample]:
    return [Sample((normal(rng, 3, 5),), {}, "plain"), Sample((normal(rng, 3, 5),), {"n": 2, "dim": 0}, "n=2"),
            Sample((normal(rng, 3, 5), normal(rng, 3, 2), normal(rng, 3, 1)), {}, "prepend,append"),
            Sample((_ints(rng, 6),), {}, "int")]


def _diff_call(ops, x, *rest, **kw):
    if rest:
        kw = {**kw, "prepend": rest[0], "append": rest[1]}
    return tr.diff(x, **kw)


def _diff_ref(t, x, *rest, **kw):
    if rest:
        kw = {**kw, "prepend": rest[0], "append": rest[1]}
    return t.diff(x, **kw)


SPECS: list[OpSpec] = [
    # ----- primitives -------------------------------------------------------------------------------
    _prim("tan", TAN, _torch("tan")),
    _prim("asin", UNIT, _torch("asin")),
    _prim("acos", UNIT, _torch("acos")),
    _prim("atan", lambda rng, s: normal(rng, *s) * 3, _torch("atan")),
    _prim("sinh", lambda rng, s: normal(rng, *s) * 2, _torch("sinh")),
    _prim("cosh", lambda rng, s: normal(rng, *s) * 2, _torch("cosh")),
    _prim("asinh", lambda rng, s: normal(rng, *s) * 3, _torch("asinh")),
    _prim("acosh", ABOVE1, _torch("acosh")),
    _prim("atanh", UNIT, _torch("atanh")),
    _prim("log2", POS, _torch("log2")),
    _prim("log10", POS, _torch("log10")),
    _prim("exp2", N, _torch("exp2")),
    OpSpec("erfc", _erfc_samples, call=lambda ops, x: ops.bind(P["erfc"], x), torch=_torch("erfc")),
    _prim2("atan2", _pairs(NONZERO), _torch("atan2")),
    _prim2("hypot", _pairs(NONZERO), _torch("hypot")),
    _prim2("fmod", _fmod_samples, _torch("fmod")),
    _prim2("xlogy", lambda rng: _xlogy_samples(rng)[:2], _torch("xlogy")),
    OpSpec("signbit", _signbit_samples, call=lambda ops, x: ops.bind(P["signbit"], x), torch=_torch("signbit"),
           nondiff=(0,), fd=False),
    # ----- torch functions: arithmetic --------------------------------------------------------------
    _pt("add", _alpha_samples, _torch("add")),
    _pt("sub", _alpha_samples, _torch("sub")),
    _pt("div", lambda rng: _div_samples(rng)[:2], _torch("div")),
    _pt("div", lambda rng: _div_samples(rng)[2:], lambda t, a, *b, **k: t.div(
        a.detach(), *(v.detach() for v in b), **k), label="_rounding", zero_grad=True, fd=False),
    # ----- torch functions: elementwise composites --------------------------------------------------
    _pt("copysign", _pairs(NONZERO), _torch("copysign"), nondiff=(1,)),
    _pt("fmax", _pairs(N), _torch("fmax")),
    _pt("fmin", _pairs(N), _torch("fmin")),
    _pt("frac", unary_samples(lambda rng, s: rng.integers(-4, 4, s) + rng.uniform(0.1, 0.9, s)), _torch("frac")),
    _pt("sinc", lambda rng: [*unary_samples(lambda r, s: normal(r, *s) * 2)(rng),
                             Sample((np.array([0.0, 0.5, -1.5]),), {}, "zero")], _torch("sinc")),
    _pt("deg2rad", unary_samples(lambda rng, s: normal(rng, *s) * 90), _torch("deg2rad")),
    _pt("rad2deg", unary_samples(N), _torch("rad2deg")),
    _pt("lerp", _lerp_samples, _torch("lerp")),
    _pt("addcmul", _addc_samples, _torch("addcmul")),
    _pt("addcdiv", _addc_samples, _torch("addcdiv")),
    _pt("logit", _unit_interval, _torch("logit"), fd=False),
    _pt("xlogy", _xlogy_samples, _torch("xlogy")),
    # float_power is float64 whatever the input; cast back so the float32 sweep sees float32
    OpSpec("torch_float_power", lambda rng: [Sample((positive(rng, 3, 4), normal(rng, 4)), {}, "tensors"),
                                             Sample((normal(rng, 5),), {"exponent": 3}, "x**3")],
           call=lambda ops, a, *b, **k: ops.cast(tm.float_power(a, *b, **k), ops.type_of(a).dtype),
           torch=_torch("float_power")),
    _pt("nan_to_num", _nan_inf, _torch("nan_to_num")),
    # ----- torch functions: scans and reductions ----------------------------------------------------
    _pt("cumprod", _scan("prod"), _torch("cumprod"), module=tr),
    _pt("logcumsumexp", _scan("log"), _torch("logcumsumexp"), module=tr),
    OpSpec("torch_cummax", _cum_samples, call=lambda ops, x, dim: tr.cummax(x, dim).values,
           torch=lambda t, x, dim: t.cummax(x, dim).values),
    OpSpec("torch_cummax_indices", _cum_samples, call=lambda ops, x, dim: tr.cummax(x, dim).indices,
           torch=lambda t, x, dim: t.cummax(x, dim).indices, nondiff=(0,), fd=False),
    OpSpec("torch_cummin", _cum_samples, call=lambda ops, x, dim: tr.cummin(x, dim).values,
           torch=lambda t, x, dim: t.cummin(x, dim).values),
    _pt("nansum", _reduce_samples, _torch("nansum"), module=tr),
    _pt("nanmean", _reduce_samples, _torch("nanmean"), module=tr),
    OpSpec("torch_var_mean", _moment_samples, call=lambda ops, x, **k: tr.var_mean(x, **k)[0],
           torch=lambda t, x, **k: t.var_mean(x, **k)[0]),
    OpSpec("torch_std_mean", _moment_samples, call=lambda ops, x, **k: tr.std_mean(x, **k)[1],
           torch=lambda t, x, **k: t.std_mean(x, **k)[1]),
    OpSpec("torch_aminmax", lambda rng: [Sample((normal(rng, 3, 4),), {}, "all"),
                                         Sample((normal(rng, 3, 4),), {"dim": 0, "keepdim": True}, "dim0")],
           call=lambda ops, x, **k: ops.add(*tr.aminmax(x, **k)),
           torch=lambda t, x, **k: sum(t.aminmax(x, **k))),
    OpSpec("torch_diff", _diff_samples, call=_diff_call, torch=_diff_ref),
    _pt("dist", lambda rng: [Sample((normal(rng, 3, 4), normal(rng, 4)), {}, "p=2"),
                             Sample((normal(rng, 5), normal(rng, 5)), {"p": 3}, "p=3")], _torch("dist"), module=tr),
]
