"""Modified Bessel functions of the first kind, orders 0 and 1: ``i0 i0e i1 i1e`` (``i0e(x) =
exp(-|x|) i0(x)``, ``i1e`` likewise). Primitives: NumPy has ``i0`` only (no ``i1``, no scaled
forms, and its ``i0`` is not on CuPy's list of shared functions).

Kernels (float64, float32 rounded once at the end): for |x| <= 21 the power series
``I0(x) = sum (x^2/4)^k / (k!)^2`` and ``I1(x) = (x/2) sum (x^2/4)^k / (k! (k+1)!)`` (60 terms,
all positive, nested as Horner's rule); beyond, the asymptotic series
``I_v(x) ~ e^x / sqrt(2 pi x) sum_k (-1)^k a_k(v) / x^k``, ``a_k = prod_{j<=k} (4v^2 - (2j-1)^2) /
(k! 8^k)``, summed smallest term first over 36 terms (its smallest term is below 1e-17 there).
``i0``/``i1`` multiply the scaled value by exp(|x|), so they overflow to inf from |x| ~ 709.8 on,
as PyTorch's. Relative errors are a few float64 ulps.

Derivatives (PyTorch's formulas): i0' = i1, i0e' = i1e - sign(x) i0e, i1' = i0 - i1/x and
i1e' = i0e - i1e (sign(x) + 1/x), both 1/2 where |x| <= eps (x replaced by eps first, so the
unused branch never divides by 0).
"""

from __future__ import annotations

import math

import numpy as np

from .._core.registry import defop
from ._rules import unary_float
from .mathops import _quiet

_SERIES_MAX = 21.0
_SERIES_TERMS = 60
_ASYMPTOTIC_TERMS = 36
_EPS64 = float(np.finfo(np.float64).eps)


def _series(xp, a, order):
    """sum_k (a^2/4)^k / (k! (k + order)!) by Horner's rule (times (a/2) for order 1)."""
    t = 0.25 * a * a
    acc = xp.ones_like(a)
    for k in range(_SERIES_TERMS, 0, -1):
        acc = 1.0 + acc * t / (k * (k + order))
    return acc if order == 0 else 0.5 * a * acc


def _asymptotic(xp, a, order):
    """sqrt(2 pi a) e^-a I_order(a) for large a: the terms, then their sum from the smallest."""
    mu = 4.0 * order * order
    term = xp.ones_like(a)
    terms = [term]
    for k in range(1, _ASYMPTOTIC_TERMS):
        term = term * (-(mu - (2 * k - 1) ** 2) / (8.0 * k)) / a
        terms.append(term)
    acc = xp.zeros_like(a)
    for term in reversed(terms):
        acc = acc + term
    return acc / xp.sqrt(2.0 * math.pi * a)


def _scaled(xp, d, order):
    """exp(-|x|) I_order(x) of a float64 array, and whether |x| was in the series range."""
    a = xp.abs(d)
    near = a <= _SERIES_MAX
    s = _series(xp, xp.where(near, a, 0.0), order) * xp.exp(-xp.where(near, a, 0.0))
    far = _asymptotic(xp, xp.where(near, _SERIES_MAX + 1.0, xp.where(xp.isinf(a), 1e300, a)), order)
    out = xp.where(near, s, xp.where(xp.isinf(a), 0.0, far))
    if order == 1:
        out = xp.copysign(out, d)
    return xp.where(xp.isnan(d), d, out)


def _kernel(order, scaled):
    def impl(xp, x):
        with _quiet(xp):
            d = x.astype(xp.float64)
            out = _scaled(xp, d, order)
            if not scaled:
                a = xp.abs(d)
                near = a <= _SERIES_MAX
                unscaled = _series(xp, xp.where(near, d if order else a, 0.0), order)
                out = xp.where(near, unscaled, out * xp.exp(a))
                out = xp.where(xp.isinf(d), d if order else a, out)
                out = xp.where(xp.isnan(d), d, out)
            return out.astype(x.dtype)

    return impl


def _safe(ops, x):
    """(|x| > eps, x with its tiny values replaced by eps)."""
    big = ops.gt(ops.abs(x), _EPS64)
    return big, ops.where(big, x, _EPS64)


def _i1_deriv(ops, out, x):
    big, xs = _safe(ops, x)
    return ops.where(big, ops.sub(ops.bind(i0_p, xs), ops.div(out, xs)), 0.5)


def _i1e_deriv(ops, out, x):
    big, xs = _safe(ops, x)
    d = ops.sub(ops.bind(i0e_p, xs), ops.mul(out, ops.add(ops.sign(xs), ops.inv(xs))))
    return ops.where(big, d, 0.5)


def _prim(name, order, scaled, deriv, doc):
    return defop(
        name, shape=unary_float(name), impl=_kernel(order, scaled), doc=doc,
        vjp=[lambda ops, g, out, x: ops.mul(g, deriv(ops, out, x))],
        jvp=[lambda ops, t, out, x: ops.mul(t, deriv(ops, out, x))],
    )


i0_p = _prim("i0", 0, False, lambda ops, out, x: ops.bind(i1_p, x),
             "The modified Bessel function I0 (series below 21, asymptotic beyond); i0' = i1.")
i0e_p = _prim("i0e", 0, True, lambda ops, out, x: ops.sub(ops.bind(i1e_p, x), ops.mul(ops.sign(x), out)),
              "exp(-|x|) I0(x), finite for every x; i0e' = i1e - sign(x) i0e.")
i1_p = _prim("i1", 1, False, _i1_deriv,
             "The modified Bessel function I1 (odd); i1' = i0 - i1/x, 1/2 at |x| <= eps.")
i1e_p = _prim("i1e", 1, True, _i1e_deriv,
              "exp(-|x|) I1(x); i1e' = i0e - i1e (sign(x) + 1/x), 1/2 at |x| <= eps.")
