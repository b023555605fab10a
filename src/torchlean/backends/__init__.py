"""Array backends: the only package that knows where arrays live.

``get_backend(Device.CPU)`` is NumPy; ``get_backend(Device.CUDA)`` is CuPy, imported lazily by
``cupy_backend`` alone. Everything else in torchlean talks to a backend through ``ArrayBackend``.
"""

from __future__ import annotations

from typing import Any

from ..options import Device, MatmulPrecision
from .base import ArrayBackend
from .host_memory import keep_freed_memory
from .numpy_backend import NumpyBackend

_BACKENDS: dict[Any, ArrayBackend] = {}


def get_backend(device: Device, precision: MatmulPrecision = MatmulPrecision.FP32) -> ArrayBackend:
    """The process-wide backend of a device (created on first use); on CUDA, one per matmul
    precision. The CPU ignores the precision."""
    key: Any = device if device is Device.CPU else (device, precision)
    backend = _BACKENDS.get(key)
    if backend is None:
        if device is Device.CPU:
            backend = NumpyBackend()
        else:
            from .cupy_backend import CupyBackend  # lazy: the only route to cupy

            backend = CupyBackend(precision)
        _BACKENDS[key] = backend
    return backend


__all__ = ["ArrayBackend", "get_backend", "keep_freed_memory"]
