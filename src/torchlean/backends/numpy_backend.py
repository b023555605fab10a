"""CPU backend on NumPy."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..options import Device
from .base import ArrayBackend


class NumpyBackend(ArrayBackend):
    device = Device.CPU
    xp = np

    def is_array(self, value: Any) -> bool:
        return isinstance(value, (np.ndarray, np.generic)) and not hasattr(value, "__cuda_array_interface__")

    def asarray(self, value: Any, dtype: np.dtype) -> np.ndarray:
        if hasattr(value, "__cuda_array_interface__"):
            from .._core.errors import DeviceError

            raise DeviceError(f"expected a host (cpu) array, got a cuda array ({type(value).__name__}); "
                              "download it explicitly or use a cuda session")
        return np.array(value, dtype=dtype, copy=True)

    def to_host(self, value: Any) -> np.ndarray:
        return np.array(value, copy=True)
