"""``torch.Tensor`` memory and metadata methods a transformer's code calls, and the casts to
dtypes torchlean does not have.

Values are immutable and have one (contiguous) layout, so ``contiguous()`` returns the tensor
itself and ``is_contiguous()`` is True; ``clone()`` records a new tensor with the same value
whose gradient flows to the original; ``cpu()`` returns the tensor on a CPU session and raises on
CUDA (a tensor cannot leave its session: read the value with ``numpy()``). ``new_empty`` gives
zeros (torchlean has no uninitialised memory). ``int() short() byte() half()`` raise
``DTypeError`` as ``x.to(dtype)`` does for those dtypes (torchlean's are float32, float64, int64
and bool).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._core.errors import ArgumentError, DeviceError, DTypeError
from .._core.types import as_dtype

__all__ = ["TensorExtraMethods"]


def _memory_format(op: str, memory_format: Any) -> None:
    if memory_format is None or str(memory_format) in ("torch.preserve_format", "torch.contiguous_format"):
        return
    raise ArgumentError(f"{op}: memory_format must be torch.preserve_format or torch.contiguous_format "
                        f"(torchlean has one layout), got {memory_format!r:.60}")


def _unsupported(op: str, dtype: str, alt: str) -> DTypeError:
    return DTypeError(f"{op}: cannot cast to {dtype} (torchlean's dtypes are float32, float64, int64 and bool; "
                      f"use {alt})")


def _sizes(op: str, size: tuple[Any, ...]) -> Any:
    return size[0] if len(size) == 1 and isinstance(size[0], (list, tuple)) else size


class TensorExtraMethods:
    """Memory/metadata no-ops, ``new_*`` constructors and the unsupported casts."""

    __slots__ = ()
    session: Any
    type: Any

    # -- copies and layout -------------------------------------------------------------------
    def clone(self, *, memory_format: Any = None) -> Any:
        """A new tensor with the same value; the gradient flows back to ``self``."""
        _memory_format("clone", memory_format)
        ops = self.session
        k = self.type.dtype.kind
        if k == "b":
            return ops.logical_or(self, self)
        return ops.mul(self, 1.0 if k == "f" else 1)

    def contiguous(self, memory_format: Any = None) -> Any:
        """``self``: values are immutable and always contiguous."""
        _memory_format("contiguous", memory_format)
        return self

    def is_contiguous(self, memory_format: Any = None) -> bool:
        _memory_format("is_contiguous", memory_format)
        return True

    def cpu(self, memory_format: Any = None) -> Any:
        """``self`` on a CPU session; on CUDA a ``DeviceError`` (read the value with ``numpy()``)."""
        _memory_format("cpu", memory_format)
        dev = str(getattr(getattr(self, "device", None), "value", "cpu")).lower()
        if dev != "cpu":
            raise DeviceError(f"cpu: the tensor lives on {dev} in its session and cannot move to the CPU; "
                              "read its value as a NumPy array with x.numpy() (or make a cpu session's input of it)")
        return self

    # -- metadata ------------------------------------------------------------------------------
    def element_size(self) -> int:
        return int(self.type.dtype.itemsize)

    def nelement(self) -> int:
        return int(self.type.size)

    def is_complex(self) -> bool:
        return False

    def is_signed(self) -> bool:
        return self.type.dtype.kind in "fi"

    # -- new_* constructors --------------------------------------------------------------------
    def new_zeros(self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
                  layout: Any = None, pin_memory: bool = False) -> Any:
        return self.session.zeros(*_sizes("new_zeros", size), dtype=self.type.dtype if dtype is None else dtype,
                                  device=device, requires_grad=requires_grad, layout=layout, pin_memory=pin_memory)

    def new_ones(self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
                 layout: Any = None, pin_memory: bool = False) -> Any:
        return self.session.ones(*_sizes("new_ones", size), dtype=self.type.dtype if dtype is None else dtype,
                                 device=device, requires_grad=requires_grad, layout=layout, pin_memory=pin_memory)

    def new_empty(self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
                  layout: Any = None, pin_memory: bool = False) -> Any:
        """Zeros (torchlean has no uninitialised memory)."""
        return self.session.zeros(*_sizes("new_empty", size), dtype=self.type.dtype if dtype is None else dtype,
                                  device=device, requires_grad=requires_grad, layout=layout, pin_memory=pin_memory)

    def new_full(self, size: Any, fill_value: Any, *, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False, layout: Any = None, pin_memory: bool = False) -> Any:
        return self.session.full(size, fill_value, dtype=self.type.dtype if dtype is None else dtype,
                                 device=device, requires_grad=requires_grad, layout=layout, pin_memory=pin_memory)

    def new_tensor(self, data: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False,
                   layout: Any = None, pin_memory: bool = False) -> Any:
        """A tensor of ``data`` on this tensor's binder, of this tensor's dtype unless ``dtype``
        (a copy: a torchlean tensor as data is read through ``numpy()``)."""
        from .dispatch import is_tensor

        ops = self.session
        if layout is not None and str(layout) != "torch.strided":
            raise ArgumentError(f"new_tensor: layout must be torch.strided, got {layout!r:.40}")
        if device is not None:
            self.to(device)  # the device check of x.to(device)
        dt = self.type.dtype if dtype is None else as_dtype(dtype, "new_tensor")
        if is_tensor(data):
            data = data.numpy()
        try:
            arr = np.asarray(data, dtype=dt)
        except (TypeError, ValueError) as e:
            raise DTypeError(f"new_tensor: cannot read {type(data).__name__} data as {dt.name}: {e}") from None
        if requires_grad:
            return ops.input(arr, requires_grad=True)
        return ops.lift(arr, dt)

    # -- casts torchlean does not have ---------------------------------------------------------
    def int(self, memory_format: Any = None) -> Any:
        raise _unsupported("int", "int32", "x.long() for integers")

    def short(self, memory_format: Any = None) -> Any:
        raise _unsupported("short", "int16", "x.long() for integers")

    def byte(self, memory_format: Any = None) -> Any:
        raise _unsupported("byte", "uint8", "x.long() for integers or x.bool() for masks")

    def half(self, memory_format: Any = None) -> Any:
        raise _unsupported("half", "float16", "x.float() or x.double()")
