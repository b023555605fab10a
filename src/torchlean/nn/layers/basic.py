"""``Identity``, ``Linear``, ``Bilinear``, ``Flatten``, ``Unflatten`` and the dropout layers."""

from __future__ import annotations

from typing import Any

from ..._core.errors import ArgumentError
from .. import functional as F
from ..module import Module
from ._factory import dtype_of, fan_in_bound, positive_int, uniform_param


class Identity(Module):
    """Returns its input (arguments are accepted and ignored, as torch)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Any) -> Any:  # noqa: A002
        return input


class Linear(Module):
    """``y = x W^T + b``: weight ``(out_features, in_features)``, bias ``(out_features,)``, both
    U(-1/sqrt(in), 1/sqrt(in)) as torch's default."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        dt = dtype_of("Linear", dtype, device)
        self.in_features = positive_int("Linear", "in_features", in_features, allow_zero=True)
        self.out_features = positive_int("Linear", "out_features", out_features, allow_zero=True)
        bound = fan_in_bound(in_features)
        self.weight = uniform_param((out_features, in_features), bound, dt)
        if bias:
            self.bias = uniform_param((out_features,), bound, dt)
        else:
            self.register_parameter("bias", None)

    def forward(self, input: Any) -> Any:  # noqa: A002
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Bilinear(Module):
    """``y = x1^T A x2 + b``: weight ``(out, in1, in2)``, bias ``(out,)``, U(-1/sqrt(in1), ...)."""

    def __init__(self, in1_features: int, in2_features: int, out_features: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        dt = dtype_of("Bilinear", dtype, device)
        self.in1_features, self.in2_features, self.out_features = (
            positive_int("Bilinear", name, v, allow_zero=True)
            for name, v in (("in1_features", in1_features), ("in2_features", in2_features),
                            ("out_features", out_features)))
        bound = fan_in_bound(in1_features)
        self.weight = uniform_param((out_features, in1_features, in2_features), bound, dt)
        if bias:
            self.bias = uniform_param((out_features,), bound, dt)
        else:
            self.register_parameter("bias", None)

    def forward(self, input1: Any, input2: Any) -> Any:
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


class Flatten(Module):
    """``input.flatten(start_dim, end_dim)``; ``start_dim=1`` by default (keeps the batch)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input: Any) -> Any:  # noqa: A002
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """``input.unflatten(dim, unflattened_size)``."""

    def __init__(self, dim: int, unflattened_size: tuple[int, ...]) -> None:
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, input: Any) -> Any:  # noqa: A002
        return input.unflatten(self.dim, self.unflattened_size)


class _DropoutNd(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0:
            raise ArgumentError(f"{type(self).__name__}: p must be a probability in [0, 1], got {p!r}")
        self.p, self.inplace = float(p), inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zeroes each element with probability p in training (scaled by 1/(1-p)); identity in eval.
    The mask comes from the session's SplitMix64 stream."""

    def forward(self, input: Any) -> Any:  # noqa: A002
        return F.dropout(input, self.p, self.training)


class Dropout1d(_DropoutNd):
    """Zeroes whole channels of ``(N, C, L)`` or ``(C, L)`` input with probability p (scaled)."""

    def forward(self, input: Any) -> Any:  # noqa: A002
        return F.dropout1d(input, self.p, self.training)


class Dropout2d(_DropoutNd):
    """Zeroes whole channels of ``(N, C, H, W)`` or ``(C, H, W)`` input with probability p."""

    def forward(self, input: Any) -> Any:  # noqa: A002
        return F.dropout2d(input, self.p, self.training)


class Dropout3d(_DropoutNd):
    """Zeroes whole channels of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input with probability p."""

    def forward(self, input: Any) -> Any:  # noqa: A002
        return F.dropout3d(input, self.p, self.training)


class AlphaDropout(_DropoutNd):
    """``F.alpha_dropout``: keeps SELU's mean and variance."""

    def forward(self, input: Any) -> Any:  # noqa: A002
        return F.alpha_dropout(input, self.p, self.training)


__all__ = ["AlphaDropout", "Bilinear", "Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "Flatten", "Identity",
           "Linear", "Unflatten"]
