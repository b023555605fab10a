"""Shape ops with ``torch``'s names: functions (``cat``, ``stack``, ``einsum``...) and tensor methods.

Each function has ``torch``'s signature and is a thin composite over the ``Ops`` front end
(``frontend/shapeops.py``, ``frontend/einsum.py``, ``frontend/indexing.py``), run in a public-op
frame on the binder of its tensor arguments. Differences from PyTorch (values are immutable, so
there are no views or in-place forms): ``view`` is ``reshape`` (no contiguity requirement and
no ``view(dtype)``); ``out=`` is refused; ``cat``/``stack`` promote dtypes as PyTorch, except
float32 with float64, which raises as everywhere in torchlean.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._core.errors import ArgumentError, DTypeError, ShapeError
from .._core.shapes import as_shape, is_int, normalize_axis
from .._core.types import bool_, int64
from .dispatch import is_tensor, torch_op
from .dispatch import tensor as _arg

__all__ = [
    "broadcast_to", "cat", "chunk", "concat", "concatenate", "einsum", "flatten", "flip", "movedim",
    "moveaxis", "narrow", "permute", "ravel", "reshape", "roll", "select", "split", "squeeze", "stack",
    "swapaxes", "swapdims", "t", "tile", "transpose", "tril", "triu", "unbind", "unflatten", "unsqueeze",
]


def _no_out(op: str, out: Any) -> None:
    if out is not None:
        raise ArgumentError(f"{op}: out= is not supported (torchlean tensors are immutable values)")


def _varargs(op: str, args: tuple[Any, ...], kwargs: dict[str, Any], name: str) -> Any:
    """A method's ``*sizes`` (``x.reshape(2, 3)``, ``x.reshape((2, 3))``, ``x.reshape(shape=...)``)."""
    if kwargs:
        if args or set(kwargs) != {name}:
            raise ArgumentError(f"{op}: expected sizes as positional ints, one sequence, or {name}=, got "
                                f"{args!r} and keywords {sorted(kwargs)}")
        return kwargs[name]
    if len(args) == 1 and not is_int(args[0]):
        return args[0]
    return args


# ----- reshaping ------------------------------------------------------------------------------
@torch_op
def reshape(input: Any, shape: Sequence[int]) -> Any:  # noqa: A002
    """``torch.reshape``: row-major reshape; one size may be -1."""
    x = _arg("reshape", "input", input)
    return x.session.reshape(x, as_shape("reshape", shape, "shape", allow_infer=True))


@torch_op
def flatten(input: Any, start_dim: int = 0, end_dim: int = -1) -> Any:  # noqa: A002
    """``torch.flatten``: merge axes start_dim..end_dim (a 0-d tensor becomes (1,))."""
    x = _arg("flatten", "input", input)
    return x.session.flatten(x, start_dim, end_dim)


@torch_op
def ravel(input: Any) -> Any:  # noqa: A002
    """``torch.ravel``: the flattened tensor."""
    x = _arg("ravel", "input", input)
    return x.session.reshape(x, (-1,))


@torch_op
def unflatten(input: Any, dim: int, sizes: Sequence[int]) -> Any:  # noqa: A002
    """``torch.unflatten``: split axis ``dim`` into ``sizes`` (one may be -1)."""
    x = _arg("unflatten", "input", input)
    return x.session.unflatten(x, dim, sizes)


@torch_op
def squeeze(input: Any, dim: Any = None) -> Any:  # noqa: A002
    """``torch.squeeze``: drop size-1 axes (all, or those of ``dim``: an int or a tuple)."""
    x = _arg("squeeze", "input", input)
    return x.session.squeeze(x, dim)


@torch_op
def unsqueeze(input: Any, dim: int) -> Any:  # noqa: A002
    """``torch.unsqueeze``: insert a size-1 axis at ``dim``."""
    x = _arg("unsqueeze", "input", input)
    return x.session.unsqueeze(x, dim)


@torch_op
def broadcast_to(input: Any, size: Sequence[int]) -> Any:  # noqa: A002
    """``torch.broadcast_to`` (= ``expand``: -1 keeps a size)."""
    x = _arg("broadcast_to", "input", input)
    return x.session.expand(x, size)


@torch_op(name="expand")
def _expand(input: Any, size: Sequence[int]) -> Any:  # noqa: A002
    x = _arg("expand", "input", input)
    return x.session.expand(x, size)


@torch_op(name="repeat")
def _repeat(input: Any, repeats: Sequence[int]) -> Any:  # noqa: A002
    x = _arg("repeat", "input", input)
    return x.session.repeat(x, repeats)


# ----- permutations ---------------------------------------------------------------------------
@torch_op
def permute(input: Any, dims: Sequence[int]) -> Any:  # noqa: A002
    """``torch.permute``: output axis i is input axis dims[i]."""
    x = _arg("permute", "input", input)
    ops = x.session
    n = len(ops.shape_of(x))
    if not is_int(dims) and not (isinstance(dims, (tuple, list)) and all(is_int(v) for v in dims)):
        raise ShapeError(f"permute: dims must be a sequence of ints, got {dims!r}")
    d = [normalize_axis("permute", v, n) for v in (dims if not is_int(dims) else (dims,))]
    if sorted(d) != list(range(n)):
        raise ShapeError(f"permute: dims {tuple(dims) if not is_int(dims) else dims} is not a permutation "
                         f"of the {n} axes of {ops.shape_of(x)}")
    return ops.permute(x, d)


@torch_op
def transpose(input: Any, dim0: int, dim1: int) -> Any:  # noqa: A002
    """``torch.transpose``: swap axes dim0 and dim1."""
    x = _arg("transpose", "input", input)
    ops = x.session
    n = len(ops.shape_of(x))
    a, b = normalize_axis("transpose", dim0, n), normalize_axis("transpose", dim1, n)
    return x if n == 0 or a == b else ops.transpose(x, a, b)


@torch_op
def swapaxes(input: Any, axis0: int, axis1: int) -> Any:  # noqa: A002
    """``torch.swapaxes`` (= ``transpose``)."""
    return transpose(_arg("swapaxes", "input", input), axis0, axis1)


@torch_op
def swapdims(input: Any, dim0: int, dim1: int) -> Any:  # noqa: A002
    """``torch.swapdims`` (= ``transpose``)."""
    return transpose(_arg("swapdims", "input", input), dim0, dim1)


@torch_op
def t(input: Any) -> Any:  # noqa: A002
    """``torch.t``: the transpose of a matrix; a 0-d or 1-d tensor is returned as is."""
    x = _arg("t", "input", input)
    n = len(x.session.shape_of(x))
    if n > 2:
        raise ShapeError(f"t: expects a tensor with <= 2 dimensions, got shape {x.session.shape_of(x)}")
    return x if n < 2 else x.session.transpose(x, 0, 1)


@torch_op
def movedim(input: Any, source: Any, destination: Any) -> Any:  # noqa: A002
    """``torch.movedim``: move axes ``source`` to ``destination`` (ints or tuples)."""
    x = _arg("movedim", "input", input)
    return x.session.movedim(x, source, destination)


@torch_op
def moveaxis(input: Any, source: Any, destination: Any) -> Any:  # noqa: A002
    """``torch.moveaxis`` (= ``movedim``)."""
    x = _arg("moveaxis", "input", input)
    return x.session.movedim(x, source, destination)


# ----- replication and reversal ---------------------------------------------------------------
@torch_op
def tile(input: Any, dims: Sequence[int]) -> Any:  # noqa: A002
    """``torch.tile``: repeat the tensor along each axis (dims padded with leading ones)."""
    x = _arg("tile", "input", input)
    return x.session.tile(x, dims)


@torch_op
def flip(input: Any, dims: Sequence[int]) -> Any:  # noqa: A002
    """``torch.flip``: reverse the entries along ``dims``."""
    x = _arg("flip", "input", input)
    return x.session.flip(x, dims)


@torch_op
def roll(input: Any, shifts: Any, dims: Any = None) -> Any:  # noqa: A002
    """``torch.roll``: cyclic shift along ``dims`` (the flattened tensor without dims)."""
    x = _arg("roll", "input", input)
    return x.session.roll(x, shifts, dims)


@torch_op
def tril(input: Any, diagonal: int = 0, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.tril``: zero the entries above the ``diagonal``-th diagonal of the last two axes."""
    _no_out("tril", out)
    x = _arg("tril", "input", input)
    return x.session.tril(x, diagonal)


@torch_op
def triu(input: Any, diagonal: int = 0, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.triu``: zero the entries below the ``diagonal``-th diagonal of the last two axes."""
    _no_out("triu", out)
    x = _arg("triu", "input", input)
    return x.session.triu(x, diagonal)


# ----- picking and splitting ------------------------------------------------------------------
@torch_op
def narrow(input: Any, dim: int, start: Any, length: int) -> Any:  # noqa: A002
    """``torch.narrow``: ``length`` entries from ``start`` along ``dim``. ``start`` may be a
    negative int (from the end) or a 0-d integer tensor (then a gather, checked when it runs)."""
    x = _arg("narrow", "input", input)
    ops = x.session
    if not is_tensor(start):
        return ops.narrow(x, dim, start, length)
    s = ops.shape_of(x)
    if not s:
        raise ShapeError("narrow: expected a tensor with at least one axis, got shape ()")
    d = normalize_axis("narrow", dim, len(s))
    ts = ops.type_of(start)
    if ts.shape != () or ts.dtype.kind not in "iu":
        raise DTypeError(f"narrow: start must be an int or a 0-d integer tensor, got {ts}")
    if not is_int(length) or not 0 <= length <= s[d]:
        raise ShapeError(f"narrow: length must be an int in [0, {s[d]}] for dim {d} of {s}, got {length!r}")
    first = ops.where(ops.lt(start, 0), ops.add(start, s[d]), start)
    idx = ops.add(ops.arange(int(length)), first)
    return ops._take_axis(x, d, idx, "strict")


@torch_op
def select(input: Any, dim: int, index: Any) -> Any:  # noqa: A002
    """``torch.select``: the slice at ``index`` of axis ``dim``, which is removed."""
    x = _arg("select", "input", input)
    return x.session.select(x, dim, index)


@torch_op
def split(tensor: Any, split_size_or_sections: Any, dim: int = 0) -> tuple[Any, ...]:
    """``torch.split``: pieces of ``split_size`` (the last may be smaller) or of the listed sizes."""
    x = _arg("split", "tensor", tensor)
    return x.session.split(x, split_size_or_sections, dim)


@torch_op
def chunk(input: Any, chunks: int, dim: int = 0) -> tuple[Any, ...]:  # noqa: A002
    """``torch.chunk``: at most ``chunks`` pieces of ceil(n / chunks) along ``dim``."""
    x = _arg("chunk", "input", input)
    return x.session.chunk(x, chunks, dim)


@torch_op
def unbind(input: Any, dim: int = 0) -> tuple[Any, ...]:  # noqa: A002
    """``torch.unbind``: the slices along ``dim``, that axis removed."""
    x = _arg("unbind", "input", input)
    return x.session.unbind(x, dim)


# ----- joining ----------------------------------------------------------------------------------
def _joined(op: str, tensors: Any) -> tuple[Any, list[Any]]:
    """The binder and the tensors, promoted to one dtype as PyTorch (bool < int64 < float)."""
    if not isinstance(tensors, (list, tuple)) or not tensors:
        raise ArgumentError(f"{op}: expected a non-empty list or tuple of tensors, got {tensors!r:.60}")
    xs = [_arg(op, f"tensors[{i}]", v) for i, v in enumerate(tensors)]
    ops = xs[0].session
    dts = [ops.type_of(v).dtype for v in xs]
    floats = {d for d in dts if d.kind == "f"}
    if len(floats) > 1:
        raise DTypeError(f"{op}: tensors are float32 and float64; cast one explicitly (torchlean never "
                         "mixes float precisions)")
    target = floats.pop() if floats else (int64 if any(d.kind in "iu" for d in dts) else bool_)
    return ops, [v if d == target else ops.cast(v, target) for v, d in zip(xs, dts)]


def _dim_or_axis(op: str, dim: int, axis: int | None) -> int:
    """``dim``, or its alias ``axis`` (PyTorch accepts either name for cat and stack)."""
    if axis is None:
        return dim
    if dim != 0:
        raise ArgumentError(f"{op}: give dim or its alias axis, not both (dim={dim!r}, axis={axis!r})")
    return axis


@torch_op
def cat(tensors: Sequence[Any], dim: int = 0, *, out: Any = None, axis: int | None = None) -> Any:
    """``torch.cat``: join tensors along an existing axis (``axis`` is an alias of ``dim``).
    Dtypes are promoted; 1-d empty tensors are skipped, as PyTorch does for legacy code."""
    _no_out("cat", out)
    dim = _dim_or_axis("cat", dim, axis)
    ops, xs = _joined("cat", tensors)
    kept = [v for v in xs if ops.shape_of(v) != (0,)]
    if not kept:
        return xs[0]
    return kept[0] if len(kept) == 1 else ops.cat(kept, dim)


@torch_op
def concat(tensors: Sequence[Any], dim: int = 0, *, out: Any = None, axis: int | None = None) -> Any:
    """``torch.concat`` (= ``cat``)."""
    return cat(tensors, _dim_or_axis("concat", dim, axis), out=out)


@torch_op
def concatenate(tensors: Sequence[Any], axis: int = 0, out: Any = None) -> Any:
    """``torch.concatenate`` (= ``cat`` with NumPy's ``axis``)."""
    return cat(tensors, axis, out=out)


@torch_op
def stack(tensors: Sequence[Any], dim: int = 0, *, out: Any = None, axis: int | None = None) -> Any:
    """``torch.stack``: join tensors of one shape along a new axis ``dim`` (alias ``axis``;
    dtypes promoted)."""
    _no_out("stack", out)
    dim = _dim_or_axis("stack", dim, axis)
    ops, xs = _joined("stack", tensors)
    return ops.stack(xs, dim)


@torch_op
def einsum(equation: str, *operands: Any) -> Any:
    """``torch.einsum(equation, *operands)`` (or one list of operands), a composite of diagonals,
    sums, permutes and batched matmuls (see ``frontend/einsum.py``)."""
    ops_list = operands[0] if len(operands) == 1 and isinstance(operands[0], (list, tuple)) else operands
    xs = [_arg("einsum", f"operands[{i}]", v) for i, v in enumerate(ops_list)]
    if not xs:
        raise ArgumentError("einsum: expected at least one operand")
    return xs[0].session.einsum(equation, *xs)


# ----- tensor methods ---------------------------------------------------------------------------
def _is_dtype(v: Any) -> bool:
    return isinstance(v, (str, np.dtype, type)) or str(v).startswith("torch.")


class ShapeMethods:
    """``torch.Tensor`` shape methods (``torch``'s signatures)."""

    __slots__ = ()
    session: Any
    type: Any

    def reshape(self, *shape: Any, **kwargs: Any) -> Any:
        return reshape(self, _varargs("reshape", shape, kwargs, "shape"))

    def view(self, *shape: Any, **kwargs: Any) -> Any:
        """``reshape``: values are immutable, so a view is a reshape (``view(dtype)`` is refused)."""
        if len(shape) == 1 and not kwargs and _is_dtype(shape[0]):
            raise ArgumentError("view: view(dtype) reinterprets memory, which torchlean does not expose; "
                                "use .to(dtype) to convert values")
        return reshape(self, _varargs("view", shape, kwargs, "size"))

    def reshape_as(self, other: Any) -> Any:
        return reshape(self, _arg("reshape_as", "other", other).shape)

    def view_as(self, other: Any) -> Any:
        return reshape(self, _arg("view_as", "other", other).shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Any:
        return flatten(self, start_dim, end_dim)

    def ravel(self) -> Any:
        return ravel(self)

    def unflatten(self, dim: int, sizes: Sequence[int]) -> Any:
        return unflatten(self, dim, sizes)

    def squeeze(self, dim: Any = None) -> Any:
        return squeeze(self, dim)

    def unsqueeze(self, dim: int) -> Any:
        return unsqueeze(self, dim)

    def permute(self, *dims: Any, **kwargs: Any) -> Any:
        return permute(self, _varargs("permute", dims, kwargs, "dims"))

    def transpose(self, dim0: int, dim1: int) -> Any:
        return transpose(self, dim0, dim1)

    def swapaxes(self, axis0: int, axis1: int) -> Any:
        return swapaxes(self, axis0, axis1)

    def swapdims(self, dim0: int, dim1: int) -> Any:
        return swapdims(self, dim0, dim1)

    def t(self) -> Any:
        return t(self)

    @property
    def T(self) -> Any:  # noqa: N802
        """All axes reversed (PyTorch deprecates ``.T`` for ndim != 2 but still reverses)."""
        return self.session.permute(self, tuple(reversed(range(len(self.type.shape)))))

    @property
    def mT(self) -> Any:  # noqa: N802
        """The last two axes swapped."""
        return transpose(self, -2, -1)

    def movedim(self, source: Any, destination: Any) -> Any:
        return movedim(self, source, destination)

    def moveaxis(self, source: Any, destination: Any) -> Any:
        return moveaxis(self, source, destination)

    def broadcast_to(self, size: Sequence[int]) -> Any:
        return broadcast_to(self, size)

    def expand(self, *sizes: Any, **kwargs: Any) -> Any:
        """Broadcast to ``sizes`` (-1 keeps a size; new leading axes allowed)."""
        return _expand(self, _varargs("expand", sizes, kwargs, "size"))

    def expand_as(self, other: Any) -> Any:
        return _expand(self, _arg("expand_as", "other", other).shape)

    def repeat(self, *repeats: Any, **kwargs: Any) -> Any:
        """Tile the tensor ``repeats[i]`` times along each axis (``repeats`` may add axes)."""
        return _repeat(self, _varargs("repeat", repeats, kwargs, "repeats"))

    def tile(self, *dims: Any, **kwargs: Any) -> Any:
        return tile(self, _varargs("tile", dims, kwargs, "dims"))

    def flip(self, *dims: Any, **kwargs: Any) -> Any:
        return flip(self, _varargs("flip", dims, kwargs, "dims"))

    def roll(self, shifts: Any, dims: Any = None) -> Any:
        return roll(self, shifts, dims)

    def narrow(self, dim: int, start: Any, length: int) -> Any:
        return narrow(self, dim, start, length)

    def select(self, dim: int, index: Any) -> Any:
        return select(self, dim, index)

    def split(self, split_size: Any, dim: int = 0) -> tuple[Any, ...]:
        return split(self, split_size, dim)

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Any, ...]:
        return chunk(self, chunks, dim)

    def unbind(self, dim: int = 0) -> tuple[Any, ...]:
        return unbind(self, dim)

    def tril(self, diagonal: int = 0) -> Any:
        return tril(self, diagonal)

    def triu(self, diagonal: int = 0) -> Any:
        return triu(self, diagonal)
