"""``torch`` functions whose result's shape depends on the input's values: ``masked_select
nonzero argwhere unique unique_consecutive bincount histc``.

They work eagerly only: the values are read when the op runs (``ops.value``) and the result is
recorded as a constant, except ``masked_select``, which is ``x[mask]`` (a gather) and keeps its
gradient. In traced code (``tl.compile``) the values are unknown when the graph is built, so they
raise ``ShapeError`` naming the op, before anything is recorded: use ``torch.where(mask, x, 0)``
/ ``masked_fill`` instead, or compute the indices outside the compiled function.

Semantics are PyTorch's: ``unique`` sorts (also with ``sorted=False``, as torch's CPU kernel)
and keeps every NaN apart; ``bincount`` counts non-negative int64 values (weights give a float
result: the weights' float dtype, float64 for integer weights); ``histc`` puts ``x`` in bin
``int((x - min) * bins / (max - min))`` (the last bin takes ``max``; values outside, and NaN, are
dropped; ``min == max`` takes the data's range, widened by 1 each way if that is empty too, and
raises if the data hold a NaN, as torch).
``unique``, ``bincount`` and ``histc`` carry no gradient (PyTorch has none either).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._core.errors import ArgumentError, DTypeError, ShapeError
from .._core.shapes import broadcast_shapes, is_int, normalize_axis
from .dispatch import tensor, torch_op
from .math import no_out

__all__ = ["argwhere", "bincount", "histc", "masked_select", "nonzero", "unique", "unique_consecutive"]


def _host(op: str, ops: Any, v: Any) -> np.ndarray:
    """``v``'s value on the host; ``ShapeError`` in traced code, where it is unknown."""
    read = getattr(ops, "value", None)
    if read is None:
        raise ShapeError(f"{op}: the result's shape depends on the tensor's values, which traced code "
                         "(tl.compile) does not know; call it eagerly, or use a fixed-shape form "
                         "(torch.where(mask, x, 0), masked_fill)")
    return np.asarray(read(v))


def _const(ops: Any, value: np.ndarray, dtype: Any) -> Any:
    return ops.const(np.array(value, dtype=dtype), dtype=dtype)


@torch_op
def masked_select(input: Any, mask: Any, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.masked_select(input, mask)``: the 1-D tensor of input's elements where the bool
    ``mask`` (broadcast with input) is True, in row-major order; the gradient flows back to
    those elements."""
    no_out("masked_select", out)
    x, m = tensor("masked_select", "input", input), tensor("masked_select", "mask", mask)
    ops = x.session
    if ops.type_of(m).dtype.kind != "b":
        raise DTypeError(f"masked_select: expected a bool mask, got {ops.type_of(m).dtype.name}")
    keep = _host("masked_select", ops, m)
    shape = broadcast_shapes("masked_select", ops.shape_of(x), ops.shape_of(m))
    xb = x if ops.shape_of(x) == shape else ops.broadcast_to(x, shape)
    flat = np.flatnonzero(np.broadcast_to(keep, shape))
    return ops.take_along_dim(ops.reshape(xb, (-1,)), _const(ops, flat, np.int64))


@torch_op
def nonzero(input: Any, *, out: Any = None, as_tuple: bool = False) -> Any:  # noqa: A002
    """``torch.nonzero(input, *, as_tuple=False)``: the int64 ``(n, ndim)`` indices of the nonzero
    elements in row-major order, or with ``as_tuple`` one 1-D index tensor per dimension (a
    0-d input counts as 1-D)."""
    no_out("nonzero", out)
    x = tensor("nonzero", "input", input)
    ops = x.session
    v = _host("nonzero", ops, x)
    idx = np.argwhere(v != 0) if v.ndim else np.zeros((int(v != 0), 0), np.int64)
    if as_tuple:
        if not v.ndim:
            return (_const(ops, np.zeros(int(v != 0)), np.int64),)
        return tuple(_const(ops, idx[:, d], np.int64) for d in range(v.ndim))
    return _const(ops, idx, np.int64)


@torch_op
def argwhere(input: Any) -> Any:  # noqa: A002
    """``torch.argwhere(input)``: ``nonzero(input)``."""
    return nonzero(input)


def _dim(op: str, dim: Any, ndim: int) -> int | None:
    if dim is None:
        return None
    if not is_int(dim):
        raise ArgumentError(f"{op}: dim must be an int or None, got {dim!r:.40}")
    if ndim == 0:
        raise ShapeError(f"{op}: dim {dim} given for a tensor with no dimensions")
    return normalize_axis(op, dim, ndim)


def _pack(ops: Any, values: np.ndarray, dt: Any, inverse: np.ndarray, counts: np.ndarray,
          return_inverse: bool, return_counts: bool) -> Any:
    out = _const(ops, values, dt)
    if not (return_inverse or return_counts):
        return out
    res = [out]
    if return_inverse:
        res.append(_const(ops, inverse, np.int64))
    if return_counts:
        res.append(_const(ops, counts, np.int64))
    return tuple(res)


def _runs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(start of each run of equal consecutive rows of ``keys`` (n, k), run id of each row);
    NaN never equals NaN."""
    n = keys.shape[0]
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    new = np.ones(n, bool)
    new[1:] = ~(keys[1:] == keys[:-1]).all(axis=1)
    return np.flatnonzero(new), np.cumsum(new) - 1


def _unique(op: str, x: Any, dim: Any, consecutive: bool, return_inverse: bool, return_counts: bool) -> Any:
    ops = x.session
    v = _host(op, ops, x)
    d = _dim(op, dim, v.ndim)
    if d is not None and v.size == 0 and v.shape[d] != 0:
        raise ShapeError(f"{op}: there are 0-sized dimensions besides dim {d} (shape {v.shape}), so the slices "
                         "cannot be compared (as PyTorch)")
    rest = int(np.prod(np.delete(v.shape, d))) if d is not None else 1
    moved = v.reshape(-1, 1) if d is None else np.moveaxis(v, d, 0).reshape(v.shape[d], rest)
    if consecutive:
        order = np.arange(moved.shape[0])
    else:  # lexicographic order of the rows, stable (NaN sorts last, as torch)
        order = np.lexsort(moved.T[::-1]) if moved.shape[1] else np.arange(moved.shape[0])
    starts, run = _runs(moved[order])
    inverse = np.empty(moved.shape[0], np.int64)
    inverse[order] = run
    counts = np.diff(np.append(starts, moved.shape[0])).astype(np.int64)
    rows = moved[order][starts]
    if d is None:
        values = rows.reshape(-1)
        inverse = inverse.reshape(v.shape)
    else:
        values = np.moveaxis(rows.reshape((len(starts), *np.delete(v.shape, d))), 0, d)
    return _pack(ops, values, v.dtype, inverse, counts, return_inverse, return_counts)


@torch_op
def unique(input: Any, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,  # noqa: A002
           dim: Any = None) -> Any:
    """``torch.unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None)``:
    the sorted distinct elements (or slices along ``dim``), with the index of each input element
    in them and their counts if asked (a tuple then)."""
    x = tensor("unique", "input", input)
    return _unique("unique", x, dim, False, return_inverse, return_counts)


@torch_op
def unique_consecutive(input: Any, return_inverse: bool = False, return_counts: bool = False,  # noqa: A002
                       dim: Any = None) -> Any:
    """``torch.unique_consecutive(input, return_inverse=False, return_counts=False, dim=None)``:
    the first element (or slice) of every run of equal consecutive ones."""
    x = tensor("unique_consecutive", "input", input)
    return _unique("unique_consecutive", x, dim, True, return_inverse, return_counts)


@torch_op
def bincount(input: Any, weights: Any = None, minlength: int = 0) -> Any:  # noqa: A002
    """``torch.bincount(input, weights=None, minlength=0)``: the count (or the weight sum) of each
    value of the 1-D non-negative integer input, ``max(max(input) + 1, minlength)`` long."""
    x = tensor("bincount", "input", input)
    ops = x.session
    t = ops.type_of(x)
    if t.dtype.kind not in "iu" or t.ndim != 1:
        raise DTypeError(f"bincount: only 1-D integer tensors are supported, got {t}")
    if not is_int(minlength) or minlength < 0:
        raise ArgumentError(f"bincount: minlength should be a non-negative int, got {minlength!r:.40}")
    w = None
    if weights is not None:
        w = tensor("bincount", "weights", weights)
        tw = ops.type_of(w)
        if tw.shape != t.shape:
            raise ShapeError(f"bincount: weights must have input's shape {t.shape}, got {tw.shape}")
    v = _host("bincount", ops, x)
    if v.size and v.min() < 0:
        raise ArgumentError(f"bincount: input must be non-negative, got {int(v.min())}")
    n = max(int(v.max()) + 1 if v.size else 0, int(minlength))
    if w is None:
        return _const(ops, np.bincount(v, minlength=n), np.int64)
    wv = _host("bincount", ops, w)
    dt = wv.dtype if wv.dtype.kind == "f" else np.dtype(np.float64)
    return _const(ops, np.bincount(v, weights=wv.astype(np.float64), minlength=n), dt)


def _bound(what: str, v: Any) -> float:
    v = v.item() if isinstance(v, np.generic) else v
    if type(v) not in (int, float):
        raise ArgumentError(f"histc: {what} must be a number, got {type(v).__name__}")
    return float(v)


@torch_op
def histc(input: Any, bins: int = 100, min: Any = 0, max: Any = 0, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.histc(input, bins=100, min=0, max=0)``: the histogram of a float tensor in ``bins``
    equal-width bins over [min, max] (the data's range when min == max); input's dtype."""
    no_out("histc", out)
    x = tensor("histc", "input", input)
    ops = x.session
    t = ops.type_of(x)
    if t.dtype.kind != "f":
        raise DTypeError(f"histc: expected a float tensor, got {t.dtype.name} (as PyTorch)")
    if not is_int(bins) or bins <= 0:
        raise ArgumentError(f"histc: bins must be > 0, got {bins!r:.40}")
    lo, hi = _bound("min", min), _bound("max", max)
    if lo > hi:
        raise ArgumentError("histc: max must be larger than min")
    v = _host("histc", ops, x).astype(np.float64).reshape(-1)
    if lo == hi and v.size:
        lo, hi = float(v.min()), float(v.max())  # NaN data: a NaN range, refused below (as torch)
    if lo == hi:
        lo, hi = lo - 1.0, hi + 1.0
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ArgumentError(f"histc: range of [{lo}, {hi}] is not finite")
    inside = v[(v >= lo) & (v <= hi)]
    pos = np.minimum(((inside - lo) * bins / (hi - lo)).astype(np.int64), int(bins) - 1)
    return _const(ops, np.bincount(pos, minlength=int(bins)).astype(np.float64), t.dtype)
