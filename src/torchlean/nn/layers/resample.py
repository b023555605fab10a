"""Padding and resampling layers: ``ZeroPad*``, ``ConstantPad*``, ``ReflectionPad*``,
``ReplicationPad*``, ``CircularPad*`` (1d/2d/3d), ``Upsample``, ``UpsamplingNearest2d``,
``UpsamplingBilinear2d``, ``PixelShuffle``, ``PixelUnshuffle``, ``Fold``, ``Unfold`` and
``ChannelShuffle``, over ``F.pad``, ``F.interpolate``, ``F.pixel_shuffle``/``pixel_unshuffle``,
``F.fold``/``unfold`` and tensor methods.

No parameters. ``padding`` is an int (every side) or torch's ``(left, right, top, bottom,
front, back)`` tuple. Divergences from torch: arguments are checked when the layer is built
(``ArgumentError`` naming the layer); a wrong input rank raises ``ShapeError``.
"""

from __future__ import annotations

import numbers
from typing import Any

from ..._core.errors import ArgumentError, ShapeError
from ...pt.dispatch import tensor
from .. import functional as F
from ..module import Module
from .pool import spatial


def _int(v: Any) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


class _PadNd(Module):
    """``F.pad(input, padding, mode)`` with ``padding`` of 2 * d entries."""

    _d = 1
    _mode = "constant"
    _dims: tuple[int, ...] = ()  # input ranks checked by the layer (torch's CircularPad*); () = F.pad's

    def _set_padding(self, padding: Any) -> None:
        n = 2 * self._d
        if _int(padding):
            self.padding = (int(padding),) * n
        elif isinstance(padding, (tuple, list)) and len(padding) == n and all(_int(p) for p in padding):
            self.padding = tuple(int(p) for p in padding)
        else:
            raise ArgumentError(f"{type(self).__name__}: padding must be an int or a tuple of {n} ints, "
                                f"got {padding!r}")

    def forward(self, input: Any) -> Any:  # noqa: A002
        if self._dims:
            x = tensor(type(self).__name__, "input", input)
            if x.ndim not in self._dims:
                raise ShapeError(f"{type(self).__name__}: expected {self._dims[0]}D or {self._dims[1]}D input "
                                 f"(got {x.ndim}D input)")
        if self._mode == "constant":
            return F.pad(input, self.padding, "constant", self.value)
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding: Any, value: float) -> None:
        super().__init__()
        self._set_padding(padding)
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ArgumentError(f"{type(self).__name__}: value must be a number, got {value!r}")
        self.value = value

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last axis with ``value``: ``padding = (left, right)``."""

    _d = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two axes with ``value``: ``padding = (left, right, top, bottom)``."""

    _d = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three axes with ``value``: ``(left, right, top, bottom, front, back)``."""

    _d = 3


class ZeroPad1d(ConstantPad1d):
    """``ConstantPad1d(padding, 0.0)``."""

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """``ConstantPad2d(padding, 0.0)``."""

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    """``ConstantPad3d(padding, 0.0)``."""

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


def _mode_pad(name: str, mode: str, d: int, dims: tuple[int, ...] = (), doc: str = "") -> type:
    def __init__(self: Any, padding: Any) -> None:  # noqa: N807
        Module.__init__(self)
        self._set_padding(padding)

    return type(name, (_PadNd,), {"__init__": __init__, "_d": d, "_mode": mode, "_dims": dims,
                                  "__doc__": doc, "__module__": __name__})


_REFLECT = "Pad by reflection about the edges (without repeating them): ``F.pad(..., 'reflect')``."
_REPLICATE = "Pad by repeating the edge values: ``F.pad(..., 'replicate')``."
_CIRCULAR = "Pad by wrapping around: ``F.pad(..., 'circular')``."
ReflectionPad1d = _mode_pad("ReflectionPad1d", "reflect", 1, doc=_REFLECT)
ReflectionPad2d = _mode_pad("ReflectionPad2d", "reflect", 2, doc=_REFLECT)
ReflectionPad3d = _mode_pad("ReflectionPad3d", "reflect", 3, doc=_REFLECT)
ReplicationPad1d = _mode_pad("ReplicationPad1d", "replicate", 1, doc=_REPLICATE)
ReplicationPad2d = _mode_pad("ReplicationPad2d", "replicate", 2, doc=_REPLICATE)
ReplicationPad3d = _mode_pad("ReplicationPad3d", "replicate", 3, doc=_REPLICATE)
CircularPad1d = _mode_pad("CircularPad1d", "circular", 1, (2, 3), _CIRCULAR)
CircularPad2d = _mode_pad("CircularPad2d", "circular", 2, (3, 4), _CIRCULAR)
CircularPad3d = _mode_pad("CircularPad3d", "circular", 3, (4, 5), _CIRCULAR)


_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area")


class Upsample(Module):
    """``F.interpolate(input, size, scale_factor, mode, align_corners, recompute_scale_factor)``;
    ``scale_factor`` is stored as float(s), as torch."""

    def __init__(self, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                 align_corners: bool | None = None, recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        op = type(self).__name__
        self.name = op
        if mode not in _MODES:
            raise ArgumentError(f"{op}: mode must be one of {', '.join(_MODES)}, got {mode!r}")
        if (size is None) == (scale_factor is None):
            raise ArgumentError(f"{op}: give exactly one of size and scale_factor")
        if size is not None and not (_int(size) and size > 0) and not (
                isinstance(size, (tuple, list)) and size and all(_int(a) and a > 0 for a in size)):
            raise ArgumentError(f"{op}: size must be a positive int or a tuple of them, got {size!r}")

        def factor(f: Any) -> float:
            if isinstance(f, bool) or not isinstance(f, numbers.Real) or not f > 0:
                raise ArgumentError(f"{op}: scale_factor must be a positive number or a tuple of them, "
                                    f"got {scale_factor!r}")
            return float(f)

        self.size = tuple(size) if isinstance(size, list) else size
        if isinstance(scale_factor, (tuple, list)):
            self.scale_factor: Any = tuple(factor(f) for f in scale_factor)
        else:
            self.scale_factor = None if scale_factor is None else factor(scale_factor)
        if align_corners is not None and not isinstance(align_corners, bool):
            raise ArgumentError(f"{op}: align_corners must be None or a bool, got {align_corners!r}")
        self.mode, self.align_corners, self.recompute_scale_factor = mode, align_corners, recompute_scale_factor

    def forward(self, input: Any) -> Any:  # noqa: A002
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self) -> str:
        info = f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None else f"size={self.size!r}"
        return info + f", mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """``Upsample(size, scale_factor, mode='nearest')`` for ``(N, C, H, W)``."""

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """``Upsample(size, scale_factor, mode='bilinear', align_corners=True)``."""

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


def _factor(op: str, what: str, v: Any) -> int:
    if not _int(v) or v < 1:
        raise ArgumentError(f"{op}: {what} must be a positive int, got {v!r}")
    return int(v)


class PixelShuffle(Module):
    """``(*, C*r*r, H, W) -> (*, C, H*r, W*r)`` with ``r = upscale_factor``."""

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = _factor("PixelShuffle", "upscale_factor", upscale_factor)

    def forward(self, input: Any) -> Any:  # noqa: A002
        return F.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """``(*, C, H*r, W*r) -> (*, C*r*r, H, W)`` with ``r = downscale_factor``."""

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = _factor("PixelUnshuffle", "downscale_factor", downscale_factor)

    def forward(self, input: Any) -> Any:  # noqa: A002
        return F.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"


class _Blocks(Module):
    def _window(self, kernel_size: Any, dilation: Any, padding: Any, stride: Any) -> None:
        op = type(self).__name__
        for what, v, lo in (("kernel_size", kernel_size, 1), ("dilation", dilation, 1), ("padding", padding, 0),
                            ("stride", stride, 1)):
            spatial(op, what, v, 2, lo)
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, "
                f"stride={self.stride}")


class Unfold(_Blocks):
    """Sliding blocks of ``(N, C, H, W)`` as columns ``(N, C*kH*kW, L)`` (``F.unfold``)."""

    def __init__(self, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> None:
        super().__init__()
        self._window(kernel_size, dilation, padding, stride)

    def forward(self, input: Any) -> Any:  # noqa: A002
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)


class Fold(_Blocks):
    """Sum columns ``(N, C*kH*kW, L)`` back into ``(N, C, *output_size)`` (``F.fold``)."""

    def __init__(self, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
                 stride: Any = 1) -> None:
        super().__init__()
        spatial("Fold", "output_size", output_size, 2, 1)
        self._window(kernel_size, dilation, padding, stride)
        self.output_size = output_size

    def forward(self, input: Any) -> Any:  # noqa: A002
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}, " + super().extra_repr()


class ChannelShuffle(Module):
    """``F.channel_shuffle``: interleave the channels of ``(N, C, *)`` across ``groups``."""

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = _factor("ChannelShuffle", "groups", groups)

    def forward(self, input: Any) -> Any:  # noqa: A002
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"


__all__ = ["ChannelShuffle", "CircularPad1d", "CircularPad2d", "CircularPad3d", "ConstantPad1d", "ConstantPad2d",
           "ConstantPad3d", "Fold", "PixelShuffle", "PixelUnshuffle", "ReflectionPad1d", "ReflectionPad2d",
           "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "Unfold", "Upsample",
           "UpsamplingBilinear2d", "UpsamplingNearest2d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d"]
