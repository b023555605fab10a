"""``MaxUnpool1d/2d/3d``, ``FractionalMaxPool2d/3d`` and ``CTCLoss``, each calling its
``torchlean.nn.functional`` function with torch's constructor arguments and attributes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..._core.errors import ArgumentError
from ..._core.shapes import is_int
from .. import functional as F
from ..module import Module
from .loss import _Loss


def _ntuple(v: Any, d: int) -> Any:
    """torch's ``_single/_pair/_triple``: a sequence as a tuple, anything else repeated ``d`` times."""
    return tuple(v) if isinstance(v, Sequence) and not isinstance(v, (str, bytes)) else (v,) * d


class _MaxUnpoolNd(Module):
    _d = 0
    _fn = ""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        self.kernel_size = _ntuple(kernel_size, self._d)
        self.stride = _ntuple(stride if stride is not None else kernel_size, self._d)
        self.padding = _ntuple(padding, self._d)

    def forward(self, input: Any, indices: Any, output_size: Any = None) -> Any:  # noqa: A002
        return getattr(F, self._fn)(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """``F.max_unpool1d``: the partial inverse of ``MaxPool1d`` (pass its indices)."""

    _d, _fn = 1, "max_unpool1d"


class MaxUnpool2d(_MaxUnpoolNd):
    """``F.max_unpool2d``: the partial inverse of ``MaxPool2d`` (pass its indices)."""

    _d, _fn = 2, "max_unpool2d"


class MaxUnpool3d(_MaxUnpoolNd):
    """``F.max_unpool3d``: the partial inverse of ``MaxPool3d`` (pass its indices)."""

    _d, _fn = 3, "max_unpool3d"


class _FractionalMaxPoolNd(Module):
    _d = 0
    _fn = ""

    def __init__(self, kernel_size: Any, output_size: Any = None, output_ratio: Any = None,
                 return_indices: bool = False, _random_samples: Any = None) -> None:
        super().__init__()
        name = type(self).__name__
        self.kernel_size = _ntuple(kernel_size, self._d)
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)
        self.output_size = _ntuple(output_size, self._d) if output_size is not None else None
        self.output_ratio = _ntuple(output_ratio, self._d) if output_ratio is not None else None
        if output_size is None and output_ratio is None:
            raise ArgumentError(f"{name} requires specifying either an output size, or a pooling ratio")
        if output_size is not None and output_ratio is not None:
            raise ArgumentError(f"{name}: only one of output_size and output_ratio may be specified")
        if self.output_ratio is not None and not all(
                isinstance(r, (int, float)) and not isinstance(r, bool) and 0 < r < 1 for r in self.output_ratio):
            raise ArgumentError(f"{name}: output_ratio must be between 0 and 1 (got {output_ratio})")

    def forward(self, input: Any) -> Any:  # noqa: A002
        return getattr(F, self._fn)(input, self.kernel_size, self.output_size, self.output_ratio,
                                    self.return_indices, _random_samples=self._random_samples)


class FractionalMaxPool2d(_FractionalMaxPoolNd):
    """``F.fractional_max_pool2d`` with the module's kernel, output size or ratio; the windows
    come from the ``_random_samples`` buffer when given, else from the session's stream."""

    _d, _fn = 2, "fractional_max_pool2d"


class FractionalMaxPool3d(_FractionalMaxPoolNd):
    """``F.fractional_max_pool3d`` with the module's kernel, output size or ratio."""

    _d, _fn = 3, "fractional_max_pool3d"


class CTCLoss(_Loss):
    """``F.ctc_loss(log_probs, targets, input_lengths, target_lengths)`` with the module's
    ``blank``, ``reduction`` and ``zero_infinity``. Divergence: a bad ``blank``,
    ``zero_infinity`` or ``reduction`` raises ``ArgumentError`` when the loss is built (torch: on
    the first call)."""

    def __init__(self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> None:
        super().__init__(reduction=reduction)
        if not is_int(blank) or blank < 0:
            raise ArgumentError(f"CTCLoss: blank must be a non-negative int, got {blank!r}")
        if not isinstance(zero_infinity, bool):
            raise ArgumentError(f"CTCLoss: zero_infinity must be a bool, got {zero_infinity!r}")
        self.blank, self.zero_infinity = int(blank), zero_infinity

    def forward(self, log_probs: Any, targets: Any, input_lengths: Any, target_lengths: Any) -> Any:
        return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank, self.reduction,
                          self.zero_infinity)


__all__ = ["CTCLoss", "FractionalMaxPool2d", "FractionalMaxPool3d", "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d"]
