"""``torch.nn.functional`` pooling with PyTorch's names, signatures and defaults.

``max_pool1d/2d/3d`` (``dilation``, ``ceil_mode``, ``return_indices``: int64 flat positions in
each input plane; ties go to the first maximum in row-major order, as PyTorch's CPU kernels),
``avg_pool1d/2d/3d`` (``ceil_mode``, ``count_include_pad``, ``divisor_override``),
``adaptive_avg_pool1d/2d/3d`` and ``adaptive_max_pool1d/2d/3d``. Inputs are ``(N, C, *spatial)``
or unbatched ``(C, *spatial)``; PyTorch's padding limits (at most half the kernel's extent) are
checked. Thin argument mappings onto ``ops.max_pool``, ``ops.avg_pool`` and the adaptive pools.
"""

from __future__ import annotations

from typing import Any

from .._core.errors import ShapeError
from ..ops.window import extent, spatial_param
from .dispatch import tensor, torch_op

__all__ = [
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool1d",
    "adaptive_max_pool2d", "adaptive_max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
    "max_pool1d", "max_pool2d", "max_pool3d",
]


def _pool_input(op: str, input: Any, d: int) -> Any:  # noqa: A002
    x = tensor(op, "input", input)
    if x.ndim not in (d + 1, d + 2):
        raise ShapeError(f"{op}: expected {d + 1}D (unbatched) or {d + 2}D (batched) input, got "
                         f"input of shape {x.shape}")
    return x


def _stride(stride: Any) -> Any:
    """PyTorch's pooling default: ``None`` or an empty list means the kernel size."""
    if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0):
        return None
    return stride


def _check_half(op: str, x: Any, d: int, kernel: Any, padding: Any, dilation: Any, what: str) -> None:
    """PyTorch's limit: padding at most half of the (effective) kernel size."""
    ctx = f"input {x.shape}"
    k = spatial_param(op, "kernel_size", kernel, d, 1, ctx, one=True)
    p = spatial_param(op, "padding", padding, d, 0, ctx, one=True)
    ek = extent(k, spatial_param(op, "dilation", dilation, d, 1, ctx, one=True))
    if any(2 * pp > kk for pp, kk in zip(p, ek)):
        raise ShapeError(f"{op}: pad should be at most half of {what}, but got padding {p}, "
                         f"kernel_size {k}" + ("" if what == "kernel size" else f" (extent {ek})"))


def _max_pool(op: str, d: int, input: Any, kernel_size: Any, stride: Any, padding: Any,  # noqa: A002
              dilation: Any, ceil_mode: bool, return_indices: bool) -> Any:
    x = _pool_input(op, input, d)
    _check_half(op, x, d, kernel_size, padding, dilation, "effective kernel size")
    ops = x.session
    args = (x, kernel_size, _stride(stride), padding, dilation, bool(ceil_mode))
    if return_indices:
        return ops.max_pool_with_indices(*args, _op=op, _d=d)
    return ops.max_pool(*args, _op=op, _d=d)


@torch_op
def max_pool1d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """1-D max pool of ``(N, C, L)`` or ``(C, L)``; with ``return_indices`` a pair
    ``(values, int64 indices)``."""
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


@torch_op
def max_pool2d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """2-D max pool of ``(N, C, H, W)`` or ``(C, H, W)``; indices are ``h * W + w``."""
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


@torch_op
def max_pool3d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """3-D max pool of ``(N, C, D, H, W)`` or ``(C, D, H, W)``."""
    return _max_pool("max_pool3d", 3, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def _avg_pool(op: str, d: int, input: Any, kernel_size: Any, stride: Any, padding: Any,  # noqa: A002
              ceil_mode: bool, count_include_pad: bool, divisor_override: Any) -> Any:
    x = _pool_input(op, input, d)
    _check_half(op, x, d, kernel_size, padding, 1, "kernel size")
    return x.session.avg_pool(x, kernel_size, _stride(stride), padding, bool(ceil_mode),
                              bool(count_include_pad), divisor_override, _op=op, _d=d, _divide=True)


@torch_op
def avg_pool1d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               ceil_mode: bool = False, count_include_pad: bool = True) -> Any:
    """1-D average pool of ``(N, C, L)`` or ``(C, L)``."""
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, None)


@torch_op
def avg_pool2d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Any:
    """2-D average pool of ``(N, C, H, W)`` or ``(C, H, W)``."""
    return _avg_pool("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


@torch_op
def avg_pool3d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Any:
    """3-D average pool of ``(N, C, D, H, W)`` or ``(C, D, H, W)``."""
    return _avg_pool("avg_pool3d", 3, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


def _adaptive(op: str, d: int, input: Any, output_size: Any, kind: str, return_indices: bool = False  # noqa: A002
              ) -> Any:
    x = _pool_input(op, input, d)
    if kind == "avg":
        return x.session.adaptive_avg_pool(x, output_size, _op=op, _d=d)
    return x.session.adaptive_max_pool(x, output_size, bool(return_indices), _op=op, _d=d)


@torch_op
def adaptive_avg_pool1d(input: Any, output_size: Any) -> Any:  # noqa: A002
    """Adaptive average pool of ``(N, C, L)`` or ``(C, L)`` to ``output_size`` cells."""
    return _adaptive("adaptive_avg_pool1d", 1, input, output_size, "avg")


@torch_op
def adaptive_avg_pool2d(input: Any, output_size: Any) -> Any:  # noqa: A002
    """Adaptive average pool of ``(N, C, H, W)`` or ``(C, H, W)`` (None in ``output_size`` keeps
    that axis)."""
    return _adaptive("adaptive_avg_pool2d", 2, input, output_size, "avg")


@torch_op
def adaptive_avg_pool3d(input: Any, output_size: Any) -> Any:  # noqa: A002
    """Adaptive average pool of ``(N, C, D, H, W)`` or ``(C, D, H, W)``."""
    return _adaptive("adaptive_avg_pool3d", 3, input, output_size, "avg")


@torch_op
def adaptive_max_pool1d(input: Any, output_size: Any, return_indices: bool = False) -> Any:  # noqa: A002
    """Adaptive max pool of ``(N, C, L)`` or ``(C, L)``; ties to the first maximum."""
    return _adaptive("adaptive_max_pool1d", 1, input, output_size, "max", return_indices)


@torch_op
def adaptive_max_pool2d(input: Any, output_size: Any, return_indices: bool = False) -> Any:  # noqa: A002
    """Adaptive max pool of ``(N, C, H, W)`` or ``(C, H, W)``; indices are ``h * W + w``."""
    return _adaptive("adaptive_max_pool2d", 2, input, output_size, "max", return_indices)


@torch_op
def adaptive_max_pool3d(input: Any, output_size: Any, return_indices: bool = False) -> Any:  # noqa: A002
    """Adaptive max pool of ``(N, C, D, H, W)`` or ``(C, D, H, W)``."""
    return _adaptive("adaptive_max_pool3d", 3, input, output_size, "max", return_indices)
