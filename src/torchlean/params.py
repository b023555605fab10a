"""Trainable parameters.

A ``Param`` owns a host (NumPy) value and, once used on a device, a persistent device mirror.
Optimizer steps on a device update the mirror and mark the host copy stale; the host copy is
brought up to date only on explicit readback (``value``, ``ParamList.values``, checkpoints), so
a training loop never moves parameters across the bus.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from ._core import convert
from ._core.current import current
from ._core.errors import ArgumentError, DeviceError, ShapeError, TorchLeanError
from ._core.guard import guard_methods
from ._core.types import FLOAT_DTYPES, TensorType, float32, float_dtype
from .backends.base import ArrayBackend
from .frontend.tensor_methods import TensorMethods
from .options import Device
from .param_inplace import InPlaceMethods


class Param(InPlaceMethods, TensorMethods):
    """A mutable trainable tensor (the seed's ``Param``, PyTorch's ``nn.Parameter``).

    It joins a tape through ``s.use(p)`` (the seed's way: a new leaf per call) or by being passed
    to any op with a tensor of a session (``F.linear(x, w)``, ``x @ w``): the binder then records
    it once per step. Used on its own (``w.t()``), it is recorded on the current binder
    (``_core/current.py``). Operators and tensor methods work on it as on any tensor; PyTorch's
    in-place idioms (``p.data``, ``p.copy_(w)``, ``p -= lr * p.grad`` under ``no_grad``)
    replace its value (``param_inplace.py``).
    """

    _is_param = True  # how dispatch tells a Param (no session of its own) from a tensor

    __slots__ = (
        "__weakref__",
        "_host",
        "_host_current",
        "_mirror",
        "_mirror_backend",
        "_type",
        "dtype",
        "grad",
        "name",
        "requires_grad",
        "shape",
    )

    def __init__(self, value: Any, name: str | None = None, requires_grad: bool = True,
                 dtype: Any = None) -> None:
        """``value`` is host data (copied). ``dtype`` is float32 or float64 (anything else
        raises); by default a float32/float64 array keeps its dtype and other data (Python
        numbers, integer or bool data, promoted as PyTorch does) becomes float32."""
        if hasattr(value, "__cuda_array_interface__"):
            raise DeviceError("Param: give the initial value as host data; a device mirror is "
                              "made when the parameter is first used on a device")
        if name is not None and not isinstance(name, str):
            raise ArgumentError(f"Param: name must be a string or None, got {type(name).__name__}")
        dt = _data_float_dtype(value) if dtype is None else float_dtype(dtype, "Param")
        arr = convert.host_array(value, "Param", "value", dt)
        self.name = name
        self.requires_grad = bool(requires_grad)
        self.grad: Any = None
        self._host: np.ndarray = arr
        self._mirror: Any = None
        self._mirror_backend: ArrayBackend | None = None
        self._host_current = True
        self.shape: tuple[int, ...] = arr.shape
        self.dtype: np.dtype = arr.dtype
        self._type: TensorType | None = None

    def __repr__(self) -> str:
        name = f"{self.name!r}, " if self.name else ""
        return f"{type(self).__name__}({name}{self.dtype.name}{list(self.shape)}, requires_grad={self.requires_grad})"

    # -- as a tensor -----------------------------------------------------------------------
    @property
    def type(self) -> TensorType:
        t = self._type
        if t is None or t.dtype is not self.dtype or t.shape is not self.shape:  # made once per retyping
            t = self._type = TensorType(self.shape, self.dtype)
        return t

    @property
    def session(self) -> Any:
        """The binder a method of this parameter records on (the current binder)."""
        b = current()
        if b is None:
            raise TorchLeanError(f"{self!r}: no session to record on yet; use the parameter with an "
                                 "input of a session first (F.linear(x, w), s.use(w)), or create one")
        return b

    def numpy(self) -> np.ndarray:
        """A host copy of the value."""
        return self.value.copy()

    def item(self) -> Any:
        if self.type.size != 1:
            raise ShapeError(f"item: only a one-element tensor has a single value, got shape {self.shape}")
        return self.value.item()

    def tolist(self) -> Any:
        return self.value.tolist()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        v = self.value.copy()
        return v if dtype is None else v.astype(dtype)

    def __dlpack__(self, stream: Any = None, *, max_version: Any = None, dl_device: Any = None,
                   copy: Any = None) -> Any:
        """Export the current host value through DLPack (``torch.from_dlpack(p)``), sharing
        memory with it until an optimizer step or ``set_value`` replaces that array."""
        from .interop import export_dlpack

        return export_dlpack(self.value, stream, max_version, dl_device, copy)

    def __dlpack_device__(self) -> tuple[int, int]:
        return (1, 0)

    def __bool__(self) -> bool:
        return bool(self.item())

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    @property
    def is_leaf(self) -> bool:
        return True

    def requires_grad_(self, requires_grad: bool = True) -> Param:
        """Set whether this parameter requires a gradient; ``requires_grad`` must be a bool
        (PyTorch refuses ints, strings and arrays too)."""
        if not isinstance(requires_grad, bool):
            raise ArgumentError(f"requires_grad_: requires_grad must be a bool, got "
                                f"{type(requires_grad).__name__} {requires_grad!r:.60}")
        self.requires_grad = requires_grad
        return self

    def detach(self) -> Any:
        return self.session.detach(self)

    # -- host side -------------------------------------------------------------------------
    @property
    def value(self) -> np.ndarray:
        """The current value on the host (syncs a stale host copy from the device first)."""
        if not self._host_current:
            self._host = self._mirror_backend.to_host(self._mirror)  # type: ignore[union-attr]
            self._host_current = True
        return self._host

    def set_value(self, value: Any) -> None:
        """Overwrite the value (shape-checked); any device mirror is dropped."""
        if hasattr(value, "__cuda_array_interface__"):
            raise DeviceError("Param.set_value: give host data (a device array would be a "
                              "silent transfer); use the session's optimizer for device updates")
        arr = convert.host_array(value, "Param.set_value", "value", self.dtype)
        if arr.shape != self.shape:
            raise ShapeError(f"Param.set_value: expected shape {self.shape}, got {arr.shape}")
        self._host, self._host_current = arr, True
        self._mirror = self._mirror_backend = None

    def zero_grad(self) -> None:
        self.grad = None

    # -- device side (used by sessions and optimizers) -------------------------------------
    def array_on(self, backend: ArrayBackend) -> Any:
        """The value as an array of ``backend``: the host array, or the persistent mirror."""
        if backend.device is Device.CPU:
            return self.value
        if self._mirror is None or self._mirror_backend.device is not backend.device:  # type: ignore[union-attr]
            self._mirror = backend.asarray(self.value, self.dtype)
            self._mirror_backend = backend
        return self._mirror

    def assign(self, backend: ArrayBackend, array: Any) -> None:
        """Store a new value computed on ``backend``; a device update marks the host stale."""
        if array.shape != self.shape or array.dtype != self.dtype:
            raise ShapeError(f"Param.assign: expected {self.dtype.name}{list(self.shape)}, "
                             f"got {array.dtype}{list(array.shape)}")
        if backend.device is Device.CPU:
            self._host, self._host_current = array, True
            self._mirror = self._mirror_backend = None
        else:
            self._mirror, self._mirror_backend = array, backend
            self._host_current = False

    @property
    def host_current(self) -> bool:
        """False while only the device mirror holds the latest value."""
        return self._host_current

    def _state(self) -> tuple[Any, ...]:
        """What ``assign`` changes (for undoing it: a failed module call)."""
        return self._host, self._host_current, self._mirror, self._mirror_backend

    def _set_state(self, state: tuple[Any, ...]) -> None:
        self._host, self._host_current, self._mirror, self._mirror_backend = state

    def release_mirror(self) -> None:
        """Drop the device mirror (syncing the host first if it is stale)."""
        _ = self.value
        self._mirror = self._mirror_backend = None


class DataView(Param):
    """``p.data``: a Param that requires no gradient and shares ``p``'s value, read through
    ``p`` (so it follows later updates); its in-place methods change ``p`` without the
    recording check (``_checked``), as PyTorch's ``p.data`` allows."""

    __slots__ = ("_p",)
    _checked = False

    def __init__(self, p: Param) -> None:
        self._p = p
        self.name, self.shape, self.dtype, self._type = p.name, p.shape, p.dtype, None
        self.requires_grad, self.grad = False, None
        self._host, self._host_current, self._mirror, self._mirror_backend = p._state()

    @property
    def value(self) -> np.ndarray:
        return self._p.value

    def array_on(self, backend: ArrayBackend) -> Any:
        return self._p.array_on(backend)

    def _param(self) -> Param:
        return self._p

    def requires_grad_(self, requires_grad: bool = True) -> Param:
        raise ArgumentError("requires_grad_: p.data never requires a gradient (set it on p)")

    def __repr__(self) -> str:
        return f"{self._p!r}.data"


def _data_float_dtype(value: Any) -> np.dtype:
    """The dtype of a Param given no dtype: a float32/float64 array keeps its own, anything
    else (Python numbers and lists, integer or bool data) becomes float32."""
    dt = getattr(value, "dtype", None)
    if dt is None:
        return float32
    try:
        dt = np.dtype(str(dt).rsplit(".", 1)[-1]) if not isinstance(dt, np.dtype) else dt
    except TypeError:
        return float32
    return dt if dt in FLOAT_DTYPES else float32


class Buffer(Param):
    """Module state that is not trained (PyTorch's ``nn.Buffer``: BatchNorm's running statistics,
    ``num_batches_tracked``): never requires a gradient; float, int64 or bool."""

    __slots__ = ("persistent",)

    def __init__(self, value: Any, name: str | None = None, dtype: Any = None,
                 persistent: bool = True) -> None:
        if hasattr(value, "__cuda_array_interface__"):
            raise DeviceError("Buffer: give the initial value as host data")
        arr = convert.host_array(value, "Buffer", "value", None if dtype is None else dtype,
                                 _data_float_dtype(value))
        Param.__init__(self, np.zeros(arr.shape, np.float32), name, False)
        self._host, self.dtype, self.persistent = arr, arr.dtype, bool(persistent)

    def requires_grad_(self, requires_grad: bool = True) -> Param:
        if not isinstance(requires_grad, bool):
            raise ArgumentError(f"requires_grad_: requires_grad must be a bool, got "
                                f"{type(requires_grad).__name__} {requires_grad!r:.60}")
        if requires_grad:
            raise ArgumentError("requires_grad_: a buffer never requires a gradient (make it a Param)")
        return self


class ParamList(Sequence[Param]):
    """An ordered list of parameters (the seed's ``ParamList``)."""

    def __init__(self, values: Iterable[Any], requires_grad: Sequence[bool] | None = None,
                 names: Sequence[str] | None = None, dtype: Any = None) -> None:
        values = list(values)
        if requires_grad is not None and len(requires_grad) != len(values):
            raise ArgumentError(f"ParamList: {len(values)} values but {len(requires_grad)} "
                                 "requires_grad flags")
        if names is not None and len(names) != len(values):
            raise ArgumentError(f"ParamList: {len(values)} values but {len(names)} names")
        self._params = [
            v if isinstance(v, Param) else Param(
                v, None if names is None else names[i],
                True if requires_grad is None else requires_grad[i], dtype)
            for i, v in enumerate(values)
        ]
        if requires_grad is not None:
            for p, flag in zip(self._params, requires_grad):
                p.requires_grad = bool(flag)

    def __len__(self) -> int:
        return len(self._params)

    def __getitem__(self, i: Any) -> Any:
        return self._params[i]

    def __iter__(self) -> Iterator[Param]:
        return iter(self._params)

    @property
    def requires_grad(self) -> list[bool]:
        return [p.requires_grad for p in self._params]

    def values(self) -> list[np.ndarray]:
        """Host copies of every value (syncing device mirrors)."""
        return [p.value.copy() for p in self._params]

    def set_values(self, values: Sequence[Any]) -> None:
        if len(values) != len(self._params):
            raise ArgumentError(f"ParamList.set_values: expected {len(self._params)} values, "
                                f"got {len(values)}")
        arrays = []
        for i, (p, v) in enumerate(zip(self._params, values)):  # all checked before any is set
            arr = convert.host_array(v, "ParamList.set_values", f"value {i}", p.dtype)
            if arr.shape != p.shape:
                raise ShapeError(f"ParamList.set_values: value {i} has shape {arr.shape}, expected {p.shape}")
            arrays.append(arr)
        for p, arr in zip(self._params, arrays):
            p.set_value(arr)

    def zero_grad(self) -> None:
        for p in self._params:
            p.grad = None


guard_methods(Param, ["__init__", "set_value"])
guard_methods(Buffer, ["__init__"])
guard_methods(ParamList, ["__init__", "set_values"])
