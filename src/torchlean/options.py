"""Session options: the seed's ``Options`` record with Python names."""

from __future__ import annotations

import dataclasses
from enum import Enum
from typing import Any

import numpy as np

from ._core.errors import ArgumentError, DTypeError
from ._core.guard import guard_methods
from ._core.types import FLOAT_DTYPES, as_dtype


class Backend(Enum):
    """Execution path: run now on a tape (``EAGER``) or trace once into a typed graph."""

    EAGER = "eager"
    COMPILED = "compiled"


class Device(Enum):
    """Where arrays live: NumPy on the host or CuPy on a CUDA GPU."""

    CPU = "cpu"
    CUDA = "cuda"


class MatmulPrecision(Enum):
    """float32 GEMM precision on CUDA: exact ``FP32`` or tensor-core ``TF32``. CPU ignores it."""

    FP32 = "fp32"
    TF32 = "tf32"


@dataclasses.dataclass
class Options:
    """Settings of a session or trainer.

    Args:
        backend: eager tape or compiled graph (used by ``ScalarTrainer``).
        requires_grad_by_default: ``requires_grad`` of parameters created without one.
        seed: seed of the session's counter-based random stream.
        fast_kernels: allow fused device kernels where registered (results are unchanged).
        matmul_precision: ``FP32`` (default) or ``TF32``; applied by the CUDA backend only.
        device: ``Device.CPU`` or ``Device.CUDA``; ``use_gpu`` is the seed's alias.
        strict_cuda: accepted for compatibility; CUDA never falls back to the CPU anyway.
        no_grad: start sessions with gradient recording off.
        dtype: default float dtype of parameters, inputs and constants (float32 or float64).
    """

    backend: Backend = Backend.EAGER
    requires_grad_by_default: bool = True
    seed: int = 0
    fast_kernels: bool = False
    matmul_precision: MatmulPrecision = MatmulPrecision.FP32
    device: Device = Device.CPU
    strict_cuda: bool = False
    no_grad: bool = False
    dtype: Any = np.float32

    def __init__(self, backend: Backend | str = Backend.EAGER, requires_grad_by_default: bool = True,
                 seed: int = 0, fast_kernels: bool = False,
                 matmul_precision: MatmulPrecision | str = MatmulPrecision.FP32,
                 device: Device | str = Device.CPU, strict_cuda: bool = False, no_grad: bool = False,
                 dtype: Any = np.float32, use_gpu: bool | None = None) -> None:
        self.backend = _enum(Backend, backend, "backend")
        self.requires_grad_by_default = bool(requires_grad_by_default)
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ArgumentError(f"Options: seed must be a non-negative int, got {seed!r}")
        self.seed = seed
        self.fast_kernels = bool(fast_kernels)
        self.matmul_precision = _enum(MatmulPrecision, matmul_precision, "matmul_precision")
        self.device = _enum(Device, device, "device")
        if use_gpu is not None:
            self.use_gpu = use_gpu
        self.strict_cuda = bool(strict_cuda)
        self.no_grad = bool(no_grad)
        self.dtype = as_dtype(dtype)
        if self.dtype not in FLOAT_DTYPES:
            raise DTypeError(f"Options: dtype must be float32 or float64, got {self.dtype.name}")

    @property
    def use_gpu(self) -> bool:
        """The seed's flag: True exactly when ``device`` is CUDA."""
        return self.device is Device.CUDA

    @use_gpu.setter
    def use_gpu(self, value: bool) -> None:
        self.device = Device.CUDA if value else Device.CPU

    def replace(self, **changes: Any) -> Options:
        """A copy with some fields changed."""
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        fields.update(changes)
        return Options(**fields)


def _enum(cls: type[Enum], value: Any, name: str) -> Any:
    if isinstance(value, cls):
        return value
    try:
        return cls(str(value).lower())
    except ValueError:
        choices = ", ".join(m.value for m in cls)  # type: ignore[attr-defined]
        raise ArgumentError(f"Options: {name} must be one of {choices}, got {value!r}") from None


guard_methods(Options, ["__init__", "replace"])
