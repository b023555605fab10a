"""Gradient checks that need no reference implementation.

* ``numerical_jvp``: central differences of f at xs along directions ts.
* ``check_jvp_fd``: an analytic JVP against central differences.
* ``check_dot_product``: ``<J t, c> == <t, J^T c>``: a JVP and a VJP are adjoint. With one
  random t and c this validates the whole VJP against the JVP at any input size.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np


def numerical_jvp(f: Callable[..., np.ndarray], xs: Sequence[np.ndarray], ts: Sequence[np.ndarray | None],
                  eps: float = 1e-6) -> np.ndarray:
    """(f(x + eps t) - f(x - eps t)) / (2 eps), float64. ``None`` tangents leave an input fixed."""
    hi = [x if t is None else x + eps * t for x, t in zip(xs, ts)]
    lo = [x if t is None else x - eps * t for x, t in zip(xs, ts)]
    return (np.asarray(f(*hi), np.float64) - np.asarray(f(*lo), np.float64)) / (2 * eps)


def _inner(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sum(np.asarray(a, np.float64) * np.asarray(b, np.float64)))


def check_jvp_fd(jt: np.ndarray, f: Callable[..., np.ndarray], xs: Sequence[np.ndarray],
                 ts: Sequence[np.ndarray | None], rtol: float = 1e-5, atol: float = 1e-6,
                 eps: float = 1e-6, what: str = "jvp") -> None:
    """Assert an analytic JVP matches central differences."""
    num = numerical_jvp(f, xs, ts, eps)
    np.testing.assert_allclose(np.asarray(jt, np.float64), num, rtol=rtol, atol=atol,
                               err_msg=f"{what}: JVP differs from central differences")


def check_dot_product(jt: np.ndarray, c: np.ndarray, ts: Sequence[np.ndarray | None],
                      cts: Sequence[np.ndarray | None], rtol: float = 1e-9, atol: float = 1e-10,
                      what: str = "vjp") -> None:
    """Assert ``<J t, c> == sum_i <t_i, (J^T c)_i>`` (JVP and VJP are adjoint)."""
    lhs = _inner(jt, c)
    rhs = sum(_inner(t, ct) for t, ct in zip(ts, cts) if t is not None and ct is not None)
    scale = max(1.0, abs(lhs), abs(rhs))
    assert abs(lhs - rhs) <= atol + rtol * scale, \
        f"{what}: dot-product test failed: <Jt,c> = {lhs!r}, <t,J^T c> = {rhs!r}"
