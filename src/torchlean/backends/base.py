"""The backend interface: an ``xp`` module, transfers, and kernel resolution.

A backend turns a primitive into a callable kernel: a device-specific override when one is
registered under the primitive's name, else the primitive's portable xp kernel with ``xp`` bound.
A primitive whose kernel is NumPy-only and has no override raises ``DeviceError`` on another
device: there is never a silent fallback to the CPU.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from .._core.errors import DeviceError
from .._core.registry import Primitive
from ..options import Device


def _with_scalar(ufunc: Callable[..., Any]) -> Callable[..., Any]:
    """The kernel ``ufunc(x, c)`` of an op with a Python-number param ``c`` (one frame)."""

    def kernel(x: Any, *, c: Any) -> Any:
        return ufunc(x, c)

    return kernel


class ArrayBackend:
    """Base class of the NumPy and CuPy backends."""

    device: Device
    xp: Any

    def __init__(self) -> None:
        self.kernels: dict[Primitive, Callable[..., Any]] = {}
        self.overrides: dict[str, Callable[..., Any]] = {}
        self.gemm_names: frozenset[str] = frozenset()  # kernels under the BLAS thread policy
        # Out-variants ``kernel(out, *arrays, **params)`` of overridden kernels, by name.
        self.out_overrides: dict[str, Callable[..., Any]] = {}
        # Kernels of the compiled path's multi-output groups (compiled/patterns.py), by name.
        self.group_kernels: dict[str, Callable[..., Any]] = {}
        # One-call kernels of Ops composites the eager interpreter runs (eager/arrays.py), by
        # name; each returns None where it does not apply (the composite's kernels run then).
        self.composite_kernels: dict[str, Callable[..., Any]] = {}

    # -- kernels -----------------------------------------------------------------------------
    def resolve(self, prim: Primitive) -> Callable[..., Any]:
        """Kernel of ``prim`` on this device, cached in ``self.kernels``."""
        kernel = self.kernels.get(prim)
        if kernel is None:
            override = self.overrides.get(prim.name)
            if override is not None:
                kernel = override
            elif prim.ufunc is not None and hasattr(self.xp, prim.ufunc):
                kernel = getattr(self.xp, prim.ufunc)  # the kernel is this ufunc: call it directly
            elif prim.scalar_ufunc is not None and hasattr(self.xp, prim.scalar_ufunc):
                kernel = _with_scalar(getattr(self.xp, prim.scalar_ufunc))
            elif prim.portable or self.device is Device.CPU:
                kernel = partial(prim.impl, self.xp)
            else:
                raise DeviceError(f"{prim.name}: no {self.device.value} kernel for this op "
                                  f"(its kernel is CPU-only and no {self.device.value} "
                                  "override is registered); torchlean never falls back to the CPU")
            self.kernels[prim] = kernel
        return kernel

    def resolve_out(self, prim: Primitive) -> Callable[..., Any] | None:
        """Out-variant ``kernel(out, *arrays, **params)`` of ``prim`` on this device, or None.

        An overridden kernel has an out-variant only if one is registered next to it (the
        override's behaviour, e.g. a thread policy, must not be bypassed); a backend that wraps
        ``resolve`` itself offers none unless it also overrides this method.
        """
        kernel = self.out_overrides.get(prim.name)
        if kernel is not None:
            return kernel
        if (prim.impl_out is None or prim.name in self.overrides
                or type(self).resolve is not ArrayBackend.resolve
                or not (prim.portable or self.device is Device.CPU)):
            return None
        return partial(prim.impl_out, self.xp)

    # -- arrays ------------------------------------------------------------------------------
    def is_array(self, value: Any) -> bool:
        raise NotImplementedError

    def asarray(self, value: Any, dtype: np.dtype) -> Any:
        """Array of ``dtype`` on this device (uploads host data; copies)."""
        raise NotImplementedError

    def to_host(self, value: Any) -> np.ndarray:
        """A NumPy copy of a device array (downloads)."""
        raise NotImplementedError

    def zeros(self, shape: tuple[int, ...], dtype: np.dtype) -> Any:
        return self.xp.zeros(shape, dtype=dtype)

    def ones(self, shape: tuple[int, ...], dtype: np.dtype) -> Any:
        return self.xp.ones(shape, dtype=dtype)

    def synchronize(self) -> None:
        """Wait for queued device work (no-op on the CPU)."""

    def memory_in_use(self) -> int:
        """Bytes of device memory held by live arrays (0 where not tracked, e.g. the CPU)."""
        return 0

    def collect(self) -> None:
        """Return cached free device memory to the driver (no-op on the CPU)."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} device={self.device.value}>"
