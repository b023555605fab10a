"""``torch.linalg``'s inverses, determinants and factorisations: ``inv inv_ex det slogdet solve
cholesky cholesky_ex eigh eigvalsh svd svdvals pinv qr lstsq``, batched over leading axes.

Thin composites of the primitives of ``ops/linalg_solve.py`` and ``ops/linalg_spectral.py``
(a factorisation's factors are ``narrow``-ed out of its one packed output). Float tensors only,
as torch. Divergences (also in docs/for-pytorch-users/linalg.md): a singular input to ``inv``,
``solve`` (and the gradient of ``det``/``slogdet``), or an indefinite one to ``cholesky``, raises
``ArgumentError``, also in the ``*_ex`` variants, whose ``info`` is always 0 and int64 (torch:
int32); ``pinv``'s ``atol``/``rtol`` are numbers, not tensors; ``lstsq`` is the minimum-norm
solution through ``pinv`` whatever the driver.
"""

from __future__ import annotations

import numbers
from typing import Any, NamedTuple

import numpy as np

from .._core.errors import ArgumentError, DTypeError, ShapeError
from .._core.shapes import broadcast_shapes
from ..ops import linalg_solve as _ls
from ..ops import linalg_spectral as _sp
from .dispatch import tensor as _arg
from .dispatch import torch_op
from .math import no_out

__all__ = ["cholesky", "cholesky_ex", "det", "eigh", "eigvalsh", "inv", "inv_ex", "lstsq", "pinv", "qr",
           "slogdet", "solve", "svd", "svdvals"]


class SlogdetResult(NamedTuple):
    sign: Any
    logabsdet: Any


class InvExResult(NamedTuple):
    inverse: Any
    info: Any


class CholeskyExResult(NamedTuple):
    L: Any
    info: Any


class EighResult(NamedTuple):
    eigenvalues: Any
    eigenvectors: Any


class SVDResult(NamedTuple):
    U: Any
    S: Any
    Vh: Any


class QRResult(NamedTuple):
    Q: Any
    R: Any


class LstsqResult(NamedTuple):
    solution: Any
    residuals: Any
    rank: Any
    singular_values: Any


def matrices(op: str, what: str, v: Any, square: bool = False) -> Any:
    """``v`` if it is a float tensor ``(..., m, n)`` (square if asked), else a torchlean error."""
    x = _arg(op, what, v)
    if x.dtype.kind != "f":
        raise DTypeError(f"{op}: {what} must be a float tensor (float32 or float64), got {x.dtype.name}")
    s = tuple(x.shape)
    if len(s) < 2 or (square and s[-1] != s[-2]):
        kind = "square matrices (..., n, n)" if square else "matrices (..., m, n)"
        raise ShapeError(f"{op}: expected {what} to be a batch of {kind}, got shape {s}")
    return x


def _flag(op: str, what: str, v: Any) -> bool:
    if v.__class__ is not bool and not isinstance(v, np.bool_):
        raise ArgumentError(f"{op}: {what} must be a bool, got {v!r}")
    return bool(v)


def _info(ops: Any, a: Any) -> Any:
    """int64 zeros of ``a``'s batch shape (torchlean raises instead of reporting a failure)."""
    return ops.lift(np.zeros(tuple(a.shape[:-2]), dtype=np.int64), np.int64)


# ----- inverse, determinant ------------------------------------------------------------------
@torch_op(name="linalg.inv")
def inv(A: Any, *, out: Any = None) -> Any:
    """``torch.linalg.inv(A)``: the inverse of each square matrix; singular -> ``ArgumentError``."""
    no_out("linalg.inv", out)
    a = matrices("linalg.inv", "A", A, square=True)
    return _ls.inv(a.session, a)


@torch_op(name="linalg.inv_ex")
def inv_ex(A: Any, *, check_errors: bool = False, out: Any = None) -> InvExResult:
    """``torch.linalg.inv_ex(A, *, check_errors=False)``: ``(inverse, info)``; ``info`` is int64
    zeros, since a singular matrix raises (torch: garbage and ``info > 0``, int32)."""
    no_out("linalg.inv_ex", out)
    _flag("linalg.inv_ex", "check_errors", check_errors)
    a = matrices("linalg.inv_ex", "A", A, square=True)
    return InvExResult(_ls.inv(a.session, a), _info(a.session, a))


def _slogdet(op: str, A: Any) -> tuple[Any, Any, Any]:
    a = matrices(op, "A", A, square=True)
    ops = a.session
    packed = ops.bind(_ls.linalg_slogdet_p, a)
    return ops, ops.squeeze(ops.narrow(packed, -1, 0, 1), -1), ops.squeeze(ops.narrow(packed, -1, 1, 1), -1)


@torch_op(name="linalg.slogdet")
def slogdet(A: Any, *, out: Any = None) -> SlogdetResult:
    """``torch.linalg.slogdet(A)``: ``(sign, logabsdet)`` of ``det(A)`` (sign 0 and -inf when
    singular); the sign has no gradient."""
    no_out("linalg.slogdet", out)
    _, sign, logabs = _slogdet("linalg.slogdet", A)
    return SlogdetResult(sign, logabs)


@torch_op(name="linalg.det")
def det(A: Any, *, out: Any = None) -> Any:
    """``torch.linalg.det(A)``: ``sign * exp(logabsdet)`` from one LU factorisation. Its gradient
    ``det(A) A^-T`` raises at a singular matrix (torch: the cofactor matrix)."""
    no_out("linalg.det", out)
    ops, sign, logabs = _slogdet("linalg.det", A)
    return ops.mul(sign, ops.exp(logabs))


@torch_op(name="logdet")
def logdet(input: Any) -> Any:  # noqa: A002
    """``torch.logdet(input)``: ``log(det)``: NaN for a negative determinant, -inf when singular
    (where the gradient raises ``ArgumentError``; torch's is the cofactor matrix)."""
    ops, sign, logabs = _slogdet("logdet", input)
    return ops.where(ops.lt(sign, 0.0), float("nan"), logabs)


# ----- solve ---------------------------------------------------------------------------------
@torch_op(name="linalg.solve")
def solve(A: Any, B: Any, *, left: bool = True, out: Any = None) -> Any:
    """``torch.linalg.solve(A, B, *, left=True)``: ``X`` with ``A X = B`` (``X A = B`` if not
    ``left``); ``B`` is a batch of vectors when it is 1-D or ``B.shape == A.shape[:-1]``; batch
    axes broadcast. A singular ``A`` raises ``ArgumentError``."""
    op = "linalg.solve"
    no_out(op, out)
    _flag(op, "left", left)
    a = matrices(op, "A", A, square=True)
    b = _arg(op, "B", B)
    ops = a.session
    if b.dtype != a.dtype:
        raise DTypeError(f"{op}: A is {a.dtype.name} but B is {b.dtype.name}")
    sa, sb = tuple(a.shape), tuple(b.shape)
    vector = len(sb) == 1 or (len(sb) == len(sa) - 1 and sb == sa[:-1])
    if vector and not left:
        raise ShapeError(f"{op}: a vector B needs left=True, got shapes {sa} and {sb}")
    if vector:
        b = ops.unsqueeze(b, -1)
    elif len(sb) < 2:
        raise ShapeError(f"{op}: expected B (..., n, k) or (..., n), got shape {sb}")
    sbm = tuple(b.shape)
    n = sa[-1]
    if (left and sbm[-2] != n) or (not left and sbm[-1] != n):
        raise ShapeError(f"{op}: A {sa} and B {sb} do not match (A X = B needs B with {n} "
                         f"{'rows' if left else 'columns'})")
    batch = broadcast_shapes(op, sa[:-2], sbm[:-2])
    a = ops.broadcast_to(a, (*batch, n, n))
    b = ops.broadcast_to(b, (*batch, *sbm[-2:]))
    if left:
        x = _ls.solve(ops, a, b)
    else:  # X A = B  <=>  A^T X^T = B^T
        x = _ls.mT(ops, _ls.solve(ops, _ls.mT(ops, a), _ls.mT(ops, b)))
    return ops.squeeze(x, -1) if vector else x


# ----- Cholesky ----------------------------------------------------------------------------
@torch_op(name="linalg.cholesky")
def cholesky(A: Any, *, upper: bool = False, out: Any = None) -> Any:
    """``torch.linalg.cholesky(A, *, upper=False)``: ``L`` with ``A = L L^T`` from the lower
    triangle of ``A`` (``upper=True``: ``U = L^T`` from the upper triangle, as torch); not
    positive-definite -> ``ArgumentError``. The gradient is that of the function of the triangle
    read, ``tril(G) + tril(G^T, -1)`` for torch's symmetric ``G`` (equal on symmetric inputs
    perturbed symmetrically)."""
    no_out("linalg.cholesky", out)
    up = _flag("linalg.cholesky", "upper", upper)
    a = matrices("linalg.cholesky", "A", A, square=True)
    ops = a.session
    low = ops.bind(_sp.linalg_cholesky_p, a, upper=up)
    return _ls.mT(ops, low) if up else low


@torch_op(name="linalg.cholesky_ex")
def cholesky_ex(A: Any, *, upper: bool = False, check_errors: bool = False, out: Any = None) -> CholeskyExResult:
    """``torch.linalg.cholesky_ex``: ``(L, info)``, ``info`` int64 zeros (a failure raises)."""
    no_out("linalg.cholesky_ex", out)
    _flag("linalg.cholesky_ex", "check_errors", check_errors)
    a = matrices("linalg.cholesky_ex", "A", A, square=True)
    return CholeskyExResult(cholesky(a, upper=upper), _info(a.session, a))


# ----- eigh ----------------------------------------------------------------------------------
def _eigh(op: str, A: Any, UPLO: Any) -> tuple[Any, Any, Any]:
    if UPLO not in ("L", "U") or not isinstance(UPLO, str):
        raise ArgumentError(f"{op}: UPLO must be 'L' or 'U', got {UPLO!r}")
    a = matrices(op, "A", A, square=True)
    ops = a.session
    n = a.shape[-1]
    packed = ops.bind(_sp.linalg_eigh_p, a, upper=UPLO == "U")
    return ops, ops.squeeze(ops.narrow(packed, -2, 0, 1), -2), ops.narrow(packed, -2, 1, n)


@torch_op(name="linalg.eigh")
def eigh(A: Any, UPLO: str = "L", *, out: Any = None) -> EighResult:
    """``torch.linalg.eigh(A, UPLO='L')``: ascending eigenvalues and orthonormal eigenvectors of
    the symmetric matrix the ``UPLO`` triangle of ``A`` defines. Eigenvector signs are LAPACK's
    (any sign is a valid answer, as in torch); their gradient needs distinct eigenvalues. The
    gradient is that of the function of the triangle read (torch's is the symmetric one)."""
    no_out("linalg.eigh", out)
    _, w, v = _eigh("linalg.eigh", A, UPLO)
    return EighResult(w, v)


@torch_op(name="linalg.eigvalsh")
def eigvalsh(A: Any, UPLO: str = "L", *, out: Any = None) -> Any:
    """``torch.linalg.eigvalsh(A, UPLO='L')``: the eigenvalues of ``eigh``."""
    no_out("linalg.eigvalsh", out)
    return _eigh("linalg.eigvalsh", A, UPLO)[1]


# ----- SVD -----------------------------------------------------------------------------------
def _svd_parts(op: str, a: Any) -> tuple[Any, Any, Any]:
    ops = a.session
    m, n = a.shape[-2:]
    packed = ops.bind(_sp.linalg_svd_p, a)
    u = ops.narrow(packed, -2, 0, m)
    s = ops.squeeze(ops.narrow(packed, -2, m, 1), -2)
    return u, s, ops.narrow(packed, -2, m + 1, n)


def _driver(op: str, driver: Any) -> None:
    if driver is not None:
        raise ArgumentError(f"{op}: driver= is a CUDA-only option in torch; torchlean takes driver=None")


@torch_op(name="linalg.svd")
def svd(A: Any, full_matrices: bool = True, *, driver: Any = None, out: Any = None) -> SVDResult:
    """``torch.linalg.svd(A, full_matrices=True)``: ``(U, S, Vh)`` with ``A = U diag(S) Vh``, S
    descending; signs of singular vectors are LAPACK's; their gradient needs distinct singular
    values. With ``full_matrices=True`` and ``m != n`` the extra columns of ``U`` (rows of ``Vh``)
    are an orthonormal completion (any is valid; torchlean's is not LAPACK's) without gradient
    (torch drops their gradient too)."""
    op = "linalg.svd"
    no_out(op, out)
    _driver(op, driver)
    full = _flag(op, "full_matrices", full_matrices)
    a = matrices(op, "A", A)
    m, n = a.shape[-2:]
    u, s, v = _svd_parts(op, a)
    if full and m != n:
        u, v = _complete(a.session, u), _complete(a.session, v)
    return SVDResult(u, s, _ls.mT(a.session, v))


def _complete(ops: Any, u: Any) -> Any:
    """``u`` (..., m, k) with orthonormal columns, completed to an orthogonal (..., m, m): the new
    columns are the last ``m - k`` of Q in the QR of ``[u | I]`` (orthonormal and orthogonal to
    ``u``), computed from ``detach(u)``: they carry no gradient."""
    shape = tuple(u.shape)
    m, k = shape[-2:]
    if m == k:
        return u
    eye = ops.broadcast_to(_ls.eye_like(ops, m, u), (*shape[:-2], m, m))
    packed = ops.bind(_sp.linalg_qr_p, ops.cat([ops.detach(u), eye], -1))
    return ops.cat([u, ops.narrow(ops.narrow(packed, -2, 0, m), -1, k, m - k)], -1)


@torch_op(name="linalg.svdvals")
def svdvals(A: Any, *, driver: Any = None, out: Any = None) -> Any:
    """``torch.linalg.svdvals(A)``: the singular values, descending (gradient ``U diag(g) Vh``,
    finite also at repeated values)."""
    no_out("linalg.svdvals", out)
    _driver("linalg.svdvals", driver)
    return _svd_parts("linalg.svdvals", matrices("linalg.svdvals", "A", A))[1]


# ----- pseudo-inverse, least squares ---------------------------------------------------------
def _tol(op: str, what: str, v: Any) -> float | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, numbers.Real) or not float(v) >= 0:
        raise ArgumentError(f"{op}: {what} must be None or a non-negative number (a tensor {what} is not "
                            f"supported), got {v!r}")
    return float(v)


def pinv_of(op: str, a: Any, atol: Any, rtol: Any, hermitian: bool) -> Any:
    ops = a.session
    at, rt = _tol(op, "atol", atol), _tol(op, "rtol", rtol)
    if rt is None:
        rt = 0.0 if at is not None and at > 0 else float(np.finfo(a.dtype).eps) * max(a.shape[-2:])
    if hermitian:
        if a.shape[-1] != a.shape[-2]:
            raise ShapeError(f"{op}: hermitian=True needs square matrices, got shape {tuple(a.shape)}")
        a = _sp._sym_from(ops, a, False)  # the symmetric matrix of the lower triangle, as torch
    return ops.bind(_ls.linalg_pinv_p, a, atol=0.0 if at is None else at, rtol=rt)


@torch_op(name="linalg.pinv")
def pinv(A: Any, *, atol: Any = None, rtol: Any = None, hermitian: bool = False, out: Any = None) -> Any:
    """``torch.linalg.pinv(A, *, atol=None, rtol=None, hermitian=False)``: the pseudo-inverse,
    singular values ``<= max(atol, rtol * s_max)`` dropped (default ``rtol = eps * max(m, n)``,
    0 when ``atol > 0`` is given); ``hermitian=True`` reads the lower triangle, as torch.
    ``atol``/``rtol`` are numbers (tensors raise ``ArgumentError``)."""
    no_out("linalg.pinv", out)
    herm = _flag("linalg.pinv", "hermitian", hermitian)
    return pinv_of("linalg.pinv", matrices("linalg.pinv", "A", A), atol, rtol, herm)


_DRIVERS = (None, "gelsy", "gels", "gelsd", "gelss")


@torch_op(name="linalg.lstsq")
def lstsq(A: Any, B: Any, rcond: Any = None, *, driver: Any = None) -> LstsqResult:
    """``torch.linalg.lstsq(A, B, rcond=None, *, driver=None)``: the minimum-norm least-squares
    solution ``pinv(A) @ B`` (singular values below ``rcond * s_max`` dropped; default
    ``eps * max(m, n)``) for every driver, with the outputs torch's CPU drivers give: ``rank``
    (int64) except for 'gels', ``singular_values`` (no gradient) for 'gelsd'/'gelss', and
    ``residuals`` (the squared column norms of ``A X - B``) for drivers other than the default
    'gelsy' when ``m > n`` (torch also requires every matrix to have full rank there)."""
    op = "linalg.lstsq"
    if driver not in _DRIVERS or not (driver is None or isinstance(driver, str)):
        raise ArgumentError(f"{op}: driver must be None, 'gelsy', 'gels', 'gelsd' or 'gelss', got {driver!r}")
    a = matrices(op, "A", A)
    b = _arg(op, "B", B)
    ops = a.session
    if b.dtype != a.dtype:
        raise DTypeError(f"{op}: A is {a.dtype.name} but B is {b.dtype.name}")
    sa, sb = tuple(a.shape), tuple(b.shape)
    vector = len(sb) == len(sa) - 1
    bm = ops.unsqueeze(b, -1) if vector else b
    sbm = tuple(bm.shape)
    if len(sbm) < 2 or sbm[-2] != sa[-2]:
        raise ShapeError(f"{op}: expected B (..., m, k) with m = {sa[-2]} rows (A is {sa}), got shape {sb}")
    batch = broadcast_shapes(op, sa[:-2], sbm[:-2])
    a = ops.broadcast_to(a, (*batch, *sa[-2:]))
    bm = ops.broadcast_to(bm, (*batch, *sbm[-2:]))
    rc = _tol(op, "rcond", rcond)
    x = ops.matmul(pinv_of(op, a, 0.0, rc, False), bm)
    m, n = sa[-2:]
    empty = ops.lift(np.zeros((0,), dtype=a.dtype), a.dtype)
    s = ops.detach(_svd_parts(op, a)[1])
    if driver == "gels":
        rank = ops.lift(np.zeros((0,), dtype=np.int64), np.int64)
    elif min(m, n):
        r = rc if rc is not None else float(np.finfo(a.dtype).eps) * max(m, n)
        rank = ops.reduce_sum(ops.cast(ops.gt(s, ops.scale(ops.amax(s, -1, True), r)), np.int64), -1)
    else:
        rank = ops.lift(np.zeros(batch, dtype=np.int64), np.int64)
    res = empty
    if driver not in (None, "gelsy") and m > n:
        d = ops.sub(ops.matmul(a, x), bm)
        res = ops.reduce_sum(ops.mul(d, d), -2)
        res = ops.squeeze(res, -1) if vector else res
    sv = s if driver in ("gelsd", "gelss") else empty
    return LstsqResult(ops.squeeze(x, -1) if vector else x, res, rank, sv)


# ----- QR --------------------------------------------------------------------------------------
@torch_op(name="linalg.qr")
def qr(A: Any, mode: str = "reduced", *, out: Any = None) -> QRResult:
    """``torch.linalg.qr(A, mode='reduced')``: ``Q`` with orthonormal columns and upper-triangular
    ``R``, ``A = Q R`` (LAPACK's signs, as torch). 'complete' is supported when ``m <= n`` (where it
    equals 'reduced'); 'r' returns an empty ``Q`` and a differentiable ``R`` (torch refuses to
    differentiate mode 'r'). The gradient needs full-rank ``A``."""
    op = "linalg.qr"
    no_out(op, out)
    if mode not in ("reduced", "complete", "r") or not isinstance(mode, str):
        raise ArgumentError(f"{op}: mode must be 'reduced', 'complete' or 'r', got {mode!r}")
    a = matrices(op, "A", A)
    m, n = a.shape[-2:]
    if mode == "complete" and m > n:
        raise ArgumentError(f"{op}: mode='complete' is supported when m <= n only (got shape {tuple(a.shape)}); "
                            "use mode='reduced'")
    ops = a.session
    packed = ops.bind(_sp.linalg_qr_p, a)
    q = ops.narrow(packed, -2, 0, m)
    r = _ls.mT(ops, ops.narrow(packed, -2, m, n))
    if mode == "r":
        q = ops.lift(np.zeros((0,), dtype=a.dtype), a.dtype)
    return QRResult(q, r)
