"""CUDA backend on CuPy: the only module that imports cupy.

Selecting CUDA without CuPy or without a visible GPU raises a ``DeviceError`` that says which
and how to install (``pip install "torchlean[cuda]"`` for CUDA 13, ``"torchlean[cuda12]"`` for
CUDA 12). Every primitive runs through its portable xp kernel or a registered CUDA override;
a CPU-only kernel raises (there is never a silent CPU fallback).

Matmul precision: a backend is made per ``MatmulPrecision``. ``TF32`` lets cuBLAS use tensor
cores for float32 GEMMs (inputs rounded to a 10-bit mantissa: relative errors around 1e-3
instead of 1e-7, several times the throughput on H100/H200); ``FP32`` is exact float32. Each
kernel call of a backend makes sure CuPy's compute type is its own, so sessions with
different precisions can coexist.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._core.errors import DeviceError
from .._core.registry import Primitive
from ..options import Device, MatmulPrecision
from .base import ArrayBackend

_INSTALL = 'pip install "torchlean[cuda]" (CuPy for CUDA 13; "torchlean[cuda12]" for CUDA 12)'
_active: list[Any] = [None]  # the precision CuPy's GEMMs are currently set to


def _import_cupy() -> Any:
    try:
        import cupy
    except ImportError:
        raise DeviceError(f"cuda: CuPy is not installed; {_INSTALL}") from None
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as e:  # CUDARuntimeError when no driver or device is present
        raise DeviceError(f"cuda: CuPy is installed but no CUDA device is usable ({e})") from None
    if count == 0:
        raise DeviceError("cuda: CuPy is installed but no CUDA device is visible")
    return cupy


class CupyBackend(ArrayBackend):
    device = Device.CUDA

    def __init__(self, precision: MatmulPrecision = MatmulPrecision.FP32) -> None:
        super().__init__()
        self.xp = _import_cupy()
        self.precision = precision
        from . import cuda_kernels

        self.overrides.update(cuda_kernels.OVERRIDES)

    # -- kernels -----------------------------------------------------------------------------
    def resolve(self, prim: Primitive) -> Callable[..., Any]:
        kernel = self.kernels.get(prim)
        if kernel is None:
            kernel = self.kernels[prim] = self._with_precision(super().resolve(prim))
        return kernel

    def _with_precision(self, kernel: Callable[..., Any]) -> Callable[..., Any]:
        precision = self.precision

        def run(*args: Any, **params: Any) -> Any:
            if _active[0] is not precision:
                self._set_compute_type(precision)
            return kernel(*args, **params)

        return run

    def _set_compute_type(self, precision: MatmulPrecision) -> None:
        from cupy._core import _routines_linalg as linalg

        ct = linalg.COMPUTE_TYPE_TF32 if precision is MatmulPrecision.TF32 else linalg.COMPUTE_TYPE_DEFAULT
        linalg.set_compute_type(np.float32, ct)
        _active[0] = precision

    # -- arrays ------------------------------------------------------------------------------
    def is_array(self, value: Any) -> bool:
        return isinstance(value, self.xp.ndarray)

    def asarray(self, value: Any, dtype: np.dtype) -> Any:
        """A device array of ``dtype``: CuPy arrays and other CUDA arrays (PyTorch tensors via
        DLPack or ``__cuda_array_interface__``) are copied on the device, host data is uploaded."""
        cp = self.xp
        if isinstance(value, cp.ndarray):
            return value.astype(dtype, copy=True)
        if hasattr(value, "__cuda_array_interface__") or _is_cuda_dlpack(value):
            from ..interop import refuse_lazy_bits

            refuse_lazy_bits("", value)  # a torch view's negative/conjugate bit: DLPack drops it
            arr = cp.from_dlpack(value) if hasattr(value, "__dlpack__") else cp.asarray(value)
            return arr.astype(dtype, copy=True)
        return cp.asarray(np.asarray(value, dtype=dtype))

    def to_host(self, value: Any) -> np.ndarray:
        return self.xp.asnumpy(value)

    def synchronize(self) -> None:
        self.xp.cuda.get_current_stream().synchronize()

    def memory_in_use(self) -> int:
        """Bytes of device memory held by live arrays (CuPy's pool, excluding free blocks)."""
        return int(self.xp.get_default_memory_pool().used_bytes())

    def collect(self) -> None:
        """Return the memory pool's free blocks to the device (the seed's collectCudaAllocator)."""
        self.xp.get_default_memory_pool().free_all_blocks()


def _is_cuda_dlpack(value: Any) -> bool:
    dev = getattr(value, "__dlpack_device__", None)
    if dev is None:
        return False
    try:
        return int(dev()[0]) in (2, 3, 13)  # kDLCUDA, kDLCUDAHost, kDLCUDAManaged
    except Exception:
        return False
