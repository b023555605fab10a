"""Elementwise math primitives beyond the seed's: rounding, trigonometry, accurate exp/log
forms, integer-style division, tensor powers and PyTorch's clamp.

Why each is a primitive (the rest of the family is composite, in ``frontend/mathops.py``):

* ``floor ceil round trunc`` have no composite form; they are piecewise constant (derivative
  ``ZERO``). ``round`` is round-half-to-even, as ``torch.round``.
* ``sin cos`` have no composite form.
* ``expm1 log1p`` for accuracy: ``exp(x) - 1`` and ``log(1 + x)`` lose every digit near 0.
* ``floor_divide remainder`` for exactness: ``x - y * floor(x / y)`` rounds twice, the kernels
  (NumPy's ``floor_divide``/``remainder``, Python's semantics, as PyTorch) do not.
  ``floor_divide`` is piecewise constant (``ZERO``; PyTorch defines no derivative).
* ``pow`` (tensor exponent) has no composite form for integer tensors or negative bases.
* ``clamp_closed`` / ``clamp_tensor``: PyTorch's clamp, whose gradient is 1 on the *closed*
  interval ``[min, max]`` (the seed's ``clamp`` is strict), with tensor bounds too.

Integer kernels follow PyTorch: integer division or remainder by zero raises (checked when the
op runs: the values are data), and an integer raised to a negative integer power is 0 unless
the base is 1 or -1.
"""

from __future__ import annotations

import contextlib
from typing import Any

from .._core.errors import ArgumentError, DTypeError, ShapeError
from .._core.registry import ZERO, defop
from .._core.types import TensorType
from ._rules import binary_numeric, unary_float


def _quiet(xp: Any) -> Any:
    """NumPy's floating-point warnings off for one kernel (IEEE results, as PyTorch)."""
    errstate = getattr(xp, "errstate", None)
    return errstate(all="ignore") if errstate is not None else contextlib.nullcontext()


def _unary(name: str, impl, deriv, doc: str):
    """A float unary op whose VJP and JVP multiply by ``deriv(ops, out, x)`` = f'(x)."""
    return defop(
        name, shape=unary_float(name), impl=impl, doc=doc,
        vjp=[lambda ops, g, out, x: ops.mul(g, deriv(ops, out, x))],
        jvp=[lambda ops, t, out, x: ops.mul(t, deriv(ops, out, x))],
    )


def _constant(name: str, ufunc: str, doc: str):
    """A piecewise-constant float unary op (derivative identically zero)."""
    return defop(name, shape=unary_float(name), impl=lambda xp, x: getattr(xp, ufunc)(x),
                 vjp=[ZERO], jvp=[ZERO], doc=doc)


# ----- rounding (piecewise constant) ---------------------------------------------------------
floor_p = _constant("floor", "floor", "Largest integer <= x (float result). Piecewise constant.")
ceil_p = _constant("ceil", "ceil", "Smallest integer >= x (float result). Piecewise constant.")
round_p = _constant("round", "rint", "Nearest integer, ties to even (as torch.round). Piecewise constant.")
trunc_p = _constant("trunc", "trunc", "x rounded toward zero (float result). Piecewise constant.")

# ----- smooth unary --------------------------------------------------------------------------
sin_p = _unary("sin", lambda xp, x: xp.sin(x), lambda ops, out, x: ops.cos(x), "Sine; sin' = cos.")
cos_p = _unary("cos", lambda xp, x: xp.cos(x), lambda ops, out, x: ops.neg(ops.sin(x)), "Cosine; cos' = -sin.")
expm1_p = _unary("expm1", lambda xp, x: xp.expm1(x), lambda ops, out, x: ops.add_scalar(out, 1.0),
                 "exp(x) - 1, accurate near 0 (a primitive for accuracy).")


def _log1p_impl(xp, x):
    with _quiet(xp):
        return xp.log1p(x)


log1p_p = _unary("log1p", _log1p_impl, lambda ops, out, x: ops.inv(ops.add_scalar(x, 1.0)),
                 "log(1 + x), accurate near 0 (a primitive for accuracy); -1 gives -inf, x < -1 NaN.")


# ----- integer-style division ----------------------------------------------------------------
def _check_int_divisor(op: str, b) -> None:
    if b.dtype.kind == "i" and b.size and bool((b == 0).any()):
        raise ArgumentError(f"{op}: integer division by zero (ZeroDivisionError in PyTorch)")


def _floor_divide_impl(xp, a, b):
    _check_int_divisor("floor_divide", b)
    with _quiet(xp):
        return xp.floor_divide(a, b)


def _remainder_impl(xp, a, b):
    _check_int_divisor("remainder", b)
    with _quiet(xp):
        return xp.remainder(a, b)


floor_divide_p = defop(
    "floor_divide", shape=binary_numeric("floor_divide"), impl=_floor_divide_impl,
    vjp=[ZERO, ZERO], jvp=[ZERO, ZERO],
    doc="floor(a / b) as Python's //, for float and int64 (as torch.floor_divide); x // 0 is "
        "+-inf or NaN for floats and raises for integers. Piecewise constant. A primitive for "
        "exactness (floor(a / b) rounds the quotient first).",
)
remainder_p = defop(
    "remainder", shape=binary_numeric("remainder"), impl=_remainder_impl,
    vjp=[lambda ops, g, out, a, b: g,
         lambda ops, g, out, a, b: ops.neg(ops.mul(g, ops.floor_divide(a, b)))],
    jvp=[lambda ops, t, out, a, b: t,
         lambda ops, t, out, a, b: ops.neg(ops.mul(t, ops.floor_divide(a, b)))],
    doc="a - b * floor(a / b) with the sign of b, as Python's % and torch.remainder, computed "
        "exactly (fmod-based); d/da = 1, d/db = -floor(a / b). A primitive for exactness.",
)


# ----- tensor powers -------------------------------------------------------------------------
def _int_pow(xp, a, b):
    # PyTorch's integer power: a negative exponent gives 0, except for bases 1 and -1.
    neg = b < 0
    out = xp.power(a, xp.where(neg, 0, b))
    if bool(neg.any()):
        odd = (b % 2) != 0
        special = xp.where(a == 1, 1, xp.where(a == -1, xp.where(odd, -1, 1), 0))
        out = xp.where(neg, special, out)
    return out.astype(a.dtype)


def _pow_impl(xp, a, b):
    if a.dtype.kind == "i":
        return _int_pow(xp, a, b)
    with _quiet(xp):
        return xp.power(a, b)


def _pow_da(ops, v, out, a, b):
    # d/da a^b = b a^(b-1), exactly 0 where b == 0 (as PyTorch, even at a = 0)
    d = ops.mul(v, ops.mul(b, ops.pow(a, ops.add_scalar(b, -1.0))))
    return ops.where(ops.eq(b, 0.0), 0.0, d)


def _pow_db(ops, v, out, a, b):
    # d/db a^b = a^b log a, exactly 0 where a == 0 and b >= 0 (as PyTorch)
    d = ops.mul(v, ops.mul(out, ops.log(a)))
    return ops.where(ops.logical_and(ops.eq(a, 0.0), ops.ge(b, 0.0)), 0.0, d)


pow_p = defop(
    "pow", shape=binary_numeric("pow"), impl=_pow_impl,
    vjp=[_pow_da, _pow_db], jvp=[_pow_da, _pow_db],
    doc="a ** b elementwise for tensors a and b (float or int64, as torch.pow); PyTorch's "
        "derivative conventions at a = 0 and b = 0. A primitive: no composite covers integer "
        "tensors and negative bases.",
)


# ----- PyTorch's clamp (closed-interval gradient) --------------------------------------------
def _clamp_closed_shape(x: TensorType, *, lo: Any, hi: Any) -> TensorType:
    if x.dtype.kind not in "fi":
        raise DTypeError(f"clamp_closed: expected a float or int64 tensor, got {x.dtype.name}")
    if lo is None and hi is None:
        raise ArgumentError("clamp_closed: at least one of min and max must be given")
    for what, v in (("min", lo), ("max", hi)):
        if x.dtype.kind == "i" and v is not None and not isinstance(v, int):
            raise DTypeError(f"clamp_closed: an int64 tensor takes int bounds, got {what}={v!r}")
    return x


def _clamp_closed_impl(xp, x, *, lo, hi):
    if lo is not None:
        x = xp.maximum(x, lo)
    if hi is not None:
        x = xp.minimum(x, hi)
    return x


def _closed_mask(ops, x, lo, hi):
    """x >= lo and x <= hi (bool; a missing bound is no condition)."""
    ge = None if lo is None else ops.ge(x, lo)
    le = None if hi is None else ops.le(x, hi)
    if ge is None:
        return le
    return ge if le is None else ops.logical_and(ge, le)


clamp_closed_p = defop(
    "clamp_closed", shape=_clamp_closed_shape, impl=_clamp_closed_impl,
    vjp=[lambda ops, g, out, x, *, lo, hi: ops.where(_closed_mask(ops, x, lo, hi), g, 0.0)],
    jvp=[lambda ops, t, out, x, *, lo, hi: ops.where(_closed_mask(ops, x, lo, hi), t, 0.0)],
    doc="min(max(x, lo), hi) for Python-number bounds (either may be None), as torch.clamp: the "
        "gradient is 1 on the closed interval [lo, hi] (the seed's clamp is strict). A primitive "
        "for the derivative convention (and one node where a composite needs several).",
)


def _clamp_tensor_shape(x: TensorType, lo: TensorType, hi: TensorType) -> TensorType:
    if not x.shape == lo.shape == hi.shape:
        raise ShapeError(f"clamp_tensor: input and bounds must have equal shapes after "
                         f"broadcasting, got {x.shape}, {lo.shape} and {hi.shape}")
    if not x.dtype == lo.dtype == hi.dtype or x.dtype.kind not in "fi":
        raise DTypeError(f"clamp_tensor: expected one float or int64 dtype, got {x.dtype.name}, "
                         f"{lo.dtype.name} and {hi.dtype.name}")
    return x


def _masked(ops, mask, v):
    return ops.where(mask, v, 0.0)


def _clamp_x(ops, v, out, x, lo, hi):
    return _masked(ops, ops.logical_and(ops.ge(x, lo), ops.le(x, hi)), v)


def _clamp_lo(ops, v, out, x, lo, hi):
    return _masked(ops, ops.logical_and(ops.lt(x, lo), ops.lt(lo, hi)), v)


def _clamp_hi(ops, v, out, x, lo, hi):
    return _masked(ops, ops.logical_or(ops.gt(x, hi), ops.lt(hi, lo)), v)


clamp_tensor_p = defop(
    "clamp_tensor", shape=_clamp_tensor_shape,
    impl=lambda xp, x, lo, hi: xp.minimum(xp.maximum(x, lo), hi),
    vjp=[_clamp_x, _clamp_lo, _clamp_hi], jvp=[_clamp_x, _clamp_lo, _clamp_hi],
    doc="min(max(x, lo), hi) with tensor bounds (NaN propagates), with torch.clamp's gradients: "
        "x where lo <= x <= hi, lo where x < lo < hi, hi where x > hi or hi < lo. A primitive for "
        "those derivative conventions (a where-composite cannot both propagate NaN and match).",
)
