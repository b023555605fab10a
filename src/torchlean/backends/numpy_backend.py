"""CPU backend on NumPy."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ops.linalg import _linear_impl
from ..options import Device
from .base import ArrayBackend
from .blas_threads import use_threads_for


def _matmul(a: Any, b: Any) -> Any:
    use_threads_for(a.size * b.shape[-1])
    return np.matmul(a, b)


def _linear(w: Any, b: Any, x: Any) -> Any:
    use_threads_for(x.size * w.shape[0])
    return _linear_impl(np, w, b, x)


class NumpyBackend(ArrayBackend):
    """NumPy kernels, with GEMM thread counts chosen by size (see ``blas_threads``)."""

    device = Device.CPU
    xp = np

    def __init__(self) -> None:
        super().__init__()
        self.overrides.update(matmul=_matmul, linear=_linear)

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
