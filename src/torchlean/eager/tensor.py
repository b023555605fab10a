"""``TensorRef``: the user's handle to a value on a session's tape, with PyTorch-style methods.

A ref is the tape node itself: it holds its value, the primitive that made it, its inputs and
parameters, and whether it needs a gradient. Operators and methods forward to the session, which
is an ``Ops`` binder, so ``x.relu()`` and ``s.relu(x)`` are the same call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._core.errors import ArgumentError
from .._core.registry import REGISTRY as P
from .._core.types import TensorType
from ..frontend.tensor_methods import TensorMethods

if TYPE_CHECKING:
    from .session import Session


class TensorRef(TensorMethods):
    """Handle to a tensor on a session's tape (the seed's ``TensorRef``), shape and dtype known."""

    __slots__ = (
        "__weakref__",
        "_grad",
        "_v",
        "epoch",
        "id",
        "inputs",
        "name",
        "params",
        "prim",
        "requires_grad",
        "saved",
        "session",
        "type",
        "vals",
    )

    session: Session
    id: int | None
    type: TensorType

    # -- metadata (shape, dtype, ndim, size, numel: shared with Var in TensorMethods) --------
    @property
    def device(self) -> Any:
        return self.session.options.device

    def __repr__(self) -> str:
        where = "no tape" if self.id is None else f"id={self.id}"
        grad = ", requires_grad" if self.requires_grad else ""
        return f"TensorRef({where}, {self.type}{grad})"

    # -- values ----------------------------------------------------------------------------
    def numpy(self) -> np.ndarray:
        """A host copy of the value (downloads from the device)."""
        return self.session.value(self)

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number."""
        if self.type.size != 1:
            from .._core.errors import ShapeError

            raise ShapeError(f"item: only a one-element tensor has a single value, got shape "
                             f"{self.type.shape}")
        return self.numpy().item()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        """NumPy reads the value (a host copy), as for a CPU ``torch.Tensor``."""
        v = self.numpy()
        return v if dtype is None else v.astype(dtype)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        if self.type.size != 1:
            from .._core.errors import ShapeError

            raise ShapeError(f"bool: the truth value of a tensor of shape {self.type.shape} is "
                             "ambiguous (only one-element tensors have one)")
        return bool(self.item())

    def tolist(self) -> Any:
        return self.numpy().tolist()

    # -- DLPack (torch.from_dlpack(ref), np.from_dlpack(ref), cupy.from_dlpack(ref)) -------------
    def __dlpack__(self, stream: Any = None, *, max_version: Any = None, dl_device: Any = None,
                   copy: Any = None) -> Any:
        """Export the value through DLPack, zero-copy on the tensor's device: the consumer's
        array shares memory with this tensor (writing into it changes the tensor, and what a
        later backward reads). Also for refs whose graph a backward released; a ref from
        before a ``reset`` raises ``InvalidRefError``."""
        from ..interop import export_dlpack

        self.session._check_ref("__dlpack__", self, released_ok=True)
        return export_dlpack(self._v, stream, max_version, dl_device, copy)

    def __dlpack_device__(self) -> tuple[Any, int]:
        """``(device type, device id)`` of the value, as DLPack numbers them (CPU: ``(1, 0)``)."""
        self.session._check_ref("__dlpack_device__", self, released_ok=True)
        v = self._v
        return v.__dlpack_device__() if hasattr(v, "__dlpack_device__") else (1, 0)

    def backward(self, gradient: Any = None, retain_graph: bool | None = None, create_graph: bool = False,
                 inputs: Any = None) -> Any:
        """PyTorch's ``Tensor.backward``: fills ``Param.grad`` and ``x.grad`` of leaves that
        require a gradient (accumulating), and releases the recorded graph unless
        ``retain_graph=True`` (so a loop needs no ``reset``). Returns the dense ``Gradients``
        too (the seed's ``backwardDenseAll``). ``create_graph`` and ``inputs`` are not supported
        on the eager tape (use ``tl.hvp``/``tl.jacrev``, which differentiate graphs)."""
        if create_graph:
            raise ArgumentError("backward: create_graph=True is not supported on the eager tape; "
                                "higher derivatives: tl.hvp / tl.jacfwd(tl.grad(...)) or tl.compile")
        if inputs is not None:
            raise ArgumentError("backward: inputs= is not supported; read the gradients you need "
                                "from x.grad or the returned Gradients")
        keep = bool(retain_graph) if retain_graph is not None else False
        return self.session.backward(self, gradient, retain_graph=keep)

    @property
    def grad(self) -> Any:
        """The gradient accumulated into this leaf by ``backward`` (PyTorch's ``x.grad``): an
        array of the session's device, or None (not reached yet, or not a leaf)."""
        return self.session.leaf_grad(self)

    @grad.setter
    def grad(self, value: Any) -> None:
        """``x.grad = None`` clears the accumulated gradient (PyTorch's idiom between steps);
        an array of the tensor's shape and dtype replaces it (later backwards add to it)."""
        self.session._check_ref("grad", self, released_ok=True)
        if value is None:
            self._grad = None
            return
        if getattr(type(value), "__torchlean_tensor__", False) is True:
            value = value.session.value(value)
        arr = self.session._convert(value, "grad", "value", self.type.dtype)
        if tuple(arr.shape) != self.type.shape:
            from .._core.errors import ShapeError

            raise ShapeError(f"grad: assigned gradient has shape {tuple(arr.shape)}, the tensor {self.type.shape}")
        self._grad = arr

    @property
    def is_leaf(self) -> bool:
        return self.prim is None

    def requires_grad_(self, requires_grad: bool = True) -> TensorRef:
        """Make a float leaf require a gradient (from the next op on); returns the tensor."""
        from .._core.errors import ArgumentError, DTypeError, TorchLeanError

        if not isinstance(requires_grad, bool):  # PyTorch refuses ints, strings and arrays too
            raise ArgumentError(f"requires_grad_: requires_grad must be a bool, got "
                                f"{type(requires_grad).__name__} {requires_grad!r:.60}")
        self.session._check_ref("requires_grad_", self)
        if self.prim is not None:
            raise TorchLeanError("requires_grad_: only a leaf (an input) can change requires_grad; "
                                 "use detach() to stop a gradient")
        if requires_grad and self.type.dtype.kind != "f":
            raise DTypeError(f"requires_grad_: only float tensors can require a gradient, got "
                             f"{self.type.dtype.name}")
        if requires_grad and not self.requires_grad and self.id is not None:
            self.session.tape.grad_leaves.append(self.id)
            self.session.tape.grad_leaves.sort()
        self.requires_grad = requires_grad
        return self


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


_ADD, _SUB, _MUL, _SCALE, _ADD_SCALAR = P["add"], P["sub"], P["mul"], P["scale"], P["add_scalar"]
_NO_PARAMS: dict[str, Any] = {}  # never mutated


def _binary_fast(name: str, scalar: Any, sign: float, pair: Any) -> Any:
    """The operator ``name`` (``__add__``...) with the session's own fast case bound directly,
    without the public op's frame: a float ref of the current generation with a Python float
    (``scalar`` primitive, ``c = sign * o``) or, with ``pair``, with a float ref of the same
    session, generation and shape. Such a bind changes nothing unless it succeeds (no argument
    needs adopting); anything else, and any failure, takes the public op, which applies
    PyTorch's promotion and raises the error naming it."""
    slow = getattr(TensorMethods, name)
    assert scalar.float_identity == 1, name  # what Session._bind_float relies on

    def method(self: TensorRef, o: Any) -> Any:
        s = self.session
        if self.type.dtype.kind == "f" and self.epoch == s.tape.epoch:
            try:
                if o.__class__ is float:
                    return s._bind_float(scalar, self, {"c": sign * o})
                if (pair is not None and o.__class__ is TensorRef and o.session is s and o.epoch == self.epoch
                        and o.type.shape == self.type.shape):
                    return s.bind(pair, self, o)
            except Exception:  # redone below as the public op, which names it
                pass
        return slow(self, o)

    method.__name__ = method.__qualname__ = name
    return method


def _unary_fast(name: str) -> Any:
    """``x.name()`` for a float ref as one bind (no frame), like the operators above; an int
    or bool tensor, or any failure, takes the PyTorch method (promotion, the named error)."""
    prim, slow = P[name], getattr(TensorMethods, name)
    assert prim.float_identity == 1, name  # what Session._bind_float relies on

    def method(self: TensorRef) -> Any:
        if self.type.dtype.kind == "f" and self.epoch == self.session.tape.epoch:
            try:
                return self.session._bind_float(prim, self, _NO_PARAMS)
            except Exception:  # redone below as the public op, which names it
                pass
        return slow(self)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = slow.__doc__
    return method


for _name, _scalar, _sign, _pair in (("__add__", _ADD_SCALAR, 1.0, _ADD), ("__radd__", _ADD_SCALAR, 1.0, None),
                                      ("__sub__", _ADD_SCALAR, -1.0, _SUB), ("__mul__", _SCALE, 1.0, _MUL),
                                      ("__rmul__", _SCALE, 1.0, None)):
    setattr(TensorRef, _name, _binary_fast(_name, _scalar, _sign, _pair))
for _name in ("exp", "tanh", "sigmoid", "relu"):
    setattr(TensorRef, _name, _unary_fast(_name))
