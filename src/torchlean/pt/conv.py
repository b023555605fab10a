"""``torch.nn.functional`` convolutions with PyTorch's names, signatures and defaults, and the
family's re-exports (pooling: ``pt/conv_pool.py``; padding and resampling:
``pt/conv_resample.py``).

``conv1d/2d/3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1)`` with
``padding`` an int, a tuple, ``'valid'`` or ``'same'`` (PyTorch's rule: ``dilation*(k - 1)``
cells per axis, the odd one after the input; stride 1 only), and
``conv_transpose1d/2d/3d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
groups=1, dilation=1)``. Inputs are ``(N, C, *spatial)`` or unbatched ``(C, *spatial)``.
Thin argument mappings onto the seed's ``ops.conv``/``ops.conv_transpose`` (the same
primitives: dilation and groups are parameters of them).
"""

from __future__ import annotations

from typing import Any

from .._core.errors import ArgumentError, ShapeError
from ..ops.window import spatial_param
from .conv_pool import *  # noqa: F403
from .conv_pool import __all__ as _pool_all
from .conv_resample import *  # noqa: F403
from .conv_resample import __all__ as _resample_all
from .dispatch import tensor, torch_op

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
           *_pool_all, *_resample_all]


def _args(op: str, input: Any, weight: Any, bias: Any) -> tuple[Any, Any, Any, Any]:  # noqa: A002
    x = tensor(op, "input", input)
    w = tensor(op, "weight", weight)
    b = None if bias is None else tensor(op, "bias", bias)
    return x.session, x, w, b


def _conv(op: str, d: int, input: Any, weight: Any, bias: Any, stride: Any, padding: Any,  # noqa: A002
          dilation: Any, groups: Any) -> Any:
    ops, x, w, b = _args(op, input, weight, bias)
    sw = w.shape
    if len(sw) != d + 2 or x.ndim not in (d + 1, d + 2):
        raise ShapeError(f"{op}: expected {d + 1}D (unbatched) or {d + 2}D (batched) input and a "
                         f"{d + 2}D weight, got input {x.shape} and weight {sw}")
    if isinstance(padding, str):
        if padding == "valid":
            padding = 0
        elif padding == "same":
            x, padding = _same(op, ops, x, sw[2:], stride, dilation, d)
        else:
            raise ArgumentError(f"{op}: padding must be an int, a tuple of ints, 'valid' or 'same', "
                                f"got {padding!r}")
    return ops.conv(w, b, x, stride, padding, dilation, groups, _op=op, _d=d)


def _same(op: str, ops: Any, x: Any, k: tuple[int, ...], stride: Any, dilation: Any, d: int
          ) -> tuple[Any, tuple[int, ...]]:
    """PyTorch's ``padding='same'``: ``dilation*(k - 1)`` cells per axis, half before the input
    and the rest (one more when odd) after it, as an explicit zero pad of the high side."""
    ctx = f"input {x.shape}"
    if any(s != 1 for s in spatial_param(op, "stride", stride, d, 1, ctx, one=True)):
        raise ArgumentError(f"{op}: padding='same' is not supported for strided convolutions "
                            f"(stride {stride!r})")
    dil = spatial_param(op, "dilation", dilation, d, 1, ctx, one=True)
    total = [a * (kk - 1) for a, kk in zip(dil, k)]
    lo = tuple(t // 2 for t in total)
    extra = [t - 2 * h for t, h in zip(total, lo)]
    if any(extra):
        x = ops.pad(x, [v for e in reversed(extra) for v in (0, e)])
    return x, lo


def _conv_transpose(op: str, d: int, input: Any, weight: Any, bias: Any, stride: Any, padding: Any,  # noqa: A002
                    output_padding: Any, groups: Any, dilation: Any) -> Any:
    ops, x, w, b = _args(op, input, weight, bias)
    if w.ndim != d + 2 or x.ndim not in (d + 1, d + 2):
        raise ShapeError(f"{op}: expected {d + 1}D (unbatched) or {d + 2}D (batched) input and a "
                         f"{d + 2}D weight, got input {x.shape} and weight {w.shape}")
    if isinstance(padding, str):
        raise ArgumentError(f"{op}: padding must be an int or a tuple of ints (no 'same'/'valid' for "
                            f"transposed convolutions), got {padding!r}")
    return ops.conv_transpose(w, b, x, stride, padding, output_padding, dilation, groups, _op=op, _d=d)


@torch_op
def conv1d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,  # noqa: A002
           dilation: Any = 1, groups: int = 1) -> Any:
    """1-D cross-correlation of ``(N, C_in, L)`` or ``(C_in, L)`` with ``(C_out, C_in/groups, k)``."""
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


@torch_op
def conv2d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,  # noqa: A002
           dilation: Any = 1, groups: int = 1) -> Any:
    """2-D cross-correlation of ``(N, C_in, H, W)`` or ``(C_in, H, W)`` with
    ``(C_out, C_in/groups, kH, kW)``."""
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


@torch_op
def conv3d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,  # noqa: A002
           dilation: Any = 1, groups: int = 1) -> Any:
    """3-D cross-correlation of ``(N, C_in, D, H, W)`` or ``(C_in, D, H, W)`` with
    ``(C_out, C_in/groups, kD, kH, kW)``."""
    return _conv("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


@torch_op
def conv_transpose1d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,  # noqa: A002
                     output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Any:
    """1-D transposed convolution, weight ``(C_in, C_out/groups, k)``."""
    return _conv_transpose("conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding,
                           groups, dilation)


@torch_op
def conv_transpose2d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,  # noqa: A002
                     output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Any:
    """2-D transposed convolution, weight ``(C_in, C_out/groups, kH, kW)``."""
    return _conv_transpose("conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding,
                           groups, dilation)


@torch_op
def conv_transpose3d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,  # noqa: A002
                     output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Any:
    """3-D transposed convolution, weight ``(C_in, C_out/groups, kD, kH, kW)``."""
    return _conv_transpose("conv_transpose3d", 3, input, weight, bias, stride, padding, output_padding,
                           groups, dilation)
