"""Shape ops with PyTorch's names: squeeze, unsqueeze, movedim, expand, repeat, tile, flip,
roll, select, split, chunk, unbind, stack, tril, triu (and ``einsum``, ``frontend/einsum.py``).

All are composites of ``reshape``/``transpose``/``broadcast_to``/``slice``/``concat``/``where``
except ``flip`` (a primitive: a view). Axes follow PyTorch: negative axes count from the end, and
a 0-d tensor accepts axis 0 and -1. Every argument is checked before anything is recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import ops as _ops  # noqa: F401  (registers every primitive)
from .._core.errors import ArgumentError, DTypeError, ShapeError
from .._core.registry import REGISTRY
from .._core.shapes import is_int, normalize_axis, prod
from .._core.types import bool_, int64
from .base import OpsBase
from .einsum import EinsumOps

P = REGISTRY


def int_arg(op: str, what: str, v: Any) -> int:
    """A Python/NumPy int (not a bool), else ``ArgumentError`` naming the argument."""
    if not is_int(v):
        raise ArgumentError(f"{op}: {what} must be an int, got {v!r}")
    return int(v)


def int_tuple(op: str, what: str, v: Any) -> tuple[int, ...]:
    """An int or a sequence of ints as a tuple of ints."""
    if is_int(v):
        return (int(v),)
    if isinstance(v, (tuple, list)) or (hasattr(v, "__iter__") and not isinstance(v, (str, bytes))
                                        and not hasattr(v, "session")):
        return tuple(int_arg(op, what, d) for d in v)
    raise ArgumentError(f"{op}: {what} must be an int or a sequence of ints, got {v!r}")


def dims_arg(op: str, what: str, v: Any, ndim: int) -> tuple[int, ...]:
    """Distinct axes (normalised, in the given order), else ``ShapeError``."""
    dims = tuple(normalize_axis(op, d, ndim) for d in int_tuple(op, what, v))
    if len(set(dims)) != len(dims):
        raise ShapeError(f"{op}: {what} has a repeated dim: {v!r}")
    return dims


class ShapeOps(EinsumOps, OpsBase):
    """Shape ops with PyTorch's names (see the module docstring)."""

    # -- adding and removing axes ----------------------------------------------------------
    def squeeze(self, x: Any, dim: Any = None) -> Any:
        """Drop size-1 axes: all of them (``dim=None``) or those among ``dim`` (an int or a
        tuple); a listed axis whose size is not 1 is kept, as PyTorch."""
        s = self.shape_of(x)
        dims = range(len(s)) if dim is None else dims_arg("squeeze", "dim", dim, len(s))
        drop = {d for d in dims if s and s[d] == 1}
        return self.reshape(x, tuple(n for d, n in enumerate(s) if d not in drop))

    def unsqueeze(self, x: Any, dim: int) -> Any:
        """Insert a size-1 axis at ``dim`` (in [-ndim - 1, ndim])."""
        s = self.shape_of(x)
        d = normalize_axis("unsqueeze", int_arg("unsqueeze", "dim", dim), len(s) + 1)
        return self.reshape(x, (*s[:d], 1, *s[d:]))

    def unflatten(self, x: Any, dim: int, sizes: Sequence[int]) -> Any:
        """Split axis ``dim`` into ``sizes`` (one of them may be -1, inferred)."""
        s = self.shape_of(x)
        if not s:
            raise ShapeError("unflatten: expected a tensor with at least one axis, got shape ()")
        d = normalize_axis("unflatten", int_arg("unflatten", "dim", dim), len(s))
        sz = int_tuple("unflatten", "sizes", sizes)
        if not sz:
            raise ShapeError("unflatten: sizes must be non-empty")
        if sz.count(-1) > 1 or any(v < -1 for v in sz):
            raise ShapeError(f"unflatten: sizes may hold one -1 and otherwise non-negative ints, got {sz}")
        known = prod(v for v in sz if v != -1)
        if -1 in sz:
            if known == 0 or s[d] % known:
                raise ShapeError(f"unflatten: cannot infer -1 in {sz} for axis {d} of size {s[d]}")
            sz = tuple(s[d] // known if v == -1 else v for v in sz)
        if prod(sz) != s[d]:
            raise ShapeError(f"unflatten: sizes {sz} don't multiply up to the size of dim {d} ({s[d]}) of {s}")
        return self.reshape(x, (*s[:d], *sz, *s[d + 1:]))

    # -- permutations ----------------------------------------------------------------------
    def movedim(self, x: Any, source: Any, destination: Any) -> Any:
        """Move axes ``source`` to positions ``destination`` (ints or equal-length tuples); the
        other axes keep their order."""
        n = len(self.shape_of(x))
        src = dims_arg("movedim", "source", source, n)
        dst = dims_arg("movedim", "destination", destination, n)
        if len(src) != len(dst):
            raise ShapeError(f"movedim: source and destination must have the same length, got {source!r} "
                             f"and {destination!r}")
        if not n:
            return x
        order: list[int | None] = [None] * n
        for s, d in zip(src, dst):
            order[d] = s
        rest = iter(d for d in range(n) if d not in src)
        return self.permute(x, [next(rest) if o is None else o for o in order])

    def flip(self, x: Any, dims: Any) -> Any:
        """Reverse the order of the entries along ``dims`` (an int or a sequence)."""
        s = self.shape_of(x)
        axes = tuple(sorted(d for d in dims_arg("flip", "dims", dims, len(s)) if s and s[d] > 1))
        if not axes:
            return x
        return self.bind(P["flip"], x, axes=axes)

    def roll(self, x: Any, shifts: Any, dims: Any = None) -> Any:
        """Shift entries cyclically by ``shifts`` along ``dims`` (paired); without ``dims`` the
        flattened tensor is rolled and reshaped back."""
        s = self.shape_of(x)
        sh = int_tuple("roll", "shifts", shifts)
        if dims is None:
            if len(sh) != 1:
                raise ShapeError(f"roll: without dims, shifts must be one int, got {shifts!r}")
            return self.reshape(self.roll(self.reshape(x, (prod(s),)), sh, 0), s)
        ds = tuple(normalize_axis("roll", d, len(s)) for d in int_tuple("roll", "dims", dims))
        if len(ds) != len(sh):
            raise ShapeError(f"roll: shifts and dims must align, got shifts {shifts!r} and dims {dims!r}")
        if not s:
            return x
        for k, d in zip(sh, ds):
            n = self.shape_of(x)[d]
            k = k % n if n else 0
            if k:
                x = self._cat("roll", [self.slice(x, d, n - k, n), self.slice(x, d, 0, n - k)], d)
        return x

    # -- replication -----------------------------------------------------------------------
    def expand(self, x: Any, sizes: Sequence[int]) -> Any:
        """``Tensor.expand``: broadcast to ``sizes`` (right-aligned; -1 keeps an axis's size;
        new leading axes are allowed, with explicit sizes)."""
        s = self.shape_of(x)
        sz = int_tuple("expand", "sizes", sizes)
        if len(sz) < len(s):
            raise ShapeError(f"expand: the number of sizes ({len(sz)}) must be at least the tensor's "
                             f"rank ({len(s)}), got {sz} for {s}")
        lead = len(sz) - len(s)
        out = []
        for i, v in enumerate(sz):
            if v == -1 and i >= lead:
                v = s[i - lead]
            if v < 0:
                raise ShapeError(f"expand: size {v} is not allowed at dim {i} of {sz} (-1 only keeps an "
                                 "existing dim)")
            if i >= lead and s[i - lead] not in (1, v):
                raise ShapeError(f"expand: the expanded size {v} must match the existing size "
                                 f"{s[i - lead]} at dim {i} (or that size must be 1), for {s} -> {sz}")
            out.append(v)
        return self.broadcast_to(x, tuple(out))

    def repeat(self, x: Any, repeats: Sequence[int]) -> Any:
        """``Tensor.repeat``: tile the tensor ``repeats[i]`` times along each axis; ``repeats``
        may be longer than the rank (new leading axes). A broadcast, so the VJP sums."""
        s = self.shape_of(x)
        rs = int_tuple("repeat", "repeats", repeats)
        if len(rs) < len(s) or any(r < 0 for r in rs):
            raise ShapeError(f"repeat: expected at least {len(s)} non-negative repeats for a tensor of "
                             f"shape {s}, got {rs}")
        full = (1,) * (len(rs) - len(s)) + tuple(s)
        src: list[int] = []
        dst: list[int] = []
        for r, n in zip(rs, full):
            if r != 1:
                src.append(1)
                dst.append(r)
            src.append(n)
            dst.append(n)
        y = self.broadcast_to(self.reshape(x, tuple(src)), tuple(dst))
        return self.reshape(y, tuple(r * n for r, n in zip(rs, full)))

    def tile(self, x: Any, dims: Sequence[int]) -> Any:
        """``torch.tile``: ``repeat`` with ``dims`` padded with leading ones to the rank."""
        ds = int_tuple("tile", "dims", dims)
        n = len(self.shape_of(x))
        return self.repeat(x, (1,) * (n - len(ds)) + ds)

    # -- picking and splitting -------------------------------------------------------------
    def select(self, x: Any, dim: int, index: Any) -> Any:
        """``x.select(dim, index)``: the slice at ``index`` of axis ``dim``, which is removed.
        A negative index counts from the end; one out of range raises. ``index`` may also be a
        0-d integer tensor (a gather, checked when the op runs)."""
        s = self.shape_of(x)
        if not s:
            raise ShapeError("select: cannot select on a 0-d tensor")
        d = normalize_axis("select", int_arg("select", "dim", dim), len(s))
        if not is_int(index):
            _, make = self._index_plan("select", index, scalar=True)
            return self._take_axis(x, d, make(), "checked")
        i = int(index)
        if not -s[d] <= i < s[d]:
            raise ArgumentError(f"select: index {i} is out of range for dim {d} of size {s[d]}")
        i %= s[d]
        return self.reshape(self.slice(x, d, i, i + 1), (*s[:d], *s[d + 1:]))

    def split(self, x: Any, split_size_or_sections: Any, dim: int = 0) -> tuple[Any, ...]:
        """``torch.split``: pieces of ``split_size`` along ``dim`` (the last may be smaller), or
        of the listed sizes (which must sum to the axis length)."""
        s = self.shape_of(x)
        if not s:
            raise ShapeError("split: expected a tensor with at least one axis, got shape ()")
        d = normalize_axis("split", int_arg("split", "dim", dim), len(s))
        n = s[d]
        if is_int(split_size_or_sections):
            k = int(split_size_or_sections)
            if k < 0 or (k == 0 and n):
                raise ShapeError(f"split: split_size must be positive (0 only for an empty axis), got {k} "
                                 f"for dim {d} of size {n}")
            sizes = [min(k, n - a) for a in range(0, n, k)] if n else [0]
        else:
            sizes = list(int_tuple("split", "split_size_or_sections", split_size_or_sections))
            if any(v < 0 for v in sizes) or sum(sizes) != n:
                raise ShapeError(f"split: split sizes must be non-negative and sum to {n} (dim {d} of {s}), "
                                 f"got {sizes}")
        out, a = [], 0
        for v in sizes:
            out.append(self.slice(x, d, a, a + v))
            a += v
        return tuple(out)

    def chunk(self, x: Any, chunks: int, dim: int = 0) -> tuple[Any, ...]:
        """``torch.chunk``: at most ``chunks`` pieces of ceil(n / chunks) along ``dim``."""
        s = self.shape_of(x)
        k = int_arg("chunk", "chunks", chunks)
        if k < 1:
            raise ShapeError(f"chunk: chunks must be at least 1, got {k}")
        if not s:
            raise ShapeError("chunk: expected a tensor with at least one axis, got shape ()")
        d = normalize_axis("chunk", int_arg("chunk", "dim", dim), len(s))
        if s[d] == 0:
            return tuple(x for _ in range(k))
        return self.split(x, -(-s[d] // k), d)

    def unbind(self, x: Any, dim: int = 0) -> tuple[Any, ...]:
        """``torch.unbind``: the slices along ``dim``, with that axis removed."""
        s = self.shape_of(x)
        if not s:
            raise ShapeError("unbind: expected a tensor with at least one axis, got shape ()")
        d = normalize_axis("unbind", int_arg("unbind", "dim", dim), len(s))
        rest = (*s[:d], *s[d + 1:])
        return tuple(self.reshape(self.slice(x, d, i, i + 1), rest) for i in range(s[d]))

    def stack(self, tensors: Sequence[Any], dim: int = 0) -> Any:
        """``torch.stack``: tensors of one shape and dtype joined along a new axis ``dim``."""
        if not isinstance(tensors, (list, tuple)) or not tensors:
            raise ShapeError(f"stack: expected a non-empty list or tuple of tensors, got {tensors!r:.60}")
        ts = [self.type_of(t) for t in tensors]
        if any(t.shape != ts[0].shape for t in ts):
            raise ShapeError(f"stack: expects each tensor to be equal size, got "
                             f"{', '.join(str(t.shape) for t in ts)}")
        if any(t.dtype != ts[0].dtype for t in ts):
            raise DTypeError(f"stack: tensors must share one dtype, got {', '.join(t.dtype.name for t in ts)}")
        s = ts[0].shape
        d = normalize_axis("stack", int_arg("stack", "dim", dim), len(s) + 1)
        parts = [self.reshape(t, (*s[:d], 1, *s[d:])) for t in tensors]
        return parts[0] if len(parts) == 1 else self._cat("stack", parts, d)

    # -- triangles -------------------------------------------------------------------------
    def _triangle(self, op: str, x: Any, diagonal: int, lower: bool) -> Any:
        t = self.type_of(x)
        if t.ndim < 2:
            raise ShapeError(f"{op}: input tensor must have at least 2 dimensions, got shape {t.shape}")
        k = int_arg(op, "diagonal", diagonal)
        n, m = t.shape[-2:]
        keep = np.tri(n, m, k, dtype=bool) if lower else ~np.tri(n, m, k - 1, dtype=bool)
        if keep.all():
            return x
        zero = 0.0 if t.dtype.kind == "f" else (0 if t.dtype == int64 else False)
        mask = self.lift(keep, bool_)
        return self.where(mask, x, zero)

    def tril(self, x: Any, diagonal: int = 0) -> Any:
        """Keep the lower triangle of the last two axes (j - i <= diagonal), zero the rest."""
        return self._triangle("tril", x, diagonal, True)

    def triu(self, x: Any, diagonal: int = 0) -> Any:
        """Keep the upper triangle of the last two axes (j - i >= diagonal), zero the rest."""
        return self._triangle("triu", x, diagonal, False)
