"""Specs of the indexing ops: gathers, scatters, concat, slices and axis permutations.

Index samples include duplicates (gradients accumulate) and, with NumPy references since
PyTorch raises or wraps around there, out-of-range and negative indices (zeros, no gradient).
The session-only NatRef forms (``gather_*_ref``) are tested in ``tests/unit/test_indexing.py``:
a spec must run on every binder.
"""

from __future__ import annotations

import numpy as np

from ...pt import index as pti
from ..opspec import OpSpec, Sample, normal


# ----- NumPy references (index semantics torch does not have) ----------------------------------
def _np_take(x, idx):
    idx = np.asarray(idx, dtype=np.int64)
    n = x.shape[0]
    valid = (idx >= 0) & (idx < n)
    rows = x[np.where(valid, idx, 0)]
    return np.where(valid.reshape(idx.shape + (1,) * (x.ndim - 1)), rows, 0.0)


def _np_take_t(g, idx, n):
    idx = np.asarray(idx, dtype=np.int64)
    out = np.zeros((n, *g.shape[idx.ndim:]))
    for j, i in np.ndenumerate(idx):  # a plain loop: the reference, not the kernel
        if 0 <= i < n:
            out[i] += g[j]
    return out


def _np_moved(f, x, dim):
    """Apply f along axis 0 of x with ``dim`` moved to the front, then move it back."""
    return np.moveaxis(f(np.moveaxis(x, dim, 0)), 0, dim)


def _t_take_t(t, g, idx, n):
    rest = tuple(g.shape[idx.ndim:])
    return t.zeros((n, *rest), dtype=g.dtype).index_add(0, idx.reshape(-1), g.reshape((-1, *rest)))


def _t_pad(t, g, axis, start, size):
    s = list(g.shape)
    before, after = list(s), list(s)
    before[axis], after[axis] = start, size - start - s[axis]
    return t.cat([t.zeros(before, dtype=g.dtype), g, t.zeros(after, dtype=g.dtype)], axis)


def _t_slice(t, x, axis, start, stop=None):
    return x[(slice(None),) * (axis % x.ndim) + (slice(start, stop),)]


def _swap_ref(t, x, depth):
    return x.transpose(depth, depth + 1) if 0 <= depth < x.ndim - 1 else x


def _idx(*v):
    return np.array(v, dtype=np.int64)


SPECS: list[OpSpec] = [
    # ----- primitives ---------------------------------------------------------------------------
    OpSpec("take", lambda rng: [
        Sample((normal(rng, 5), _idx(0, 3, 3, 1)), {}, "dup"),
        Sample((normal(rng, 4, 3), np.array([[0, 2], [2, 3]])), {}, "2d-idx"),
        Sample((normal(rng, 4, 2, 3), _idx(1, 1, 0)), {}, "rest-axes"),
        Sample((normal(rng, 5), np.array(2)), {}, "0d-idx"),
        Sample((normal(rng, 3, 2), _idx(2, 0, 2, 2, 1, 0)), {}, "k>r")],
        torch=lambda t, x, idx: x[idx]),
    OpSpec("take_out_of_range", lambda rng: [
        Sample((normal(rng, 5), _idx(0, 5, -1, 2, 2, 9)), {}, "vec"),
        Sample((normal(rng, 4, 3), np.array([[-2, 1], [4, 1]])), {}, "rows"),
        Sample((normal(rng, 3, 2), np.array(-1)), {}, "0d-negative")],
        call=lambda ops, x, idx: ops.take(x, idx), binds=("take",), numpy=_np_take),
    # PyTorch's semantics (mode="checked"): negative indices wrap; out-of-range ones raise, which
    # tests/unit/test_index_modes.py checks.
    OpSpec("take_checked", lambda rng: [
        Sample((normal(rng, 5), _idx(0, -1, 3, -5, 3)), {}, "negatives"),
        Sample((normal(rng, 4, 3), np.array([[-2, 1], [3, -4]])), {}, "rows")],
        call=lambda ops, x, idx: ops.take(x, idx, mode="checked"), binds=("take",),
        torch=lambda t, x, idx: x[idx]),
    OpSpec("take_transpose", lambda rng: [
        Sample((normal(rng, 4), _idx(0, 3, 3, 1)), {"n": 5}, "dup"),
        Sample((normal(rng, 2, 2, 3), np.array([[0, 2], [2, 3]])), {"n": 4}, "2d-idx"),
        Sample((normal(rng, 3, 2, 3), _idx(1, 1, 0)), {"n": 4}, "rest-axes"),
        Sample((normal(rng), np.array(2)), {"n": 3}, "0d-idx")],
        torch=_t_take_t),
    OpSpec("take_transpose_out_of_range", lambda rng: [
        Sample((normal(rng, 6), _idx(0, 5, -1, 2, 2, 9)), {"n": 5}, "vec"),
        Sample((normal(rng, 3, 2), _idx(-3, 3, 1)), {"n": 3}, "rows")],
        call=lambda ops, g, idx, n: ops.take_transpose(g, idx, n), binds=("take_transpose",),
        numpy=_np_take_t),
    OpSpec("slice", lambda rng: [
        Sample((normal(rng, 5),), {"axis": 0, "start": 1, "stop": 4}),
        Sample((normal(rng, 3, 4),), {"axis": 1, "start": 0, "stop": 2}),
        Sample((normal(rng, 2, 3, 4),), {"axis": -1, "start": 2, "stop": 3}),
        Sample((normal(rng, 4, 3),), {"axis": 0, "start": -3, "stop": -1}, "negative"),
        Sample((normal(rng, 4, 3),), {"axis": 0, "start": 1}, "to-end")],
        torch=_t_slice),
    OpSpec("slice_transpose", lambda rng: [
        Sample((normal(rng, 3),), {"axis": 0, "start": 1, "size": 5}),
        Sample((normal(rng, 3, 2),), {"axis": 1, "start": 2, "size": 4}),
        Sample((normal(rng, 2, 3, 4),), {"axis": 1, "start": 0, "size": 4})],
        torch=_t_pad),
    OpSpec("concat", lambda rng: [
        Sample((normal(rng, 2, 3), normal(rng, 4, 3)), {"axis": 0}),
        Sample((normal(rng, 2, 3), normal(rng, 2, 1)), {"axis": -1}),
        Sample((normal(rng, 2, 3, 4), normal(rng, 2, 1, 4)), {"axis": 1}),
        Sample((normal(rng, 3), normal(rng, 2)), {})],
        torch=lambda t, a, b, axis=0: t.cat([a, b], axis)),
    # ----- gathers ------------------------------------------------------------------------------
    OpSpec("gather_scalar", lambda rng: [Sample((normal(rng, 5), 3), {}, "int"),
                                         Sample((normal(rng, 5), np.array(0)), {}, "0d-tensor")],
           torch=lambda t, x, i: x[i], binds=("take",)),
    OpSpec("gather_scalar_nat", lambda rng: [Sample((normal(rng, 5), 4), {}, "int")],
           torch=lambda t, x, i: x[i], binds=("take",)),
    OpSpec("gather_scalar_nat_out_of_range", lambda rng: [
        Sample((normal(rng, 5), 5), {}, "i=n"), Sample((normal(rng, 5), -1), {}, "negative"),
        Sample((normal(rng, 5), np.array(7)), {}, "0d-tensor")],
        call=lambda ops, x, i: ops.gather_scalar_nat(x, i), binds=("take",),
        numpy=lambda x, i: np.asarray(x[int(i)] if 0 <= int(i) < len(x) else 0.0)),
    OpSpec("gather_row", lambda rng: [Sample((normal(rng, 4, 3), 2), {}, "int"),
                                      Sample((normal(rng, 3, 2, 4), 0), {}, "rest-axes"),
                                      Sample((normal(rng, 4, 3), np.array(3)), {}, "0d-tensor")],
           torch=lambda t, x, i: x[i], binds=("take",)),
    OpSpec("gather_row_out_of_range", lambda rng: [
        Sample((normal(rng, 4, 3), 4), {}, "i=r"), Sample((normal(rng, 4, 3), -2), {}, "negative")],
        call=lambda ops, x, i: ops.gather_row(x, i), binds=("take",),
        numpy=lambda x, i: _np_take(x, np.asarray(i))),
    OpSpec("gather_vec_nat", lambda rng: [Sample((normal(rng, 5), [0, 4, 4, 1]), {}, "list-dup"),
                                          Sample((normal(rng, 5), _idx(2, 2, 0)), {}, "tensor-dup"),
                                          Sample((normal(rng, 6), np.array([[5, 0], [1, 5]])), {}, "2d")],
           torch=lambda t, x, idx: x[t.as_tensor(idx)], binds=("take",)),
    OpSpec("gather_vec_nat_out_of_range", lambda rng: [
        Sample((normal(rng, 5), [0, 5, -1, 3, 3]), {}, "list"),
        Sample((normal(rng, 4), _idx(9, -4, 2)), {}, "tensor")],
        call=lambda ops, x, idx: ops.gather_vec_nat(x, idx), binds=("take",), numpy=_np_take),
    OpSpec("gather_rows_nat", lambda rng: [
        Sample((normal(rng, 4, 3), [3, 0, 3]), {}, "list-dup"),
        Sample((normal(rng, 4, 2, 3), np.array([[0, 1], [1, 1]])), {}, "rest-axes-2d-idx"),
        Sample((normal(rng, 3, 5), _idx(2, 1)), {}, "tensor")],
        torch=lambda t, x, idx: x[t.as_tensor(idx)], binds=("take",)),
    OpSpec("gather_rows_nat_out_of_range", lambda rng: [
        Sample((normal(rng, 4, 3), [0, 4, -1, 2, 2]), {}, "list"),
        Sample((normal(rng, 3, 2, 2), _idx(-1, 1, 3)), {}, "rest-axes")],
        call=lambda ops, x, idx: ops.gather_rows_nat(x, idx), binds=("take",), numpy=_np_take),
    OpSpec("index_select", lambda rng: [
        Sample((normal(rng, 3, 5), _idx(4, 0, 4)), {"dim": 1}, "dim1-dup"),
        Sample((normal(rng, 4, 3), _idx(1, 1)), {"dim": 0}, "dim0"),
        Sample((normal(rng, 2, 3, 4), _idx(3, 0)), {"dim": -1}, "dim-1")],
        call=lambda ops, x, idx, dim: ops.index_select(x, dim, idx),
        torch=lambda t, x, idx, dim: t.index_select(x, dim, idx), binds=("take",)),
    OpSpec("index_select_out_of_range", lambda rng: [
        Sample((normal(rng, 3, 5), _idx(5, 0, -1)), {"dim": 1}, "dim1")],
        call=lambda ops, x, idx, dim: ops.index_select(x, dim, idx), binds=("take",),
        numpy=lambda x, idx, dim: _np_moved(lambda y: _np_take(y, idx), x, dim)),
    # ----- scatters -----------------------------------------------------------------------------
    OpSpec("scatter_add_vec", lambda rng: [Sample((normal(rng, 5), normal(rng), 2), {}, "int"),
                                           Sample((normal(rng, 3), normal(rng), np.array(0)), {}, "0d")],
           torch=lambda t, x, v, i: x.index_add(0, t.as_tensor(i).reshape(1), v.reshape(1)),
           binds=("take_transpose", "add")),
    OpSpec("scatter_add_vec_out_of_range", lambda rng: [
        Sample((normal(rng, 5), normal(rng), 5), {}, "i=n"),
        Sample((normal(rng, 5), normal(rng), -1), {}, "negative")],
        call=lambda ops, x, v, i: ops.scatter_add_vec(x, v, i), binds=("take_transpose", "add"),
        numpy=lambda x, v, i: x + _np_take_t(np.asarray(v), np.asarray(i), len(x))),
    OpSpec("scatter_add_row", lambda rng: [
        Sample((normal(rng, 4, 3), normal(rng, 3), 1), {}, "int"),
        Sample((normal(rng, 3, 2, 2), normal(rng, 2, 2), 2), {}, "rest-axes")],
        torch=lambda t, x, v, i: x.index_add(0, t.as_tensor(i).reshape(1), v[None]),
        binds=("take_transpose", "add")),
    OpSpec("scatter_add_row_out_of_range", lambda rng: [
        Sample((normal(rng, 4, 3), normal(rng, 3), 4), {}, "i=r"),
        Sample((normal(rng, 4, 3), normal(rng, 3), -3), {}, "negative")],
        call=lambda ops, x, v, i: ops.scatter_add_row(x, v, i), binds=("take_transpose", "add"),
        numpy=lambda x, v, i: x + _np_take_t(v, np.asarray(i), len(x))),
    OpSpec("index_add", lambda rng: [
        Sample((normal(rng, 3, 5), _idx(4, 0, 4), normal(rng, 3, 3)), {"dim": 1}, "dim1-dup"),
        Sample((normal(rng, 4, 2), _idx(3, 3, 1), normal(rng, 3, 2)), {"dim": 0}, "dim0-dup")],
        call=lambda ops, x, idx, src, dim: ops.index_add(x, dim, idx, src),
        torch=lambda t, x, idx, src, dim: t.index_add(x, dim, idx, src), binds=("take_transpose",)),
    OpSpec("index_add_out_of_range", lambda rng: [
        Sample((normal(rng, 3, 4), _idx(4, 0, -1, 0), normal(rng, 3, 4)), {"dim": -1}, "dim-1")],
        call=lambda ops, x, idx, src, dim: ops.index_add(x, dim, idx, src), binds=("take_transpose",),
        numpy=lambda x, idx, src, dim: x + _np_moved(lambda s: _np_take_t(s, idx, x.shape[dim]), src, dim)),
    # ----- concat and slices --------------------------------------------------------------------
    OpSpec("concat_vectors", lambda rng: [Sample((normal(rng, 3), normal(rng, 4))),
                                          Sample((normal(rng, 1), normal(rng, 1)))],
           torch=lambda t, a, b: t.cat([a, b]), binds=("concat",)),
    OpSpec("concat_dim0", lambda rng: [Sample((normal(rng, 2, 3), normal(rng, 1, 3))),
                                       Sample((normal(rng, 1, 2, 2), normal(rng, 3, 2, 2)))],
           torch=lambda t, a, b: t.cat([a, b], 0), binds=("concat",)),
    OpSpec("cat", lambda rng: [
        Sample((normal(rng, 2, 3), normal(rng, 1, 3), normal(rng, 3, 3)), {}, "three"),
        Sample((normal(rng, 2, 1), normal(rng, 2, 4)), {"axis": -1}, "last-axis"),
        Sample(tuple(normal(rng, 2, k, 2) for k in (1, 2, 3, 1, 2)), {"axis": 1}, "five")],
        call=lambda ops, *xs, axis=0: ops.cat(list(xs), axis),
        torch=lambda t, *xs, axis=0: t.cat(xs, axis), binds=("concat",)),
    OpSpec("slice_range0", lambda rng: [
        Sample((normal(rng, 5, 3),), {"start": 1, "length": 3}),
        Sample((normal(rng, 6),), {"start": 0, "length": 2}),
        Sample((normal(rng, 4, 2, 2),), {"start": 3, "length": 1})],
        torch=lambda t, x, start, length: x[start:start + length], binds=("slice",)),
    OpSpec("narrow", lambda rng: [
        Sample((normal(rng, 3, 5),), {"dim": 1, "start": 1, "length": 3}),
        Sample((normal(rng, 4, 3),), {"dim": 0, "start": -3, "length": 2}, "negative-start")],
        torch=lambda t, x, dim, start, length: x.narrow(dim, start, length), binds=("slice",)),
    # ----- axis permutations --------------------------------------------------------------------
    OpSpec("transpose3d_first_to_last", lambda rng: [Sample((normal(rng, 2, 3, 4),))],
           torch=lambda t, x: x.permute(1, 2, 0), binds=("transpose",)),
    OpSpec("transpose3d_last_to_first", lambda rng: [Sample((normal(rng, 2, 3, 4),))],
           torch=lambda t, x: x.permute(2, 0, 1), binds=("transpose",)),
    OpSpec("transpose3d_last_two", lambda rng: [Sample((normal(rng, 2, 3, 4),))],
           torch=lambda t, x: x.transpose(1, 2), binds=("transpose",)),
    OpSpec("swap_adjacent_at_depth", lambda rng: [
        Sample((normal(rng, 2, 3, 4),), {"depth": 0}), Sample((normal(rng, 2, 3, 4),), {"depth": 1}),
        Sample((normal(rng, 3, 2),), {"depth": 0}, "matrix")],
        torch=_swap_ref, binds=("transpose",)),
    OpSpec("swap_adjacent_at_depth_invalid", lambda rng: [
        Sample((normal(rng, 2, 3, 4),), {"depth": 2}, "depth=rank-1"),
        Sample((normal(rng, 2, 3),), {"depth": -1}, "negative"),
        Sample((normal(rng, 4),), {"depth": 0}, "vector")],
        call=lambda ops, x, depth: ops.swap_adjacent_at_depth(x, depth), torch=_swap_ref, binds=()),
]


# ----- PyTorch's gathers: take_along primitives, torch.gather family, masked_fill, x[...] -------
class _A:
    """In a getitem spec's key: the sample's i-th index argument (a tensor at run time)."""

    def __init__(self, i: int) -> None:
        self.i = i

    def __repr__(self) -> str:
        return f"arg{self.i}"


def _key(key, idx, wrap=lambda v: v):
    """The key with markers replaced by index tensors, host masks wrapped (torch.tensor for torch)."""
    def one(v):
        if isinstance(v, _A):
            return idx[v.i]
        if isinstance(v, np.ndarray):
            return wrap(v)
        return v

    return tuple(one(v) for v in key) if isinstance(key, tuple) else one(key)


def _ints(rng, hi, *shape, lo=0):
    return rng.integers(lo, hi, shape)


def _t_wrap(t, idx, n):
    return t.where(idx < 0, idx + n, idx)


SPECS += [
    OpSpec("take_along", lambda rng: [
        Sample((normal(rng, 10, 5), _ints(rng, 10, 7, 5)), {"axis": 0}, "dim0-dup"),
        Sample((normal(rng, 4, 6), _ints(rng, 6, 4, 2)), {"axis": -1}, "dim1"),
        Sample((normal(rng, 2, 3, 4), _ints(rng, 3, 2, 5, 4)), {"axis": 1}, "3d"),
        Sample((normal(rng, 5), _ints(rng, 5, 0)), {"axis": 0}, "empty")],
        torch=lambda t, x, idx, axis: t.gather(x, axis, idx)),
    OpSpec("take_along_checked", lambda rng: [
        Sample((normal(rng, 5, 4), _ints(rng, 5, 6, 4, lo=-5)), {"axis": 0}, "negatives")],
        call=lambda ops, x, idx, axis: ops.take_along(x, idx, axis, mode="checked"), binds=("take_along",),
        torch=lambda t, x, idx, axis: t.gather(x, axis, _t_wrap(t, idx, x.shape[axis]))),
    OpSpec("take_along_transpose", lambda rng: [
        Sample((normal(rng, 7, 5), _ints(rng, 10, 7, 5)), {"axis": 0, "n": 10}, "dim0-dup"),
        Sample((normal(rng, 4, 2), _ints(rng, 6, 4, 2)), {"axis": 1, "n": 6}, "dim1"),
        Sample((normal(rng, 2, 5, 4), _ints(rng, 3, 2, 5, 4)), {"axis": -2, "n": 3}, "3d"),
        Sample((normal(rng, 0, 3), _ints(rng, 4, 0, 3)), {"axis": 0, "n": 4}, "empty")],
        torch=lambda t, g, idx, axis, n: t.zeros(
            (*g.shape[:axis % g.ndim], n, *g.shape[axis % g.ndim + 1:]), dtype=g.dtype).scatter_add(axis, idx, g)),
    OpSpec("slice_step", lambda rng: [
        Sample((normal(rng, 7),), {"axis": 0, "start": 1, "stop": 7, "step": 2}),
        Sample((normal(rng, 3, 8),), {"axis": 1, "start": 0, "stop": 8, "step": 3}),
        Sample((normal(rng, 9, 2),), {"axis": 0, "start": -8, "stop": -1, "step": 4}, "negative")],
        call=lambda ops, x, axis, start, stop, step: ops.slice(x, axis, start, stop, step), binds=("slice",),
        torch=lambda t, x, axis, start, stop, step: x[(slice(None),) * (axis % x.ndim) + (slice(start, stop, step),)]),
    OpSpec("slice_transpose_step", lambda rng: [
        Sample((normal(rng, 3),), {"axis": 0, "start": 1, "size": 7, "step": 2}),
        Sample((normal(rng, 2, 3),), {"axis": 1, "start": 0, "size": 8, "step": 3})],
        call=lambda ops, g, axis, start, size, step: ops.slice_transpose(g, axis, start, size, step),
        binds=("slice_transpose",),
        torch=lambda t, g, axis, start, size, step: t.zeros(
            (*g.shape[:axis], size, *g.shape[axis + 1:]), dtype=g.dtype).index_add(
            axis, t.arange(start, start + (g.shape[axis] - 1) * step + 1, step), g)),
    OpSpec("torch.gather", lambda rng: [
        Sample((normal(rng, 10, 5), _ints(rng, 10, 5, 5)), {"dim": 0}, "dim0-smaller"),
        Sample((normal(rng, 10, 5), _ints(rng, 5, 10, 2)), {"dim": 1}, "dim1"),
        Sample((normal(rng, 4, 5), _ints(rng, 5, 3, 7)), {"dim": -1}, "larger-along-dim"),
        Sample((normal(rng, 5), _ints(rng, 5, 0)), {"dim": 0}, "empty"),
        Sample((normal(rng), np.array([0, 0])), {"dim": 0}, "0d-input"),
        Sample((normal(rng), np.array(0)), {"dim": 0}, "0d")],
        call=lambda ops, x, idx, dim: pti.gather(x, dim, idx), torch=lambda t, x, idx, dim: t.gather(x, dim, idx),
        binds=("take_along",)),
    OpSpec("torch.scatter_add", lambda rng: [
        Sample((normal(rng, 10, 5), _ints(rng, 10, 5, 5), normal(rng, 5, 5)), {"dim": 0}, "dim0"),
        Sample((normal(rng, 10, 5), _ints(rng, 5, 10, 2), normal(rng, 10, 2)), {"dim": -1}, "dim-1"),
        Sample((normal(rng, 6, 5), _ints(rng, 5, 4, 3), normal(rng, 4, 3)), {"dim": 1}, "index-smaller"),
        Sample((normal(rng), np.array(0), normal(rng)), {"dim": 0}, "0d")],
        call=lambda ops, x, idx, src, dim: pti.scatter_add(x, dim, idx, src),
        torch=lambda t, x, idx, src, dim: t.scatter_add(x, dim, idx, src), binds=("take_along_transpose",)),
    OpSpec("torch.index_select", lambda rng: [
        Sample((normal(rng, 5, 5), _ints(rng, 5, 7)), {"dim": -1}, "dup"),
        Sample((normal(rng, 3, 4, 2), np.array(2)), {"dim": 1}, "0d-index"),
        Sample((normal(rng), np.array([0])), {"dim": 0}, "0d-input"),
        Sample((normal(rng, 1), np.array([0])), {"dim": 0}, "one")],
        call=lambda ops, x, idx, dim: pti.index_select(x, dim, idx),
        torch=lambda t, x, idx, dim: t.index_select(x, dim, idx), binds=("take",)),
    OpSpec("torch.take_along_dim", lambda rng: [
        Sample((normal(rng, 5, 5), _ints(rng, 5, 5, 5)), {"dim": 0}),
        Sample((normal(rng, 5, 5), _ints(rng, 5, 1, 2)), {"dim": 1}, "broadcast-indices"),
        Sample((normal(rng, 1, 5), _ints(rng, 5, 5, 2)), {"dim": 1}, "broadcast-input"),
        Sample((normal(rng, 5, 5), _ints(rng, 25, 5, 2)), {}, "flat"),
        Sample((normal(rng, 4, 3), _ints(rng, 3, 4, 2, lo=-3)), {"dim": -1}, "negatives")],
        call=lambda ops, x, idx, **k: pti.take_along_dim(x, idx, **k),
        torch=lambda t, x, idx, **k: t.take_along_dim(x, idx, **k), binds=("take_along",)),
    OpSpec("torch.masked_fill", lambda rng: [
        Sample((normal(rng, 5, 5), rng.random((5, 5)) > 0.5), {"value": 10}),
        Sample((normal(rng, 5, 5), rng.random(5) > 0.5), {"value": -2.5}, "broadcast-mask"),
        Sample((normal(rng, 5), rng.random((5, 5)) > 0.5), {"value": 10}, "broadcast-input"),
        Sample((normal(rng), np.array(True)), {"value": 1.5}, "0d")],
        call=lambda ops, x, m, value: pti.masked_fill(x, m, value),
        torch=lambda t, x, m, value: t.masked_fill(x, m, value), binds=("where",)),
    OpSpec("torch.masked_fill_tensor_value", lambda rng: [
        Sample((normal(rng, 5, 5), rng.random((5, 5)) > 0.5, normal(rng)), {}),
        Sample((normal(rng, 4), rng.random((3, 4)) > 0.3, normal(rng)), {}, "broadcast")],
        call=lambda ops, x, m, v: pti.masked_fill(x, m, v),
        torch=lambda t, x, m, v: t.masked_fill(x, m, v), binds=("where",)),
    OpSpec("Tensor.__getitem__", lambda rng: [
        Sample((normal(rng, 5, 5, 5), *idx), {"key": key}, label)
        for label, key, idx in [
            ("int", 1, ()), ("negative-int", (-1, 2), ()), ("slice", slice(0, 3), ()),
            ("slice-int", (slice(0, 3), 1), ()), ("steps", (slice(None, None, 2), slice(1, 5, 3)), ()),
            ("clamped", (slice(-10, 2), slice(3, 99)), ()), ("empty-slice", slice(3, 1), ()),
            ("none-ellipsis", (None, Ellipsis, None, 0), ()), ("list", [1, 2], ()),
            ("lists", ([0, 2, 3], [1, 3, 3], [0, 0, 2]), ()),
            ("dup-lists", ([0, 0, 3], [1, 1, 3], [0, 0, 2]), ()),
            ("last-list", (slice(None), slice(None), [0, 3]), ()),
            ("middle-list", (slice(None), [0, 3], slice(None)), ()),
            ("two-lists", ([0, 3], [1, 2], slice(None)), ()),
            ("list-ellipsis", ([0, 3], Ellipsis), ()),
            ("lists-and-tensor", ([0, 2, 3], [1, 3, 3], _A(0)), (np.array([0, 0, 2]),)),
            ("tensor", _A(0), (np.array([3, -1]),)),
            ("tensor-2d", (slice(None), _A(0)), (np.array([[0, 4], [-2, 1]]),)),
            ("non-adjacent", (_A(0), slice(None), _A(1)), (np.array([0, 4]), np.array([[1], [-3]]))),
            ("split-by-none", (None, _A(0), None, [1, 2]), (np.array([0, 1]),)),
            ("int-then-list", (0, slice(None), [0, 1]), ()),
            ("int-between", ([0, 1], 2, [1, 2]), ()),
            ("0d-tensor", (slice(None), _A(0)), (np.array(-2),)),
            ("host-mask", np.eye(5, dtype=bool), ()),
            ("host-mask-after-slice", (slice(1, 3), np.array([True, False, True, False, True])), ()),
            ("bool-list", [True, False, True, False, True], ()),
            ("true", True, ()), ("false", (Ellipsis, False), ())]] + [
        Sample((normal(rng, 3, 4, 5, 6), np.array([0, 1]), np.array([2, 3])), {"key": (slice(None), _A(0),
                                                                                       slice(None), _A(1))},
               "4d-non-adjacent"),
        Sample((normal(rng), ), {"key": (None, Ellipsis)}, "0d")],
        call=lambda ops, x, *idx, key: x[_key(key, idx)],
        torch=lambda t, x, *idx, key: x[_key(key, idx, t.tensor)], binds=()),
]
