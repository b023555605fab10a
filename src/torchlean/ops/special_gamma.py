"""The gamma-function family: ``lgamma`` (log |Gamma(x)|) and ``polygamma(n)`` (the n-th
derivative of digamma; ``n = 0`` is digamma). Primitives: NumPy has no vectorised gamma
functions. Kernels in float64 (float32 rounded once), warnings off, NumPy and CuPy alike.

``lgamma``: the Taylor series ``lgamma(2 + z) = (1 - g) z + sum_k (-1)^k (zeta(k) - 1) z^k / k``
(g Euler's constant, 30 terms for |z| <= 1/2) around 2; ``lgamma(x) = lgamma(x + 1) - log1p(x - 1)``
below 1.5 and ``- log(x) - log1p(x)`` below 1/2, so the zeros at 1 and 2 keep full relative
precision; from 2.5 to 10 the recurrence down to [1.5, 2.5) (a product of at most 8 factors);
from 10 on Stirling's series with 8 Bernoulli terms; below 0 the reflection
``log(pi / |sin(pi x)|) - lgamma(1 - x)`` (inf at the poles 0, -1, -2...).

``polygamma(0)`` (digamma) is PyTorch's algorithm: the recurrence ``psi(x) = psi(x + 1) - 1/x``
up to x >= 10, then ``log x - 1/(2x) - sum B_2k / (2k x^2k)`` (7 terms), reflection
``psi(1 - x) - pi / tan(pi frac(x))`` below 0, -+inf at +-0 and NaN at negative integers. Its
relative error is large only next to its root at 1.4616... (absolute error there ~1e-16, as
PyTorch's). ``polygamma(n >= 1)`` is ``(-1)^(n+1) n! zeta(n + 1, x)``: the Hurwitz zeta function
as the first ``10 + n + 1`` terms of its series plus Euler-Maclaurin's tail (12 Bernoulli
terms), accurate to a few ulps for x > 0; below 0 the reflection
``psi_n(x) = (-1)^n psi_n(1 - x) - pi d^n/dx^n cot(pi x)`` (the derivative of cot as a
polynomial in cot); poles (x = 0, -1, ...) give (-1)^(n+1) inf, x = +inf gives 0.

Derivatives: lgamma' = digamma, polygamma(n)' = polygamma(n + 1).
"""

from __future__ import annotations

import math
from fractions import Fraction

from .._core.errors import ArgumentError, DTypeError
from .._core.registry import defop
from .._core.types import TensorType
from .mathops import _quiet

_EULER = 0.57721566490153286060651209008240243


def _bernoulli(n: int) -> list[Fraction]:
    """B_0 .. B_n (B_1 = -1/2), exactly (the recurrence sum_k C(m+1, k) B_k = 0)."""
    b = [Fraction(1)]
    for m in range(1, n + 1):
        b.append(-sum(math.comb(m + 1, k) * b[k] for k in range(m)) / (m + 1))
    return b


_B = _bernoulli(30)


def _zeta_minus_one(k: int) -> float:
    """zeta(k) - 1 = sum_{n >= 2} n^-k in double precision (Euler-Maclaurin from n = 10)."""
    n = 10
    terms = [float(Fraction(1, m ** k)) for m in range(2, n)]
    terms += [n ** (1 - k) / (k - 1), 0.5 * n ** -k]
    rising = float(k)
    for j in range(1, 12):
        terms.append(float(_B[2 * j] / math.factorial(2 * j)) * rising * n ** (-k - 2 * j + 1))
        rising *= (k + 2 * j - 1) * (k + 2 * j)
    return math.fsum(terms)


# lgamma(2 + z) = sum_k c_k z^k (k >= 1)
_L2 = [1.0 - _EULER] + [(-1) ** k * _zeta_minus_one(k) / k for k in range(2, 31)]
# Stirling: lgamma(x) ~ (x - 1/2) log x - x + log(2 pi) / 2 + sum_k B_2k / (2k (2k - 1) x^(2k - 1))
_STIRLING = [float(_B[2 * k] / (2 * k * (2 * k - 1))) for k in range(1, 9)]
# digamma: psi(x) ~ log x - 1/(2x) - sum_k B_2k / (2k x^2k)
_PSI = [float(_B[2 * k] / (2 * k)) for k in range(1, 8)]
_PSI_10 = 2.25175258906672110764  # psi(10), as PyTorch's special case
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
_LOG_PI = math.log(math.pi)


def _horner(t, coeffs):
    acc = coeffs[-1]
    for c in reversed(coeffs[:-1]):
        acc = acc * t + c
    return acc


def _l2(z):
    """lgamma(2 + z) for |z| <= 1/2."""
    return z * _horner(z, _L2)


def _lgamma_pos(xp, x):
    """lgamma for x > 0 (float64; other values give garbage the caller masks)."""
    x = xp.where(x > 0, x, 1.0)
    tiny = xp.where(x < 0.5, x, 0.25)
    r_tiny = _l2(tiny) - xp.log(tiny) - xp.log1p(tiny)
    one = xp.where((x >= 0.5) & (x < 1.5), x, 1.0) - 1.0
    r_one = _l2(one) - xp.log1p(one)
    r_two = _l2(xp.where((x >= 1.5) & (x < 2.5), x, 2.0) - 2.0)
    mid = xp.where((x >= 2.5) & (x < 10.0), x, 2.5)
    steps = xp.floor(mid - 1.5)
    prod = xp.ones_like(mid)
    for i in range(1, 9):
        prod = prod * xp.where(steps >= i, mid - i, 1.0)
    r_mid = xp.log(prod) + _l2(mid - steps - 2.0)
    big = xp.where(x >= 10.0, x, 10.0)
    inv = 1.0 / big
    r_big = (big - 0.5) * xp.log(big) - big + _HALF_LOG_2PI + inv * _horner(inv * inv, _STIRLING)
    return xp.where(x < 0.5, r_tiny, xp.where(x < 1.5, r_one, xp.where(x < 2.5, r_two,
                                                                        xp.where(x < 10.0, r_mid, r_big))))


def _sinpi_abs(xp, x):
    """|sin(pi x)|, with x reduced exactly to [-1/2, 1/2] first."""
    return xp.abs(xp.sin(math.pi * (x - xp.round(x))))


def _lgamma_impl(xp, x):
    with _quiet(xp):
        d = x.astype(xp.float64)
        neg = d <= 0
        refl = _LOG_PI - xp.log(_sinpi_abs(xp, d)) - _lgamma_pos(xp, xp.where(neg, 1.0 - d, 1.0))
        out = xp.where(neg, refl, _lgamma_pos(xp, d))
        pole = neg & (d == xp.floor(d))
        out = xp.where(pole | xp.isinf(d), math.inf, out)
        return xp.where(xp.isnan(d), d, out).astype(x.dtype)


def _digamma64(xp, d):
    neg = d < 0
    x = xp.where(neg, 1.0 - d, d)
    x = xp.where(xp.isfinite(x) & (x > 0), x, 1.0)
    acc = xp.zeros_like(x)
    for _ in range(10):
        low = x < 10.0
        acc = acc - xp.where(low, 1.0 / x, 0.0)
        x = xp.where(low, x + 1.0, x)
    z = 1.0 / (x * x)
    y = xp.where(x < 1e17, z * _horner(z, _PSI), 0.0)
    out = xp.where(x == 10.0, acc + _PSI_10, acc + xp.log(x) - 0.5 / x - y)
    out = xp.where(neg, out - math.pi / xp.tan(math.pi * (d - xp.trunc(d))), out)
    out = xp.where(d == 0, xp.copysign(xp.asarray(math.inf), -d), out)
    out = xp.where(neg & (d == xp.trunc(d)), math.nan, out)
    return xp.where(d == math.inf, math.inf, xp.where(xp.isnan(d), d, out))


def _cot_derivative(n: int) -> list[float]:
    """Coefficients (in powers of c) of d^n/dx^n cot(pi x) as a polynomial in c = cot(pi x)."""
    p = [0.0, 1.0]
    for _ in range(n):
        dp = [k * p[k] for k in range(1, len(p))]  # P'(c)
        q = [0.0] * (len(dp) + 2)
        for k, v in enumerate(dp):  # -pi (1 + c^2) P'(c)
            q[k] -= math.pi * v
            q[k + 2] -= math.pi * v
        p = q
    return p


def _zeta_tail(xp, s: int, w, b):
    """Euler-Maclaurin's tail sum_{k >= 0} (w + k)^-s given b = w^-s."""
    coeffs, rising = [], float(s)
    for j in range(1, 13):
        coeffs.append(float(_B[2 * j] / math.factorial(2 * j)) * rising)
        rising *= (s + 2 * j - 1) * (s + 2 * j)
    iw = 1.0 / w
    return b * (w / (s - 1) + 0.5 + iw * _horner(iw * iw, coeffs))


def _polygamma_pos(xp, n: int, x):
    """psi_n(x) for x > 0 and n >= 1: (-1)^(n+1) n! zeta(n + 1, x)."""
    s = n + 1
    x = xp.where((x > 0) & xp.isfinite(x), x, 1.0)
    acc = xp.zeros_like(x)
    terms = 10 + s
    for k in range(terms):
        acc = acc + (x + k) ** -s
    w = x + terms
    zeta = acc + _zeta_tail(xp, s, w, w ** -s)
    return (-1.0) ** (n + 1) * math.factorial(n) * zeta


def _polygamma_impl(xp, x, *, n):
    with _quiet(xp):
        d = x.astype(xp.float64)
        if n == 0:
            return _digamma64(xp, d).astype(x.dtype)
        neg = d <= 0
        c = 1.0 / xp.tan(math.pi * (d - xp.round(d)))
        refl = (-1.0) ** n * _polygamma_pos(xp, n, xp.where(neg, 1.0 - d, 1.0)) - math.pi * _horner(
            c, _cot_derivative(n))
        out = xp.where(neg, refl, _polygamma_pos(xp, n, d))
        out = xp.where(neg & (d == xp.floor(d)), (-1.0) ** (n + 1) * math.inf, out)
        out = xp.where(d == math.inf, 0.0, xp.where(d == -math.inf, math.nan, out))
        return xp.where(xp.isnan(d), d, out).astype(x.dtype)


def _polygamma_shape(x: TensorType, *, n: int) -> TensorType:
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ArgumentError(f"polygamma: n must be a non-negative int, got {n!r}")
    if x.dtype.kind != "f":
        raise DTypeError(f"polygamma: expected a float tensor, got {x.dtype.name}")
    return x


def _lgamma_shape(x: TensorType) -> TensorType:
    if x.dtype.kind != "f":
        raise DTypeError(f"lgamma: expected a float tensor, got {x.dtype.name}")
    return x


polygamma_p = defop(
    "polygamma", shape=_polygamma_shape, impl=_polygamma_impl,
    vjp=[lambda ops, g, out, x, *, n: ops.mul(g, ops.bind(polygamma_p, x, n=n + 1))],
    jvp=[lambda ops, t, out, x, *, n: ops.mul(t, ops.bind(polygamma_p, x, n=n + 1))],
    doc="The n-th derivative of digamma (n = 0: digamma, PyTorch's algorithm; n >= 1: the Hurwitz "
        "zeta function by Euler-Maclaurin, reflection below 0); polygamma(n)' = polygamma(n + 1). "
        "A primitive: NumPy has no digamma or zeta.",
)

lgamma_p = defop(
    "lgamma", shape=_lgamma_shape, impl=_lgamma_impl,
    vjp=[lambda ops, g, out, x: ops.mul(g, ops.bind(polygamma_p, x, n=0))],
    jvp=[lambda ops, t, out, x: ops.mul(t, ops.bind(polygamma_p, x, n=0))],
    doc="log |Gamma(x)| (a Taylor series around 2, recurrences, Stirling's series, reflection below "
        "0; inf at the poles); lgamma' = digamma. A primitive: NumPy has no lgamma.",
)
