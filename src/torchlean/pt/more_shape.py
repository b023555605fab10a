"""``torch`` shape, lookup and search functions beyond ``shape_extra``: ``broadcast_tensors
broadcast_shapes take isin searchsorted bucketize diagflat`` and the method ``sum_to_size``.

All are composites with static shapes, so they trace. ``searchsorted``/``bucketize`` count, for
each value, the sorted elements before which it goes: ``sum(~(seq >= v))`` (left) or
``sum(~(seq > v))`` (right), which is torch's binary search for a sorted sequence (a NaN value
goes to the end, as torch); they compare every value with every element (memory
``values x sequence``). ``isin`` compares every element with every test element. Their results
are int64 / bool and carry no gradient; ``take`` gathers (its gradient scatter-adds).

Divergences (``docs/for-pytorch-users/shape.md``): ``out_int32=True`` raises (torchlean has no
int32); ``broadcast_shapes`` returns a tuple (torch: ``torch.Size``, a tuple subclass); with NaNs
inside ``sorted_sequence`` the counts follow the formula above (torch's binary search may
stop elsewhere).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .._core.errors import ArgumentError, DTypeError, ShapeError
from .._core.shapes import broadcast_shapes as _broadcast
from .._core.shapes import is_int
from .._core.types import int64
from .dispatch import is_tensor, tensor, torch_op
from .linalg_extra import diag
from .math import _operand, _session, no_out

__all__ = ["broadcast_shapes", "broadcast_tensors", "bucketize", "diagflat", "isin", "searchsorted", "take"]


def broadcast_shapes(*shapes: Any) -> tuple[int, ...]:
    """``torch.broadcast_shapes(*shapes)``: the shape the given shapes (sequences of ints, or
    ints for 1-D shapes) broadcast to, as a tuple; ``ShapeError`` if they do not."""
    norm = []
    for s in shapes:
        t = (s,) if is_int(s) else s
        if not isinstance(t, Sequence) or isinstance(t, str) or not all(is_int(d) for d in t):
            raise ArgumentError(f"broadcast_shapes: expected shapes (sequences of ints or ints), got {s!r:.60}")
        if any(d < 0 for d in t):
            raise ShapeError(f"broadcast_shapes: sizes must be non-negative, got {tuple(t)}")
        norm.append(tuple(int(d) for d in t))
    return _broadcast("broadcast_shapes", *norm) if norm else ()


@torch_op
def broadcast_tensors(*tensors: Any) -> tuple[Any, ...]:
    """``torch.broadcast_tensors(*tensors)``: each tensor broadcast to their common shape
    (copies; the gradients sum back)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    ts = [tensor("broadcast_tensors", f"tensors[{i}]", t) for i, t in enumerate(tensors)]
    ops = ts[0].session
    shape = _broadcast("broadcast_tensors", *(ops.shape_of(t) for t in ts))
    return tuple(t if ops.shape_of(t) == shape else ops.broadcast_to(t, shape) for t in ts)


def _int_index(op: str, ops: Any, what: str, v: Any) -> Any:
    dt = ops.type_of(v).dtype
    if dt.kind not in "iu":
        raise DTypeError(f"{op}: expected {what} to be an int64 tensor, got {dt.name}")
    return v


@torch_op
def take(input: Any, index: Any) -> Any:  # noqa: A002
    """``torch.take(input, index)``: the flattened input at ``index`` (any shape; the result has
    index's shape). Negative indices count from the end; out of range raises when the op runs."""
    x, i = tensor("take", "input", input), tensor("take", "index", index)
    ops = x.session
    _int_index("take", ops, "index", i)
    shape = ops.shape_of(i)
    flat = ops.take_along_dim(ops.reshape(x, (-1,)), ops.reshape(i, (-1,)))
    return ops.reshape(flat, shape)


@torch_op
def isin(elements: Any, test_elements: Any, *, assume_unique: bool = False, invert: bool = False) -> Any:
    """``torch.isin(elements, test_elements, *, assume_unique=False, invert=False)``: whether each
    element equals some test element (a bool tensor of elements' shape; either argument may be
    a number). ``assume_unique`` changes nothing here."""
    e, t = _operand("isin", "elements", elements), _operand("isin", "test_elements", test_elements)
    ops = _session(e, t)
    if not is_tensor(t):
        found = ops.eq(e, t)
    elif not is_tensor(e):
        found = ops.gt(ops.reduce_sum(ops.cast(ops.eq(ops.reshape(t, (-1,)), e), int64)), 0)
    else:
        shape = ops.shape_of(e)
        hit = ops.eq(ops.reshape(e, (*shape, 1)), ops.reshape(t, (-1,)))
        found = ops.gt(ops.reduce_sum(ops.cast(hit, int64), -1), 0)
    return ops.logical_not(found) if invert else found


def _side(op: str, right: Any, side: Any) -> bool:
    if side is None:
        return bool(right)
    if side not in ("left", "right"):
        raise ArgumentError(f"{op}: side must be 'left' or 'right', got {side!r:.40}")
    if right and side == "left":
        raise ArgumentError(f"{op}: side and right can't be set to opposites, got side='left' and right=True")
    return side == "right"


def _count(ops: Any, seq: Any, v: Any, right: bool) -> Any:
    """How many of ``seq``'s last-axis elements go before each value of ``v`` (shape
    ``(..., n)`` against ``(..., m)``, or a 1-D seq against any v)."""
    ss = ops.shape_of(seq)
    vv = ops.reshape(v, (*ops.shape_of(v), 1)) if is_tensor(v) else v
    s = seq if len(ss) == 1 else ops.reshape(seq, (*ss[:-1], 1, ss[-1]))
    before = ops.logical_not(ops.gt(s, vv) if right else ops.ge(s, vv))
    return ops.reduce_sum(ops.cast(before, int64), -1)


@torch_op
def searchsorted(sorted_sequence: Any, input: Any, *, out_int32: bool = False, right: bool = False,  # noqa: A002
                 side: Any = None, out: Any = None, sorter: Any = None) -> Any:
    """``torch.searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None,
    sorter=None)``: for each value, the index in the sorted last axis before which it goes
    (first such index with ``right=False``/``side='left'``, last with ``right``); int64."""
    no_out("searchsorted", out)
    seq = tensor("searchsorted", "sorted_sequence", sorted_sequence)
    ops = seq.session
    if out_int32:
        raise ArgumentError("searchsorted: out_int32=True is not supported (torchlean has no int32; int64 results)")
    r = _side("searchsorted", right, side)
    ss = ops.shape_of(seq)
    if not ss:
        raise ShapeError("searchsorted: sorted_sequence must have at least 1 dimension, got shape ()")
    if sorter is not None:
        srt = _int_index("searchsorted", ops, "sorter", tensor("searchsorted", "sorter", sorter))
        if ops.shape_of(srt) != ss:
            raise ShapeError(f"searchsorted: sorter must have sorted_sequence's shape {ss}, got {ops.shape_of(srt)}")
        seq = ops.take_along_dim(seq, srt, len(ss) - 1)
    v = _operand("searchsorted", "input", input)
    if not is_tensor(v):
        if len(ss) != 1:
            raise ShapeError(f"searchsorted: a scalar input needs a 1-D sorted_sequence, got shape {ss}")
        return _count(ops, seq, v, r)
    sv = ops.shape_of(v)
    if len(ss) > 1 and (len(sv) != len(ss) or sv[:-1] != ss[:-1]):
        raise ShapeError(f"searchsorted: sorted_sequence {ss} and input {sv} must have the same leading "
                         "dimensions (all but the last), or sorted_sequence must be 1-D")
    return _count(ops, seq, v, r)


@torch_op
def bucketize(input: Any, boundaries: Any, *, out_int32: bool = False, right: bool = False,  # noqa: A002
              out: Any = None) -> Any:
    """``torch.bucketize(input, boundaries, *, out_int32=False, right=False)``: the bucket of
    each value among the sorted 1-D ``boundaries`` (``b[i-1] < x <= b[i]``; with ``right``,
    ``b[i-1] <= x < b[i]``); int64 of input's shape (a number gives a 0-d tensor)."""
    no_out("bucketize", out)
    b = tensor("bucketize", "boundaries", boundaries)
    ops = b.session
    if out_int32:
        raise ArgumentError("bucketize: out_int32=True is not supported (torchlean has no int32; int64 results)")
    if len(ops.shape_of(b)) != 1:
        raise ShapeError(f"bucketize: boundaries must be 1-D, got shape {ops.shape_of(b)}")
    v = _operand("bucketize", "input", input)
    return _count(ops, b, v, bool(right))


@torch_op
def diagflat(input: Any, offset: int = 0) -> Any:  # noqa: A002
    """``torch.diagflat(input, offset=0)``: the flattened input on the ``offset``-th diagonal of
    a square matrix (zeros elsewhere)."""
    x = tensor("diagflat", "input", input)
    if not is_int(offset):
        raise ArgumentError(f"diagflat: offset must be an int, got {offset!r:.40}")
    return diag(x.session.reshape(x, (-1,)), offset)


def sum_to_size(x: Any, size: tuple[Any, ...]) -> Any:
    """``Tensor.sum_to_size(*size)``: ``x`` summed over the axes where it was broadcast from
    ``size`` (leading axes, and axes of size 1 in ``size``)."""
    ops = x.session
    if len(size) == 1 and isinstance(size[0], (list, tuple)):
        size = tuple(size[0])
    if not all(is_int(d) and d >= 0 for d in size):
        raise ArgumentError(f"sum_to_size: size must be non-negative ints, got {size!r:.60}")
    size = tuple(int(d) for d in size)
    shape = ops.shape_of(x)
    lead = len(shape) - len(size)
    if lead < 0 or any(d != 1 and d != s for d, s in zip(size, shape[lead:])):
        raise ShapeError(f"sum_to_size: size {size} is not expandable to size {shape}")
    axes = (*range(lead), *(lead + i for i, d in enumerate(size) if d == 1 and shape[lead + i] != 1))
    if not axes:
        return x
    return ops.reshape(ops.reduce_sum(x, axes, keepdims=True), size)
