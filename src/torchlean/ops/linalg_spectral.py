"""Factorisation primitives on batches of matrices: Cholesky, symmetric eigendecomposition, SVD
and QR (``torchlean.linalg``'s ``cholesky``, ``eigh``/``eigvalsh``, ``svd``/``svdvals``, ``qr``).

A primitive has one output, so a factorisation with several is one primitive whose output packs
them along the second-to-last axis (the PyTorch-shaped functions ``narrow`` them apart): one
LAPACK call, and the derivative rules read every factor from ``out``.

* ``linalg_eigh``: ``(..., n+1, n)`` = eigenvalues (row 0, ascending) over the eigenvectors.
* ``linalg_svd``: ``(..., m+1+n, k)``, ``k = min(m, n)``: ``U``, then ``S``, then ``V = Vh^T``.
* ``linalg_qr``: ``(..., m+n, k)``: ``Q`` (m, k) over ``R^T`` (n, k) (reduced mode).

``cholesky`` and ``eigh`` read one triangle of the input (the lower one, or the upper with
``upper=True``), as LAPACK and PyTorch do: the function is ``f(tril(A) + tril(A, -1)^T)``, and
its rules are the derivative of exactly that (PyTorch's gradient is the symmetric one, the
same on symmetric perturbations). Gradients of eigenvectors and singular vectors exist for
distinct eigenvalues / singular values only. Where two are exactly equal (or a singular value is
exactly 0) the terms dividing by their gap (or by it) are dropped instead of giving PyTorch's
inf/NaN: those terms multiply the eigen/singular-vector cotangents, so functions of the values
alone (``eigvalsh``, ``svdvals``, the spectral norms) keep finite, correct gradients at
repeated values (the identity matrix, say), as in PyTorch.
"""

from __future__ import annotations

from .._core.errors import ArgumentError, ShapeError
from .._core.registry import defop
from .._core.types import TensorType, check_float
from .linalg_solve import eye_like, lapack, mT, solve, square_type


def _sym_from(ops, x, upper):
    """The symmetric matrix one triangle of ``x`` defines."""
    if upper:
        return ops.add(ops.triu(x), mT(ops, ops.triu(x, 1)))
    return ops.add(ops.tril(x), mT(ops, ops.tril(x, -1)))


def _sym_from_adjoint(ops, g, upper):
    """The adjoint of ``_sym_from``: a cotangent of the symmetric matrix back on the triangle."""
    if upper:
        return ops.add(ops.triu(g), ops.triu(mT(ops, g), 1))
    return ops.add(ops.tril(g), ops.tril(mT(ops, g), -1))


def _rows(ops, x, start, length):
    return ops.narrow(x, -2, start, length)


def _diag(ops, x):
    """The main diagonal of a batch of square matrices, (..., n)."""
    n = ops.shape_of(x)[-1]
    return ops.reduce_sum(ops.mul(x, eye_like(ops, n, x)), -1)


def _diag_embed(ops, v):
    n = ops.shape_of(v)[-1]
    return ops.mul(ops.unsqueeze(v, -1), eye_like(ops, n, v))


def _safe_inv(ops, x):
    """1 / x, and 0 where x == 0 (see the module docstring)."""
    zero = ops.eq(x, 0.0)
    return ops.where(zero, 0.0, ops.div(1.0, ops.where(zero, 1.0, x)))


def _gaps(ops, w):
    """F with F[i, j] = 1 / (w[j] - w[i]) off the diagonal, 0 on it and where w[i] == w[j]."""
    return _safe_inv(ops, ops.sub(ops.unsqueeze(w, -2), ops.unsqueeze(w, -1)))


# ----- Cholesky --------------------------------------------------------------------------------
def _chol_impl(xp, a, *, upper=False):
    if a.size == 0:
        return xp.zeros(a.shape, a.dtype)
    src = a.swapaxes(-1, -2) if upper else a  # the upper triangle of a is the lower one of a^T
    y = lapack("linalg.cholesky", lambda: xp.linalg.cholesky(src), "the input is not positive-definite")
    if not xp.__name__.startswith("numpy") and not bool(xp.isfinite(y).all()):  # CuPy reports nothing
        raise ArgumentError("linalg.cholesky: the input is not positive-definite")
    return xp.tril(y).astype(a.dtype, copy=False)


def _phi(ops, x):
    """The lower triangle with the diagonal halved."""
    return ops.sub(ops.tril(x), ops.scale(_diag_embed(ops, _diag(ops, x)), 0.5))


def _chol_vjp(ops, g, L, a, *, upper=False):
    # sym(L^-T phi(L^T g) L^-1), then back on the triangle the kernel read
    w = solve(ops, mT(ops, L), _phi(ops, ops.matmul(mT(ops, L), g)))
    s = mT(ops, solve(ops, mT(ops, L), mT(ops, w)))
    s = ops.scale(ops.add(s, mT(ops, s)), 0.5)
    return _sym_from_adjoint(ops, s, upper)


def _chol_jvp(ops, t, L, a, *, upper=False):
    e = _sym_from(ops, t, upper)
    m = solve(ops, L, mT(ops, solve(ops, L, e)))  # L^-1 E L^-T (E symmetric)
    return ops.matmul(L, _phi(ops, m))


def _chol_shape(a: TensorType, *, upper: bool = False) -> TensorType:
    square_type("linalg_cholesky", a)
    return a


linalg_cholesky_p = defop(
    "linalg_cholesky", shape=_chol_shape, impl=_chol_impl, vjp=[_chol_vjp], jvp=[_chol_jvp],
    doc="Lower Cholesky factor L (A = L L^T) of the symmetric matrix one triangle of A defines "
        "(LAPACK potrf); dL = L phi(L^-1 dA L^-T), phi = lower triangle with half diagonal. A "
        "primitive: no composite factorises.",
)


# ----- symmetric eigendecomposition -----------------------------------------------------------
def _eigh_shape(a: TensorType, *, upper: bool = False) -> TensorType:
    dt = square_type("linalg_eigh", a)
    n = a.shape[-1]
    return TensorType((*a.shape[:-2], n + 1, n), dt)


def _eigh_impl(xp, a, *, upper=False):
    n = a.shape[-1]
    if a.size == 0:
        return xp.zeros((*a.shape[:-2], n + 1, n), a.dtype)
    w, v = xp.linalg.eigh(a, UPLO="U" if upper else "L")
    return xp.concatenate([w[..., None, :], v], axis=-2).astype(a.dtype, copy=False)


def _eigh_parts(ops, x):
    n = ops.shape_of(x)[-1]
    return ops.squeeze(_rows(ops, x, 0, 1), -2), _rows(ops, x, 1, n)


def _eigh_vjp(ops, g, out, a, *, upper=False):
    w, v = _eigh_parts(ops, out)
    gw, gv = _eigh_parts(ops, g)
    vg = ops.matmul(mT(ops, v), gv)
    inner = ops.add(_diag_embed(ops, gw), ops.mul(_gaps(ops, w), ops.scale(ops.sub(vg, mT(ops, vg)), 0.5)))
    return _sym_from_adjoint(ops, ops.matmul(v, ops.matmul(inner, mT(ops, v))), upper)


def _eigh_jvp(ops, t, out, a, *, upper=False):
    w, v = _eigh_parts(ops, out)
    p = ops.matmul(mT(ops, v), ops.matmul(_sym_from(ops, t, upper), v))
    dv = ops.matmul(v, ops.mul(_gaps(ops, w), p))
    return ops.cat([ops.unsqueeze(_diag(ops, p), -2), dv], -2)


linalg_eigh_p = defop(
    "linalg_eigh", shape=_eigh_shape, impl=_eigh_impl, vjp=[_eigh_vjp], jvp=[_eigh_jvp],
    doc="Eigenvalues (ascending, row 0) and eigenvectors (rows 1..n) of the symmetric matrix one "
        "triangle of A defines (LAPACK syevd), packed (..., n+1, n). dw = diag(V^T dA V), "
        "dV = V (F o V^T dA V), F_ij = 1/(w_j - w_i). A primitive: no composite diagonalises.",
)


# ----- singular value decomposition ----------------------------------------------------------
def _svd_shape(a: TensorType) -> TensorType:
    dt = check_float("linalg_svd", a)
    if a.ndim < 2:
        raise ShapeError(f"linalg_svd: expected a batch of matrices (..., m, n), got shape {a.shape}")
    m, n = a.shape[-2:]
    return TensorType((*a.shape[:-2], m + 1 + n, min(m, n)), dt)


def _svd_impl(xp, a):
    m, n = a.shape[-2:]
    k = min(m, n)
    if a.size == 0:
        return xp.zeros((*a.shape[:-2], m + 1 + n, k), a.dtype)
    u, s, vh = xp.linalg.svd(a, full_matrices=False)
    return xp.concatenate([u, s[..., None, :], vh.swapaxes(-1, -2)], axis=-2).astype(a.dtype, copy=False)


def _svd_parts(ops, x, a):
    m, n = ops.shape_of(a)[-2:]
    return _rows(ops, x, 0, m), ops.squeeze(_rows(ops, x, m, 1), -2), _rows(ops, x, m + 1, n)


def _sv_gaps(ops, s):
    return _gaps(ops, ops.mul(s, s))


def _svd_vjp(ops, g, out, a):
    u, s, v = _svd_parts(ops, out, a)
    gu, gs, gv = _svd_parts(ops, g, a)
    m, n = ops.shape_of(a)[-2:]
    f = _sv_gaps(ops, s)
    j = ops.mul(f, ops.matmul(mT(ops, u), gu))
    k = ops.mul(f, ops.matmul(mT(ops, v), gv))
    row = ops.unsqueeze(s, -2)  # X * row = X @ diag(s); diag(s) @ X = X * col
    col = ops.unsqueeze(s, -1)
    core = ops.add(ops.add(ops.mul(ops.add(j, mT(ops, j)), row), ops.mul(ops.add(k, mT(ops, k)), col)),
                   _diag_embed(ops, gs))
    ga = ops.matmul(u, ops.matmul(core, mT(ops, v)))
    sinv = _safe_inv(ops, row)
    if m > min(m, n):  # (I - U U^T) gU S^-1 V^T
        pu = ops.sub(gu, ops.matmul(u, ops.matmul(mT(ops, u), gu)))
        ga = ops.add(ga, ops.matmul(ops.mul(pu, sinv), mT(ops, v)))
    if n > min(m, n):  # U S^-1 gV^T (I - V V^T)
        pv = ops.sub(gv, ops.matmul(v, ops.matmul(mT(ops, v), gv)))
        ga = ops.add(ga, ops.matmul(ops.mul(u, sinv), mT(ops, pv)))
    return ga


def _svd_jvp(ops, t, out, a):
    u, s, v = _svd_parts(ops, out, a)
    m, n = ops.shape_of(a)[-2:]
    f = _sv_gaps(ops, s)
    row, col = ops.unsqueeze(s, -2), ops.unsqueeze(s, -1)
    p = ops.matmul(mT(ops, u), ops.matmul(t, v))
    pt = mT(ops, p)
    du = ops.matmul(u, ops.mul(f, ops.add(ops.mul(p, row), ops.mul(pt, col))))
    dv = ops.matmul(v, ops.mul(f, ops.add(ops.mul(p, col), ops.mul(pt, row))))
    sinv = _safe_inv(ops, row)
    if m > min(m, n):
        tv = ops.matmul(t, v)
        du = ops.add(du, ops.mul(ops.sub(tv, ops.matmul(u, ops.matmul(mT(ops, u), tv))), sinv))
    if n > min(m, n):
        tu = ops.matmul(mT(ops, t), u)
        dv = ops.add(dv, ops.mul(ops.sub(tu, ops.matmul(v, ops.matmul(mT(ops, v), tu))), sinv))
    return ops.cat([du, ops.unsqueeze(_diag(ops, p), -2), dv], -2)


linalg_svd_p = defop(
    "linalg_svd", shape=_svd_shape, impl=_svd_impl, vjp=[_svd_vjp], jvp=[_svd_jvp],
    doc="Reduced SVD A = U diag(S) V^T (LAPACK gesdd), packed (..., m+1+n, k): U, S (descending), "
        "V. The rules are the standard real-SVD derivatives (F_ij = 1/(s_j^2 - s_i^2), plus the "
        "projections off the span of U / V for non-square A). A primitive: no composite computes it.",
)


# ----- QR ------------------------------------------------------------------------------------------
def _qr_shape(a: TensorType) -> TensorType:
    dt = check_float("linalg_qr", a)
    if a.ndim < 2:
        raise ShapeError(f"linalg_qr: expected a batch of matrices (..., m, n), got shape {a.shape}")
    m, n = a.shape[-2:]
    return TensorType((*a.shape[:-2], m + n, min(m, n)), dt)


def _qr_impl(xp, a):
    m, n = a.shape[-2:]
    if a.size == 0:
        return xp.zeros((*a.shape[:-2], m + n, min(m, n)), a.dtype)
    q, r = xp.linalg.qr(a, mode="reduced")
    return xp.concatenate([q, r.swapaxes(-1, -2)], axis=-2).astype(a.dtype, copy=False)


def _qr_parts(ops, x, a):
    m, n = ops.shape_of(a)[-2:]
    return _rows(ops, x, 0, m), mT(ops, _rows(ops, x, m, n))


def _rinv_right(ops, x, r):
    """x R^-1 for upper-triangular square R."""
    return mT(ops, solve(ops, mT(ops, r), mT(ops, x)))


def _qr_square_vjp(ops, q, r, gq, gr):
    """Cotangent of X (m, k) for X = Q R with R (k, k) square upper triangular."""
    mm = ops.sub(ops.matmul(gr, mT(ops, r)), ops.matmul(mT(ops, q), gq))
    nn = ops.add(ops.triu(mm), mT(ops, ops.triu(mm, 1)))
    return mT(ops, solve(ops, r, mT(ops, ops.add(gq, ops.matmul(q, nn)))))  # (gQ + Q N) R^-T


def _qr_square_jvp(ops, q, r, t):
    """(dQ, dR) for X = Q R, R square, along dX = t."""
    tr = _rinv_right(ops, t, r)
    c = ops.matmul(mT(ops, q), tr)
    low = ops.tril(c, -1)
    om = ops.sub(low, mT(ops, low))
    return ops.add(ops.matmul(q, om), ops.sub(tr, ops.matmul(q, c))), ops.matmul(ops.sub(c, om), r)


def _qr_vjp(ops, g, out, a):
    q, r = _qr_parts(ops, out, a)
    gq, gr = _qr_parts(ops, g, a)
    m, n = ops.shape_of(a)[-2:]
    if m >= n:
        return _qr_square_vjp(ops, q, r, gq, gr)
    # A = [X | Y] with X (m, m): R = [U | V], X = Q U, V = Q^T Y
    u, gu = ops.narrow(r, -1, 0, m), ops.narrow(gr, -1, 0, m)
    y, gvv = ops.narrow(a, -1, m, n - m), ops.narrow(gr, -1, m, n - m)
    gx = _qr_square_vjp(ops, q, u, ops.add(gq, ops.matmul(y, mT(ops, gvv))), gu)
    return ops.cat([gx, ops.matmul(q, gvv)], -1)


def _qr_jvp(ops, t, out, a):
    q, r = _qr_parts(ops, out, a)
    m, n = ops.shape_of(a)[-2:]
    if m >= n:
        dq, dr = _qr_square_jvp(ops, q, r, t)
    else:
        u = ops.narrow(r, -1, 0, m)
        y, tx, ty = ops.narrow(a, -1, m, n - m), ops.narrow(t, -1, 0, m), ops.narrow(t, -1, m, n - m)
        dq, du = _qr_square_jvp(ops, q, u, tx)
        dv = ops.add(ops.matmul(mT(ops, dq), y), ops.matmul(mT(ops, q), ty))
        dr = ops.cat([du, dv], -1)
    return ops.cat([dq, mT(ops, dr)], -2)


linalg_qr_p = defop(
    "linalg_qr", shape=_qr_shape, impl=_qr_impl, vjp=[_qr_vjp], jvp=[_qr_jvp],
    doc="Reduced QR A = Q R (LAPACK geqrf/orgqr), packed (..., m+n, k): Q over R^T. Rules for "
        "m >= n through C = Q^T dA R^-1 (R must be invertible: full-rank A), and for m < n by "
        "splitting A = [X | Y]. A primitive: no composite factorises.",
)
