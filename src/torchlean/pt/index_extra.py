"""Functional indexing writes with ``torch``'s names: ``index_add index_copy index_fill scatter
scatter_reduce``. Values are immutable, so each returns a new tensor (torch's out-of-place
forms; the in-place ``x.index_add_(...)`` spellings do not exist).

Composites: the index is compared with the positions of ``dim`` (a (..., k, n) mask, checked
against [0, n) when the op runs, as torch), the scattered values are reduced over k, and
``where`` keeps ``input`` at the positions nobody writes. Duplicate indices: ``scatter`` and
``index_copy`` keep the last write (torch leaves that unspecified) and give gradient only to it
(torch's ``src`` gradient gathers at every duplicate); ``index_add``/``scatter_reduce``
accumulate. ``scatter_reduce``'s amax/amin gradient is shared evenly among ties, the input
included, as torch. Integer tensors work except for ``index_add`` (float only).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._core.errors import ArgumentError, DTypeError, ShapeError
from .._core.shapes import is_int, normalize_axis
from .._core.types import int64
from .dispatch import is_tensor, torch_op
from .dispatch import tensor as _arg

__all__ = ["index_add", "index_copy", "index_fill", "scatter", "scatter_reduce"]
_REDUCE = ("sum", "prod", "mean", "amax", "amin")


def _int_index(op: str, ops: Any, index: Any) -> Any:
    t = ops.type_of(_arg(op, "index", index))
    if t.dtype != int64:
        raise DTypeError(f"{op}: index must be an int64 tensor, got {t}")
    return index


def _checked(ops: Any, idx: Any, n: int) -> Any:
    """``idx`` (..., k) itself, read through a gather of ``arange(n)``: raises when it runs for
    an index outside [0, n), and keeps the check alive in a compiled graph."""
    s = ops.shape_of(idx)
    ar = ops.broadcast_to(ops.lift(np.arange(n, dtype=np.int64).reshape((1,) * (len(s) - 1) + (n,)), int64),
                          (*s[:-1], n))
    return ops.take_along(ar, idx, len(s) - 1)


def _paste(ops: Any, region: Any, x: Any, d: int) -> Any:
    """``region`` (x's shape or smaller off ``d``) written over the corner of ``x``."""
    xs, rs = ops.shape_of(x), list(ops.shape_of(region))
    out = region
    for e in range(len(xs)):
        if e != d and rs[e] < xs[e]:
            piece = x
            for f in range(len(xs)):
                if f != e and f != d:
                    piece = ops.slice(piece, f, 0, rs[f])
            out = ops.cat([out, ops.slice(piece, e, rs[e], xs[e])], e)
            rs[e] = xs[e]
    return out


class _Plan:
    """The scatter of ``index`` (x's rank) into ``x`` along ``d``, with the axis moved last:
    ``mask`` (A..., k, n) says which of the k index entries writes each of the n positions."""

    def __init__(self, op: str, x: Any, d: int, index: Any, src: Any | None) -> None:
        ops = self.ops = x.session
        self.x, self.d = x, d
        xs, ishape = ops.shape_of(x), ops.shape_of(index)
        ss = None if src is None else ops.shape_of(src)
        if len(ishape) != len(xs) or (ss is not None and len(ss) != len(xs)) \
                or any(i > s for e, (i, s) in enumerate(zip(ishape, xs)) if e != d) \
                or (ss is not None and any(i > s for i, s in zip(ishape, ss))):
            extra = "" if ss is None else f", src {ss}"
            raise ShapeError(f"{op}: index must have the rank of input and no larger sizes (except along dim "
                             f"{d}{'' if ss is None else '; none larger than src'}), got input {xs}, index "
                             f"{ishape}{extra}")
        self.n, self.k = xs[d], ishape[d]
        region = tuple(xs[d] if e == d else v for e, v in enumerate(ishape))
        self.xr = x
        for e in range(len(xs)):
            if e != d and ishape[e] < xs[e]:
                self.xr = ops.slice(self.xr, e, 0, ishape[e])
        self.region = region
        if self.k == 0 or 0 in region:
            self.mask = None
            return
        idx = _checked(ops, ops.movedim(index, d, -1), self.n)
        pos = ops.lift(np.arange(self.n, dtype=np.int64), int64)
        self.mask = ops.eq(ops.unsqueeze(idx, -1), pos)  # (A..., k, n)
        self.src = None
        if src is not None:
            for e in range(len(ss)):
                if ishape[e] < ss[e]:
                    src = ops.slice(src, e, 0, ishape[e])
            self.src = ops.unsqueeze(ops.movedim(src, d, -1), -1)  # (A..., k, 1)

    def hit(self) -> Any:
        return self.ops.gt(self.ops.reduce_sum(self.mask, -2), 0)  # (A..., n)

    def back(self, y: Any) -> Any:
        """(A..., n) moved back and pasted into x."""
        return _paste(self.ops, self.ops.movedim(y, -1, self.d), self.x, self.d)

    def last(self) -> Any:
        """The value of the last index entry writing each position (A..., n)."""
        ops = self.ops
        k = ops.lift(np.arange(self.k, dtype=np.int64).reshape(self.k, 1), int64)
        j = ops.amax(ops.where(self.mask, k, -1), -2)
        src = ops.squeeze(self.src, -1)
        return ops.take_along(src, ops.where(ops.ge(j, 0), j, 0), len(ops.shape_of(src)) - 1)


def _dim(op: str, x: Any, dim: Any) -> int:
    if not is_int(dim):
        raise ArgumentError(f"{op}: dim must be an int, got {dim!r:.40}")
    return normalize_axis(op, dim, max(len(x.session.shape_of(x)), 1))


def _value(op: str, ops: Any, x: Any, value: Any) -> Any:
    dt = ops.type_of(x).dtype
    if is_tensor(value):
        if ops.shape_of(value) != ():
            raise ShapeError(f"{op}: value must be a number or a 0-d tensor, got shape {ops.shape_of(value)}")
        return ops.cast(value, dt)
    if isinstance(value, (bool, int, float, np.generic)):
        return ops.cast(ops.lift(np.asarray(value)), dt) if dt.kind != "f" else value
    raise ArgumentError(f"{op}: value must be a number or a 0-d tensor, got {type(value).__name__}")


def _zero_d(ops: Any, *vs: Any) -> list[Any]:
    return [v if v is None or not is_tensor(v) or ops.shape_of(v) else ops.reshape(v, (1,)) for v in vs]


@torch_op
def scatter(input: Any, dim: int, index: Any, src: Any = None, *, value: Any = None,  # noqa: A002
            reduce: str | None = None) -> Any:
    """``torch.scatter``: input with ``src[i][j]`` (or ``value``) written at ``[index[i][j]][j]``
    (dim 0). ``reduce='add'``/``'multiply'`` accumulate (torch's deprecated forms)."""
    x = _arg("scatter", "input", input)
    ops = x.session
    if src is not None and not is_tensor(src):
        src, value = None, src  # torch.scatter(input, dim, index, value) with a number
    if (src is None) == (value is None):
        raise ArgumentError("scatter: give exactly one of src (a tensor) and value (a number)")
    _int_index("scatter", ops, index)
    d = _dim("scatter", x, dim)
    if reduce is not None:
        if reduce not in ("add", "multiply"):
            raise ArgumentError(f"scatter: reduce must be None, 'add' or 'multiply', got {reduce!r:.20}")
        if src is None:
            src = ops.broadcast_to(ops.cast(ops.lift(np.asarray(value)), ops.type_of(x).dtype), ops.shape_of(index))
        return scatter_reduce(x, dim, index, src, "sum" if reduce == "add" else "prod")
    shape = ops.shape_of(x)
    x0, i0, s0 = _zero_d(ops, x, index, src)
    if src is not None:
        if ops.type_of(src).dtype != ops.type_of(x).dtype:
            raise DTypeError(f"scatter: src must have input's dtype {ops.type_of(x).dtype.name}, got "
                             f"{ops.type_of(src).dtype.name}")
        p = _Plan("scatter", x0, d, i0, s0)
        if p.mask is None:
            return x
        y = p.back(ops.where(p.hit(), p.last(), ops.movedim(p.xr, d, -1)))
    else:
        v = _value("scatter", ops, x, value)
        p = _Plan("scatter", x0, d, i0, None)
        if p.mask is None:
            return x
        y = p.back(ops.where(p.hit(), v, ops.movedim(p.xr, d, -1)))
    return y if shape else ops.reshape(y, ())


@torch_op
def scatter_reduce(input: Any, dim: int, index: Any, src: Any, reduce: str, *,  # noqa: A002
                   include_self: bool = True) -> Any:
    """``torch.scatter_reduce``: input with the ``src`` entries at ``index`` reduced into it by
    ``reduce`` ('sum', 'prod', 'mean', 'amax', 'amin'); ``include_self=False`` leaves input's own
    value out where something is written. Integer 'mean' floors, as torch."""
    x, s = _arg("scatter_reduce", "input", input), _arg("scatter_reduce", "src", src)
    ops = x.session
    if reduce not in _REDUCE:
        raise ArgumentError(f"scatter_reduce: reduce must be one of {_REDUCE}, got {reduce!r:.20}")
    _int_index("scatter_reduce", ops, index)
    dt = ops.type_of(x).dtype
    if dt.kind not in "fi" or ops.type_of(s).dtype != dt:
        raise DTypeError(f"scatter_reduce: expected input and src of one float or int64 dtype, got "
                         f"{dt.name} and {ops.type_of(s).dtype.name}")
    d = _dim("scatter_reduce", x, dim)
    shape = ops.shape_of(x)
    x0, i0, s0 = _zero_d(ops, x, index, s)
    p = _Plan("scatter_reduce", x0, d, i0, s0)
    if p.mask is None:
        return x
    xr = ops.movedim(p.xr, d, -1)
    hit = p.hit()
    big = np.inf if dt.kind == "f" else np.iinfo(np.int64).max
    fill = {"sum": 0, "mean": 0, "prod": 1, "amax": -big, "amin": big}[reduce]
    vals = ops.where(p.mask, p.src, ops.cast(ops.lift(np.asarray(fill)), dt))  # (A..., k, n)
    if include_self and reduce in ("prod", "amax", "amin"):
        vals = ops.cat([ops.unsqueeze(xr, -2), vals], len(ops.shape_of(vals)) - 2)
    if reduce in ("sum", "mean"):
        y = ops.reduce_sum(vals, -2)
        if include_self:
            y = ops.add(y, xr)
        if reduce == "mean":
            cnt = ops.reduce_sum(p.mask, -2)
            if include_self:
                cnt = ops.add(cnt, 1)
            cnt = ops.where(ops.gt(cnt, 0), cnt, 1)
            y = ops.div(y, ops.cast(cnt, dt)) if dt.kind == "f" else ops.floor_divide(y, cnt)
    elif reduce == "prod":
        y = ops.prod(vals, -2)
    else:
        y = (ops.amax if reduce == "amax" else ops.amin)(vals, -2)
    y = p.back(ops.where(hit, y, xr))
    return y if shape else ops.reshape(y, ())


def _index_plan(op: str, x: Any, dim: Any, index: Any, source: Any | None) -> tuple[Any, int, Any, Any]:
    """dim-wise writes: a vector index (k,) expanded to a scatter index of ``source``'s shape."""
    ops = x.session
    idx = _int_index(op, ops, index)
    if len(ops.shape_of(idx)) > 1:
        raise ShapeError(f"{op}: index must be a vector or a 0-d tensor, got shape {ops.shape_of(idx)}")
    d = _dim(op, x, dim)
    xs = ops.shape_of(x) or (1,)
    k = (ops.shape_of(idx) or (1,))[0]
    want = (*xs[:d], k, *xs[d + 1:])
    if source is not None:
        st = ops.shape_of(source) or (1,)
        if st != want:
            raise ShapeError(f"{op}: expected source of shape {want} (input {ops.shape_of(x)} with dim {d} "
                             f"of size {k}), got {ops.shape_of(source)}")
    full = ops.broadcast_to(ops.reshape(idx, tuple(k if e == d else 1 for e in range(len(xs)))), want)
    return ops, d, full, None if source is None else ops.reshape(source, want)


@torch_op
def index_copy(input: Any, dim: int, index: Any, source: Any) -> Any:  # noqa: A002
    """``torch.index_copy``: input with the slices of ``source`` written at ``index`` along ``dim``."""
    x = _arg("index_copy", "input", input)
    s = _arg("index_copy", "source", source)
    ops, d, full, src = _index_plan("index_copy", x, dim, index, s)
    if ops.type_of(s).dtype != ops.type_of(x).dtype:
        raise DTypeError(f"index_copy: source must have input's dtype {ops.type_of(x).dtype.name}, got "
                         f"{ops.type_of(s).dtype.name}")
    y = scatter(ops.reshape(x, ops.shape_of(x) or (1,)), d, full, src)
    return y if ops.shape_of(x) else ops.reshape(y, ())


@torch_op
def index_fill(input: Any, dim: int, index: Any, value: Any) -> Any:  # noqa: A002
    """``torch.index_fill``: input with ``value`` (a number or a 0-d tensor) at ``index`` along ``dim``."""
    x = _arg("index_fill", "input", input)
    ops = x.session
    idx = _int_index("index_fill", ops, index)
    if len(ops.shape_of(idx)) > 1:
        raise ShapeError(f"index_fill: index must be a vector or a 0-d tensor, got shape {ops.shape_of(idx)}")
    d = _dim("index_fill", x, dim)
    xs = ops.shape_of(x) or (1,)
    v = _value("index_fill", ops, x, value)
    flat = ops.reshape(idx, (-1,))
    if ops.shape_of(flat)[0] == 0:
        return x
    pos = ops.lift(np.arange(xs[d], dtype=np.int64), int64)
    hit = ops.gt(ops.reduce_sum(ops.eq(ops.unsqueeze(_checked(ops, flat, xs[d]), -1), pos), 0), 0)
    hit = ops.reshape(hit, tuple(xs[d] if e == d else 1 for e in range(len(xs))))
    y = ops.where(hit, v, ops.reshape(x, xs))
    return y if ops.shape_of(x) else ops.reshape(y, ())


@torch_op
def index_add(input: Any, dim: int, index: Any, source: Any, *, alpha: Any = 1) -> Any:  # noqa: A002
    """``torch.index_add``: input with ``alpha * source`` slices added at ``index`` along ``dim``;
    duplicates accumulate, indices outside [0, n) raise (as torch). Float tensors."""
    x = _arg("index_add", "input", input)
    s = _arg("index_add", "source", source)
    ops, d, full, src = _index_plan("index_add", x, dim, index, s)
    tx, ts = ops.type_of(x), ops.type_of(s)
    if tx.dtype.kind != "f" or ts.dtype != tx.dtype:
        raise DTypeError(f"index_add: expected input and source of one float dtype, got {tx.dtype.name} and "
                         f"{ts.dtype.name}")
    if alpha != 1:
        src = ops.mul(src, alpha)
    xs = ops.shape_of(x) or (1,)
    y = ops.scatter_add(ops.reshape(x, xs), d, full, src)
    return y if ops.shape_of(x) else ops.reshape(y, ())


class IndexExtraMethods:
    """``torch.Tensor`` functional indexing writes (``torch``'s out-of-place signatures)."""

    __slots__ = ()

    def index_add(self, dim: int, index: Any, source: Any, *, alpha: Any = 1) -> Any:
        return index_add(self, dim, index, source, alpha=alpha)

    def index_copy(self, dim: int, index: Any, source: Any) -> Any:
        return index_copy(self, dim, index, source)

    def index_fill(self, dim: int, index: Any, value: Any) -> Any:
        return index_fill(self, dim, index, value)

    def scatter(self, dim: int, index: Any, src: Any = None, *, value: Any = None, reduce: str | None = None
                ) -> Any:
        return scatter(self, dim, index, src, value=value, reduce=reduce)

    def scatter_reduce(self, dim: int, index: Any, src: Any, reduce: str, *, include_self: bool = True) -> Any:
        return scatter_reduce(self, dim, index, src, reduce, include_self=include_self)
