"""PyTorch-style operators and methods shared by ``TensorRef`` (eager) and ``Var`` (traced).

Both forward every call to ``self.session``: the binder that owns the value (the eager session
or the graph builder), so ``x.relu()`` is ``ops.relu(x)`` on either path.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _scalar(v: Any) -> Any:
    """NumPy scalars behave as Python scalars in operators (like PyTorch numbers)."""
    if type(v) is float:
        return v
    return v.item() if isinstance(v, np.generic) else v


class TensorMethods:
    """Operators and op methods; subclasses provide ``session`` (the owning ``Ops`` binder)."""

    __slots__ = ()
    session: Any
    type: Any

    # NumPy defers to torchlean: ``ndarray + x`` calls ``x.__radd__`` (which refuses a raw array
    # with a clear error) instead of building an object array of tensors.
    __array_ufunc__ = None
    __hash__ = object.__hash__  # identity, as torch.Tensor (refs are dict keys in jvp/grad maps)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        from .._core.errors import DTypeError

        name = getattr(func, "__name__", str(func))
        raise DTypeError(f"numpy.{name}: torchlean tensors are not NumPy arrays; use the tensor's "
                         f"own ops (x.sum(), s.matmul(a, b), ...) or read the value with x.numpy()")

    # -- metadata --------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.type.shape

    @property
    def dtype(self) -> np.dtype:
        return self.type.dtype

    @property
    def ndim(self) -> int:
        return len(self.type.shape)

    def size(self, dim: int | None = None) -> Any:
        """PyTorch ``size()``: the shape, or one dim of it."""
        if dim is None:
            return self.type.shape
        from .._core.shapes import normalize_axis

        return self.type.shape[normalize_axis("size", dim, self.ndim)] if self.ndim else 1

    def numel(self) -> int:
        return self.type.size

    # -- operators -------------------------------------------------------------------------
    def __add__(self, o: Any) -> Any:
        return self.session.add(self, o if o.__class__ is float else _scalar(o))

    def __radd__(self, o: Any) -> Any:
        return self.session.add(o if o.__class__ is float else _scalar(o), self)

    def __sub__(self, o: Any) -> Any:
        return self.session.sub(self, o if o.__class__ is float else _scalar(o))

    def __rsub__(self, o: Any) -> Any:
        return self.session.sub(o if o.__class__ is float else _scalar(o), self)

    def __mul__(self, o: Any) -> Any:
        return self.session.mul(self, o if o.__class__ is float else _scalar(o))

    def __rmul__(self, o: Any) -> Any:
        return self.session.mul(o if o.__class__ is float else _scalar(o), self)

    def __truediv__(self, o: Any) -> Any:
        return self.session.div(self, o if o.__class__ is float else _scalar(o))

    def __rtruediv__(self, o: Any) -> Any:
        return self.session.div(o if o.__class__ is float else _scalar(o), self)

    def __matmul__(self, o: Any) -> Any:
        return self.session.matmul(self, o)

    def __rmatmul__(self, o: Any) -> Any:
        return self.session.matmul(o, self)

    def __neg__(self) -> Any:
        return self.session.neg(self)

    def __pow__(self, p: Any) -> Any:
        return self.session.power(self, _scalar(p))

    # -- op methods (PyTorch names) --------------------------------------------------------
    def relu(self) -> Any:
        return self.session.relu(self)

    def sigmoid(self) -> Any:
        return self.session.sigmoid(self)

    def tanh(self) -> Any:
        return self.session.tanh(self)

    def exp(self) -> Any:
        return self.session.exp(self)

    def log(self) -> Any:
        return self.session.log(self)

    def sqrt(self) -> Any:
        return self.session.sqrt(self)

    def abs(self) -> Any:
        return self.session.abs(self)

    def neg(self) -> Any:
        return self.session.neg(self)

    def reciprocal(self) -> Any:
        return self.session.inv(self)

    def softplus(self) -> Any:
        return self.session.softplus(self)

    def clamp(self, min: float | None = None, max: float | None = None) -> Any:  # noqa: A002
        return self.session.clamp(self, min, max)

    def maximum(self, o: Any) -> Any:
        return self.session.maximum(self, o if o.__class__ is float else _scalar(o))

    def minimum(self, o: Any) -> Any:
        return self.session.minimum(self, o if o.__class__ is float else _scalar(o))

    def softmax(self, dim: int = -1) -> Any:
        return self.session.softmax(self, dim)

    def log_softmax(self, dim: int = -1) -> Any:
        return self.session.log_softmax(self, dim)

    def sum(self, dim: Any = None, keepdim: bool = False) -> Any:
        return self.session.reduce_sum(self, dim, keepdim)

    def mean(self, dim: Any = None, keepdim: bool = False) -> Any:
        return self.session.reduce_mean(self, dim, keepdim)

    def reshape(self, *shape: Any) -> Any:
        if len(shape) == 1 and not isinstance(shape[0], int):
            shape = tuple(shape[0])
        return self.session.reshape(self, shape)

    view = reshape

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Any:
        return self.session.flatten(self, start_dim, end_dim)

    def permute(self, *dims: Any) -> Any:
        if len(dims) == 1 and not isinstance(dims[0], int):
            dims = tuple(dims[0])
        return self.session.permute(self, dims)

    def transpose(self, dim0: int, dim1: int) -> Any:
        return self.session.transpose(self, dim0, dim1)

    def t(self) -> Any:
        return self.session.transpose2d(self)

    @property
    def T(self) -> Any:  # noqa: N802
        return self.session.permute(self, tuple(reversed(range(self.ndim))))

    def broadcast_to(self, shape: Any) -> Any:
        return self.session.broadcast_to(self, shape)

    expand = broadcast_to

    def matmul(self, o: Any) -> Any:
        return self.session.matmul(self, o)

    def detach(self) -> Any:
        return self.session.detach(self)
