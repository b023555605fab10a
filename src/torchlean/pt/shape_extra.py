"""More shape ops with ``torch``'s names: rotations, interleaving, splits, stacks, grids.

``rot90 fliplr flipud repeat_interleave tensor_split hsplit vsplit dsplit split_with_sizes
hstack vstack dstack column_stack row_stack atleast_1d atleast_2d atleast_3d block_diag
cartesian_prod meshgrid tril_indices triu_indices`` and the method ``Tensor.unfold``: composites
of flips, permutes, gathers, slices and ``cat``, with gradients where the values are floats.

Shapes are static: ``repeat_interleave`` and ``tensor_split`` take a tensor of repeats/indices
only where its values can be read (eagerly; in traced code give a list). ``tril_indices`` and
``triu_indices`` have no tensor argument: they are made on ``session=`` (a session, or the graph
builder in traced code), else on the current binder (the innermost trace, else the session that
last took an input).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._core.errors import ArgumentError, DTypeError, ShapeError, TorchLeanError
from .._core.shapes import is_int, normalize_axis
from .._core.types import as_dtype, int64
from ..frontend.frame import run
from .dispatch import is_tensor, torch_op
from .dispatch import tensor as _arg
from .shape import _joined

__all__ = ["atleast_1d", "atleast_2d", "atleast_3d", "block_diag", "cartesian_prod", "column_stack", "dsplit",
           "dstack", "fliplr", "flipud", "hsplit", "hstack", "meshgrid", "repeat_interleave", "rot90", "row_stack",
           "split_with_sizes", "tensor_split", "tril_indices", "triu_indices", "vsplit", "vstack"]


def _static_ints(op: str, what: str, v: Any, ops: Any) -> np.ndarray:
    """Integer data (a list, an array, or an integer tensor whose value can be read now)."""
    if is_tensor(v):
        t = ops.type_of(v)
        if t.dtype.kind not in "iu":
            raise DTypeError(f"{op}: {what} must be an integer tensor, got {t}")
        read = getattr(ops, "value", None)
        if read is None:
            raise ShapeError(f"{op}: {what} as a tensor gives a data-dependent shape, which traced code "
                             "cannot have; pass the values as a list or NumPy array")
        return np.asarray(read(v), dtype=np.int64)
    arr = np.asarray(v)
    if arr.size == 0:
        arr = arr.astype(np.int64)
    if arr.dtype.kind not in "iu":
        raise DTypeError(f"{op}: {what} must be integers, got {v!r:.60}")
    return arr.astype(np.int64)


# ----- rotations and flips ---------------------------------------------------------------------
@torch_op
def rot90(input: Any, k: int = 1, dims: Sequence[int] = (0, 1)) -> Any:  # noqa: A002
    """``torch.rot90``: rotate by 90 degrees ``k`` times in the plane ``dims`` (from the first
    axis towards the second)."""
    x = _arg("rot90", "input", input)
    ops = x.session
    n = len(ops.shape_of(x))
    if not isinstance(dims, (list, tuple)) or len(dims) != 2 or not all(is_int(v) for v in dims):
        raise ArgumentError(f"rot90: dims must be a pair of ints, got {dims!r:.40}")
    if n < 2:
        raise ShapeError(f"rot90: expected a tensor with at least 2 dimensions, got shape {ops.shape_of(x)}")
    a, b = normalize_axis("rot90", dims[0], n), normalize_axis("rot90", dims[1], n)
    if a == b:
        raise ShapeError(f"rot90: the two dims must differ, got {tuple(dims)}")
    if not is_int(k):
        raise ArgumentError(f"rot90: k must be an int, got {k!r:.40}")
    k = int(k) % 4
    if k == 1:
        return ops.transpose(ops.flip(x, (b,)), a, b)
    if k == 2:
        return ops.flip(x, tuple(sorted((a, b))))
    if k == 3:
        return ops.transpose(ops.flip(x, (a,)), a, b)
    return x


@torch_op
def fliplr(input: Any) -> Any:  # noqa: A002
    """``torch.fliplr``: reverse dim 1 (at least 2 dimensions)."""
    x = _arg("fliplr", "input", input)
    if len(x.session.shape_of(x)) < 2:
        raise ShapeError(f"fliplr: expected a tensor with at least 2 dimensions, got shape {x.session.shape_of(x)}")
    return x.session.flip(x, (1,))


@torch_op
def flipud(input: Any) -> Any:  # noqa: A002
    """``torch.flipud``: reverse dim 0 (at least 1 dimension)."""
    x = _arg("flipud", "input", input)
    if not x.session.shape_of(x):
        raise ShapeError("flipud: expected a tensor with at least 1 dimension, got shape ()")
    return x.session.flip(x, (0,))


# ----- repeat_interleave and unfold --------------------------------------------------------------
@torch_op
def repeat_interleave(input: Any, repeats: Any = None, dim: int | None = None, *,  # noqa: A002
                      output_size: int | None = None) -> Any:
    """``torch.repeat_interleave``: each entry (or slice along ``dim``) repeated ``repeats``
    times (an int, or one count per entry); without ``dim`` the flattened input. With input
    only, ``input`` holds the repeats of ``arange``."""
    x = _arg("repeat_interleave", "input", input)
    ops = x.session
    if repeats is None:
        r = _static_ints("repeat_interleave", "repeats", x, ops)
        if r.ndim > 1 or (r < 0).any():
            raise ShapeError(f"repeat_interleave: repeats must be a 0-d or 1-d tensor of non-negative ints, "
                             f"got {r.tolist()!r:.60}")
        return ops.lift(np.repeat(np.arange(r.size), r.reshape(-1)).astype(np.int64), int64)
    s = ops.shape_of(x)
    if dim is None:
        x, s, d = ops.reshape(x, (-1,)), (int(np.prod(s)),), 0
    else:
        if not is_int(dim):
            raise ArgumentError(f"repeat_interleave: dim must be an int or None, got {dim!r:.40}")
        d = normalize_axis("repeat_interleave", dim, max(len(s), 1))
        if not s:
            x, s = ops.reshape(x, (1,)), (1,)
    n = s[d]
    r = np.asarray(repeats, dtype=np.int64) if is_int(repeats) else _static_ints(
        "repeat_interleave", "repeats", repeats, ops)
    if r.ndim > 1 or (r.ndim == 1 and r.size not in (1, n)) or (r < 0).any():
        raise ShapeError(f"repeat_interleave: repeats must be a non-negative int or hold one count per entry "
                         f"({n} along dim {d}), got {r.tolist()!r:.60}")
    idx = np.repeat(np.arange(n, dtype=np.int64), np.broadcast_to(r.reshape(-1), (n,)))
    if output_size is not None and output_size != idx.size:
        raise ShapeError(f"repeat_interleave: output_size={output_size} but the repeats sum to {idx.size}")
    return ops.index_select(x, d, idx, mode="strict")


def _unfold(x: Any, dimension: int, size: int, step: int) -> Any:
    ops = x.session
    s = ops.shape_of(x)
    d = normalize_axis("unfold", dimension, max(len(s), 1))
    n = s[d] if s else 1
    if not is_int(size) or not is_int(step) or size < 0 or step <= 0 or size > n:
        raise ShapeError(f"unfold: expected 0 <= size <= {n} (dimension {d} of {s}) and step > 0, got size={size!r}, "
                         f"step={step!r}")
    if not s:
        return ops.reshape(x, (1,) if size else (0,))
    m = (n - size) // step + 1
    idx = (np.arange(m)[:, None] * step + np.arange(size)[None, :]).reshape(-1)
    y = ops.reshape(ops.index_select(x, d, idx, mode="strict"), (*s[:d], m, size, *s[d + 1:]))
    return ops.movedim(y, d + 1, len(s))


@torch_op(name="unfold")
def _unfold_op(input: Any, dimension: int, size: int, step: int) -> Any:  # noqa: A002
    return _unfold(_arg("unfold", "input", input), dimension, size, step)


# ----- splits ------------------------------------------------------------------------------------
def _pieces(ops: Any, x: Any, d: int, bounds: Sequence[int]) -> tuple[Any, ...]:
    n = ops.shape_of(x)[d]
    out, start = [], 0
    for b in (*bounds, n):
        stop = min(max(int(b), start), n)
        out.append(ops.slice(x, d, start, stop))
        start = stop
    return tuple(out)


@torch_op
def tensor_split(input: Any, indices_or_sections: Any, dim: int = 0) -> tuple[Any, ...]:  # noqa: A002
    """``torch.tensor_split``: ``n`` near-equal pieces (the first ``size % n`` one longer), or
    pieces between the listed indices, along ``dim``."""
    x = _arg("tensor_split", "input", input)
    ops = x.session
    s = ops.shape_of(x)
    if not s:
        raise ShapeError("tensor_split: expected a tensor with at least 1 dimension, got shape ()")
    d = normalize_axis("tensor_split", dim, len(s))
    n = s[d]
    v = indices_or_sections
    if is_int(v) or (is_tensor(v) and ops.type_of(v).shape == ()):
        k = int(v) if is_int(v) else int(_static_ints("tensor_split", "sections", v, ops))
        if k <= 0:
            raise ShapeError(f"tensor_split: the number of sections must be positive, got {k}")
        q, r = divmod(n, k)
        bounds = np.cumsum([q + 1 if i < r else q for i in range(k)])[:-1]
        return _pieces(ops, x, d, list(bounds))
    idx = _static_ints("tensor_split", "indices", v, ops)
    if idx.ndim != 1:
        raise ShapeError(f"tensor_split: indices must be a sequence of ints, got shape {idx.shape}")
    bounds = [int(i) + n if i < 0 else int(i) for i in idx]
    return _pieces(ops, x, d, bounds)


def _hvdsplit(op: str, x: Any, v: Any, d: int, need: int) -> tuple[Any, ...]:
    ops = x.session
    s = ops.shape_of(x)
    if len(s) < need:
        raise ShapeError(f"{op}: expected a tensor with at least {need} dimension{'s' * (need > 1)}, got shape {s}")
    if is_int(v) and (v <= 0 or s[d] % v):
        raise ShapeError(f"{op}: dimension {d} of size {s[d]} does not split into {v} equal parts")
    return tensor_split(x, v, d)


@torch_op
def hsplit(input: Any, indices_or_sections: Any) -> tuple[Any, ...]:  # noqa: A002
    """``torch.hsplit``: ``tensor_split`` along dim 1 (dim 0 for 1-D); sections must divide."""
    x = _arg("hsplit", "input", input)
    return _hvdsplit("hsplit", x, indices_or_sections, 0 if len(x.session.shape_of(x)) == 1 else 1, 1)


@torch_op
def vsplit(input: Any, indices_or_sections: Any) -> tuple[Any, ...]:  # noqa: A002
    """``torch.vsplit``: ``tensor_split`` along dim 0 (at least 2-D); sections must divide."""
    return _hvdsplit("vsplit", _arg("vsplit", "input", input), indices_or_sections, 0, 2)


@torch_op
def dsplit(input: Any, indices_or_sections: Any) -> tuple[Any, ...]:  # noqa: A002
    """``torch.dsplit``: ``tensor_split`` along dim 2 (at least 3-D); sections must divide."""
    return _hvdsplit("dsplit", _arg("dsplit", "input", input), indices_or_sections, 2, 3)


@torch_op
def split_with_sizes(input: Any, split_sizes: Sequence[int], dim: int = 0) -> tuple[Any, ...]:  # noqa: A002
    """``torch.split_with_sizes``: pieces of the listed sizes, which must sum to the size of ``dim``."""
    x = _arg("split_with_sizes", "input", input)
    ops = x.session
    s = ops.shape_of(x)
    if not s:
        raise ShapeError("split_with_sizes: expected a tensor with at least 1 dimension, got shape ()")
    d = normalize_axis("split_with_sizes", dim, len(s))
    if not isinstance(split_sizes, (list, tuple)) or not all(is_int(v) and v >= 0 for v in split_sizes):
        raise ArgumentError(f"split_with_sizes: split_sizes must be a sequence of non-negative ints, got "
                            f"{split_sizes!r:.60}")
    if sum(split_sizes) != s[d]:
        raise ShapeError(f"split_with_sizes: split_sizes {list(split_sizes)} sum to {sum(split_sizes)}, "
                         f"but dimension {d} of {s} has size {s[d]}")
    return _pieces(ops, x, d, list(np.cumsum(split_sizes)[:-1]))


# ----- atleast_nd and stacks ---------------------------------------------------------------------
def _tensors(op: str, tensors: tuple[Any, ...]) -> tuple[list[Any], bool]:
    one = len(tensors) == 1 and not isinstance(tensors[0], (list, tuple))
    ts = list(tensors[0]) if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else list(tensors)
    return [_arg(op, f"tensors[{i}]", v) for i, v in enumerate(ts)], one


def _atleast(x: Any, n: int) -> Any:
    ops = x.session
    s = ops.shape_of(x)
    if len(s) >= n:
        return x
    if n == 1:
        return ops.reshape(x, (1,))
    if n == 2:
        return ops.reshape(x, (1, *s) if s else (1, 1))
    return ops.reshape(x, {0: (1, 1, 1), 1: (1, *s, 1), 2: (*s, 1)}[len(s)])


def _atleast_op(op: str, n: int, tensors: tuple[Any, ...]) -> Any:
    xs, one = _tensors(op, tensors)
    out = tuple(_atleast(v, n) for v in xs)
    return out[0] if one else out


@torch_op
def atleast_1d(*tensors: Any) -> Any:
    """``torch.atleast_1d``: 0-d tensors become (1,); one tensor in, one out (else a tuple)."""
    return _atleast_op("atleast_1d", 1, tensors)


@torch_op
def atleast_2d(*tensors: Any) -> Any:
    """``torch.atleast_2d``: () -> (1, 1), (n,) -> (1, n)."""
    return _atleast_op("atleast_2d", 2, tensors)


@torch_op
def atleast_3d(*tensors: Any) -> Any:
    """``torch.atleast_3d``: () -> (1, 1, 1), (n,) -> (1, n, 1), (m, n) -> (m, n, 1)."""
    return _atleast_op("atleast_3d", 3, tensors)


def _stack_along(op: str, tensors: Any, n: int, dim: int, out: Any) -> Any:
    if out is not None:
        raise ArgumentError(f"{op}: out= is not supported (torchlean tensors are immutable values)")
    ops, xs = _joined(op, tensors)
    xs = [_atleast(v, n) for v in xs]
    if n == 1 and all(len(ops.shape_of(v)) == 1 for v in xs):
        dim = 0
    return xs[0] if len(xs) == 1 else ops.cat(xs, dim)


@torch_op
def hstack(tensors: Sequence[Any], *, out: Any = None) -> Any:
    """``torch.hstack``: ``cat`` along dim 1 (dim 0 for 1-D tensors) after ``atleast_1d``."""
    return _stack_along("hstack", tensors, 1, 1, out)


@torch_op
def vstack(tensors: Sequence[Any], *, out: Any = None) -> Any:
    """``torch.vstack``: ``cat`` along dim 0 after ``atleast_2d``."""
    return _stack_along("vstack", tensors, 2, 0, out)


@torch_op
def row_stack(tensors: Sequence[Any], *, out: Any = None) -> Any:
    """``torch.row_stack`` (= ``vstack``)."""
    return _stack_along("row_stack", tensors, 2, 0, out)


@torch_op
def dstack(tensors: Sequence[Any], *, out: Any = None) -> Any:
    """``torch.dstack``: ``cat`` along dim 2 after ``atleast_3d``."""
    return _stack_along("dstack", tensors, 3, 2, out)


@torch_op
def column_stack(tensors: Sequence[Any], *, out: Any = None) -> Any:
    """``torch.column_stack``: 0-d and 1-d tensors become columns (n, 1), then ``cat`` along dim 1."""
    if out is not None:
        raise ArgumentError("column_stack: out= is not supported (torchlean tensors are immutable values)")
    ops, xs = _joined("column_stack", tensors)
    cols = [ops.reshape(v, (-1, 1)) if len(ops.shape_of(v)) < 2 else v for v in xs]
    return cols[0] if len(cols) == 1 else ops.cat(cols, 1)


# ----- block_diag, cartesian_prod, meshgrid --------------------------------------------------------
@torch_op
def block_diag(*tensors: Any) -> Any:
    """``torch.block_diag``: the tensors (0-d, 1-d as a row, or 2-d) on the diagonal of a zero
    matrix; dtypes promoted as ``cat``."""
    ops, xs = _joined("block_diag", list(tensors))
    blocks = []
    for i, v in enumerate(xs):
        s = ops.shape_of(v)
        if len(s) > 2:
            raise ShapeError(f"block_diag: expected 0-, 1- or 2-dimensional tensors, got tensors[{i}] of shape {s}")
        blocks.append(ops.reshape(v, (1, 1) if not s else (1, s[0])) if len(s) < 2 else v)
    dt = ops.type_of(blocks[0]).dtype
    width = sum(ops.shape_of(b)[1] for b in blocks)
    rows, left = [], 0
    for b in blocks:
        r, c = ops.shape_of(b)
        parts = [p for p in (ops.lift(np.zeros((r, left), dt), dt), b,
                             ops.lift(np.zeros((r, width - left - c), dt), dt)) if ops.shape_of(p)[1]]
        rows.append(parts[0] if len(parts) == 1 else ops.cat(parts, 1) if parts else b)
        left += c
    return rows[0] if len(rows) == 1 else ops.cat(rows, 0)


def _grid(op: str, xs: list[Any], indexing: str | None) -> tuple[Any, ...]:
    if indexing is None:
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise ArgumentError(f"{op}: indexing must be 'ij' or 'xy', got {indexing!r:.20}")
    if not xs:
        raise ArgumentError(f"{op}: expected at least one tensor")
    ops = xs[0].session
    for i, v in enumerate(xs):
        if len(ops.shape_of(v)) > 1:
            raise ShapeError(f"{op}: expected 0-d or 1-d tensors, got tensors[{i}] of shape {ops.shape_of(v)}")
    dts = {ops.type_of(v).dtype for v in xs}
    if len(dts) > 1:
        raise DTypeError(f"{op}: expected tensors of one dtype, got {sorted(d.name for d in dts)}")
    order = list(range(len(xs)))
    if indexing == "xy" and len(xs) >= 2:
        order[0], order[1] = 1, 0
    ys = [xs[i] for i in order]
    sizes = tuple(int(np.prod(ops.shape_of(v))) for v in ys)
    grids = []
    for i, v in enumerate(ys):
        shape = tuple(sizes[i] if j == i else 1 for j in range(len(ys)))
        grids.append(ops.broadcast_to(ops.reshape(v, shape), sizes))
    return tuple(grids[order.index(i)] for i in range(len(xs)))


@torch_op
def meshgrid(*tensors: Any, indexing: str | None = None) -> tuple[Any, ...]:
    """``torch.meshgrid``: coordinate grids; ``indexing='ij'`` (the default, as torch's
    current one) gives shape (n1, n2, ...), ``'xy'`` swaps the first two axes."""
    xs, _ = _tensors("meshgrid", tensors)
    return _grid("meshgrid", xs, indexing)


@torch_op
def cartesian_prod(*tensors: Any) -> Any:
    """``torch.cartesian_prod``: the rows of all combinations of the 1-D tensors' entries
    (one tensor: itself)."""
    xs, _ = _tensors("cartesian_prod", tensors)
    for i, v in enumerate(xs):
        if len(v.session.shape_of(v)) != 1:
            raise ShapeError(f"cartesian_prod: expected 1-D tensors, got tensors[{i}] of shape {v.session.shape_of(v)}")
    if len(xs) == 1:
        return xs[0]
    ops = xs[0].session
    return ops.stack([ops.reshape(g, (-1,)) for g in _grid("cartesian_prod", xs, "ij")], 1)


# ----- tril_indices / triu_indices ----------------------------------------------------------------
def _tri_indices(op: str, lower: bool, row: Any, col: Any, offset: Any, dtype: Any, device: Any,
                 layout: Any, session: Any) -> Any:
    from .._core.current import current

    binder = session if session is not None else current()
    if binder is None:
        raise TorchLeanError(f"{op}: no session to make the indices on; pass session=s (or session=ops in "
                             "traced code)")
    for name, v in (("row", row), ("col", col), ("offset", offset)):
        if not is_int(v):
            raise ArgumentError(f"{op}: {name} must be an int, got {v!r:.40}")
    if row < 0 or col < 0:
        raise ShapeError(f"{op}: row and col must be non-negative, got row={row}, col={col}")
    if dtype is not None and as_dtype(dtype, op) != np.int64:
        raise DTypeError(f"{op}: dtype must be int64 (torch.long), got {as_dtype(dtype, op).name}")
    if layout is not None and str(layout) != "torch.strided":
        raise ArgumentError(f"{op}: layout must be torch.strided, got {layout!r:.40}")

    def make(binder: Any) -> Any:
        if device is not None:
            want = str(getattr(device, "value", getattr(device, "type", device))).split(":")[0].lower()
            have = str(getattr(getattr(binder, "device", None), "value", "cpu")).lower()
            if want != have:
                from .._core.errors import DeviceError

                raise DeviceError(f"{op}: the session is on {have}, device={want!r} was asked for")
        r, c = (np.tril_indices if lower else np.triu_indices)(row, offset, col)
        return binder.lift(np.stack([r, c]).astype(np.int64).reshape(2, -1), int64)

    return run(binder, op, make, (binder,), {})


def tril_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None, device: Any = None,
                 layout: Any = None, session: Any = None) -> Any:
    """``torch.tril_indices``: the (2, N) int64 row/column indices of the lower triangle of a
    ``row`` x ``col`` matrix (``offset`` shifts the diagonal), row-major."""
    return _tri_indices("tril_indices", True, row, col, offset, dtype, device, layout, session)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None, device: Any = None,
                 layout: Any = None, session: Any = None) -> Any:
    """``torch.triu_indices``: the upper triangle's indices (see ``tril_indices``)."""
    return _tri_indices("triu_indices", False, row, col, offset, dtype, device, layout, session)


class ShapeExtraMethods:
    """More ``torch.Tensor`` shape methods (``torch``'s signatures)."""

    __slots__ = ()

    def rot90(self, k: int = 1, dims: Sequence[int] = (0, 1)) -> Any:
        return rot90(self, k, dims)

    def fliplr(self) -> Any:
        return fliplr(self)

    def flipud(self) -> Any:
        return flipud(self)

    def repeat_interleave(self, repeats: Any = None, dim: int | None = None, *, output_size: int | None = None
                          ) -> Any:
        return repeat_interleave(self, repeats, dim, output_size=output_size)

    def unfold(self, dimension: int, size: int, step: int) -> Any:
        """``Tensor.unfold``: the windows of ``size`` every ``step`` along ``dimension`` (a copy),
        as a new last axis."""
        return _unfold_op(self, dimension, size, step)

    def tensor_split(self, indices_or_sections: Any, dim: int = 0) -> tuple[Any, ...]:
        return tensor_split(self, indices_or_sections, dim)

    def hsplit(self, indices_or_sections: Any) -> tuple[Any, ...]:
        return hsplit(self, indices_or_sections)

    def vsplit(self, indices_or_sections: Any) -> tuple[Any, ...]:
        return vsplit(self, indices_or_sections)

    def dsplit(self, indices_or_sections: Any) -> tuple[Any, ...]:
        return dsplit(self, indices_or_sections)

    def split_with_sizes(self, split_sizes: Sequence[int], dim: int = 0) -> tuple[Any, ...]:
        return split_with_sizes(self, split_sizes, dim)
