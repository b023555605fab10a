"""A fake CUDA backend for testing device logic without a GPU.

``DevArray`` is a NumPy array marked with ``__cuda_array_interface__`` (its pointer is the real
host address, so code that reads device pointers, such as a fake NCCL, can use it), as CuPy's
arrays are marked; ``FakeCuda`` is an ``ArrayBackend`` on the ``cuda`` device whose arrays are
``DevArray``s and which counts uploads (``asarray`` of host data) and downloads (``to_host``).
Install it for ``Device.CUDA`` (``torchlean.backends._BACKENDS[(Device.CUDA, precision)]``) to
check on the CPU what the CUDA backend relies on: resident mirrors, no CPU fallback, transfers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backends.base import ArrayBackend
from ..backends.numpy_backend import _gemm_overrides
from ..options import Device, MatmulPrecision


class DevArray(np.ndarray):
    """A 'device' array: NumPy storage, marked like CuPy's."""

    @property
    def __cuda_array_interface__(self) -> dict[str, Any]:
        return {"shape": self.shape, "typestr": self.dtype.str, "data": (self.ctypes.data, False), "version": 3}


def dev(a: Any) -> DevArray:
    """``a`` as a DevArray (no copy)."""
    return np.asarray(a).view(DevArray)


class FakeCuda(ArrayBackend):
    """The NumPy kernels on DevArrays, counting host-device transfers."""

    device = Device.CUDA
    xp = np

    def __init__(self) -> None:
        super().__init__()
        # the CPU backend's kernels exactly, thread policy included: OpenBLAS's results depend
        # on its thread count, and this backend must give the CPU's numbers
        gemms = _gemm_overrides()
        self.overrides.update(gemms)
        self.gemm_names = frozenset(gemms)
        self.uploads = self.downloads = 0
        self.precision = MatmulPrecision.FP32

    def resolve(self, prim: Any) -> Any:
        kernel = self.kernels.get(prim)
        if kernel is None:
            inner = super().resolve(prim)
            kernel = self.kernels[prim] = lambda *a, **kw: dev(inner(*a, **kw))
        return kernel

    def is_array(self, value: Any) -> bool:
        return isinstance(value, DevArray)

    def asarray(self, value: Any, dtype: Any) -> DevArray:
        if not isinstance(value, DevArray):
            self.uploads += 1
        return np.array(value, dtype=dtype, copy=True).view(DevArray)

    def to_host(self, value: Any) -> np.ndarray:
        self.downloads += 1
        return np.array(value, copy=True)

    def zeros(self, shape: Any, dtype: Any) -> DevArray:
        return np.zeros(shape, dtype).view(DevArray)

    def ones(self, shape: Any, dtype: Any) -> DevArray:
        return np.ones(shape, dtype).view(DevArray)
