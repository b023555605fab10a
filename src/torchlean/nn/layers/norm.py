"""Normalisation layers: ``BatchNorm1d/2d/3d``, ``InstanceNorm1d/2d/3d``, ``LayerNorm``,
``GroupNorm``, ``RMSNorm``, with torch's parameters, buffers and state-dict keys.

BatchNorm keeps torch's buffers exactly: ``running_mean`` (zeros), ``running_var`` (ones) in the
parameters' dtype and ``num_batches_tracked`` (int64, 0-d). In training mode they are updated
through the binder's ``assign_buffer`` (``pt/nn_batchnorm.py``), so a ``tl.compile``d module
updates them exactly as the eager one does; in evaluation mode the running statistics
normalise. ``momentum=None`` is torch's cumulative average (``1 / num_batches_tracked``).
Affine weights start at ones, biases at zeros (torch's ``reset_parameters``).

Divergences from torch: bad constructor arguments raise ``ArgumentError`` when the layer is
built (torch accepts many and fails on the first call); a mis-shaped input raises
``ShapeError`` naming the layer (torch: ``ValueError``); ``num_batches_tracked`` is
incremented together with the statistics, after everything that can fail (torch increments it
first), so a failed call changes nothing; the update's arithmetic is in the buffers' dtype (in
float32 it may differ from torch's in the last bits).
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any

import numpy as np

from ..._core.errors import ArgumentError, ShapeError
from ...params import Buffer
from ...pt.dispatch import tensor
from ...pt.nn_batchnorm import tracked_batch_norm
from .. import functional as F
from ..module import Module
from ._factory import const_buffer, const_param, dtype_of, positive_int


def _real(op: str, what: str, v: Any, lo: float | None = None, hi: float | None = None) -> float:
    if isinstance(v, bool) or not isinstance(v, numbers.Real) or not np.isfinite(float(v)) \
            or (lo is not None and v < lo) or (hi is not None and v > hi):
        rng = "" if lo is None else f" in [{lo}, {hi}]" if hi is not None else f" >= {lo}"
        raise ArgumentError(f"{op}: {what} must be a finite number{rng}, got {v!r}")
    return float(v)


def _bool(op: str, what: str, v: Any) -> bool:
    if not isinstance(v, (bool, np.bool_)):
        raise ArgumentError(f"{op}: {what} must be a bool, got {v!r}")
    return bool(v)


def _normalized_shape(op: str, v: Any) -> tuple[int, ...]:
    dims = (v,) if isinstance(v, numbers.Integral) and not isinstance(v, bool) else v
    try:
        t = tuple(dims)
    except TypeError:
        t = ()
    if not t or any(isinstance(d, bool) or not isinstance(d, numbers.Integral) or d < 1 for d in t):
        raise ArgumentError(f"{op}: normalized_shape must be a positive int or a non-empty sequence of "
                            f"positive ints, got {v!r}")
    return tuple(int(d) for d in t)


class _NormBase(Module):
    """What BatchNorm and InstanceNorm share: affine parameters and the running statistics."""

    _dims: tuple[int, ...] = ()  # accepted input ranks

    def __init__(self, num_features: int, eps: float = 1e-05, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__()
        op = type(self).__name__
        dt = dtype_of(op, dtype, device)
        self.num_features = positive_int(op, "num_features", num_features)
        self.eps = _real(op, "eps", eps, lo=0.0)
        self.momentum = None if momentum is None else _real(op, "momentum", momentum)
        self.affine = _bool(op, "affine", affine)
        self.track_running_stats = _bool(op, "track_running_stats", track_running_stats)
        use_bias = _bool(op, "bias", bias)
        c = self.num_features
        if self.affine:
            self.weight = const_param((c,), 1.0, dt)
            if use_bias:
                self.bias = const_param((c,), 0.0, dt)
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if self.track_running_stats:
            self.running_mean = const_buffer((c,), 0.0, dt)
            self.running_var = const_buffer((c,), 1.0, dt)
            self.num_batches_tracked = Buffer(np.asarray(0, dtype=np.int64))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def reset_running_stats(self) -> None:
        """Running mean 0, variance 1, ``num_batches_tracked`` 0 (torch's)."""
        if self.track_running_stats:
            self.running_mean.set_value(np.zeros(self.running_mean.shape, self.running_mean.dtype))
            self.running_var.set_value(np.ones(self.running_var.shape, self.running_var.dtype))
            self.num_batches_tracked.set_value(np.asarray(0, np.int64))

    def reset_parameters(self) -> None:
        """``reset_running_stats``, and the affine weight to ones, bias to zeros."""
        self.reset_running_stats()
        if self.weight is not None:
            self.weight.set_value(np.ones(self.weight.shape, self.weight.dtype))
        if self.bias is not None:
            self.bias.set_value(np.zeros(self.bias.shape, self.bias.dtype))

    def _input(self, input: Any) -> Any:  # noqa: A002
        op = type(self).__name__
        x = tensor(op, "input", input)
        if x.ndim not in self._dims:
            want = " or ".join(f"{d}D" for d in self._dims)
            raise ShapeError(f"{op}: expected {want} input (got {x.ndim}D input of shape {tuple(x.shape)})")
        return x

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class _BatchNorm(_NormBase):
    def forward(self, input: Any) -> Any:  # noqa: A002
        x = self._input(input)
        op = type(self).__name__
        if (self.weight is not None or self.running_mean is not None) and x.shape[1] != self.num_features:
            raise ShapeError(f"{op}: expected {self.num_features} channels (num_features) at dim 1, got input "
                             f"of shape {tuple(x.shape)}")
        tracking = self.training and self.track_running_stats
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        stats = not self.training or self.track_running_stats
        nbt = self.num_batches_tracked if tracking else None
        momentum = 0.0 if self.momentum is None and nbt is None else self.momentum
        return tracked_batch_norm(x, self.running_mean if stats else None, self.running_var if stats else None,
                                  self.weight, self.bias, use_batch, momentum, self.eps, nbt)


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of ``(N, C)`` or ``(N, C, L)`` over the batch (and length)."""

    _dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of ``(N, C, H, W)`` per channel."""

    _dims = (4,)


class BatchNorm3d(_BatchNorm):
    """Batch normalisation of ``(N, C, D, H, W)`` per channel."""

    _dims = (5,)


class _InstanceNorm(_NormBase):
    def __init__(self, num_features: int, eps: float = 1e-05, momentum: float = 0.1, affine: bool = False,
                 track_running_stats: bool = False, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)

    def forward(self, input: Any) -> Any:  # noqa: A002
        x = self._input(input)
        op = type(self).__name__
        unbatched = x.ndim == self._dims[0]
        feature_dim = 0 if unbatched else 1
        if x.shape[feature_dim] != self.num_features:
            if self.affine or self.track_running_stats:
                raise ShapeError(f"{op}: expected input's size at dim={feature_dim} to match num_features "
                                 f"({self.num_features}), but got: {x.shape[feature_dim]}")
            warnings.warn(f"{op}: input's size at dim={feature_dim} does not match num_features "
                          f"({self.num_features}); it is not used because affine=False", stacklevel=2)
        if unbatched:
            x = x.unsqueeze(0)
        y = F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                            self.training or not self.track_running_stats,
                            0.0 if self.momentum is None else self.momentum, self.eps)
        return y.squeeze(0) if unbatched else y


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation of ``(N, C, L)`` or unbatched ``(C, L)``: each (sample, channel)
    over its positions. No affine parameters and no running statistics by default (torch's)."""

    _dims = (2, 3)


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation of ``(N, C, H, W)`` or unbatched ``(C, H, W)``."""

    _dims = (3, 4)


class InstanceNorm3d(_InstanceNorm):
    """Instance normalisation of ``(N, C, D, H, W)`` or unbatched ``(C, D, H, W)``."""

    _dims = (4, 5)


class LayerNorm(Module):
    """``F.layer_norm`` over the trailing ``normalized_shape`` dims (eps 1e-5, biased variance);
    weight ones and bias zeros of ``normalized_shape`` when ``elementwise_affine``."""

    def __init__(self, normalized_shape: Any, eps: float = 1e-05, elementwise_affine: bool = True,
                 bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        op = "LayerNorm"
        dt = dtype_of(op, dtype, device)
        self.normalized_shape = _normalized_shape(op, normalized_shape)
        self.eps = _real(op, "eps", eps)
        self.elementwise_affine = _bool(op, "elementwise_affine", elementwise_affine)
        use_bias = _bool(op, "bias", bias)
        if self.elementwise_affine:
            self.weight = const_param(self.normalized_shape, 1.0, dt)
            if use_bias:
                self.bias = const_param(self.normalized_shape, 0.0, dt)
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        if self.weight is not None:
            self.weight.set_value(np.ones(self.weight.shape, self.weight.dtype))
        if self.bias is not None:
            self.bias.set_value(np.zeros(self.bias.shape, self.bias.dtype))

    def forward(self, input: Any) -> Any:  # noqa: A002
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


class GroupNorm(Module):
    """``F.group_norm``: ``num_groups`` groups of the ``num_channels`` channels of ``(N, C, *)``;
    per-channel weight ones and bias zeros when ``affine``."""

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-05, affine: bool = True,
                 device: Any = None, dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__()
        op = "GroupNorm"
        dt = dtype_of(op, dtype, device)
        self.num_groups = positive_int(op, "num_groups", num_groups)
        self.num_channels = positive_int(op, "num_channels", num_channels)
        if num_channels % num_groups:
            raise ArgumentError(f"{op}: num_channels ({num_channels}) must be divisible by num_groups "
                                f"({num_groups})")
        self.eps = _real(op, "eps", eps)
        self.affine = _bool(op, "affine", affine)
        use_bias = _bool(op, "bias", bias)
        if self.affine:
            self.weight = const_param((num_channels,), 1.0, dt)
            if use_bias:
                self.bias = const_param((num_channels,), 0.0, dt)
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    reset_parameters = LayerNorm.reset_parameters

    def forward(self, input: Any) -> Any:  # noqa: A002
        x = tensor("GroupNorm", "input", input)
        if x.ndim >= 2 and x.shape[1] != self.num_channels:
            raise ShapeError(f"GroupNorm: expected {self.num_channels} channels (num_channels) at dim 1, got "
                             f"input of shape {tuple(x.shape)}")
        return F.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class RMSNorm(Module):
    """``F.rms_norm`` over the trailing ``normalized_shape`` dims; ``eps=None`` is the input
    dtype's machine epsilon (torch's); weight ones when ``elementwise_affine``."""

    def __init__(self, normalized_shape: Any, eps: float | None = None, elementwise_affine: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        op = "RMSNorm"
        dt = dtype_of(op, dtype, device)
        self.normalized_shape = _normalized_shape(op, normalized_shape)
        self.eps = None if eps is None else _real(op, "eps", eps)
        self.elementwise_affine = _bool(op, "elementwise_affine", elementwise_affine)
        if self.elementwise_affine:
            self.weight = const_param(self.normalized_shape, 1.0, dt)
        else:
            self.register_parameter("weight", None)

    def reset_parameters(self) -> None:
        if self.weight is not None:
            self.weight.set_value(np.ones(self.weight.shape, self.weight.dtype))

    def forward(self, x: Any) -> Any:
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "GroupNorm", "InstanceNorm1d", "InstanceNorm2d",
           "InstanceNorm3d", "LayerNorm", "RMSNorm"]
