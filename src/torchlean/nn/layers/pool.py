"""Pooling layers: ``MaxPool1d/2d/3d``, ``AvgPool1d/2d/3d``, ``AdaptiveAvgPool1d/2d/3d``,
``AdaptiveMaxPool1d/2d/3d``, each calling its ``torchlean.nn.functional`` function.

No parameters. ``stride=None`` is the kernel size (torch's). ``return_indices=True`` gives
``(values, int64 indices)`` (flat positions in each input plane, ties to the first maximum).
Divergence from torch: the window arguments are checked when the layer is built (an
``ArgumentError`` naming the layer; torch checks on the first call). ``LPPool*`` are in
``extra2``/``extra3``, ``MaxUnpool*`` and ``FractionalMaxPool*`` in ``extra4``.
"""

from __future__ import annotations

import numbers
from typing import Any

from ..._core.errors import ArgumentError
from .. import functional as F
from ..module import Module


def spatial(op: str, what: str, v: Any, d: int, lo: int) -> tuple[int, ...]:
    """An int or a sequence of d ints (or one int for every axis), each >= lo, as a d-tuple."""
    def ok(a: Any) -> bool:
        return isinstance(a, numbers.Integral) and not isinstance(a, bool) and a >= lo

    if ok(v):
        return (int(v),) * d
    if isinstance(v, (tuple, list)) and len(v) in (1, d) and all(ok(a) for a in v):
        return tuple(int(a) for a in v) * (d if len(v) == 1 and d > 1 else 1)
    raise ArgumentError(f"{op}: {what} must be an int >= {lo} or a tuple of {d} such ints, got {v!r}")


def _flag(op: str, what: str, v: Any) -> bool:
    if not isinstance(v, bool):
        raise ArgumentError(f"{op}: {what} must be a bool, got {v!r}")
    return v


def _half(op: str, kernel: tuple[int, ...], padding: tuple[int, ...], dilation: tuple[int, ...]) -> None:
    extent = tuple(dl * (k - 1) + 1 for k, dl in zip(kernel, dilation))
    if any(2 * p > e for p, e in zip(padding, extent)):
        raise ArgumentError(f"{op}: padding {padding} should be at most half of the (effective) kernel size "
                            f"{extent}")


class _MaxPoolNd(Module):
    _d = 2

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__()
        op, d = type(self).__name__, self._d
        k = spatial(op, "kernel_size", kernel_size, d, 1)
        s = k if stride is None else spatial(op, "stride", stride, d, 1)
        p = spatial(op, "padding", padding, d, 0)
        dl = spatial(op, "dilation", dilation, d, 1)
        _half(op, k, p, dl)
        self.kernel_size, self.padding, self.dilation = kernel_size, padding, dilation
        self.stride = kernel_size if stride is None else stride
        self._window = (k, s, p, dl)
        self.return_indices = _flag(op, "return_indices", return_indices)
        self.ceil_mode = _flag(op, "ceil_mode", ceil_mode)

    def forward(self, input: Any) -> Any:  # noqa: A002
        k, s, p, dl = self._window
        fn = getattr(F, f"max_pool{self._d}d")
        return fn(input, k, s, p, dl, ceil_mode=self.ceil_mode, return_indices=self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool1d(_MaxPoolNd):
    """Max pool of ``(N, C, L)`` or ``(C, L)``."""

    _d = 1


class MaxPool2d(_MaxPoolNd):
    """Max pool of ``(N, C, H, W)`` or ``(C, H, W)``."""

    _d = 2


class MaxPool3d(_MaxPoolNd):
    """Max pool of ``(N, C, D, H, W)`` or ``(C, D, H, W)``."""

    _d = 3


class _AvgPoolNd(Module):
    _d = 2

    def _setup(self, kernel_size: Any, stride: Any, padding: Any, ceil_mode: bool, count_include_pad: bool,
               divisor_override: Any) -> None:
        op, d = type(self).__name__, self._d
        k = spatial(op, "kernel_size", kernel_size, d, 1)
        s = k if stride is None else spatial(op, "stride", stride, d, 1)
        p = spatial(op, "padding", padding, d, 0)
        _half(op, k, p, (1,) * d)
        if divisor_override is not None and (isinstance(divisor_override, bool)
                                             or not isinstance(divisor_override, numbers.Integral)
                                             or divisor_override == 0):
            raise ArgumentError(f"{op}: divisor_override must be None or a non-zero int, got {divisor_override!r}")
        if d == 1:  # torch stores AvgPool1d's window as 1-tuples
            self.kernel_size, self.stride, self.padding = k, s, p
        else:
            self.kernel_size, self.padding = kernel_size, padding
            self.stride = kernel_size if stride is None else stride
        self._window = (k, s, p)
        self.ceil_mode = _flag(op, "ceil_mode", ceil_mode)
        self.count_include_pad = _flag(op, "count_include_pad", count_include_pad)
        self.divisor_override = divisor_override

    def forward(self, input: Any) -> Any:  # noqa: A002
        k, s, p = self._window
        if self._d == 1:
            return F.avg_pool1d(input, k, s, p, self.ceil_mode, self.count_include_pad)
        fn = getattr(F, f"avg_pool{self._d}d")
        return fn(input, k, s, p, self.ceil_mode, self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(_AvgPoolNd):
    """Average pool of ``(N, C, L)`` or ``(C, L)``."""

    _d = 1

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True) -> None:
        super().__init__()
        self._setup(kernel_size, stride, padding, ceil_mode, count_include_pad, None)


class AvgPool2d(_AvgPoolNd):
    """Average pool of ``(N, C, H, W)`` or ``(C, H, W)``."""

    _d = 2

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: int | None = None) -> None:
        super().__init__()
        self._setup(kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)


class AvgPool3d(_AvgPoolNd):
    """Average pool of ``(N, C, D, H, W)`` or ``(C, D, H, W)``."""

    _d = 3

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: int | None = None) -> None:
        super().__init__()
        self._setup(kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)


def _output_size(op: str, v: Any, d: int) -> Any:
    """An int, None, or a tuple of d ints/None (None keeps that axis), each >= 1."""
    def ok(a: Any) -> bool:
        return a is None or (isinstance(a, numbers.Integral) and not isinstance(a, bool) and a >= 1)

    if ok(v) or (isinstance(v, (tuple, list)) and len(v) == d and all(ok(a) for a in v)):
        return tuple(v) if isinstance(v, list) else v
    raise ArgumentError(f"{op}: output_size must be a positive int, None, or a tuple of {d} of them, got {v!r}")


class _AdaptiveAvgPoolNd(Module):
    _d = 2

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = _output_size(type(self).__name__, output_size, self._d)

    def forward(self, input: Any) -> Any:  # noqa: A002
        return getattr(F, f"adaptive_avg_pool{self._d}d")(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """Adaptive average pool of ``(N, C, L)`` or ``(C, L)`` to ``output_size`` cells."""

    _d = 1


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """Adaptive average pool of ``(N, C, H, W)`` or ``(C, H, W)`` (None keeps an axis)."""

    _d = 2


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    """Adaptive average pool of ``(N, C, D, H, W)`` or ``(C, D, H, W)``."""

    _d = 3


class _AdaptiveMaxPoolNd(Module):
    _d = 2

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__()
        op = type(self).__name__
        self.output_size = _output_size(op, output_size, self._d)
        self.return_indices = _flag(op, "return_indices", return_indices)

    def forward(self, input: Any) -> Any:  # noqa: A002
        return getattr(F, f"adaptive_max_pool{self._d}d")(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """Adaptive max pool of ``(N, C, L)`` or ``(C, L)``."""

    _d = 1


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """Adaptive max pool of ``(N, C, H, W)`` or ``(C, H, W)``."""

    _d = 2


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """Adaptive max pool of ``(N, C, D, H, W)`` or ``(C, D, H, W)``."""

    _d = 3


__all__ = ["AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d",
           "AdaptiveMaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d", "MaxPool1d", "MaxPool2d", "MaxPool3d"]
