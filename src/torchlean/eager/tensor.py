"""``TensorRef``: the user's handle to a value on a session's tape, with PyTorch-style methods.

A ref is the tape node itself: it holds its value, the primitive that made it, its inputs and
parameters, and whether it needs a gradient. Operators and methods forward to the session, which
is an ``Ops`` binder, so ``x.relu()`` and ``s.relu(x)`` are the same call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._core.types import TensorType

if TYPE_CHECKING:
    from .session import Session


def _scalar(v: Any) -> Any:
    """NumPy scalars behave as Python scalars in operators (like PyTorch numbers)."""
    if type(v) is float or type(v) is TensorRef:
        return v
    return v.item() if isinstance(v, np.generic) else v


class TensorRef:
    """Handle to a tensor on a session's tape (the seed's ``TensorRef``), shape and dtype known."""

    __slots__ = (
        "__weakref__",
        "_v",
        "epoch",
        "id",
        "inputs",
        "name",
        "params",
        "prim",
        "requires_grad",
        "session",
        "type",
        "vals",
    )

    session: Session
    id: int | None
    type: TensorType

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
        return self.type.shape if dim is None else self.type.shape[dim]

    def numel(self) -> int:
        return self.type.size

    @property
    def device(self) -> Any:
        return self.session.options.device

    def __repr__(self) -> str:
        where = "no tape" if self.id is None else f"id={self.id}"
        grad = ", requires_grad" if self.requires_grad else ""
        return f"TensorRef({where}, {self.type}{grad})"

    def __len__(self) -> int:
        if not self.type.shape:
            raise TypeError("len() of a 0-d tensor")
        return self.type.shape[0]

    # -- values ----------------------------------------------------------------------------
    def numpy(self) -> np.ndarray:
        """A host copy of the value (downloads from the device)."""
        return self.session.value(self)

    def item(self) -> Any:
        return self.numpy().item()

    def tolist(self) -> Any:
        return self.numpy().tolist()

    def backward(self, seed: Any = None) -> Any:
        """Reverse sweep from this tensor; fills ``Param.grad`` and returns dense gradients."""
        return self.session.backward(self, seed)

    # -- operators -------------------------------------------------------------------------
    def __add__(self, o: Any) -> TensorRef:
        return self.session.add(self, o if o.__class__ is float else _scalar(o))

    def __radd__(self, o: Any) -> TensorRef:
        return self.session.add(o if o.__class__ is float else _scalar(o), self)

    def __sub__(self, o: Any) -> TensorRef:
        return self.session.sub(self, o if o.__class__ is float else _scalar(o))

    def __rsub__(self, o: Any) -> TensorRef:
        return self.session.sub(o if o.__class__ is float else _scalar(o), self)

    def __mul__(self, o: Any) -> TensorRef:
        return self.session.mul(self, o if o.__class__ is float else _scalar(o))

    def __rmul__(self, o: Any) -> TensorRef:
        return self.session.mul(o if o.__class__ is float else _scalar(o), self)

    def __truediv__(self, o: Any) -> TensorRef:
        return self.session.div(self, o if o.__class__ is float else _scalar(o))

    def __rtruediv__(self, o: Any) -> TensorRef:
        return self.session.div(o if o.__class__ is float else _scalar(o), self)

    def __matmul__(self, o: TensorRef) -> TensorRef:
        return self.session.matmul(self, o)

    def __rmatmul__(self, o: TensorRef) -> TensorRef:
        return self.session.matmul(o, self)

    def __neg__(self) -> TensorRef:
        return self.session.neg(self)

    def __pow__(self, p: Any) -> TensorRef:
        return self.session.power(self, _scalar(p))

    # -- op methods (PyTorch names) --------------------------------------------------------
    def relu(self) -> TensorRef:
        return self.session.relu(self)

    def sigmoid(self) -> TensorRef:
        return self.session.sigmoid(self)

    def tanh(self) -> TensorRef:
        return self.session.tanh(self)

    def exp(self) -> TensorRef:
        return self.session.exp(self)

    def log(self) -> TensorRef:
        return self.session.log(self)

    def sqrt(self) -> TensorRef:
        return self.session.sqrt(self)

    def abs(self) -> TensorRef:
        return self.session.abs(self)

    def neg(self) -> TensorRef:
        return self.session.neg(self)

    def reciprocal(self) -> TensorRef:
        return self.session.inv(self)

    def softplus(self) -> TensorRef:
        return self.session.softplus(self)

    def clamp(self, min: float | None = None, max: float | None = None) -> TensorRef:  # noqa: A002
        return self.session.clamp(self, min, max)

    def maximum(self, o: Any) -> TensorRef:
        return self.session.maximum(self, o if o.__class__ is float else _scalar(o))

    def minimum(self, o: Any) -> TensorRef:
        return self.session.minimum(self, o if o.__class__ is float else _scalar(o))

    def softmax(self, dim: int = -1) -> TensorRef:
        return self.session.softmax(self, dim)

    def log_softmax(self, dim: int = -1) -> TensorRef:
        return self.session.log_softmax(self, dim)

    def sum(self, dim: Any = None, keepdim: bool = False) -> TensorRef:
        return self.session.reduce_sum(self, dim, keepdim)

    def mean(self, dim: Any = None, keepdim: bool = False) -> TensorRef:
        return self.session.reduce_mean(self, dim, keepdim)

    def reshape(self, *shape: Any) -> TensorRef:
        if len(shape) == 1 and not isinstance(shape[0], int):
            shape = tuple(shape[0])
        return self.session.reshape(self, shape)

    view = reshape

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> TensorRef:
        return self.session.flatten(self, start_dim, end_dim)

    def permute(self, *dims: Any) -> TensorRef:
        if len(dims) == 1 and not isinstance(dims[0], int):
            dims = tuple(dims[0])
        return self.session.permute(self, dims)

    def transpose(self, dim0: int, dim1: int) -> TensorRef:
        return self.session.transpose(self, dim0, dim1)

    def t(self) -> TensorRef:
        return self.session.transpose2d(self)

    @property
    def T(self) -> TensorRef:  # noqa: N802
        return self.session.permute(self, tuple(reversed(range(self.ndim))))

    def broadcast_to(self, shape: Any) -> TensorRef:
        return self.session.broadcast_to(self, shape)

    expand = broadcast_to

    def matmul(self, o: TensorRef) -> TensorRef:
        return self.session.matmul(self, o)

    def detach(self) -> TensorRef:
        return self.session.detach(self)


class NatRef:
    """Handle to one natural number in the session's non-differentiable store (seed ``NatRef``)."""

    __slots__ = ("epoch", "id", "session")

    def __init__(self, session: Session, id: int, epoch: int) -> None:  # noqa: A002
        self.session, self.id, self.epoch = session, id, epoch

    def __repr__(self) -> str:
        return f"NatRef(id={self.id})"


class NatVecRef:
    """Handle to a block ``nats[start:start+length]`` of the session's store (seed ``NatVecRef``)."""

    __slots__ = ("epoch", "length", "session", "start")

    def __init__(self, session: Session, start: int, length: int, epoch: int) -> None:
        self.session, self.start, self.length, self.epoch = session, start, length, epoch

    def __len__(self) -> int:
        return self.length

    def __repr__(self) -> str:
        return f"NatVecRef(start={self.start}, length={self.length})"
