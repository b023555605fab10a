"""Indexing, gather/scatter, concat, slice and axis permutations ops.

Primitives (``ops/indexing.py``, ``ops/shape.py``): ``take`` / ``take_transpose`` (gather rows
along axis 0 / scatter-add them back), ``slice`` / ``slice_transpose`` (keep a range of one
axis / zero-pad it back) and ``concat``. Everything else here is a composite of those and of
``permute``/``add``/``reshape``.

Index semantics (the seed's totalisation, kept everywhere): an index outside ``[0, n)`` gives a
zero (row) in a gather, gets no gradient, and is dropped by a scatter. **Negative indices are
out of range**: there is no Python/PyTorch-style wraparound (``x[-1]`` is the last row in
PyTorch, a zero row here). Duplicate indices accumulate gradients. Indices are never
differentiable. An index argument may be a Python int, a list/tuple/NumPy array of ints (lifted
as an int64 constant) or an integer tensor of the binder.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import ops as _ops  # noqa: F401  (registers every primitive)
from .._core.errors import ArgumentError, DTypeError, ShapeError, TorchLeanError
from .._core.registry import REGISTRY
from .._core.shapes import broadcast_shapes, normalize_axis, prod
from .._core.types import TensorType, is_float, is_int
from .base import OpsBase, _scalar_as
from .getitem import GetItemOps

P = REGISTRY
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _static_int(op: str, what: str, v: Any) -> int:
    if not _is_int(v):
        raise ArgumentError(f"{op}: {what} must be an int, got {v!r}")
    return int(v)


def _host_indices(op: str, value: Any) -> np.ndarray:
    """Python/NumPy index data as an int64 array (out-of-int64 ints become -1: out of range)."""
    if _is_int(value):
        v = int(value)
        return np.asarray(v if _INT64_MIN <= v <= _INT64_MAX else -1, dtype=np.int64)
    try:
        arr = np.asarray(value)
    except ValueError as e:
        raise ShapeError(f"{op}: cannot read indices from {value!r} (ragged?): {e}") from None
    except (TypeError, OverflowError) as e:
        raise DTypeError(f"{op}: cannot read indices from {value!r}: {e}") from None
    if arr.size == 0 and arr.dtype.kind in "fO":  # [] is float64 to NumPy
        arr = arr.astype(np.int64)
    if arr.dtype.kind not in "iu":
        raise DTypeError(f"{op}: indices must be integers, got {arr.dtype.name} data")
    return arr.astype(np.int64, copy=False)  # uint64 >= 2**63 wraps negative: still out of range


def _move_to_front(ndim: int, axis: int) -> tuple[int, ...]:
    return (axis, *(i for i in range(ndim) if i != axis))


def _move_back(ndim: int, axis: int) -> tuple[int, ...]:
    return (*range(1, axis + 1), 0, *range(axis + 1, ndim))


class IndexOps(GetItemOps, OpsBase):
    """Indexing, gather/scatter, concat, slice and axis permutations (see module docstring)."""

    # -- index arguments -------------------------------------------------------------------
    def _index_plan(self, op: str, idx: Any, scalar: bool = False
                    ) -> tuple[tuple[int, ...], Callable[[], Any]]:
        """Check an index argument without touching the tape: its shape, and a thunk that
        makes the index tensor (lifting Python/NumPy data as an int64 constant)."""
        if isinstance(idx, (bool, np.bool_, float, str, bytes)):
            raise DTypeError(f"{op}: indices must be integers, got {idx!r}")
        if _is_int(idx) or isinstance(idx, (list, tuple, np.ndarray)):
            arr = _host_indices(op, idx)
            shape, make = arr.shape, lambda: self.lift(arr, np.int64)
        else:
            try:
                t = self.type_of(idx)
            except TorchLeanError as e:  # say which op and argument, keep the error class
                raise type(e)(f"{op}: index argument: {str(e).partition(': ')[2] or e}") from None
            if not is_int(t.dtype):
                raise DTypeError(f"{op}: indices must be an integer tensor, got {t}")
            shape, make = t.shape, lambda: idx
        if scalar and shape != ():
            raise ShapeError(f"{op}: expected one index (an int or a 0-d integer tensor), "
                             f"got indices of shape {shape}")
        return tuple(shape), make

    def _gather(self, op: str, x: Any, idx: Any, vector: bool, scalar: bool) -> Any:
        """take(x, idx) after the checks of ``op``: x is (n,) when ``vector`` else (r, *rest)."""
        tx = self.type_of(x)
        bad_rank = tx.ndim != 1 if vector else tx.ndim < 1
        if bad_rank:
            want = "a vector (n,)" if vector else "at least one axis (r, *rest)"
            raise ShapeError(f"{op}: expected x with {want}, got shape {tx.shape}")
        _, make = self._index_plan(op, idx, scalar)
        return self.bind(P["take"], x, make())

    def _scatter_add(self, op: str, x: Any, v: Any, i: Any) -> Any:
        """x + take_transpose(v, i, n) after the checks of ``op`` (x (n, *rest), v rest)."""
        tx, tv = self.type_of(x), self.type_of(v)
        if tx.ndim < 1 or tv.shape != tx.shape[1:]:
            raise ShapeError(f"{op}: expected x (n, *rest) and v rest, got x {tx.shape} and v {tv.shape}")
        if not is_float(tx.dtype) or tv.dtype != tx.dtype:
            raise DTypeError(f"{op}: expected x and v of one float dtype, got {tx.dtype.name} and "
                             f"{tv.dtype.name}")
        _, make = self._index_plan(op, i, scalar=True)
        return self.add(x, self.bind(P["take_transpose"], v, make(), n=tx.shape[0]))

    # -- primitives ------------------------------------------------------------------------
    def take(self, x: Any, idx: Any, mode: str = "zero") -> Any:
        """Rows of x (r, *rest) at integer indices idx (any shape): shape idx.shape + rest.

        ``numpy.take(x, idx, axis=0)``, not the flat ``torch.take``. ``mode='zero'`` (the
        seed's): an index outside [0, r), negative included, gives a zero row (no wraparound).
        ``mode='checked'`` (PyTorch's): negative indices count from the end, anything else out
        of range raises ``ArgumentError`` when the op runs.
        """
        tx = self.type_of(x)
        if tx.ndim < 1:
            raise ShapeError(f"take: expected x with at least one axis (r, *rest), got shape {tx.shape}")
        _, make = self._index_plan("take", idx)
        return self.bind(P["take"], x, make(), **({} if mode == "zero" else {"mode": mode}))

    def take_transpose(self, g: Any, idx: Any, n: int, mode: str = "zero") -> Any:
        """Scatter-add g (idx.shape + rest) into n rows: ``zeros(n, *rest).index_add_(0, idx, g)``
        with duplicates accumulating and out-of-range (or negative) indices dropped
        (``mode='checked'``: negative indices wrap, others out of range raise)."""
        n = _static_int("take_transpose", "n", n)
        shape, make = self._index_plan("take_transpose", idx)
        params = {"n": n} if mode == "zero" else {"n": n, "mode": mode}
        P["take_transpose"].shape(self.type_of(g), TensorType(shape, np.dtype(np.int64)), **params)
        return self.bind(P["take_transpose"], g, make(), **params)

    def slice(self, x: Any, axis: int, start: int, stop: int | None = None, step: int = 1) -> Any:
        """x[start:stop:step] along ``axis`` (step >= 1). Negative axis/start/stop count from the
        end as in Python, but nothing is clamped: 0 <= start <= stop <= n must hold after that."""
        t = self.type_of(x)
        if t.ndim == 0:
            raise ShapeError(f"slice: expected a tensor with at least one axis, got shape {t.shape}")
        ax = normalize_axis("slice", axis, t.ndim)
        n = t.shape[ax]
        start = _static_int("slice", "start", start)
        stop = n if stop is None else _static_int("slice", "stop", stop)
        step = _static_int("slice", "step", step)
        start, stop = start + n if start < 0 else start, stop + n if stop < 0 else stop
        if not 0 <= start <= stop <= n:
            raise ShapeError(f"slice: expected 0 <= start <= stop <= {n} on axis {ax} of {t.shape}, "
                             f"got start={start}, stop={stop}")
        if step < 1:
            raise ShapeError(f"slice: step must be a positive int, got {step}")
        if step != 1 and stop - start > 1:
            return self.bind(P["slice"], x, axis=ax, start=start, stop=stop, step=step)
        if start == 0 and stop == n:
            return x
        return self.bind(P["slice"], x, axis=ax, start=start, stop=stop)

    def slice_transpose(self, g: Any, axis: int, start: int, size: int, step: int = 1) -> Any:
        """Zero-fill a length-``size`` axis and put g at ``start, start + step, ...`` (the
        transpose of slice)."""
        t = self.type_of(g)
        if t.ndim == 0:
            raise ShapeError(f"slice_transpose: expected a tensor with at least one axis, got {t.shape}")
        ax = normalize_axis("slice_transpose", axis, t.ndim)
        start = _static_int("slice_transpose", "start", start)
        size = _static_int("slice_transpose", "size", size)
        step = _static_int("slice_transpose", "step", step)
        if step != 1 and t.shape[ax] > 1:
            return self.bind(P["slice_transpose"], g, axis=ax, start=start, size=size, step=step)
        if start == 0 and size == t.shape[ax]:
            return g
        return self.bind(P["slice_transpose"], g, axis=ax, start=start, size=size)

    def concat(self, a: Any, b: Any, axis: int = 0, *, dim: int | None = None) -> Any:
        """Concatenate two tensors along ``axis`` (negative allowed; ``dim=`` accepted); other
        axes must agree."""
        return self._cat("concat", [a, b], axis if dim is None else dim)

    # -- gathers (seed names) --------------------------------------------------------------
    def gather_scalar(self, x: Any, i: Any) -> Any:
        """x[i] for x (n,), a scalar. The seed requires 0 <= i < n; here an out-of-range or
        negative i gives 0 with zero gradient (as ``gather_scalar_nat``)."""
        return self._gather("gather_scalar", x, i, vector=True, scalar=True)

    def gather_scalar_nat(self, x: Any, i: Any) -> Any:
        """x[i] for x (n,) if 0 <= i < n, else 0 (seed ``gatherScalarNat``)."""
        return self._gather("gather_scalar_nat", x, i, vector=True, scalar=True)

    def gather_row(self, x: Any, i: Any) -> Any:
        """Row i of x (r, c) -> (c,); generalised to x (r, *rest) -> rest. Out of range or
        negative i gives a zero row with zero gradient."""
        return self._gather("gather_row", x, i, vector=False, scalar=True)

    def gather_vec_nat(self, x: Any, idx: Any) -> Any:
        """y[j] = x[idx[j]] for x (n,) and integer idx (k,) (any shape: y has idx's shape);
        0 where idx[j] is out of range or negative. Duplicates accumulate in backward."""
        return self._gather("gather_vec_nat", x, idx, vector=True, scalar=False)

    def gather_rows_nat(self, x: Any, idx: Any) -> Any:
        """Rows idx of x (r, c) -> (k, c); generalised to x (r, *rest) and idx of any shape ->
        idx.shape + rest. Out-of-range or negative rows are zero rows."""
        return self._gather("gather_rows_nat", x, idx, vector=False, scalar=False)

    def index_select(self, x: Any, dim: int, index: Any, mode: str = "zero") -> Any:
        """``torch.index_select``: entries ``index`` (a vector) of axis ``dim``. With the default
        ``mode='zero'`` (unlike PyTorch) out-of-range or negative indices give zeros;
        ``mode='strict'`` raises for them as PyTorch (``torch.index_select`` does that)."""
        t = self.type_of(x)
        if t.ndim == 0:
            raise ShapeError(f"index_select: expected a tensor with at least one axis, got {t.shape}")
        d = normalize_axis("index_select", dim, t.ndim)
        shape, make = self._index_plan("index_select", index)
        if len(shape) > 1:
            raise ShapeError(f"index_select: expected a vector of indices, got shape {shape}")
        idx = make()
        if shape == ():
            idx = self.reshape(idx, (1,))
        return self._take_axis(x, d, idx, mode)

    def _take_axis(self, x: Any, axis: int, idx: Any, mode: str = "zero") -> Any:
        """take along ``axis`` (non-negative): the indexed axis is replaced by idx's axes."""
        nd = len(self.shape_of(x))
        params = {} if mode == "zero" else {"mode": mode}
        if axis == 0:
            return self.bind(P["take"], x, idx, **params)
        y = self.bind(P["take"], self.permute(x, _move_to_front(nd, axis)), idx, **params)
        k = len(self.shape_of(idx))
        rest = list(range(k, k + nd - 1))
        return self.permute(y, (*rest[:axis], *range(k), *rest[axis:]))

    # -- gathers along an axis (the torch.gather family) ------------------------------------
    def take_along(self, x: Any, idx: Any, axis: int, mode: str = "strict") -> Any:
        """``torch.gather`` for idx of x's shape except along ``axis``: ``out[..., j, ...] =
        x[..., idx[..., j, ...], ...]``. ``mode='strict'`` raises for indices outside [0, n);
        ``'checked'`` wraps negatives first."""
        t = self.type_of(x)
        if t.ndim == 0:
            raise ShapeError(f"take_along: expected a tensor with at least one axis, got {t.shape}")
        ax = normalize_axis("take_along", axis, t.ndim)
        _, make = self._index_plan("take_along", idx)
        return self.bind(P["take_along"], x, make(), axis=ax, mode=mode)

    def take_along_transpose(self, g: Any, idx: Any, axis: int, n: int, mode: str = "strict") -> Any:
        """Scatter-add g into a length-``n`` axis at idx (the transpose of ``take_along``)."""
        t = self.type_of(g)
        if t.ndim == 0:
            raise ShapeError(f"take_along_transpose: expected a tensor with at least one axis, got {t.shape}")
        ax = normalize_axis("take_along_transpose", axis, t.ndim)
        n = _static_int("take_along_transpose", "n", n)
        _, make = self._index_plan("take_along_transpose", idx)
        return self.bind(P["take_along_transpose"], g, make(), axis=ax, n=n, mode=mode)

    def _gather_plan(self, op: str, x: Any, dim: int, index: Any, src: Any = None
                     ) -> tuple[Any, Any, int, tuple[int, ...]]:
        """Checks shared by gather and scatter_add: x and index (and src) of one rank, index
        no larger than x off ``dim`` (and than src everywhere). 0-d tensors act as (1,):
        returns (x, index tensor, dim, index shape), x and index made at least 1-d."""
        tx = self.type_of(x)
        shape, make = self._index_plan(op, index)
        ts = None if src is None else self.type_of(src)
        d = normalize_axis(op, dim, tx.ndim)
        ranks = {max(tx.ndim, 1), max(len(shape), 1)} | (set() if ts is None else {max(ts.ndim, 1)})
        xs, ishape = tx.shape or (1,), shape or (1,)
        ss = None if ts is None else (ts.shape or (1,))
        if len(ranks) > 1 or any(i > s for e, (i, s) in enumerate(zip(ishape, xs)) if e != d) \
                or (ss is not None and any(i > s for i, s in zip(ishape, ss))):
            extra = "" if ts is None else f", src {ts.shape}"
            raise ShapeError(f"{op}: index must have the rank of input and no larger sizes (except "
                             f"along dim {d}{'' if ts is None else '; none larger than src'}), got "
                             f"input {tx.shape}, index {shape}{extra}")
        idx = make()
        if not shape:
            idx = self.reshape(idx, (1,))
        if tx.ndim == 0:
            x = self.reshape(x, (1,))
        return x, idx, d, shape

    def gather(self, x: Any, dim: int, index: Any) -> Any:
        """``torch.gather``: ``out[i][j] = x[index[i][j]][j]`` for dim 0 (any rank); index has x's
        rank and sizes no larger than x's off ``dim``. Indices outside [0, n) raise, negative
        ones included (as PyTorch). The gradient scatter-adds into x."""
        tx, (shape, _) = self.type_of(x), self._index_plan("gather", index)
        if prod(shape) == 0 and len(shape) != max(tx.ndim, 1):  # PyTorch skips the checks then
            normalize_axis("gather", dim, tx.ndim)
            return self.reshape(self.slice(self.reshape(x, (tx.size,)), 0, 0, 0), shape)
        x, idx, d, shape = self._gather_plan("gather", x, dim, index)
        xs, ishape = self.shape_of(x), self.shape_of(idx)
        for e in range(len(xs)):
            if e != d and ishape[e] < xs[e]:
                x = self.slice(x, e, 0, ishape[e])
        y = self.bind(P["take_along"], x, idx, axis=d, mode="strict")
        return y if shape else self.reshape(y, ())

    def scatter_add(self, x: Any, dim: int, index: Any, src: Any) -> Any:
        """``torch.scatter_add`` (out of place): x with ``src[i][j]`` added at
        ``[index[i][j]][j]`` for dim 0 (any rank); duplicates accumulate. Indices outside [0, n)
        raise, negative ones included (as PyTorch). Float tensors only."""
        tx, ts = self.type_of(x), self.type_of(src)
        if tx.dtype.kind != "f" or ts.dtype != tx.dtype:
            raise DTypeError(f"scatter_add: expected input and src of one float dtype, got "
                             f"{tx.dtype.name} and {ts.dtype.name}")
        x0 = x
        x, idx, d, _ = self._gather_plan("scatter_add", x, dim, index, src)
        if not ts.shape:
            src = self.reshape(src, (1,))
        xs, ishape, ss = self.shape_of(x), self.shape_of(idx), self.shape_of(src)
        for e in range(len(xs)):
            if ishape[e] < ss[e]:
                src = self.slice(src, e, 0, ishape[e])
        added = self.bind(P["take_along_transpose"], src, idx, axis=d, n=xs[d], mode="strict")
        for e in range(len(xs)):
            if e != d and ishape[e] < xs[e]:
                added = self.slice_transpose(added, e, 0, xs[e])
        if not tx.shape:
            added = self.reshape(added, ())
        return self.add(x0, added)

    def take_along_dim(self, x: Any, indices: Any, dim: int | None = None) -> Any:
        """``torch.take_along_dim``: with ``dim``, x and indices broadcast except along ``dim``
        and are gathered there; without, the flattened x at the flattened indices. Negative
        indices wrap; out-of-range ones raise (PyTorch reduces them modulo n instead)."""
        tx = self.type_of(x)
        shape, make = self._index_plan("take_along_dim", indices)
        idx = make()
        if dim is None:
            return self.bind(P["take_along"], self.reshape(x, (tx.size,)), self.reshape(idx, (prod(shape),)),
                             axis=0, mode="checked")
        if tx.ndim != len(shape):
            raise ShapeError(f"take_along_dim: input and indices must have the same rank, got {tx.shape} "
                             f"and {shape}")
        d = normalize_axis("take_along_dim", dim, tx.ndim)
        if tx.ndim == 0:
            return self.reshape(self.take_along_dim(self.reshape(x, (1,)), self.reshape(idx, (1,)), 0), ())
        xs, ishape = list(tx.shape), list(shape)
        xs[d] = ishape[d]
        full = broadcast_shapes("take_along_dim", tuple(xs), tuple(ishape))
        xt = list(full)
        xt[d] = tx.shape[d]
        return self.bind(P["take_along"], self.broadcast_to(x, tuple(xt)), self.broadcast_to(idx, full),
                         axis=d, mode="checked")

    def masked_fill(self, x: Any, mask: Any, value: Any) -> Any:
        """``torch.masked_fill``: ``value`` where the bool ``mask`` is True, else x (broadcast
        together). ``value`` is a Python number or a 0-d tensor, converted to x's dtype (a 0-d
        float tensor gets the gradient summed over the filled positions)."""
        tx, tm = self.type_of(x), self.type_of(mask)
        if tm.dtype.kind != "b":
            raise DTypeError(f"masked_fill: expected a bool mask, got {tm.dtype.name}")
        if isinstance(value, (bool, int, float, np.bool_, np.integer, np.floating)):
            value = _scalar_as("masked_fill", value.item() if isinstance(value, np.generic) else value, tx.dtype)
        else:
            tv = self.type_of(value)
            if tv.shape != ():
                raise ShapeError(f"masked_fill: value must be a number or a 0-d tensor, got shape {tv.shape}")
            value = self.cast(value, tx.dtype)
        return self.where(mask, value, x)

    # -- scatters --------------------------------------------------------------------------
    def scatter_add_vec(self, x: Any, v: Any, i: Any) -> Any:
        """A copy of x (n,) with x[i] += v (v a scalar). dx = g, dv = g[i]. An out-of-range or
        negative i leaves x unchanged and gives v a zero gradient."""
        tx = self.type_of(x)
        if tx.ndim != 1:
            raise ShapeError(f"scatter_add_vec: expected x (n,), got shape {tx.shape}")
        return self._scatter_add("scatter_add_vec", x, v, i)

    def scatter_add_row(self, x: Any, v: Any, i: Any) -> Any:
        """A copy of x (r, c) with row i += v (c,); generalised to x (r, *rest), v rest.
        dx = g, dv = g[i]; an out-of-range or negative i leaves x unchanged, dv = 0."""
        return self._scatter_add("scatter_add_row", x, v, i)

    def index_add(self, x: Any, dim: int, index: Any, source: Any) -> Any:
        """``torch.index_add``: x with ``source`` slices added at ``index`` along ``dim``;
        duplicates accumulate. Unlike PyTorch, out-of-range or negative indices are dropped."""
        tx, ts = self.type_of(x), self.type_of(source)
        if tx.ndim == 0:
            raise ShapeError(f"index_add: expected a tensor with at least one axis, got {tx.shape}")
        d = normalize_axis("index_add", dim, tx.ndim)
        shape, make = self._index_plan("index_add", index)
        k = shape[0] if shape else 1
        want = (*tx.shape[:d], k, *tx.shape[d + 1:])
        if len(shape) > 1 or ts.shape != want:
            raise ShapeError(f"index_add: expected a vector of indices and source of shape {want}, "
                             f"got index {shape} and source {ts.shape}")
        if not is_float(tx.dtype) or ts.dtype != tx.dtype:
            raise DTypeError(f"index_add: expected x and source of one float dtype, got "
                             f"{tx.dtype.name} and {ts.dtype.name}")
        idx = make()
        if shape == ():
            idx = self.reshape(idx, (1,))
        if d != 0:
            source = self.permute(source, _move_to_front(tx.ndim, d))
        added = self.bind(P["take_transpose"], source, idx, n=tx.shape[d])
        if d != 0:
            added = self.permute(added, _move_back(tx.ndim, d))
        return self.add(x, added)

    # -- concat ----------------------------------------------------------------------------
    def _cat(self, op: str, xs: Sequence[Any], axis: int) -> Any:
        xs = list(xs)
        if not xs:
            raise ShapeError(f"{op}: expected at least one tensor")
        ts = [self.type_of(x) for x in xs]
        nd = ts[0].ndim
        if nd == 0:
            raise ShapeError(f"{op}: cannot concatenate 0-d tensors (shape ())")
        ax = normalize_axis(op, axis, nd)
        for t in ts[1:]:
            if t.dtype != ts[0].dtype:
                raise DTypeError(f"{op}: tensors must share one dtype, got "
                                 f"{', '.join(u.dtype.name for u in ts)}")
            if t.ndim != nd or t.shape[:ax] != ts[0].shape[:ax] or t.shape[ax + 1:] != ts[0].shape[ax + 1:]:
                raise ShapeError(f"{op}: shapes must agree except on axis {ax}, got "
                                 f"{', '.join(str(u.shape) for u in ts)}")
        while len(xs) > 1:  # a balanced tree: each element is copied O(log len) times
            pairs = [self.bind(P["concat"], xs[j], xs[j + 1], axis=ax) for j in range(0, len(xs) - 1, 2)]
            xs = pairs + xs[len(xs) - len(xs) % 2:]
        return xs[0]

    def cat(self, xs: Sequence[Any], axis: int = 0, *, dim: int | None = None) -> Any:
        """``torch.cat``: concatenate a list of tensors along ``axis`` (``dim=`` accepted); a
        single tensor is returned as is."""
        if not isinstance(xs, (list, tuple)):
            raise DTypeError(f"cat: expected a list or tuple of tensors, got {type(xs).__name__}")
        return self._cat("cat", xs, axis if dim is None else dim)

    def concat_vectors(self, a: Any, b: Any) -> Any:
        """(n,) + (m,) -> (n + m,) (seed ``concatVectors``)."""
        sa, sb = self.shape_of(a), self.shape_of(b)
        if len(sa) != 1 or len(sb) != 1:
            raise ShapeError(f"concat_vectors: expected two vectors, got shapes {sa} and {sb}")
        return self._cat("concat_vectors", [a, b], 0)

    def concat_dim0(self, a: Any, b: Any) -> Any:
        """(n, *s) + (m, *s) -> (n + m, *s) (seed ``concatDim0``)."""
        return self._cat("concat_dim0", [a, b], 0)

    # -- slices ----------------------------------------------------------------------------
    def slice_range0(self, x: Any, start: int, length: int) -> Any:
        """x[start:start + length] along axis 0 for x (n, *s); requires start >= 0,
        length >= 0 and start + length <= n (seed ``sliceRange0``; no negative offsets)."""
        t = self.type_of(x)
        start = _static_int("slice_range0", "start", start)
        length = _static_int("slice_range0", "length", length)
        if t.ndim == 0 or start < 0 or length < 0 or start + length > t.shape[0]:
            raise ShapeError(f"slice_range0: expected x (n, *s) with 0 <= start, 0 <= length and "
                             f"start + length <= n, got x {t.shape}, start={start}, length={length}")
        return self.slice(x, 0, start, start + length)

    def narrow(self, x: Any, dim: int, start: int, length: int) -> Any:
        """``torch.narrow``: x[start:start + length] along ``dim`` (a negative start counts
        from the end)."""
        t = self.type_of(x)
        if t.ndim == 0:
            raise ShapeError(f"narrow: expected a tensor with at least one axis, got {t.shape}")
        d = normalize_axis("narrow", dim, t.ndim)
        start = _static_int("narrow", "start", start)
        length = _static_int("narrow", "length", length)
        if start < 0:
            start += t.shape[d]
        if start < 0 or length < 0 or start + length > t.shape[d]:
            raise ShapeError(f"narrow: range [{start}, {start + length}) is not inside axis {d} "
                             f"of {t.shape}")
        return self.slice(x, d, start, start + length)

    # -- axis permutations (composites of permute) -----------------------------------------
    def _permute3(self, op: str, x: Any, perm: tuple[int, int, int]) -> Any:
        s = self.shape_of(x)
        if len(s) != 3:
            raise ShapeError(f"{op}: expected a rank-3 tensor (a, b, c), got shape {s}")
        return self.permute(x, perm)

    def transpose3d_first_to_last(self, x: Any) -> Any:
        """(a, b, c) -> (b, c, a): ``permute(1, 2, 0)``."""
        return self._permute3("transpose3d_first_to_last", x, (1, 2, 0))

    def transpose3d_last_to_first(self, x: Any) -> Any:
        """(a, b, c) -> (c, a, b): ``permute(2, 0, 1)``."""
        return self._permute3("transpose3d_last_to_first", x, (2, 0, 1))

    def transpose3d_last_two(self, x: Any) -> Any:
        """(a, b, c) -> (a, c, b): ``transpose(1, 2)``."""
        return self._permute3("transpose3d_last_two", x, (0, 2, 1))

    def swap_adjacent_at_depth(self, x: Any, depth: int) -> Any:
        """Swap axes ``depth`` and ``depth + 1``. Seed semantics: an invalid depth (negative,
        or depth + 1 >= rank) is the identity and returns x itself (no tape entry); negative
        depths are not counted from the end."""
        depth = _static_int("swap_adjacent_at_depth", "depth", depth)
        n = len(self.shape_of(x))
        if not 0 <= depth < n - 1:
            return x
        perm = list(range(n))
        perm[depth], perm[depth + 1] = depth + 1, depth
        return self.permute(x, perm)
