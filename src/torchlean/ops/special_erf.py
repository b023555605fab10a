"""Primitives of ``torch.special``'s error-function family: ``erfcx``, ``erfinv``, ``ndtri``, and
the conventions of ``entr`` and ``xlog1py``.

Why each is a primitive:

* ``erfcx(x) = exp(x^2) erfc(x)``: the composite overflows (exp) and underflows (erfc) from
  x ~ 26 on, where erfcx ~ 1/(x sqrt(pi)) is fine. The kernel uses fdlibm's rational tail of
  erfc (``special.py``) without its exponential: for 1.25 <= x < 28, erfc(x) = exp(-x^2 - 0.5625
  + R/S) / x, so erfcx(x) = exp(R/S - 0.5625) / x; from 28 on the asymptotic series
  ``(1 - 1/(2x^2) + 3/(2x^2)^2 - ...) / (x sqrt(pi))`` (8 terms); below 1.25, exp(x^2) erfc(x)
  with x^2 split into an exact high part and a small rest, so exp(x^2) keeps full precision up
  to the overflow at x ~ -26.6 (inf, as torch). erfcx'(x) = 2x erfcx(x) - 2/sqrt(pi).
* ``erfinv`` and ``ndtri``: NumPy has neither. |y| <= 1/2: Newton's method on erf from the
  series erfinv(y) ~ sqrt(pi)/2 (y + pi y^3/12 + 7 pi^2 y^5/480); |y| > 1/2: the same on log erfc,
  solving log(erfcx(z)) - z^2 = log(1 - |y|) (1 - |y| is exact there), which keeps full relative
  precision of the tail down to the smallest doubles. The start is Winitzki's closed form (2e-3
  relative) and four Newton steps reach float64 (each squares the error). ``ndtri(p) =
  sqrt(2) erfinv(2p - 1)`` for 1/4 <= p <= 3/4 (2p - 1 = 2(p - 1/2) is exact there), and
  ``-+sqrt(2) erfcinv(2q)`` with q = min(p, 1 - p) in the tails, so tiny p keep their precision.
  erfinv'(y) = sqrt(pi)/2 exp(erfinv(y)^2), ndtri'(p) = sqrt(2 pi) exp(ndtri(p)^2 / 2).
* ``entr(x) = -x log x`` (0 at 0, -inf below): PyTorch's gradient -(1 + log x) is inf at 0 and
  NaN below, which no composite of ``where`` gives.
* ``xlog1py(x, y) = x log1p(y)``: 0 where x == 0 (y = inf and y <= -1 included) unless y is
  NaN, with the gradient log1p(y) there, as ``xlogy``.

Kernels compute in float64 (float32 inputs are rounded once at the end), with NumPy's
floating-point warnings off, and work on NumPy and CuPy.
"""

from __future__ import annotations

import math

from .._core.registry import defop
from ._rules import binary_float, unary_float
from .mathops import _quiet
from .special import _RA, _RB, _SA, _SB, _erf_impl, _erfc_impl, _poly

_SQRT_PI = math.sqrt(math.pi)
_SQRT2 = math.sqrt(2.0)
_TWO_OVER_SQRT_PI = 2.0 / _SQRT_PI
_WINITZKI = 0.147


def _split(xp, a):
    """``a``'s high part (low 32 bits of the double cleared): ``hi * hi`` is exact."""
    return (a.view(xp.uint64) & xp.uint64(0xFFFFFFFF00000000)).view(xp.float64)


def _erfcx64(xp, d):
    """erfcx of a float64 array (see the module docstring)."""
    # below 1.25: exp(x^2) erfc(x), exp(x^2) = exp(hi^2) exp((x - hi)(x + hi))
    lo = xp.where(d < 1.25, d, 0.0)
    lo = xp.where(lo > -27.0, lo, -27.0)  # exp overflows from -26.6 on: inf either way
    hi = _split(xp, lo)
    small = xp.exp(hi * hi) * xp.exp((lo - hi) * (lo + hi)) * _erfc_impl(xp, lo)
    # 1.25 <= x < 28: fdlibm's R/S without the exponential
    mid = xp.where((d >= 1.25) & (d < 28.0), d, 2.0)
    t = 1.0 / (mid * mid)
    rs = xp.where(mid < 1.0 / 0.35, _poly(t, _RA) / _poly(t, _SA), _poly(t, _RB) / _poly(t, _SB))
    middle = xp.exp(rs - 0.5625) / mid
    # x >= 28: the asymptotic series in u = 1 / (2 x^2), Horner from the last of 8 terms
    big = xp.where(d >= 28.0, d, 28.0)
    u = 0.5 / big / big
    acc = xp.ones_like(big)
    for k in range(8, 0, -1):
        acc = 1.0 - (2 * k - 1) * u * acc
    far = acc / (big * _SQRT_PI)
    out = xp.where(d < 1.25, small, xp.where(d < 28.0, middle, far))
    return xp.where(xp.isnan(d), d, out)


def _erfcx_impl(xp, x):
    with _quiet(xp):
        return _erfcx64(xp, x.astype(xp.float64)).astype(x.dtype)


def _erfcx_deriv(ops, out, x):
    return ops.add_scalar(ops.scale(ops.mul(x, out), 2.0), -_TWO_OVER_SQRT_PI)


erfcx_p = defop(
    "erfcx", shape=unary_float("erfcx"), impl=_erfcx_impl,
    vjp=[lambda ops, g, out, x: ops.mul(g, _erfcx_deriv(ops, out, x))],
    jvp=[lambda ops, t, out, x: ops.mul(t, _erfcx_deriv(ops, out, x))],
    doc="exp(x^2) erfc(x) without overflow or underflow (fdlibm's erfc tail without its exponential, "
        "an asymptotic series from 28 on); erfcx' = 2x erfcx(x) - 2/sqrt(pi). A primitive for "
        "stability: the composite overflows from x ~ 26 on.",
)


# ----- inverse error functions ---------------------------------------------------------------------
def _winitzki(xp, log_1my2):
    """Winitzki's approximation of |erfinv(y)| from log(1 - y^2) (2e-3 relative)."""
    t = 2.0 / (math.pi * _WINITZKI) + 0.5 * log_1my2
    return xp.sqrt(xp.sqrt(t * t - log_1my2 / _WINITZKI) - t)


def _erfinv_center(xp, y):
    """erfinv for |y| <= 1/2 (float64; other values are replaced by 0)."""
    y = xp.where(xp.abs(y) <= 0.5, y, 0.0)
    y2 = y * y
    z = (0.5 * _SQRT_PI) * y * (1.0 + y2 * (math.pi / 12.0 + y2 * (7.0 * math.pi ** 2 / 480.0)))
    for _ in range(4):
        z = z - (_erf_impl(xp, z) - y) / (_TWO_OVER_SQRT_PI * xp.exp(-z * z))
    return z


def _erfcinv(xp, q):
    """The z > 0 with erfc(z) = q, for 0 < q <= 1/2 (float64; other values give garbage that
    the callers mask): Newton's method on log erfc(z) = log(erfcx(z)) - z^2."""
    q = xp.where((q > 0.0) & (q <= 0.5), q, 0.5)
    lq = xp.log(q)
    z = _winitzki(xp, lq + xp.log(2.0 - q))
    for _ in range(4):
        e = _erfcx64(xp, z)
        z = z + (xp.log(e) - z * z - lq) * e * (0.5 * _SQRT_PI)
    return z


def _erfinv_impl(xp, y):
    with _quiet(xp):
        d = y.astype(xp.float64)
        a = xp.abs(d)
        tail = xp.copysign(_erfcinv(xp, 1.0 - a), d)
        out = xp.where(a <= 0.5, _erfinv_center(xp, d), tail)
        out = xp.where(a == 1.0, xp.copysign(xp.asarray(math.inf), d), out)
        out = xp.where((a > 1.0) | xp.isnan(d), math.nan, out)
        return out.astype(y.dtype)


def _erfinv_deriv(ops, out):
    return ops.scale(ops.exp(ops.mul(out, out)), 0.5 * _SQRT_PI)


erfinv_p = defop(
    "erfinv", shape=unary_float("erfinv"), impl=_erfinv_impl,
    vjp=[lambda ops, g, out, y: ops.mul(g, _erfinv_deriv(ops, out))],
    jvp=[lambda ops, t, out, y: ops.mul(t, _erfinv_deriv(ops, out))],
    doc="The inverse of erf on (-1, 1) (+-inf at +-1, NaN outside): Newton's method on erf, or on "
        "log erfc for |y| > 1/2; erfinv' = sqrt(pi)/2 exp(erfinv^2). A primitive: NumPy has no erfinv.",
)


def _ndtri_impl(xp, p):
    with _quiet(xp):
        d = p.astype(xp.float64)
        center = _SQRT2 * _erfinv_center(xp, 2.0 * (d - 0.5))
        low = d < 0.25
        q = xp.where(low, d, 1.0 - d)
        tail = _SQRT2 * _erfcinv(xp, 2.0 * q)
        out = xp.where((d >= 0.25) & (d <= 0.75), center, xp.where(low, -tail, tail))
        out = xp.where(d == 0.0, -math.inf, xp.where(d == 1.0, math.inf, out))
        out = xp.where((d < 0.0) | (d > 1.0) | xp.isnan(d), math.nan, out)
        return out.astype(p.dtype)


def _ndtri_deriv(ops, out):
    return ops.scale(ops.exp(ops.scale(ops.mul(out, out), 0.5)), math.sqrt(2.0 * math.pi))


ndtri_p = defop(
    "ndtri", shape=unary_float("ndtri"), impl=_ndtri_impl,
    vjp=[lambda ops, g, out, p: ops.mul(g, _ndtri_deriv(ops, out))],
    jvp=[lambda ops, t, out, p: ops.mul(t, _ndtri_deriv(ops, out))],
    doc="The inverse of the standard normal CDF on (0, 1) (-inf at 0, inf at 1, NaN outside), from "
        "erfinv's two solvers with full precision in both tails; ndtri' = sqrt(2 pi) exp(ndtri^2 / 2). "
        "A primitive: no composite gives the tails.",
)


# ----- entr and xlog1py ------------------------------------------------------------------------------
def _entr_impl(xp, x):
    with _quiet(xp):
        pos = x > 0
        v = -x * xp.log(xp.where(pos, x, 1))
        out = xp.where(pos, v, xp.where(x == 0, xp.zeros((), x.dtype), xp.asarray(-math.inf, x.dtype)))
        return xp.where(xp.isnan(x), x, out).astype(x.dtype)


def _entr_deriv(ops, x):
    return ops.neg(ops.add_scalar(ops.log(x), 1.0))


entr_p = defop(
    "entr", shape=unary_float("entr"), impl=_entr_impl,
    vjp=[lambda ops, g, out, x: ops.mul(g, _entr_deriv(ops, x))],
    jvp=[lambda ops, t, out, x: ops.mul(t, _entr_deriv(ops, x))],
    doc="-x log x for x > 0, 0 at 0, -inf below; the derivative -(1 + log x) is PyTorch's (inf at 0, "
        "NaN below), which no composite of where gives: hence a primitive.",
)


def _xlog1py_impl(xp, x, y):
    with _quiet(xp):
        out = xp.where(x == 0, xp.zeros((), x.dtype), x * xp.log1p(y))
        return xp.where(xp.isnan(y), y, out).astype(x.dtype)


def _xlog1py_dx(ops, v, out, x, y):
    # PyTorch's: xlog1py(v, y), 0 where x == 0 and y <= -1
    d = ops.bind(xlog1py_p, v, y)
    return ops.where(ops.logical_and(ops.eq(x, 0.0), ops.le(y, -1.0)), 0.0, d)


def _xlog1py_dy(ops, v, out, x, y):
    return ops.div(ops.mul(v, x), ops.add_scalar(y, 1.0))


xlog1py_p = defop(
    "xlog1py", shape=binary_float("xlog1py"), impl=_xlog1py_impl,
    vjp=[_xlog1py_dx, _xlog1py_dy], jvp=[_xlog1py_dx, _xlog1py_dy],
    doc="x * log1p(y), 0 where x == 0 (y = inf and y <= -1 included) unless y is NaN, as "
        "torch.special.xlog1py; d/dx = log1p(y) (0 where x == 0 and y <= -1), d/dy = x / (1 + y). "
        "A primitive for those conventions, as xlogy.",
)
