"""Linear-algebra primitives on batches of matrices ``(..., m, n)``: inverse, solve, log-determinant
and pseudo-inverse (``torchlean.linalg``'s ``inv``, ``solve``, ``slogdet``/``det``, ``pinv``).

Each is a primitive because no composite of the elementwise/matmul ops computes it: the kernels
are LAPACK's (``xp.linalg``, which NumPy and CuPy share). Their derivative rules are written with
``ops`` methods and these primitives only, so they are differentiable again. A singular matrix
where the kernel needs an inverse raises ``ArgumentError`` (NumPy's LAPACK reports it; CuPy's
returns non-finite numbers instead).
"""

from __future__ import annotations

import numpy as np

from .._core.errors import ArgumentError, ShapeError
from .._core.registry import defop
from .._core.types import TensorType, check_float


# ----- helpers shared by the linalg rules (ops-level: they run on every binder) ---------------
def mT(ops, x):  # noqa: N802  (torch's name for the batched transpose)
    """Swap the last two axes."""
    return ops.transpose(x, -2, -1)


def eye_like(ops, n, x):
    """The (n, n) identity in ``x``'s dtype, a constant."""
    dt = ops.type_of(x).dtype
    return ops.lift(np.eye(n, dtype=dt), dt)


def bcast_scalar(ops, s):
    """(...) -> (..., 1, 1), to scale a batch of matrices."""
    return ops.unsqueeze(ops.unsqueeze(s, -1), -1)


def square_type(op, a):
    dt = check_float(op, a)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ShapeError(f"{op}: expected a batch of square matrices (..., n, n), got shape {a.shape}")
    return dt


def lapack(op, fn, what="the matrix is singular"):
    """Run a LAPACK call; its failure (a singular or indefinite input) is an ``ArgumentError``."""
    try:
        return fn()
    except np.linalg.LinAlgError as e:
        raise ArgumentError(f"{op}: {what} ({e})") from None


def _check_finite(op, xp, y, what):
    # CuPy reports no LAPACK failure: a singular input shows as non-finite numbers
    if not xp.__name__.startswith("numpy") and y.size and not bool(xp.isfinite(y).all()):
        raise ArgumentError(f"{op}: {what}")
    return y


# ----- inverse -----------------------------------------------------------------------------------
def _inv_shape(a: TensorType) -> TensorType:
    square_type("linalg_inv", a)
    return a


def _inv_impl(xp, a):
    if a.size == 0:
        return xp.zeros(a.shape, a.dtype)
    y = lapack("linalg.inv", lambda: xp.linalg.inv(a))
    return _check_finite("linalg.inv", xp, y, "the matrix is singular").astype(a.dtype, copy=False)


def inv(ops, a):
    return ops.bind(linalg_inv_p, a)


linalg_inv_p = defop(
    "linalg_inv", shape=_inv_shape, impl=_inv_impl,
    vjp=[lambda ops, g, out, a: ops.neg(ops.matmul(mT(ops, out), ops.matmul(g, mT(ops, out))))],
    jvp=[lambda ops, t, out, a: ops.neg(ops.matmul(out, ops.matmul(t, out)))],
    doc="Inverse of a batch of square matrices (LAPACK): d(A^-1) = -A^-1 dA A^-1. A primitive: "
        "no composite of the other ops inverts a matrix.",
)


# ----- solve ---------------------------------------------------------------------------------
def _solve_shape(a: TensorType, b: TensorType) -> TensorType:
    square_type("linalg_solve", a)
    check_float("linalg_solve", a, b)
    if b.ndim != a.ndim or b.shape[:-2] != a.shape[:-2] or b.shape[-2] != a.shape[-1]:
        raise ShapeError(f"linalg_solve: expected A (..., n, n) and B (..., n, k) with equal batch axes, "
                         f"got A {a.shape} and B {b.shape}")
    return b


def _solve_impl(xp, a, b):
    if a.size == 0 or b.size == 0:
        return xp.zeros(b.shape, b.dtype)
    y = lapack("linalg.solve", lambda: xp.linalg.solve(a, b))
    return _check_finite("linalg.solve", xp, y, "the matrix A is singular").astype(b.dtype, copy=False)


def solve(ops, a, b):
    return ops.bind(linalg_solve_p, a, b)


linalg_solve_p = defop(
    "linalg_solve", shape=_solve_shape, impl=_solve_impl,
    vjp=[lambda ops, g, out, a, b: ops.neg(ops.matmul(solve(ops, mT(ops, a), g), mT(ops, out))),
         lambda ops, g, out, a, b: solve(ops, mT(ops, a), g)],
    jvp=[lambda ops, t, out, a, b: ops.neg(solve(ops, a, ops.matmul(t, out))),
         lambda ops, t, out, a, b: solve(ops, a, t)],
    doc="X with A X = B for batches A (..., n, n), B (..., n, k) (LAPACK's LU solve): "
        "dX = A^-1 (dB - dA X). A primitive: more accurate than inv(A) @ B.",
)


# ----- sign and log of |det| -------------------------------------------------------------------
def _slogdet_shape(a: TensorType) -> TensorType:
    dt = square_type("linalg_slogdet", a)
    return TensorType((*a.shape[:-2], 2), dt)


def _slogdet_impl(xp, a):
    sign, logabs = xp.linalg.slogdet(a)
    return xp.stack([xp.asarray(sign), xp.asarray(logabs)], axis=-1).astype(a.dtype, copy=False)


def _logabs(ops, v):
    """The log|det| half of a packed (..., 2) value."""
    return ops.squeeze(ops.narrow(v, -1, 1, 1), -1)


def _slogdet_vjp(ops, g, out, a):
    return ops.mul(bcast_scalar(ops, _logabs(ops, g)), mT(ops, inv(ops, a)))


def _slogdet_jvp(ops, t, out, a):
    d = ops.reduce_sum(ops.mul(mT(ops, inv(ops, a)), t), (-2, -1))
    return ops.stack([ops.zeros_like(d), d], -1)


linalg_slogdet_p = defop(
    "linalg_slogdet", shape=_slogdet_shape, impl=_slogdet_impl, vjp=[_slogdet_vjp], jvp=[_slogdet_jvp],
    doc="(sign, log|det A|) packed as (..., 2) (LAPACK's LU): one factorisation for both; the sign's "
        "derivative is 0, d log|det A| = tr(A^-1 dA) (the gradient raises at a singular A). A "
        "primitive: no composite computes a determinant.",
)


# ----- pseudo-inverse ------------------------------------------------------------------------
def _pinv_shape(a: TensorType, *, atol: float, rtol: float) -> TensorType:
    dt = check_float("linalg_pinv", a)
    if a.ndim < 2:
        raise ShapeError(f"linalg_pinv: expected a batch of matrices (..., m, n), got shape {a.shape}")
    return TensorType((*a.shape[:-2], a.shape[-1], a.shape[-2]), dt)


def _pinv_impl(xp, a, *, atol, rtol):
    m, n = a.shape[-2:]
    if a.size == 0:
        return xp.zeros((*a.shape[:-2], n, m), a.dtype)
    u, s, vh = xp.linalg.svd(a, full_matrices=False)
    tol = xp.maximum(atol, rtol * s.max(axis=-1, keepdims=True)) if s.shape[-1] else atol
    keep = s > tol
    sinv = xp.where(keep, 1.0 / xp.where(keep, s, 1.0), 0.0).astype(a.dtype, copy=False)
    return xp.matmul(vh.swapaxes(-1, -2) * sinv[..., None, :], u.swapaxes(-1, -2)).astype(a.dtype, copy=False)


def _pinv_terms(ops, p, a):
    """(I - A P) and (I - P A) for P = pinv(A)."""
    m, n = ops.shape_of(a)[-2:]
    return (ops.sub(eye_like(ops, m, a), ops.matmul(a, p)), ops.sub(eye_like(ops, n, a), ops.matmul(p, a)))


def _pinv_vjp(ops, g, p, a, *, atol, rtol):
    left, right = _pinv_terms(ops, p, a)
    pt = mT(ops, p)
    gt = mT(ops, g)
    return ops.add(ops.neg(ops.matmul(pt, ops.matmul(g, pt))),
                   ops.add(ops.matmul(left, ops.matmul(gt, ops.matmul(p, pt))),
                           ops.matmul(ops.matmul(pt, p), ops.matmul(gt, right))))


def _pinv_jvp(ops, t, p, a, *, atol, rtol):
    left, right = _pinv_terms(ops, p, a)
    tt = mT(ops, t)
    pt = mT(ops, p)
    return ops.add(ops.neg(ops.matmul(p, ops.matmul(t, p))),
                   ops.add(ops.matmul(ops.matmul(p, pt), ops.matmul(tt, left)),
                           ops.matmul(right, ops.matmul(tt, ops.matmul(pt, p)))))


linalg_pinv_p = defop(
    "linalg_pinv", shape=_pinv_shape, impl=_pinv_impl, vjp=[_pinv_vjp], jvp=[_pinv_jvp],
    doc="Moore-Penrose pseudo-inverse from the SVD, singular values <= max(atol, rtol * s_max) "
        "dropped. Derivative: the constant-rank formula dP = -P dA P + P P^T dA^T (I - A P) + "
        "(I - P A) dA^T P^T P (PyTorch's), valid also at repeated singular values, which a "
        "composite through the SVD's rules is not: hence a primitive.",
)
