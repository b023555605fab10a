"""More elementwise primitives: trigonometry and its inverses, hyperbolic functions, base-2/10
logs and powers, ``atan2``, ``hypot``, ``fmod`` and ``signbit`` (``erfc`` is in ``special.py``,
beside ``erf``).

Why each is a primitive (the rest of ``torch``'s math family is composite, in
``torchlean/pt/math_extra.py``):

* ``tan asin acos atan sinh cosh asinh acosh atanh log2 log10 exp2``: no composite of the other
  primitives gives them to the last bit (``sin / cos`` and ``log(x) / log(2)`` round twice;
  ``asinh`` as ``log(x + sqrt(x^2 + 1))`` loses every digit for large negative x).
* ``atan2`` (the quadrant), ``hypot`` (no overflow of x^2 + y^2) and ``fmod`` (exact, the sign
  of the dividend, as C's ``fmod`` and ``torch.fmod``).
* ``xlogy``: 0 at x = 0 (even for y = inf) with the gradient log(y) there, as PyTorch.
* ``signbit``: the sign bit of -0.0 and of NaN, which no comparison sees.

The derivatives are PyTorch's formulas (``tools/autograd/derivatives.yaml``), with its values at
the domain edges: ``asin'``/``acos'`` are +-inf at +-1 and NaN beyond, ``acosh'`` is inf at 1,
``atanh'`` inf at +-1, ``log2'``/``log10'`` inf at 0; ``hypot``'s gradient at (0, 0) is NaN
(0 / 0), as PyTorch's. Kernels run with NumPy's floating-point warnings off (IEEE results:
``asin(2)`` is NaN, ``log2(0)`` is -inf, as PyTorch) and work on NumPy and CuPy.
"""

from __future__ import annotations

import math

from .._core.errors import DTypeError
from .._core.registry import defop
from .._core.types import TensorType, bool_
from ._rules import binary_float, binary_numeric, unary_float
from .mathops import _check_int_divisor, _quiet

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


def _ufunc(name: str):
    def impl(xp, x):
        with _quiet(xp):
            return getattr(xp, name)(x)

    return impl


def _unary(name: str, ufunc: str, deriv, doc: str):
    """A float unary op whose VJP and JVP multiply by ``deriv(ops, out, x)`` = f'(x)."""
    return defop(
        name, shape=unary_float(name), impl=_ufunc(ufunc), doc=doc,
        vjp=[lambda ops, g, out, x: ops.mul(g, deriv(ops, out, x))],
        jvp=[lambda ops, t, out, x: ops.mul(t, deriv(ops, out, x))],
    )


def _sq(ops, x):
    return ops.mul(x, x)


def _rsqrt(ops, v):
    return ops.inv(ops.sqrt(v))


# ----- trigonometry --------------------------------------------------------------------------------
tan_p = _unary("tan", "tan", lambda ops, out, x: ops.add_scalar(_sq(ops, out), 1.0),
               "Tangent; tan' = 1 + tan^2 (PyTorch's formula, from the result).")
asin_p = _unary("asin", "arcsin", lambda ops, out, x: _rsqrt(ops, ops.add_scalar(ops.neg(_sq(ops, x)), 1.0)),
                "Inverse sine on [-1, 1] (NaN outside); asin' = 1 / sqrt(1 - x^2): inf at +-1.")
acos_p = _unary("acos", "arccos",
                lambda ops, out, x: ops.neg(_rsqrt(ops, ops.add_scalar(ops.neg(_sq(ops, x)), 1.0))),
                "Inverse cosine on [-1, 1] (NaN outside); acos' = -1 / sqrt(1 - x^2): -inf at +-1.")
atan_p = _unary("atan", "arctan", lambda ops, out, x: ops.inv(ops.add_scalar(_sq(ops, x), 1.0)),
                "Inverse tangent; atan' = 1 / (1 + x^2).")

# ----- hyperbolic ----------------------------------------------------------------------------------
sinh_p = _unary("sinh", "sinh", lambda ops, out, x: ops.bind(cosh_p, x), "Hyperbolic sine; sinh' = cosh.")
cosh_p = _unary("cosh", "cosh", lambda ops, out, x: ops.bind(sinh_p, x), "Hyperbolic cosine; cosh' = sinh.")
asinh_p = _unary("asinh", "arcsinh", lambda ops, out, x: _rsqrt(ops, ops.add_scalar(_sq(ops, x), 1.0)),
                 "Inverse hyperbolic sine; asinh' = 1 / sqrt(x^2 + 1).")
acosh_p = _unary("acosh", "arccosh", lambda ops, out, x: _rsqrt(ops, ops.add_scalar(_sq(ops, x), -1.0)),
                 "Inverse hyperbolic cosine on [1, inf) (NaN below); acosh' = 1 / sqrt(x^2 - 1): inf at 1.")
atanh_p = _unary("atanh", "arctanh", lambda ops, out, x: ops.inv(ops.add_scalar(ops.neg(_sq(ops, x)), 1.0)),
                 "Inverse hyperbolic tangent on [-1, 1] (+-inf at +-1, NaN outside); atanh' = 1 / (1 - x^2).")

# ----- base-2 and base-10 logs and powers ----------------------------------------------------------
log2_p = defop(
    "log2", shape=unary_float("log2"), impl=_ufunc("log2"),
    vjp=[lambda ops, g, out, x: ops.div(g, ops.scale(x, _LN2))],
    jvp=[lambda ops, t, out, x: ops.div(t, ops.scale(x, _LN2))],
    doc="Base-2 log (-inf at 0, NaN below); log2' = 1 / (x ln 2), as PyTorch's grad / (x * ln 2).",
)
log10_p = defop(
    "log10", shape=unary_float("log10"), impl=_ufunc("log10"),
    vjp=[lambda ops, g, out, x: ops.div(g, ops.scale(x, _LN10))],
    jvp=[lambda ops, t, out, x: ops.div(t, ops.scale(x, _LN10))],
    doc="Base-10 log (-inf at 0, NaN below); log10' = 1 / (x ln 10).",
)
exp2_p = defop(
    "exp2", shape=unary_float("exp2"), impl=_ufunc("exp2"),
    vjp=[lambda ops, g, out, x: ops.mul(g, ops.scale(out, _LN2))],
    jvp=[lambda ops, t, out, x: ops.mul(t, ops.scale(out, _LN2))],
    doc="2 ** x; exp2' = 2 ** x ln 2 (from the result).",
)


# ----- binary --------------------------------------------------------------------------------------
def _atan2_recip(ops, y, x):
    return ops.inv(ops.add(_sq(ops, y), _sq(ops, x)))


def _atan2_impl(xp, y, x):
    with _quiet(xp):
        return xp.arctan2(y, x)


atan2_p = defop(
    "atan2", shape=binary_float("atan2"), impl=_atan2_impl,
    vjp=[lambda ops, g, out, y, x: ops.mul(ops.mul(g, x), _atan2_recip(ops, y, x)),
         lambda ops, g, out, y, x: ops.mul(ops.mul(g, ops.neg(y)), _atan2_recip(ops, y, x))],
    jvp=[lambda ops, t, out, y, x: ops.mul(ops.mul(t, x), _atan2_recip(ops, y, x)),
         lambda ops, t, out, y, x: ops.mul(ops.mul(t, ops.neg(y)), _atan2_recip(ops, y, x))],
    doc="atan2(y, x): the angle of (x, y) in (-pi, pi]; d/dy = x / (x^2 + y^2), d/dx = -y / "
        "(x^2 + y^2) (NaN at the origin, as PyTorch).",
)


def _hypot_impl(xp, a, b):
    with _quiet(xp):
        return xp.hypot(a, b)


hypot_p = defop(
    "hypot", shape=binary_float("hypot"), impl=_hypot_impl,
    vjp=[lambda ops, g, out, a, b: ops.div(ops.mul(g, a), out),
         lambda ops, g, out, a, b: ops.div(ops.mul(g, b), out)],
    jvp=[lambda ops, t, out, a, b: ops.div(ops.mul(t, a), out),
         lambda ops, t, out, a, b: ops.div(ops.mul(t, b), out)],
    doc="sqrt(a^2 + b^2) without overflow or underflow; d/da = a / hypot, d/db = b / hypot (NaN "
        "at (0, 0), as PyTorch).",
)


def _fmod_impl(xp, a, b):
    _check_int_divisor("fmod", b)
    with _quiet(xp):
        return xp.fmod(a, b)


def _fmod_db(ops, v, out, a, b):
    return ops.neg(ops.mul(v, ops.trunc(ops.div(a, b))))


fmod_p = defop(
    "fmod", shape=binary_numeric("fmod"), impl=_fmod_impl,
    vjp=[lambda ops, g, out, a, b: g, _fmod_db],
    jvp=[lambda ops, t, out, a, b: t, _fmod_db],
    doc="C's fmod: a - b * trunc(a / b) with the sign of a, computed exactly, for float and "
        "int64 (integer fmod by zero raises, as PyTorch); d/da = 1, d/db = -trunc(a / b).",
)


def _xlogy_impl(xp, x, y):
    with _quiet(xp):
        out = xp.where(x == 0, xp.zeros((), x.dtype), x * xp.log(y))
        return xp.where(xp.isnan(y), y, out).astype(x.dtype)


def _xlogy_dx(ops, v, out, x, y):
    # PyTorch's: log(y), except 0 where x == 0 and y <= 0 (where log(y) is -inf or NaN)
    d = ops.mul(v, ops.log(y))
    return ops.where(ops.logical_and(ops.eq(x, 0.0), ops.le(y, 0.0)), 0.0, d)


def _xlogy_dy(ops, v, out, x, y):
    return ops.div(ops.mul(v, x), y)


xlogy_p = defop(
    "xlogy", shape=binary_float("xlogy"), impl=_xlogy_impl,
    vjp=[_xlogy_dx, _xlogy_dy], jvp=[_xlogy_dx, _xlogy_dy],
    doc="x * log(y), 0 where x == 0 (y = inf and y <= 0 included) unless y is NaN, as torch.xlogy; "
        "d/dx = log(y) (0 where x == 0 and y <= 0), d/dy = x / y. A primitive for those "
        "conventions: a composite cannot give 0 at (0, inf) and the gradient log(y) there.",
)


# ----- sign bit --------------------------------------------------------------------------------------
def _signbit_shape(x: TensorType) -> TensorType:
    if x.dtype.kind != "f":
        raise DTypeError(f"signbit: expected a float tensor, got {x.dtype.name}")
    return TensorType(x.shape, bool_)


signbit_p = defop(
    "signbit", shape=_signbit_shape, impl=lambda xp, x: xp.signbit(x), vjp=[None], jvp=[None],
    doc="Whether the sign bit is set (True for -0.0 and for NaNs with the sign bit); a bool "
        "tensor, not differentiable.",
)
