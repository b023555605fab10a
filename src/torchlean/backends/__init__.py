"""Array backends: the only package that knows where arrays live.

``get_backend(Device.CPU)`` is NumPy; ``get_backend(Device.CUDA)`` is CuPy, imported lazily by
``cupy_backend`` alone. Everything else in torchlean talks to a backend through ``ArrayBackend``.
"""

from __future__ import annotations

from ..options import Device
from .base import ArrayBackend
from .numpy_backend import NumpyBackend

_BACKENDS: dict[Device, ArrayBackend] = {}


def get_backend(device: Device) -> ArrayBackend:
    """The process-wide backend of a device (created on first use)."""
    backend = _BACKENDS.get(device)
    if backend is None:
        if device is Device.CPU:
            backend = NumpyBackend()
        else:
            from .cupy_backend import CupyBackend  # lazy: the only route to cupy

            backend = CupyBackend()
        _BACKENDS[device] = backend
    return backend


__all__ = ["ArrayBackend", "get_backend"]
