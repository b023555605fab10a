"""Special functions: ``erf``, for the exact (erf) GELU and ``torch.erf``, and ``erfc``, a
primitive for accuracy in the tails (``1 - erf(x)`` is 0 from x = 6 on, erfc is not).

NumPy has no erf, so the kernel computes it from SunPro's fdlibm method (the rational
approximations of its ``s_erf.c``, written here as array arithmetic in float64, so that NumPy
and CuPy give the same bits): |x| < 0.84375: x + x R(x^2); 0.84375 <= |x| < 1.25: erx +
P1(s)/Q1(s) with s = |x| - 1; 1.25 <= |x| < 6: 1 - exp(-z^2 - 0.5625) exp((z - x)(z + x) + R/S) / x
with z = |x| cut to its high 32 bits; |x| >= 6: 1 (to float64 precision). Errors are below one
ulp of float64; float32 inputs are computed in float64 and rounded once.
"""

from __future__ import annotations

import math

from .._core.registry import defop
from ._rules import unary_float

_ERX = 8.45062911510467529297e-01
_EFX = 1.28379167095512586316e-01
_PP = (1.28379167095512558561e-01, -3.25042107247001499370e-01, -2.84817495755985104766e-02,
       -5.77027029648944159157e-03, -2.37630166566501626084e-05)
_QQ = (1.0, 3.97917223959155352819e-01, 6.50222499887672944485e-02, 5.08130628187576562776e-03,
       1.32494738004321644526e-04, -3.96022827877536812320e-06)
_PA = (-2.36211856075265944077e-03, 4.14856118683748331666e-01, -3.72207876035701323847e-01,
       3.18346619901161753674e-01, -1.10894694282396677476e-01, 3.54783043256182359371e-02,
       -2.16637559486879084300e-03)
_QA = (1.0, 1.06420880400844228286e-01, 5.40397917702171048937e-01, 7.18286544141962662868e-02,
       1.26171219808761642112e-01, 1.36370839120290507362e-02, 1.19844998467991074170e-02)
_RA = (-9.86494403484714822705e-03, -6.93858572707181764372e-01, -1.05586262253232909814e+01,
       -6.23753324503260060396e+01, -1.62396669462573470355e+02, -1.84605092906711035994e+02,
       -8.12874355063065934246e+01, -9.81432934416914548592e+00)
_SA = (1.0, 1.96512716674392571292e+01, 1.37657754143519042600e+02, 4.34565877475229228821e+02,
       6.45387271733267880336e+02, 4.29008140027567833386e+02, 1.08635005541779435134e+02,
       6.57024977031928170135e+00, -6.04244152148580987438e-02)
_RB = (-9.86494292470009928597e-03, -7.99283237680523006574e-01, -1.77579549177547519889e+01,
       -1.60636384855821916062e+02, -6.37566443368389627722e+02, -1.02509513161107724954e+03,
       -4.83519191608651397019e+02)
_SB = (1.0, 3.03380607434824582924e+01, 3.25792512996573918826e+02, 1.53672958608443695994e+03,
       3.19985821950859553908e+03, 2.55305040643316442583e+03, 4.74528541206955367215e+02,
       -2.24409524465858183362e+01)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _poly(t, coeffs):
    """Horner: c0 + t (c1 + t (c2 + ...))."""
    acc = coeffs[-1]
    for c in reversed(coeffs[:-1]):
        acc = acc * t + c
    return acc


def _erf_impl(xp, x):
    d0 = x.astype(xp.float64)
    a0 = xp.abs(d0)
    a = xp.where(a0 < 6.0, a0, 6.0)  # inf and NaN out of the arithmetic (no warnings)
    d = xp.copysign(a, d0)
    # |x| < 0.84375 (tiny |x| < 2^-28: the first series term, as fdlibm)
    z2 = d * d
    small = d + d * (_poly(z2, _PP) / _poly(z2, _QQ))
    small = xp.where(a < 2.0 ** -28, d + _EFX * d, small)
    # 0.84375 <= |x| < 1.25
    s = a - 1.0
    mid = _ERX + _poly(s, _PA) / _poly(s, _QA)
    # 1.25 <= |x| < 6: the asymptotic form, in two exponentials for accuracy
    with_a = xp.where(a < 1.25, 2.0, a)  # keep 1 / a^2 finite where this branch is unused
    t = 1.0 / (with_a * with_a)
    rs = xp.where(with_a < 1.0 / 0.35, _poly(t, _RA) / _poly(t, _SA), _poly(t, _RB) / _poly(t, _SB))
    hi = (with_a.view(xp.uint64) & xp.uint64(0xFFFFFFFF00000000)).view(xp.float64)
    r = xp.exp(-hi * hi - 0.5625) * xp.exp((hi - with_a) * (hi + with_a) + rs)
    big = 1.0 - r / with_a
    mag = xp.where(a < 1.25, mid, xp.where(a < 6.0, big, 1.0))
    out = xp.where(a < 0.84375, small, xp.copysign(mag, d0))
    out = xp.where(xp.isnan(d0), d0, out)
    return out.astype(x.dtype)


def _erf_deriv(ops, x, sign=1.0):
    """erf'(x) = 2/sqrt(pi) exp(-x^2); ``sign=-1`` gives erfc'."""
    return ops.scale(ops.exp(ops.neg(ops.mul(x, x))), sign * _TWO_OVER_SQRT_PI)


erf_p = defop(
    "erf", shape=unary_float("erf"), impl=_erf_impl,
    vjp=[lambda ops, g, out, x: ops.mul(g, _erf_deriv(ops, x))],
    jvp=[lambda ops, t, out, x: ops.mul(t, _erf_deriv(ops, x))],
    doc="The error function (fdlibm's method in float64 array arithmetic, below one ulp); "
        "erf'(x) = 2/sqrt(pi) exp(-x^2). A primitive: it has no composite form.",
)


def _erfc_impl(xp, x):
    """fdlibm's ``erfc`` (s_erf.c) as float64 array arithmetic: below one ulp, no cancellation
    in the tails; |x| >= 28 gives 0 (x > 0) or 2."""
    d0 = x.astype(xp.float64)
    a0 = xp.abs(d0)
    a = xp.where(a0 < 28.0, a0, 28.0)  # inf and NaN out of the arithmetic (no warnings)
    d = xp.copysign(a, d0)
    # |x| < 0.84375: 1 - erf(x) in two forms (cancellation-free for x >= 1/4)
    z2 = d * d
    y = _poly(z2, _PP) / _poly(z2, _QQ)
    small = xp.where(d < 0.25, 1.0 - (d + d * y), 0.5 - (d * y + (d - 0.5)))
    small = xp.where(a < 2.0 ** -56, 1.0 - d, small)
    # 0.84375 <= |x| < 1.25
    s = a - 1.0
    pq = _poly(s, _PA) / _poly(s, _QA)
    mid = xp.where(d0 >= 0, (1.0 - _ERX) - pq, 1.0 + (_ERX + pq))
    # 1.25 <= |x| < 28: exp(-x^2 - 0.5625 + R/S) / x, in two exponentials for accuracy
    with_a = xp.where(a < 1.25, 2.0, a)
    t = 1.0 / (with_a * with_a)
    rs = xp.where(with_a < 1.0 / 0.35, _poly(t, _RA) / _poly(t, _SA), _poly(t, _RB) / _poly(t, _SB))
    hi = (with_a.view(xp.uint64) & xp.uint64(0xFFFFFFFF00000000)).view(xp.float64)
    r = xp.exp(-hi * hi - 0.5625) * xp.exp((hi - with_a) * (hi + with_a) + rs) / with_a
    big = xp.where(d0 > 0, r, 2.0 - r)
    big = xp.where((d0 < 0) & (a >= 6.0), 2.0, big)
    far = xp.where(d0 > 0, 0.0, 2.0)
    out = xp.where(a < 0.84375, small, xp.where(a < 1.25, mid, xp.where(a < 28.0, big, far)))
    out = xp.where(xp.isnan(d0), d0, out)
    return out.astype(x.dtype)


erfc_p = defop(
    "erfc", shape=unary_float("erfc"), impl=_erfc_impl,
    vjp=[lambda ops, g, out, x: ops.mul(g, _erf_deriv(ops, x, -1.0))],
    jvp=[lambda ops, t, out, x: ops.mul(t, _erf_deriv(ops, x, -1.0))],
    doc="The complementary error function 1 - erf(x), accurate in the tails (fdlibm's method in "
        "float64 array arithmetic); erfc'(x) = -2/sqrt(pi) exp(-x^2).",
)
