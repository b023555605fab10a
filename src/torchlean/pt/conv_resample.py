"""``torch.nn.functional`` padding and resampling with PyTorch's names, signatures and defaults.

``pad`` (constant, reflect, replicate, circular), ``interpolate`` (nearest, nearest-exact,
linear, bilinear, bicubic, trilinear, area; ``antialias=True`` raises) and its deprecated
aliases ``upsample``, ``upsample_nearest``, ``upsample_bilinear``, ``unfold``/``fold``
(im2col blocks), ``pixel_shuffle``/``pixel_unshuffle``. Thin argument mappings onto the
``Ops`` methods of ``frontend/resample.py``.
"""

from __future__ import annotations

from typing import Any

from .dispatch import tensor, torch_op

__all__ = ["fold", "interpolate", "pad", "pixel_shuffle", "pixel_unshuffle", "unfold", "upsample",
           "upsample_bilinear", "upsample_nearest"]


@torch_op
def pad(input: Any, pad: Any, mode: str = "constant", value: float | None = None) -> Any:  # noqa: A002
    """Pad (or, with negative amounts, crop) the last ``len(pad) // 2`` axes:
    ``pad = (lo_last, hi_last, lo_2nd_last, hi_2nd_last, ...)``."""
    x = tensor("pad", "input", input)
    return x.session.pad(x, pad, mode, value)


@torch_op
def interpolate(input: Any, size: Any = None, scale_factor: Any = None, mode: str = "nearest",  # noqa: A002
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Any:
    """Resample ``(N, C, *spatial)`` to ``size`` or ``floor(in * scale_factor)`` cells per axis."""
    x = tensor("interpolate", "input", input)
    return x.session.interpolate(x, size, scale_factor, mode, align_corners, recompute_scale_factor,
                                 antialias)


@torch_op
def upsample(input: Any, size: Any = None, scale_factor: Any = None, mode: str = "nearest",  # noqa: A002
             align_corners: bool | None = None) -> Any:
    """``interpolate`` (PyTorch's deprecated name; no warning here)."""
    x = tensor("upsample", "input", input)
    return x.session.interpolate(x, size, scale_factor, mode, align_corners)


@torch_op
def upsample_nearest(input: Any, size: Any = None, scale_factor: Any = None) -> Any:  # noqa: A002
    """``interpolate(..., mode='nearest')`` (PyTorch's deprecated name)."""
    x = tensor("upsample_nearest", "input", input)
    return x.session.interpolate(x, size, scale_factor, "nearest")


@torch_op
def upsample_bilinear(input: Any, size: Any = None, scale_factor: Any = None) -> Any:  # noqa: A002
    """``interpolate(..., mode='bilinear', align_corners=True)`` (PyTorch's deprecated name)."""
    x = tensor("upsample_bilinear", "input", input)
    return x.session.interpolate(x, size, scale_factor, "bilinear", True)


@torch_op
def unfold(input: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> Any:  # noqa: A002
    """Sliding blocks of ``(N, C, H, W)`` (or ``(C, H, W)``) as ``(N, C*kH*kW, L)``."""
    x = tensor("unfold", "input", input)
    return x.session.im2col(x, kernel_size, dilation, padding, stride)


@torch_op
def fold(input: Any, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,  # noqa: A002
         stride: Any = 1) -> Any:
    """Sum sliding blocks ``(N, C*kH*kW, L)`` (or unbatched) into ``(N, C, *output_size)``."""
    x = tensor("fold", "input", input)
    return x.session.col2im(x, output_size, kernel_size, dilation, padding, stride)


@torch_op
def pixel_shuffle(input: Any, upscale_factor: int) -> Any:  # noqa: A002
    """``(*, C*r*r, H, W) -> (*, C, H*r, W*r)``."""
    x = tensor("pixel_shuffle", "input", input)
    return x.session.pixel_shuffle(x, upscale_factor)


@torch_op
def pixel_unshuffle(input: Any, downscale_factor: int) -> Any:  # noqa: A002
    """``(*, C, H*r, W*r) -> (*, C*r*r, H, W)``."""
    x = tensor("pixel_unshuffle", "input", input)
    return x.session.pixel_unshuffle(x, downscale_factor)
