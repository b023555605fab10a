"""The linear-algebra functions torch also has at its top level (``torch.cdist``, ``torch.det``,
``torch.inverse``, ``torch.svd``...), re-exported by ``pt/toplevel.py``, and their ``torch.Tensor``
methods (``LinalgMethods``: ``x.det()``, ``x.inverse()``...). Each calls ``tl.linalg``'s function;
the legacy spellings keep torch's legacy signatures: ``torch.svd`` returns ``V`` (not ``Vh``) and
takes ``some=``, ``torch.qr`` takes ``some=``, ``torch.pinverse`` takes a relative ``rcond``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .._core.errors import ArgumentError
from ..ops import linalg_solve as _ls
from . import linalg_decomp as _d
from .dispatch import torch_op
from .linalg_products import cdist
from .linalg_products import matrix_power as _matrix_power
from .math import no_out

__all__ = ["cdist", "cholesky", "det", "inverse", "logdet", "matrix_power", "pinverse", "qr", "slogdet", "svd"]


class SVDLegacyResult(NamedTuple):
    U: Any
    S: Any
    V: Any


@torch_op(name="det")
def det(input: Any) -> Any:  # noqa: A002
    """``torch.det(input)`` (= ``torch.linalg.det``)."""
    return _d.det(input)


logdet = _d.logdet


@torch_op(name="slogdet")
def slogdet(input: Any) -> _d.SlogdetResult:  # noqa: A002
    """``torch.slogdet(input)`` -> ``(sign, logabsdet)`` (= ``torch.linalg.slogdet``)."""
    return _d.slogdet(input)


@torch_op(name="inverse")
def inverse(input: Any, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.inverse(input)`` (= ``torch.linalg.inv``)."""
    no_out("inverse", out)
    return _d.inv(input)


@torch_op(name="cholesky")
def cholesky(input: Any, upper: bool = False, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.cholesky(input, upper=False)`` (deprecated in torch for ``torch.linalg.cholesky``)."""
    no_out("cholesky", out)
    return _d.cholesky(input, upper=upper)


@torch_op(name="matrix_power")
def matrix_power(input: Any, n: int) -> Any:  # noqa: A002
    """``torch.matrix_power(input, n)`` (= ``torch.linalg.matrix_power``)."""
    return _matrix_power(input, n)


@torch_op(name="pinverse")
def pinverse(input: Any, rcond: float = 1e-15) -> Any:  # noqa: A002
    """``torch.pinverse(input, rcond=1e-15)``: ``torch.linalg.pinv(input, rtol=rcond)``."""
    return _d.pinv(input, rtol=rcond)


@torch_op(name="svd")
def svd(input: Any, some: bool = True, compute_uv: bool = True, *, out: Any = None) -> SVDLegacyResult:  # noqa: A002
    """``torch.svd(input, some=True, compute_uv=True)`` -> ``(U, S, V)`` with ``A = U diag(S) V^T``
    (``V``, not ``Vh``). ``some=False`` needs square matrices; ``compute_uv=False`` gives
    zero-filled ``U`` (m, m) and ``V`` (n, n), as torch."""
    no_out("svd", out)
    for what, v in (("some", some), ("compute_uv", compute_uv)):
        if v.__class__ is not bool:
            raise ArgumentError(f"svd: {what} must be a bool, got {v!r}")
    if not compute_uv:
        s = _d.svdvals(input)
        ops = s.session
        m, n = input.shape[-2:]
        dt = input.dtype
        z = lambda k: ops.lift(np.zeros((*input.shape[:-2], k, k), dtype=dt), dt)
        return SVDLegacyResult(z(m), s, z(n))
    u, s, vh = _d.svd(input, full_matrices=not some)
    return SVDLegacyResult(u, s, _ls.mT(u.session, vh))


@torch_op(name="qr")
def qr(input: Any, some: bool = True, *, out: Any = None) -> _d.QRResult:  # noqa: A002
    """``torch.qr(input, some=True)``: ``torch.linalg.qr`` with mode 'reduced' (``some=False``:
    'complete')."""
    no_out("qr", out)
    if some.__class__ is not bool:
        raise ArgumentError(f"qr: some must be a bool, got {some!r}")
    return _d.qr(input, "reduced" if some else "complete")


class LinalgMethods:
    """``torch.Tensor``'s linear-algebra methods (``x.det()``, ``x.inverse()``...)."""

    __slots__ = ()

    @property
    def mH(self) -> Any:  # noqa: N802  (torch's name)
        """The conjugate transpose of the last two axes: ``mT`` for real tensors."""
        return self.mT

    def det(self) -> Any:
        return det(self)

    def logdet(self) -> Any:
        return logdet(self)

    def slogdet(self) -> Any:
        return slogdet(self)

    def inverse(self) -> Any:
        return inverse(self)

    def cholesky(self, upper: bool = False) -> Any:
        return cholesky(self, upper)

    def matrix_power(self, n: int) -> Any:
        return matrix_power(self, n)

    def pinverse(self, rcond: float = 1e-15) -> Any:
        return pinverse(self, rcond)

    def svd(self, some: bool = True, compute_uv: bool = True) -> Any:
        return svd(self, some, compute_uv)

    def qr(self, some: bool = True) -> Any:
        return qr(self, some)
