"""CPU backend on NumPy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._core.registry import REGISTRY
from .._core.shapes import prod
from ..options import Device
from . import cpu_jit
from .base import ArrayBackend
from .blas_threads import one_thread_if_small
from .host_memory import apply_from_environment


def _gemm(impl: Callable[..., Any], macs: Callable[..., int]) -> Callable[..., Any]:
    """``impl`` with ``xp`` bound, on one BLAS thread when its multiply-add count is small
    (scoped: the process's thread count is restored after the call)."""

    def kernel(*args: Any, **params: Any) -> Any:
        return one_thread_if_small(macs(*args, **params), impl, np, *args, **params)

    return kernel


def _conv_macs(x: Any, w: Any, *rest: Any, stride: Any, padding: Any, dilation: Any = None,
               groups: int = 1) -> int:
    d = w.ndim - 2
    spatial = x.shape[-d:]
    k = w.shape[2:] if dilation is None else [a * (b - 1) + 1 for a, b in zip(dilation, w.shape[2:])]
    out = prod((i + 2 * p - kk) // s + 1 for i, kk, s, p in zip(spatial, k, stride, padding))
    return x.size // (w.shape[1] * groups * prod(spatial)) * out * w.size


def _conv_transpose_macs(x: Any, w: Any, **_: Any) -> int:
    return x.size * w.size // w.shape[0]


def _weight_grad_macs(x: Any, g: Any, *, kernel: Any, **_: Any) -> int:
    return g.size * x.shape[-len(kernel) - 1] * prod(kernel)


# The convolutions' im2col products (tall and skinny, into fresh outputs) are where a second
# OpenBLAS thread loses at small sizes; plain matmul/linear products are left to OpenBLAS's own
# per-call choice, which already keeps tiny ones on one thread (see blas_threads' docstring for
# the measurements). Name -> multiply-add count of one call.
_GEMM_MACS: dict[str, Callable[..., int]] = {
    "conv": _conv_macs, "conv_bias": _conv_macs, "conv_transpose": _conv_transpose_macs,
    "conv_weight_grad": _weight_grad_macs,
}


def _gemm_overrides() -> dict[str, Callable[..., Any]]:
    return {name: _gemm(REGISTRY[name].impl, macs) for name, macs in _GEMM_MACS.items()}


def _gemm_out(impl_out: Callable[..., Any], macs: Callable[..., int]) -> Callable[..., Any]:
    """The out-variant ``impl_out(xp, out, ...)`` under the same thread policy as ``_gemm``."""

    def kernel(out: Any, *args: Any, **params: Any) -> None:
        one_thread_if_small(macs(*args, **params), impl_out, np, out, *args, **params)

    return kernel


def _gemm_out_overrides() -> dict[str, Callable[..., Any]]:
    # Out-variants of the convolutions: the same GEMM into a compiled plan's buffer.
    from ..ops.conv import conv_out, conv_transpose_out

    outs = {"conv": conv_out, "conv_bias": conv_out, "conv_transpose": conv_transpose_out}
    return {name: _gemm_out(fn, _GEMM_MACS[name]) for name, fn in outs.items()}


class NumpyBackend(ArrayBackend):
    """NumPy kernels; the convolutions choose OpenBLAS's thread count by size first
    (``blas_threads``), then run the primitive's own xp kernel unchanged; a few loops run as
    numba kernels where numba is installed (``cpu_jit``, the same numbers)."""

    device = Device.CPU
    xp = np

    def __init__(self) -> None:
        super().__init__()
        gemms = _gemm_overrides()
        self.overrides.update(gemms)
        self.gemm_names = frozenset(gemms)
        self.out_overrides.update(_gemm_out_overrides())
        self.overrides.update(cpu_jit.overrides())
        self.out_overrides.update(cpu_jit.out_overrides())
        self.group_kernels.update(cpu_jit.group_kernels())
        self.composite_kernels.update(cpu_jit.composite_kernels())
        apply_from_environment()

    def is_array(self, value: Any) -> bool:
        return type(value) is np.ndarray or isinstance(value, np.generic)

    def ones(self, shape: tuple[int, ...], dtype: np.dtype) -> Any:
        # a backward's default seed is a 0-d one: np.array skips np.ones' empty-then-fill
        return np.array(1, dtype=dtype) if shape == () else np.ones(shape, dtype=dtype)

    def asarray(self, value: Any, dtype: np.dtype) -> np.ndarray:
        if hasattr(value, "__cuda_array_interface__"):
            from .._core.errors import DeviceError

            raise DeviceError(f"expected a host (cpu) array, got a cuda array ({type(value).__name__}); "
                              "download it explicitly or use a cuda session")
        return np.array(value, dtype=dtype, copy=True)

    def to_host(self, value: Any) -> np.ndarray:
        return np.array(value, copy=True)
