"""``x[key]`` with PyTorch's semantics, as a composite of slice, reshape, transpose and take.

The key is read as ``torch.Tensor.__getitem__`` reads it (a list that holds a slice, ``None``,
``...``, a sequence or a tensor is a tuple of indices; any other list is one index tensor):

* ints pick one entry (negative ones count from the end, out of range raises) and drop the axis;
  so does a 0-d integer tensor (a gather checked when the op runs);
* slices keep ``start:stop:step`` (clamped as in Python; the step must be positive, as PyTorch);
* ``None`` inserts a size-1 axis, ``...`` stands for as many full slices as needed;
* integer tensors, lists and NumPy arrays are advanced indices: they broadcast together and
  gather (negative indices wrap, out-of-range ones raise). As in PyTorch, ints are applied
  first; the broadcast axes then replace the indexed axes if the advanced indices are adjacent
  (after the ints are removed), and go first otherwise;
* a bool mask (a tensor, list or array) covering k axes acts as the k integer index arrays of
  its ``True`` positions. Its result's shape depends on the mask's values: a host mask (list,
  NumPy array) works everywhere, a bool tensor only eagerly (its value is read when the op
  runs); traced, it raises (use ``where``/``masked_fill``, which keep the shape).

Every form is differentiable: slices' adjoints zero-pad, gathers' adjoints scatter-add.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._core.errors import ArgumentError, DTypeError, ShapeError
from .._core.registry import REGISTRY
from .._core.shapes import broadcast_shapes, is_int, prod
from .._core.types import int64
from .base import OpsBase

P = REGISTRY
OP = "getitem"


def _is_tensor(v: Any) -> bool:
    return getattr(v, "__torchlean_tensor__", False) is True


def as_index_tuple(key: Any) -> tuple[Any, ...]:
    """PyTorch's reading of an index key as a tuple of indices (``treatSequenceAsTuple``)."""
    if isinstance(key, tuple):
        return key
    if isinstance(key, list) and len(key) < 32:
        for item in key:
            if (item is None or item is Ellipsis or isinstance(item, (slice, list, tuple, np.ndarray))
                    or _is_tensor(item)):
                return tuple(key)
    return (key,)


def _slice_bounds(sl: slice, n: int) -> tuple[int, int, int]:
    for what, v in (("start", sl.start), ("stop", sl.stop), ("step", sl.step)):
        if v is not None and not is_int(v):
            raise ArgumentError(f"{OP}: slice {what} must be an int or None, got {v!r}")
    if sl.step is not None and sl.step <= 0:
        raise ArgumentError(f"{OP}: slice step must be greater than zero (PyTorch has no negative steps; "
                            f"use flip), got {sl.step}")
    start, stop, step = sl.indices(n)
    return start, max(start, stop), step


def _host_index_array(value: Any) -> np.ndarray:
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as e:
        raise ArgumentError(f"{OP}: cannot read an index from {value!r:.60}: {e}") from None
    if arr.size == 0 and arr.dtype.kind in "fO":  # [] is float64 to NumPy
        arr = arr.astype(np.int64)
    if arr.dtype.kind not in "biu":
        raise DTypeError(f"{OP}: tensors used as indices must hold integers or bools, got {arr.dtype.name} data")
    return arr


class GetItemOps(OpsBase):
    """``getitem(x, key)``: ``x[key]`` (see the module docstring)."""

    def _index_item(self, item: Any) -> tuple[str, Any]:
        """(kind, payload): none, ellipsis, slice, bool, int, int0 (0-d int tensor), index (an
        int array or tensor), mask (a bool array or tensor), mask0 (a 0-d bool tensor)."""
        if item is None:
            return "none", None
        if item is Ellipsis:
            return "ellipsis", None
        if isinstance(item, slice):
            return "slice", item
        if isinstance(item, (bool, np.bool_)):
            return "bool", bool(item)
        if is_int(item):
            return "int", int(item)
        if _is_tensor(item):
            t = self.type_of(item)
            if t.dtype.kind == "b":
                return ("mask0" if t.ndim == 0 else "mask"), item
            if t.dtype.kind not in "iu":
                raise DTypeError(f"{OP}: tensors used as indices must be integer or bool tensors, got {t}")
            return ("int0" if t.ndim == 0 else "index"), item
        if isinstance(item, (list, tuple, np.ndarray)):
            arr = _host_index_array(item)
            if arr.ndim == 0:
                return ("bool", bool(arr)) if arr.dtype.kind == "b" else ("int", int(arr))
            return ("mask" if arr.dtype.kind == "b" else "index"), arr
        raise ArgumentError(f"{OP}: unsupported index {item!r:.60} of type {type(item).__name__} (use ints, "
                            "slices, None, ..., integer or bool tensors/lists)")

    def _mask_value(self, mask: Any) -> np.ndarray:
        """A bool mask's value on the host: read eagerly; traced, the shape would depend on data."""
        if isinstance(mask, np.ndarray):
            return mask
        read = getattr(self, "value", None)
        if read is None:
            raise ShapeError(f"{OP}: indexing with a bool tensor gives a shape that depends on its values, "
                             "which traced code does not know; use where(mask, x, 0) or masked_fill "
                             "(same shape), or a mask given as host data (a list or NumPy array)")
        return np.asarray(read(mask))

    def _dims_used(self, kind: str, p: Any) -> int:
        if kind == "mask":
            return self.type_of(p).ndim if _is_tensor(p) else p.ndim
        return int(kind in ("slice", "int", "int0", "index"))

    def getitem(self, x: Any, key: Any) -> Any:
        """``x[key]`` with PyTorch's semantics (see the module docstring)."""
        t = self.type_of(x)
        items = [self._index_item(it) for it in as_index_tuple(key)]
        if sum(k == "ellipsis" for k, _ in items) > 1:
            raise ArgumentError(f"{OP}: an index can only have a single ellipsis ('...')")
        used = sum(self._dims_used(k, p) for k, p in items)
        if used > t.ndim:
            raise ShapeError(f"{OP}: too many indices for a tensor of rank {t.ndim} ({used} dims indexed, "
                             f"shape {t.shape})")
        fill = [("slice", slice(None))] * (t.ndim - used)
        at = next((i for i, (k, _) in enumerate(items) if k == "ellipsis"), len(items))
        items = items[:at] + fill + items[at + 1:]
        has_adv = any(k in ("index", "mask") for k, _ in items)
        y, cur = x, 0
        layout: list[Any] = []  # per result axis of the basic stage: an x axis, None (new) or "empty"
        drop: list[int] = []
        adv: list[tuple[int, Any]] = []
        for kind, p in items:
            if kind in ("bool", "mask0"):
                if has_adv:
                    raise ArgumentError(f"{OP}: a bool scalar index combined with tensor indices is not supported")
                keep = p if kind == "bool" else bool(self._mask_value(p))
                layout.append(None if keep else "empty")
            elif kind == "none":
                layout.append(None)
            elif kind == "int":
                n = t.shape[cur]
                if not -n <= p < n:
                    raise ArgumentError(f"{OP}: index {p} is out of range for dim {cur} of size {n}")
                y = self.slice(y, cur, p % n, p % n + 1)
                drop.append(cur)
                cur += 1
            elif kind == "int0":
                y = self._take_axis(y, cur, self.reshape(p, (1,)), "checked")
                drop.append(cur)
                cur += 1
            elif kind == "slice":
                y = self.slice(y, cur, *_slice_bounds(p, t.shape[cur]))
                layout.append(cur)
                cur += 1
            elif kind == "index":
                layout.append("adv")
                adv.append((cur, p))
                cur += 1
            else:  # a mask over k axes: the k index arrays of its True positions
                mask = self._mask_value(p)
                k = mask.ndim
                if mask.shape != t.shape[cur:cur + k]:
                    raise ShapeError(f"{OP}: the shape of the mask {mask.shape} at dim {cur} does not match "
                                     f"the indexed dims {t.shape[cur:cur + k]} of {t.shape}")
                for j, idx in enumerate(np.nonzero(mask)):
                    layout.append("adv")
                    adv.append((cur + j, idx.astype(np.int64)))
                cur += k
        layout.extend(range(cur, t.ndim))
        if adv:
            return self._advanced(y, layout, drop, adv)
        shape, empty = [], []
        for e in layout:
            if e == "empty":
                empty.append(len(shape))
            shape.append(1 if e is None or e == "empty" else self.shape_of(y)[e])
        y = self.reshape(y, tuple(shape))
        for pos in empty:
            y = self.slice(y, pos, 0, 0)
        return y

    def _advanced(self, y: Any, layout: list[Any], drop: list[int], adv: list[tuple[int, Any]]) -> Any:
        """Gather the advanced indices of ``adv`` (x axes) from y and arrange the axes as PyTorch."""
        s = self.shape_of(y)
        dims = [d for d, _ in adv]
        sizes = [s[d] for d in dims]
        host = [isinstance(p, np.ndarray) for _, p in adv]
        idxs: list[Any] = []
        for (d, p), n, h in zip(adv, sizes, host):
            if h:
                if p.size and (p.min() < -n or p.max() >= n):
                    bad = p[(p < -n) | (p >= n)].reshape(-1)[0]
                    raise ArgumentError(f"{OP}: index {int(bad)} is out of range for dim {d} of size {n}")
                idxs.append(np.where(p < 0, p + n, p))
            else:
                idxs.append(p)
        shapes = [tuple(np.shape(i)) if h else self.shape_of(i) for i, h in zip(idxs, host)]
        try:
            bshape = broadcast_shapes(OP, *shapes)
        except ShapeError:
            raise ShapeError(f"{OP}: shape mismatch: indexing tensors of shapes "
                             f"{', '.join(map(str, shapes))} cannot be broadcast together") from None
        rest = [d for d in range(len(s)) if d not in dims]
        z = self.permute(y, dims + rest)
        if len(adv) == 1:
            flat = self.lift(idxs[0], int64) if host[0] else idxs[0]
            mode = "strict" if host[0] else "checked"
        else:
            z = self.reshape(z, (prod(sizes), *(s[d] for d in rest)))
            strides = [prod(sizes[j + 1:]) for j in range(len(sizes))]
            mode = "strict"
            if all(host):
                flat = self.lift(sum(np.broadcast_to(i, bshape) * k for i, k in zip(idxs, strides)), int64)
            else:
                terms = []
                for i, k, n, h in zip(idxs, strides, sizes, host):
                    if not h:  # wrap negatives and check the range against this axis
                        i = self.bind(P["take"], self.lift(np.arange(n, dtype=np.int64), int64), i, mode="checked")
                    else:
                        i = self.lift(i, int64)
                    terms.append(i if k == 1 else self.mul(i, k))
                flat = terms[0]
                for term in terms[1:]:
                    flat = self.add(flat, term)
        z = self.bind(P["take"], z, flat, mode=mode)  # shape bshape + rest
        nb = len(bshape)
        pos = {d: nb + j for j, d in enumerate(rest)}
        spots = [i for i, e in enumerate(layout) if e == "adv"]
        adjacent = spots == list(range(spots[0], spots[0] + len(spots)))
        order: list[int] = []
        shape: list[int] = []
        entries = layout if adjacent else ["adv", *[e for e in layout if e != "adv"]]
        placed = False
        for e in entries:  # no "empty" here: bool scalars with advanced indices were refused
            if e == "adv":
                if not placed:
                    order.extend(range(nb))
                    shape.extend(bshape)
                    placed = True
            elif e is None:
                shape.append(1)
            else:
                order.append(pos[e])
                shape.append(s[e])
        order.extend(pos[d] for d in drop)
        return self.reshape(self.permute(z, order), tuple(shape))
