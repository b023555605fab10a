"""Sorting and selection with ``torch``'s names: ``sort argsort msort topk kthvalue median mode``.

Every op is a composite of the ``argsort`` primitive (``ops/sorting.py``) and ``take_along``:
the values are a gather of the input at the sorted indices, so their gradient scatters back to
the positions they came from; the indices are int64 and take no gradient.

Ties: the order is always stable (equal values keep their index order, torch's
``stable=True``), in both directions, whatever ``stable`` says (torch leaves the order of ties
unspecified when ``stable=False``). ``topk`` with ``sorted=False`` still returns sorted values
(torch: unspecified order). ``kthvalue`` and ``median`` return the index the stable order puts
at that rank (the first such occurrence, or for ``median`` with NaNs the first NaN); torch may
return another index of an equal value. ``mode`` returns the smallest most frequent value and
the index of its last occurrence, as torch's CPU kernel. NaN sorts as the largest value, as in
torch; ``median`` returns NaN where the reduced axis holds one (torch's rule).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._core.errors import ArgumentError, DTypeError, ShapeError
from .._core.registry import REGISTRY as P
from .._core.shapes import is_int, normalize_axis
from .._core.types import int64
from ..frontend.reductions import ValuesIndices
from .dispatch import tensor as _arg
from .dispatch import torch_op

__all__ = ["argsort", "kthvalue", "median", "mode", "msort", "sort", "topk"]


def _no_out(op: str, out: Any) -> None:
    if out is not None:
        raise ArgumentError(f"{op}: out= is not supported (torchlean tensors are immutable values)")


def _check(op: str, x: Any) -> tuple[Any, tuple[int, ...]]:
    ops = x.session
    t = ops.type_of(x)
    if t.dtype.kind not in "fiub":
        raise DTypeError(f"{op}: expected a float, int64 or bool tensor, got {t.dtype.name}")
    return ops, t.shape


def _dim(op: str, dim: Any, shape: tuple[int, ...]) -> int:
    if not is_int(dim):
        raise ArgumentError(f"{op}: dim must be an int, got {type(dim).__name__} {dim!r:.40}")
    return normalize_axis(op, dim, max(len(shape), 1))


def _k(op: str, k: Any, lo: int, n: int, d: int, shape: tuple[int, ...]) -> int:
    if not is_int(k):
        raise ArgumentError(f"{op}: k must be an int, got {type(k).__name__} {k!r:.40}")
    if not lo <= int(k) <= n:
        raise ShapeError(f"{op}: k must be in [{lo}, {n}] for dimension {d} of size {n} (shape {shape}), "
                         f"got k={k}")
    return int(k)


def _as_1d(ops: Any, x: Any, shape: tuple[int, ...]) -> Any:
    return ops.reshape(x, (1,)) if not shape else x


def _argsort(ops: Any, x: Any, d: int, descending: bool) -> Any:
    return ops.bind(P["argsort"], x, axis=d, descending=bool(descending))


def _sorted(ops: Any, x: Any, d: int, descending: bool) -> tuple[Any, Any]:
    idx = _argsort(ops, x, d, descending)
    return ops.take_along(x, idx, d), idx


def _back(ops: Any, v: Any, shape: tuple[int, ...]) -> Any:
    return ops.reshape(v, ()) if not shape else v


@torch_op
def sort(input: Any, dim: int = -1, descending: bool = False, *, stable: bool = False,  # noqa: A002
         out: Any = None) -> ValuesIndices:
    """``torch.sort``: ``(values, indices)`` sorted along ``dim`` (ties in index order);
    ``stable`` is keyword-only, as in torch."""
    _no_out("sort", out)
    x = _arg("sort", "input", input)
    ops, shape = _check("sort", x)
    d = _dim("sort", dim, shape)
    v, i = _sorted(ops, _as_1d(ops, x, shape), d, descending)
    return ValuesIndices(_back(ops, v, shape), _back(ops, i, shape))


@torch_op
def argsort(input: Any, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:  # noqa: A002
    """``torch.argsort``: the int64 indices of ``sort`` (ties in index order)."""
    x = _arg("argsort", "input", input)
    ops, shape = _check("argsort", x)
    d = _dim("argsort", dim, shape)
    return _back(ops, _argsort(ops, _as_1d(ops, x, shape), d, descending), shape)


@torch_op
def msort(input: Any, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.msort``: the values sorted along dim 0."""
    _no_out("msort", out)
    x = _arg("msort", "input", input)
    ops, shape = _check("msort", x)
    return _back(ops, _sorted(ops, _as_1d(ops, x, shape), 0, False)[0], shape)


@torch_op
def topk(input: Any, k: int, dim: int = -1, largest: bool = True, sorted: bool = True, *,  # noqa: A002
         out: Any = None) -> ValuesIndices:
    """``torch.topk``: the ``k`` largest (``largest=False``: smallest) entries along ``dim`` and
    their indices, always in sorted order (ties in index order)."""
    _no_out("topk", out)
    x = _arg("topk", "input", input)
    ops, shape = _check("topk", x)
    d = _dim("topk", dim, shape)
    xs = _as_1d(ops, x, shape)
    n = ops.shape_of(xs)[d]
    kk = _k("topk", k, 0, n, d, shape)
    idx = ops.slice(_argsort(ops, xs, d, largest), d, 0, kk)
    return ValuesIndices(_back(ops, ops.take_along(xs, idx, d), shape), _back(ops, idx, shape))


def _pick(ops: Any, x: Any, perm: Any, pos: Any, d: int, keepdim: bool, shape: tuple[int, ...]
          ) -> ValuesIndices:
    """Values and indices at sorted position ``pos`` (an int64 tensor, size 1 along ``d``)."""
    idx = ops.take_along(perm, pos, d)
    v = ops.take_along(x, idx, d)
    if not shape:
        return ValuesIndices(ops.reshape(v, ()), ops.reshape(idx, ()))
    if not keepdim:
        v, idx = ops.squeeze(v, d), ops.squeeze(idx, d)
    return ValuesIndices(v, idx)


def _position(ops: Any, shape: tuple[int, ...], d: int, p: int) -> Any:
    s = list(shape or (1,))
    s[d] = 1
    return ops.lift(np.full(s, p, dtype=np.int64), int64)


@torch_op
def kthvalue(input: Any, k: int, dim: int = -1, keepdim: bool = False, *, out: Any = None  # noqa: A002
             ) -> ValuesIndices:
    """``torch.kthvalue``: the ``k``-th smallest entry (1-based) along ``dim`` and its index."""
    _no_out("kthvalue", out)
    x = _arg("kthvalue", "input", input)
    ops, shape = _check("kthvalue", x)
    d = _dim("kthvalue", dim, shape)
    xs = _as_1d(ops, x, shape)
    n = ops.shape_of(xs)[d]
    kk = _k("kthvalue", k, 1, n, d, shape)
    perm = _argsort(ops, xs, d, False)
    return _pick(ops, xs, perm, _position(ops, shape, d, kk - 1), d, keepdim, shape)


@torch_op
def median(input: Any, dim: Any = None, keepdim: bool = False, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.median``: the lower median (the ``(n - 1) // 2``-th smallest) of all entries, or
    ``(values, indices)`` along ``dim``; NaN where the entries hold a NaN (torch's rule)."""
    _no_out("median", out)
    x = _arg("median", "input", input)
    ops, shape = _check("median", x)
    if dim is None:
        if keepdim:
            raise ArgumentError("median: keepdim=True needs a dim (torch.median(input) has no keepdim)")
        n = int(np.prod(shape)) if shape else 1
        if n == 0:
            raise ShapeError(f"median: cannot take the median of an empty tensor of shape {shape}")
        return _median(ops, ops.reshape(x, (n,)), 0, False, (n,)).values if shape else x
    d = _dim("median", dim, shape)
    if shape and shape[d] == 0:
        raise ShapeError(f"median: cannot take the median of the empty dimension {d} of shape {shape}")
    return _median(ops, x, d, keepdim, shape)


def _median(ops: Any, x: Any, d: int, keepdim: bool, shape: tuple[int, ...]) -> ValuesIndices:
    xs = _as_1d(ops, x, shape)
    s = ops.shape_of(xs)
    n = s[d]
    perm = _argsort(ops, xs, d, False)
    pos = _position(ops, shape, d, (n - 1) // 2)
    if ops.type_of(xs).dtype.kind == "f":  # a NaN sorts last: take the first one
        nans = ops.reduce_sum(ops.ne(xs, xs), d, True)
        pos = ops.where(ops.gt(nans, 0), ops.sub(n, nans), pos)
    return _pick(ops, xs, perm, pos, d, keepdim, shape)


@torch_op
def mode(input: Any, dim: int = -1, keepdim: bool = False, *, out: Any = None) -> ValuesIndices:  # noqa: A002
    """``torch.mode``: the most frequent value along ``dim`` (the smallest among equally
    frequent ones) and the index of its last occurrence."""
    _no_out("mode", out)
    x = _arg("mode", "input", input)
    ops, shape = _check("mode", x)
    d = _dim("mode", dim, shape)
    xs = _as_1d(ops, x, shape)
    s = ops.shape_of(xs)
    if s[d] == 0:
        raise ShapeError(f"mode: cannot take the mode of the empty dimension {d} of shape {shape}")
    perm = _argsort(ops, xs, d, False)
    sv = ops.movedim(ops.take_along(xs, perm, d), d, -1)  # sorted values, the axis last
    same = ops.eq(ops.unsqueeze(sv, -1), ops.unsqueeze(sv, -2))  # (..., n, n)
    counts = ops.reduce_sum(same, -1)  # int64 (..., n): the run length at each sorted position
    first = ops.argmax(counts, -1, True)  # the first (smallest) value of the largest count
    last = ops.sub(ops.add(first, ops.take_along(counts, first, -1)), 1)
    pos = ops.movedim(last, -1, d)
    return _pick(ops, xs, perm, pos, d, keepdim, shape)


class SortingMethods:
    """``torch.Tensor`` sorting and selection methods (``torch``'s signatures)."""

    __slots__ = ()

    def sort(self, dim: int = -1, descending: bool = False, *, stable: bool = False) -> ValuesIndices:
        return sort(self, dim, descending, stable=stable)

    def argsort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:
        return argsort(self, dim, descending, stable)

    def msort(self) -> Any:
        return msort(self)

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> ValuesIndices:  # noqa: A002
        return topk(self, k, dim, largest, sorted)

    def kthvalue(self, k: int, dim: int = -1, keepdim: bool = False) -> ValuesIndices:
        return kthvalue(self, k, dim, keepdim)

    def median(self, dim: Any = None, keepdim: bool = False) -> Any:
        return median(self, dim, keepdim)

    def mode(self, dim: int = -1, keepdim: bool = False) -> ValuesIndices:
        return mode(self, dim, keepdim)
