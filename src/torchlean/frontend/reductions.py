"""Reductions beyond sums and means (primitives in ``ops/reductions.py``).

Every reduction takes ``axis`` (an int, a tuple, or None for all axes; an empty tuple also
means all axes, as PyTorch) and ``keepdims``, with PyTorch's ``dim``/``keepdim`` as aliases.

* ``amax``/``amin``: NaN propagates; the gradient is shared evenly among ties (``torch.amax``).
* ``max_dim``/``min_dim``: ``(values, indices)`` along one axis (``torch.max(x, dim)``); the
  indices are the first extreme, the values' gradient goes to that index only.
* ``argmax``/``argmin``: int64, the first extreme; with ``axis=None`` over the flattened tensor.
* ``var``/``std``: ``correction=1`` (Bessel's, PyTorch's default); ``N - correction <= 0``
  gives inf or NaN, as PyTorch.
* ``prod``: a product tree of multiplications (log2(n) levels), so its gradient is exact with
  zeros in the input; ``norm``: p = 'fro'/2 (the default), 1, inf, -inf, 0 or any other number.
* ``logsumexp``: max-shifted (an infinite maximum is not subtracted), gradient ``softmax``.
* ``cumsum``: int64 for integer and bool inputs, as PyTorch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from .. import ops as _ops  # noqa: F401  (registers every primitive)
from .._core.errors import ArgumentError, DTypeError
from .._core.registry import REGISTRY
from .._core.shapes import is_int, normalize_axes, normalize_axis, prod
from .._core.types import int64
from .base import OpsBase
from .core import _alias

P = REGISTRY
Axis = int | Sequence[int] | None


class ValuesIndices(NamedTuple):
    """``(values, indices)`` of ``max(x, dim)``/``min(x, dim)`` (``torch.return_types.max``)."""

    values: Any
    indices: Any


def _all_if_empty(axis: Any) -> Any:
    """PyTorch reads ``dim=()`` / ``dim=[]`` as every axis."""
    if isinstance(axis, (tuple, list)) and len(axis) == 0:
        return None
    return axis


class ReduceOps(OpsBase):
    """Max/min, arg-extrema, variance, products, norms, logsumexp, cumsum (see module docstring)."""

    # -- helpers ---------------------------------------------------------------------------
    def _axes(self, op: str, x: Any, axis: Any, dim: Any, keepdims: Any, keepdim: Any
              ) -> tuple[tuple[int, ...], bool]:
        axis, keepdims = _alias(op, axis, dim, keepdims, keepdim)
        return normalize_axes(op, _all_if_empty(axis), len(self.shape_of(x))), bool(keepdims)

    def _keep(self, y: Any, shape: tuple[int, ...], axes: tuple[int, ...], keepdims: bool) -> Any:
        """The reduced ``y`` with size-1 axes where ``axes`` were, if ``keepdims``."""
        if not keepdims or not axes:
            return y
        return self.reshape(y, tuple(1 if i in axes else d for i, d in enumerate(shape)))

    def _extreme(self, op: str, name: str, x: Any, axes: tuple[int, ...], keepdims: bool) -> Any:
        if not axes:
            return x
        y = self.bind(P[name], x, axes=axes)
        return self._keep(y, self.shape_of(x), axes, keepdims)

    def _float_only(self, op: str, x: Any) -> None:
        dt = self.type_of(x).dtype
        if dt.kind != "f":
            raise DTypeError(f"{op}: expected a float tensor, got {dt.name} (cast it first, e.g. x.float())")

    # -- max / min -------------------------------------------------------------------------
    def amax(self, x: Any, axis: Axis = None, keepdims: bool = False, *, dim: Any = None,
             keepdim: bool | None = None) -> Any:
        """Maximum over ``axis`` (all by default), as ``torch.amax``: ties share the gradient
        evenly; NaN propagates. float, int64 and bool tensors."""
        axes, keep = self._axes("amax", x, axis, dim, keepdims, keepdim)
        return self._extreme("amax", "reduce_max", x, axes, keep)

    def amin(self, x: Any, axis: Axis = None, keepdims: bool = False, *, dim: Any = None,
             keepdim: bool | None = None) -> Any:
        """Minimum over ``axis`` (all by default), as ``torch.amin`` (see ``amax``)."""
        axes, keep = self._axes("amin", x, axis, dim, keepdims, keepdim)
        return self._extreme("amin", "reduce_min", x, axes, keep)

    def _arg(self, op: str, x: Any, axis: Any, keepdims: bool) -> Any:
        t = self.type_of(x)
        if axis is None:
            flat = x if t.ndim == 1 else self.reshape(x, (t.size,))
            y = self.bind(P[op], flat, axis=0)
            return self.reshape(y, (1,) * t.ndim) if keepdims and t.ndim else y
        ax = normalize_axis(op, axis, t.ndim)
        if t.ndim == 0:
            return self.bind(P[op], self.reshape(x, (1,)), axis=0)
        return self._keep(self.bind(P[op], x, axis=ax), t.shape, (ax,), keepdims)

    def argmax(self, x: Any, axis: int | None = None, keepdims: bool = False, *, dim: Any = None,
               keepdim: bool | None = None) -> Any:
        """Index (int64) of the first maximum along ``axis``; over the flattened tensor when
        ``axis`` is None (with ``keepdims``, a tensor of ones' shape, as PyTorch)."""
        axis, keepdims = _alias("argmax", axis, dim, keepdims, keepdim)
        return self._arg("argmax", x, axis, bool(keepdims))

    def argmin(self, x: Any, axis: int | None = None, keepdims: bool = False, *, dim: Any = None,
               keepdim: bool | None = None) -> Any:
        """Index (int64) of the first minimum along ``axis`` (see ``argmax``)."""
        axis, keepdims = _alias("argmin", axis, dim, keepdims, keepdim)
        return self._arg("argmin", x, axis, bool(keepdims))

    def _select(self, op: str, x: Any, axis: int, keepdims: bool) -> ValuesIndices:
        t = self.type_of(x)
        ax = normalize_axis(op, axis, t.ndim)
        arg = "argmax" if op == "max_dim" else "argmin"
        if t.ndim == 0:
            return ValuesIndices(x, self.bind(P[arg], self.reshape(x, (1,)), axis=0))
        idx = self._keep(self.bind(P[arg], x, axis=ax), t.shape, (ax,), True)
        pos = np.arange(t.shape[ax], dtype=np.int64).reshape([-1 if i == ax else 1 for i in range(t.ndim)])
        hit = self.eq(self.lift(pos, int64), idx)
        values = self.reduce_sum(self.where(hit, x, 0), ax, keepdims)
        return ValuesIndices(values, idx if keepdims else self.reshape(idx, self.shape_of(values)))

    def max_dim(self, x: Any, axis: int, keepdims: bool = False) -> ValuesIndices:
        """``(values, indices)`` of the maximum along ``axis`` (``torch.max(x, dim)``): the
        first maximum's index (int64); the values' gradient goes to that index only."""
        return self._select("max_dim", x, axis, bool(keepdims))

    def min_dim(self, x: Any, axis: int, keepdims: bool = False) -> ValuesIndices:
        """``(values, indices)`` of the minimum along ``axis`` (``torch.min(x, dim)``)."""
        return self._select("min_dim", x, axis, bool(keepdims))

    # -- moments ---------------------------------------------------------------------------
    def var(self, x: Any, axis: Axis = None, correction: float = 1, keepdims: bool = False, *,
            dim: Any = None, keepdim: bool | None = None) -> Any:
        """Variance over ``axis`` (all by default): ``sum((x - mean)^2) / (N - correction)``,
        ``correction=1`` by default (unbiased, as PyTorch). Float tensors only."""
        axes, keep = self._axes("var", x, axis, dim, keepdims, keepdim)
        return self._var("var", x, axes, correction, keep)

    def _var(self, op: str, x: Any, axes: tuple[int, ...], correction: Any, keepdims: bool) -> Any:
        self._float_only(op, x)
        if isinstance(correction, bool) or not isinstance(correction, (int, float, np.integer, np.floating)):
            raise ArgumentError(f"{op}: correction must be a number, got {correction!r}")
        shape = self.shape_of(x)
        n = prod(shape[a] for a in axes)
        d = self.sub(x, self.reduce_mean(x, axes, True)) if axes else self.scale(x, 0.0)
        ss = self.reduce_sum(self.mul(d, d), axes, keepdims)
        return self.div_scalar(ss, max(n - float(correction), 0.0))

    def std(self, x: Any, axis: Axis = None, correction: float = 1, keepdims: bool = False, *,
            dim: Any = None, keepdim: bool | None = None) -> Any:
        """Standard deviation: ``sqrt(var(...))`` (zero gradient where it is 0, as PyTorch)."""
        axes, keep = self._axes("std", x, axis, dim, keepdims, keepdim)
        return self.sqrt(self._var("std", x, axes, correction, keep))

    # -- products, norms, logsumexp --------------------------------------------------------
    def prod(self, x: Any, axis: Axis = None, keepdims: bool = False, *, dim: Any = None,
             keepdim: bool | None = None) -> Any:
        """Product over ``axis`` (all by default); int64 for integer and bool tensors. A tree
        of multiplications, so the gradient is exact where the input has zeros."""
        axes, keep = self._axes("prod", x, axis, dim, keepdims, keepdim)
        t = self.type_of(x)
        if t.dtype.kind == "b":
            x = self.cast(x, int64)
        if not axes:
            return x
        kept = tuple(i for i in range(t.ndim) if i not in axes)
        rest = tuple(t.shape[i] for i in kept)
        m = prod(t.shape[a] for a in axes)
        y = self.reshape(self.permute(x, kept + axes), (*rest, m))
        if m == 0:
            y = self.broadcast_to(self.lift(1, self.type_of(x).dtype), rest)
            return self._keep(y, t.shape, axes, keep)
        while m > 1:
            h = m // 2
            p = self.mul(self.slice(y, -1, 0, h), self.slice(y, -1, h, 2 * h))
            y = self.concat(p, self.slice(y, -1, 2 * h, m), -1) if m % 2 else p
            m = h + m % 2
        return self._keep(self.reshape(y, rest), t.shape, axes, keep)

    def logsumexp(self, x: Any, axis: Axis = None, keepdims: bool = False, *, dim: Any = None,
                  keepdim: bool | None = None) -> Any:
        """``log(sum(exp(x)))`` over ``axis``, shifted by the (detached) maximum, which is not
        subtracted where it is infinite (as PyTorch). Float tensors only."""
        axes, keep = self._axes("logsumexp", x, axis, dim, keepdims, keepdim)
        self._float_only("logsumexp", x)
        if not axes:
            return x
        shape = self.shape_of(x)
        if any(shape[a] == 0 for a in axes):  # an empty sum: log(0) = -inf, as PyTorch
            return self.add(self.scale(self.reduce_sum(x, axes, keep), 0.0), -math.inf)
        m = self.detach(self.amax(x, axes, True))
        m = self.where(self.eq(self.abs(m), math.inf), 0.0, m)
        s = self.reduce_sum(self.exp(self.sub(x, m)), axes, keep)
        return self.add(self.log(s), m if keep else self.reshape(m, self.shape_of(s)))

    def norm(self, x: Any, p: Any = "fro", axis: Axis = None, keepdims: bool = False, *,
             dim: Any = None, keepdim: bool | None = None) -> Any:
        """Vector p-norm over ``axis`` (all by default), as ``torch.norm``: p = 'fro' or 2 (the
        default; gradient 0 at the zero vector, as PyTorch), 1, inf, -inf, 0 (the count of
        nonzeros) or any other number (``sum(|x|^p)^(1/p)``). 'nuc' raises ``ArgumentError``."""
        axes, keep = self._axes("norm", x, axis, dim, keepdims, keepdim)
        self._float_only("norm", x)
        if isinstance(p, str):
            if p != "fro":
                raise ArgumentError(f"norm: p={p!r} is not supported (use 'fro' or a number)")
            p = 2.0
        if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)):
            raise ArgumentError(f"norm: p must be 'fro' or a number, got {p!r}")
        p = float(p)
        if p == 2.0:
            return self.sqrt(self.reduce_sum(self.mul(x, x), axes, keep))
        a = self.abs(x)
        if p == math.inf:
            return self._extreme("norm", "reduce_max", a, axes, keep)
        if p == -math.inf:
            return self._extreme("norm", "reduce_min", a, axes, keep)
        if p == 0.0:
            return self.reduce_sum(self.cast(self.ne(x, 0.0), self.type_of(x).dtype), axes, keep)
        if p == 1.0:
            return self.reduce_sum(a, axes, keep)
        return self.power(self.reduce_sum(self.power(a, p), axes, keep), 1.0 / p)

    # -- scans -----------------------------------------------------------------------------
    def cumsum(self, x: Any, axis: int = 0, *, dim: int | None = None, reverse: bool = False) -> Any:
        """Running sum along ``axis`` (``reverse``: from the end); integer and bool tensors
        give int64, as PyTorch."""
        axis = _alias("cumsum", axis, dim, None, None, default_axis=0)[0]
        t = self.type_of(x)
        if t.dtype.kind == "b":
            x = self.cast(x, int64)
        if not is_int(axis):
            raise ArgumentError(f"cumsum: dim must be an int, got {axis!r}")
        ax = normalize_axis("cumsum", axis, t.ndim)
        return self.bind(P["cumsum"], x, axis=ax, reverse=bool(reverse))

