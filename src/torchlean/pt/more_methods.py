"""The ``torch.Tensor`` methods of ``more_math.py``, ``more_shape.py``, ``special.py`` and
``dynamic.py`` (``x.logaddexp(y)``, ``x.lgamma()``, ``x.unique()``...): ``x.name(...)`` is
``torch.name(x, ...)`` with the method's own signature."""

from __future__ import annotations

from typing import Any

from . import dynamic as _d
from . import more_math as _m
from . import more_shape as _s
from . import special as _sp
from .dispatch import torch_op

__all__ = ["MoreMethods"]


@torch_op(name="sum_to_size")
def _sum_to_size(x: Any, *size: Any) -> Any:
    return _s.sum_to_size(x, size)


class MoreMethods:
    """``torch.Tensor`` methods of this family."""

    __slots__ = ()
    session: Any

    # -- math and shape ---------------------------------------------------------------------
    def logaddexp(self, other: Any) -> Any:
        return _m.logaddexp(self, other)

    def logaddexp2(self, other: Any) -> Any:
        return _m.logaddexp2(self, other)

    def renorm(self, p: Any, dim: int, maxnorm: Any) -> Any:
        return _m.renorm(self, p, dim, maxnorm)

    def cov(self, *, correction: int = 1, fweights: Any = None, aweights: Any = None) -> Any:
        return _m.cov(self, correction=correction, fweights=fweights, aweights=aweights)

    def corrcoef(self) -> Any:
        return _m.corrcoef(self)

    def take(self, index: Any) -> Any:
        return _s.take(self, index)

    def diagflat(self, offset: int = 0) -> Any:
        return _s.diagflat(self, offset)

    def sum_to_size(self, *size: Any) -> Any:
        return _sum_to_size(self, *size)

    # -- special functions ------------------------------------------------------------------
    def erfinv(self) -> Any:
        return _sp.erfinv(self)

    def i0(self) -> Any:
        return _sp.i0(self)

    def lgamma(self) -> Any:
        return _sp.lgamma(self)

    def digamma(self) -> Any:
        return _sp.digamma(self)

    def polygamma(self, n: int) -> Any:
        return _sp.polygamma(n, self)

    def mvlgamma(self, p: int) -> Any:
        return _sp.mvlgamma(self, p)

    # -- data-dependent shapes (eager only) -------------------------------------------------
    def masked_select(self, mask: Any) -> Any:
        return _d.masked_select(self, mask)

    def nonzero(self, *, as_tuple: bool = False) -> Any:
        return _d.nonzero(self, as_tuple=as_tuple)

    def argwhere(self) -> Any:
        return _d.argwhere(self)

    def unique(self, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,  # noqa: A002
               dim: Any = None) -> Any:
        return _d.unique(self, sorted=sorted, return_inverse=return_inverse, return_counts=return_counts, dim=dim)

    def unique_consecutive(self, return_inverse: bool = False, return_counts: bool = False, dim: Any = None) -> Any:
        return _d.unique_consecutive(self, return_inverse=return_inverse, return_counts=return_counts, dim=dim)

    def bincount(self, weights: Any = None, minlength: int = 0) -> Any:
        return _d.bincount(self, weights, minlength)

    def histc(self, bins: int = 100, min: Any = 0, max: Any = 0) -> Any:  # noqa: A002
        return _d.histc(self, bins, min, max)
