"""Indexing with ``torch``'s semantics: ``x[...]``, gather/scatter, masks.

``x[key]`` is ``Ops.getitem`` (``frontend/getitem.py``): ints, slices with positive steps,
``None``, ``...``, integer tensors/lists (advanced indexing with PyTorch's placement rules) and
bool masks (eagerly; traced only as host data). The gathers take PyTorch's index rules:
``gather``, ``scatter_add`` and ``index_select`` raise for any index outside [0, n) (negative
ones too), ``x[idx]`` and ``take_along_dim`` wrap negative indices and raise beyond (PyTorch's
``take_along_dim`` reduces them modulo n instead). The seed's gathers (``s.gather_rows_nat``,
``s.index_select``...) keep their zero-for-out-of-range rule. Tensors are immutable values:
``x[...] = v`` raises, naming the alternatives.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .._core.errors import ArgumentError, ShapeError, TorchLeanError
from .dispatch import tensor as _arg
from .dispatch import torch_op

__all__ = ["gather", "index_select", "masked_fill", "scatter_add", "take_along_dim"]


def _no_out(op: str, out: Any) -> None:
    if out is not None:
        raise ArgumentError(f"{op}: out= is not supported (torchlean tensors are immutable values)")


@torch_op
def gather(input: Any, dim: int, index: Any, *, sparse_grad: bool = False, out: Any = None) -> Any:  # noqa: A002
    """``torch.gather``: ``out[i][j] = input[index[i][j]][j]`` for dim 0 (any rank). Indices
    outside [0, n) raise, negative ones included. ``sparse_grad`` only changes PyTorch's gradient
    storage; torchlean's gradient is always dense (the same values)."""
    _no_out("gather", out)
    x = _arg("gather", "input", input)
    return x.session.gather(x, dim, _arg("gather", "index", index))


@torch_op
def scatter_add(input: Any, dim: int, index: Any, src: Any) -> Any:  # noqa: A002
    """``torch.scatter_add``: input with ``src[i][j]`` added at ``[index[i][j]][j]`` (dim 0);
    duplicates accumulate, indices outside [0, n) raise. Float tensors only."""
    x = _arg("scatter_add", "input", input)
    return x.session.scatter_add(x, dim, _arg("scatter_add", "index", index), _arg("scatter_add", "src", src))


@torch_op
def index_select(input: Any, dim: int, index: Any, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.index_select``: the entries ``index`` (a vector or a 0-d tensor) of axis ``dim``;
    indices outside [0, n) raise, negative ones included."""
    _no_out("index_select", out)
    x = _arg("index_select", "input", input)
    idx = _arg("index_select", "index", index)
    ops = x.session
    ti = ops.type_of(idx)
    if ti.ndim > 1:
        raise ShapeError(f"index_select: index must be a vector or a 0-d tensor, got shape {ti.shape}")
    if not ops.shape_of(x):  # a 0-d input: one index, of value 0
        if ti.shape not in ((), (1,)):
            raise ShapeError(f"index_select: a 0-d input takes one index, got index of shape {ti.shape}")
        flat = ops.reshape(x, (1,))
        return ops.reshape(ops.index_select(flat, dim, idx, mode="strict"), ())
    return ops.index_select(x, dim, idx, mode="strict")


@torch_op
def take_along_dim(input: Any, indices: Any, dim: int | None = None, *, out: Any = None) -> Any:  # noqa: A002
    """``torch.take_along_dim``: gather along ``dim`` with input and indices broadcast (except
    along ``dim``), or from the flattened input without ``dim``. Negative indices wrap; indices
    beyond the axis raise (PyTorch takes them modulo n)."""
    _no_out("take_along_dim", out)
    x = _arg("take_along_dim", "input", input)
    return x.session.take_along_dim(x, _arg("take_along_dim", "indices", indices), dim)


@torch_op
def masked_fill(input: Any, mask: Any, value: Any) -> Any:  # noqa: A002
    """``torch.masked_fill``: ``value`` (a number or a 0-d tensor) where the bool mask is True,
    broadcast together; the result keeps input's dtype."""
    x = _arg("masked_fill", "input", input)
    return x.session.masked_fill(x, _arg("masked_fill", "mask", mask), value)


@torch_op(name="getitem")
def _getitem(input: Any, key: Any) -> Any:  # noqa: A002
    return input.session.getitem(input, key)


_SETITEM = (
    "tensors are immutable values, so x[...] = v (item assignment) is not supported; build a new tensor "
    "instead: x.masked_fill(mask, v) or torch.where(mask, v, x) for masked entries, "
    "x.scatter_add(dim, index, src) to add at indices, torch.cat / torch.stack to assemble pieces")


class IndexMethods:
    """``torch.Tensor`` indexing methods."""

    __slots__ = ()
    session: Any
    type: Any

    def __getitem__(self, key: Any) -> Any:
        """``x[key]`` with PyTorch's semantics (see ``frontend/getitem.py``)."""
        return _getitem(self, key)

    def __setitem__(self, key: Any, value: Any) -> None:
        raise TorchLeanError(f"setitem: {_SETITEM}")

    def __iter__(self) -> Iterator[Any]:
        """The slices along axis 0 (``unbind(0)``), as iterating a ``torch.Tensor``."""
        if not self.type.shape:
            raise ArgumentError("iter: iteration over a 0-d tensor")
        return iter(self.session.unbind(self, 0))

    def masked_fill(self, mask: Any, value: Any) -> Any:
        return masked_fill(self, mask, value)

    def gather(self, dim: int, index: Any, *, sparse_grad: bool = False) -> Any:
        return gather(self, dim, index, sparse_grad=sparse_grad)

    def scatter_add(self, dim: int, index: Any, src: Any) -> Any:
        return scatter_add(self, dim, index, src)

    def index_select(self, dim: int, index: Any) -> Any:
        return index_select(self, dim, index)

    def take_along_dim(self, indices: Any, dim: int | None = None) -> Any:
        return take_along_dim(self, indices, dim)
