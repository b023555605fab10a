"""Still more of ``torch.nn``: ``LocalResponseNorm``, ``LPPool1d``, ``LPPool2d``, ``RReLU`` and
the losses ``MultiMarginLoss``, ``MultiLabelMarginLoss``, each calling its
``torchlean.nn.functional`` function."""

from __future__ import annotations

from typing import Any

from ..._core.errors import ArgumentError
from .. import functional as F
from ..module import Module
from .loss import _Loss


class LocalResponseNorm(Module):
    """``F.local_response_norm`` across channels."""

    def __init__(self, size: int, alpha: float = 0.0001, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__()
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ArgumentError(f"LocalResponseNorm: size must be an int >= 1, got {size!r}")
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input: Any) -> Any:  # noqa: A002
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class _LPPoolNd(Module):
    _fn = ""

    def __init__(self, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False) -> None:
        super().__init__()
        self.norm_type, self.kernel_size, self.stride, self.ceil_mode = norm_type, kernel_size, stride, ceil_mode

    def forward(self, input: Any) -> Any:  # noqa: A002
        return getattr(F, self._fn)(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)

    def extra_repr(self) -> str:
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"ceil_mode={self.ceil_mode}")


class LPPool1d(_LPPoolNd):
    """``F.lp_pool1d``: the power-average pool of ``(N, C, L)`` / ``(C, L)``."""

    _fn = "lp_pool1d"


class LPPool2d(_LPPoolNd):
    """``F.lp_pool2d``: the power-average pool of ``(N, C, H, W)`` / ``(C, H, W)``."""

    _fn = "lp_pool2d"


class RReLU(Module):
    """``F.rrelu(x, lower, upper, training=self.training)``: random slopes from the session's
    stream in training mode, their mean ``(lower + upper) / 2`` in evaluation."""

    def __init__(self, lower: float = 0.125, upper: float = 0.3333333333333333, inplace: bool = False) -> None:
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input: Any) -> Any:  # noqa: A002
        return F.rrelu(input, self.lower, self.upper, self.training)

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}"


class MultiMarginLoss(_Loss):
    """``F.multi_margin_loss``; a class ``weight`` is a buffer, as torch's."""

    def __init__(self, p: int = 1, margin: float = 1.0, weight: Any = None, size_average: Any = None,
                 reduce: Any = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        if isinstance(p, bool) or p not in (1, 2):
            raise ArgumentError(f"MultiMarginLoss: only p == 1 and p == 2 are supported, got p={p!r}")
        self.p, self.margin = p, self._number("margin", margin)
        self._set_buffer("weight", weight)

    def forward(self, input: Any, target: Any) -> Any:  # noqa: A002
        return F.multi_margin_loss(input, target, p=self.p, margin=self.margin, weight=self.weight,
                                   reduction=self.reduction)


class MultiLabelMarginLoss(_Loss):
    """``F.multilabel_margin_loss``: targets are class lists padded with -1."""

    def forward(self, input: Any, target: Any) -> Any:  # noqa: A002
        return F.multilabel_margin_loss(input, target, reduction=self.reduction)


__all__ = ["LPPool1d", "LPPool2d", "LocalResponseNorm", "MultiLabelMarginLoss", "MultiMarginLoss", "RReLU"]
