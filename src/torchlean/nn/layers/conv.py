"""Convolution layers with torch's parameter layouts and default initialisation."""

from __future__ import annotations

import math
from typing import Any

from ..._core.errors import ArgumentError, ShapeError
from .. import functional as F
from ..module import Module
from ._factory import dtype_of, fan_in_bound, positive_int, uniform_param


def _tuple(op: str, what: str, v: Any, d: int, least: int) -> tuple[int, ...]:
    """``v`` as ``d`` ints, each at least ``least`` (PyTorch refuses a kernel, stride or
    dilation below 1 and a negative padding when the layer is made)."""
    if isinstance(v, int) and not isinstance(v, bool):
        v = (v,) * d
    if isinstance(v, (tuple, list)) and len(v) == d and all(isinstance(a, int) and not isinstance(a, bool) for a in v):
        if any(a < least for a in v):
            raise ArgumentError(f"{op}: {what} must be {'positive' if least else 'non-negative'}, got {v!r}")
        return tuple(v)
    raise ArgumentError(f"{op}: {what} must be an int or a tuple of {d} ints, got {v!r}")


class _ConvNd(Module):
    _d = 2
    _transposed = False

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 dilation: Any = 1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self._build(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                    padding_mode, device, dtype, 0)

    def _build(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any, padding: Any,
               dilation: Any, groups: int, bias: bool, padding_mode: str, device: Any, dtype: Any,
               output_padding: Any) -> None:
        op, d = type(self).__name__, self._d
        dt = dtype_of(op, dtype, device)
        self.in_channels = positive_int(op, "in_channels", in_channels)
        self.out_channels = positive_int(op, "out_channels", out_channels)
        self.groups = positive_int(op, "groups", groups)
        if in_channels % groups or out_channels % groups:
            raise ArgumentError(f"{op}: in_channels ({in_channels}) and out_channels ({out_channels}) must be "
                                f"divisible by groups ({groups})")
        self.kernel_size = _tuple(op, "kernel_size", kernel_size, d, 1)
        self.stride = _tuple(op, "stride", stride, d, 1)
        self.dilation = _tuple(op, "dilation", dilation, d, 1)
        self.padding = padding if isinstance(padding, str) else _tuple(op, "padding", padding, d, 0)
        self.output_padding = _tuple(op, "output_padding", output_padding, d, 0)
        if padding_mode not in ("zeros", "reflect", "replicate", "circular"):
            raise ArgumentError(f"{op}: padding_mode must be zeros, reflect, replicate or circular, got "
                                f"{padding_mode!r}")
        if padding_mode != "zeros" and self._transposed:
            raise ArgumentError(f"{op}: only padding_mode='zeros' is supported for transposed convolutions")
        self.padding_mode = padding_mode
        if self._transposed:
            shape = (in_channels, out_channels // groups, *self.kernel_size)
            fan_in = (out_channels // groups) * math.prod(self.kernel_size)
        else:
            shape = (out_channels, in_channels // groups, *self.kernel_size)
            fan_in = (in_channels // groups) * math.prod(self.kernel_size)
        # torch: weight kaiming_uniform_(a=sqrt(5)) = U(+-1/sqrt(fan_in)); bias U(+-1/sqrt(fan_in))
        bound = fan_in_bound(fan_in)
        self.weight = uniform_param(shape, bound, dt)
        if bias:
            self.bias = uniform_param((out_channels,), bound, dt)
        else:
            self.register_parameter("bias", None)

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * self._d:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self._d:
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s

    def _conv(self, x: Any) -> Any:
        fn = getattr(F, f"conv{self._d}d")
        if self.padding_mode != "zeros":
            pad = []
            for k, dil in reversed(list(zip(self.kernel_size, self.dilation))):
                total = dil * (k - 1)
                pad += [total // 2, total - total // 2] if self.padding == "same" else []
            if self.padding != "same":
                pad = [p for p in reversed(self.padding) for _ in (0, 1)]
            x = F.pad(x, tuple(pad), mode=self.padding_mode)
            return fn(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)
        return fn(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class Conv1d(_ConvNd):
    _d = 1

    def forward(self, input: Any) -> Any:  # noqa: A002
        return self._conv(input)


class Conv2d(_ConvNd):
    _d = 2

    def forward(self, input: Any) -> Any:  # noqa: A002
        return self._conv(input)


class Conv3d(_ConvNd):
    _d = 3

    def forward(self, input: Any) -> Any:  # noqa: A002
        return self._conv(input)


class _ConvTransposeNd(_ConvNd):
    _transposed = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 output_padding: Any = 0, groups: int = 1, bias: bool = True, dilation: Any = 1,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        Module.__init__(self)
        self._build(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                    padding_mode, device, dtype, output_padding)

    def forward(self, input: Any, output_size: Any = None) -> Any:  # noqa: A002
        """The transposed convolution; ``output_size`` (the spatial sizes, optionally with the
        batch and channel sizes before them) picks the output padding, as PyTorch's does."""
        pad = self.output_padding if output_size is None else self._output_padding(input, output_size)
        fn = getattr(F, f"conv_transpose{self._d}d")
        return fn(input, self.weight, self.bias, self.stride, self.padding, pad, self.groups, self.dilation)

    def _output_padding(self, x: Any, output_size: Any) -> tuple[int, ...]:
        op, d = type(self).__name__, self._d
        if isinstance(self.padding, str):
            raise ArgumentError(f"{op}: output_size needs a numeric padding, got padding={self.padding!r}")
        sizes = list(output_size.shape if hasattr(output_size, "shape") and not isinstance(output_size, (list, tuple))
                     else output_size)
        if len(sizes) in (d + 1, d + 2):
            sizes = sizes[-d:]
        spatial = tuple(x.shape[-d:])
        if len(sizes) != d or len(x.shape) < d or not all(isinstance(v, int) and not isinstance(v, bool)
                                                                for v in sizes):
            raise ArgumentError(f"{op}: output_size must be {d} ints (or {d + 2} with batch and channels), "
                                f"got {output_size!r}")
        out = []
        for i, size in enumerate(sizes):
            k, st, p, dil = self.kernel_size[i], self.stride[i], self.padding[i], self.dilation[i]
            low = (spatial[i] - 1) * st - 2 * p + dil * (k - 1) + 1
            if not low <= size <= low + st - 1:
                raise ShapeError(f"{op}: requested an output size of {list(sizes)}, but valid sizes range "
                                 f"from {low} to {low + st - 1} in dimension {i} (for an input of {spatial})")
            out.append(size - low)
        return tuple(out)


class ConvTranspose1d(_ConvTransposeNd):
    _d = 1


class ConvTranspose2d(_ConvTransposeNd):
    _d = 2


class ConvTranspose3d(_ConvTransposeNd):
    _d = 3


__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]
