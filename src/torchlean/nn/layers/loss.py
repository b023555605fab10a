"""Loss modules over ``torchlean.nn.functional``: ``CrossEntropyLoss``, ``NLLLoss``,
``MSELoss``, ``L1Loss``, ``SmoothL1Loss``, ``HuberLoss``, ``BCELoss``, ``BCEWithLogitsLoss``,
``KLDivLoss``: ``loss(input, target)``.

torch's constructor arguments, including the deprecated ``size_average``/``reduce`` pair (they
decide ``reduction`` as torch's ``legacy_get_string`` when either is given). A class ``weight``
(and ``BCEWithLogitsLoss``'s ``pos_weight``) is a buffer, as torch's, so it is in the state dict
when given and follows ``.to(dtype)``. Divergence from torch: a bad ``reduction`` (or other
argument) raises ``ArgumentError`` when the loss is built, not on the first call.
"""

from __future__ import annotations

import numbers
from typing import Any

from ..._core.errors import ArgumentError
from ...pt.nn_common import reduction_of
from .. import functional as F
from ..module import Module


class _Loss(Module):
    _extra: tuple[str, ...] = ()  # reductions beyond none/mean/sum

    def __init__(self, size_average: Any = None, reduce: Any = None, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = reduction_of(type(self).__name__, reduction, size_average, reduce, self._extra)

    def _number(self, what: str, v: Any, lo: float | None = None, hi: float | None = None) -> float:
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or (lo is not None and v < lo) \
                or (hi is not None and v > hi):
            bounds = "" if lo is None else f" in [{lo}, {hi}]" if hi is not None else f" >= {lo}"
            raise ArgumentError(f"{type(self).__name__}: {what} must be a number{bounds}, got {v!r}")
        return float(v)

    def _set_buffer(self, name: str, value: Any) -> None:
        """A class-weight buffer (None: declared and absent, as torch's)."""
        self.register_buffer(name, value)
        if value is not None and getattr(self, name).dtype.kind != "f":
            raise ArgumentError(f"{type(self).__name__}: {name} must be float data, got "
                                f"{getattr(self, name).dtype.name}")

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class L1Loss(_Loss):
    """``|input - target|``, reduced (``F.l1_loss``)."""

    def forward(self, input: Any, target: Any) -> Any:  # noqa: A002
        return F.l1_loss(input, target, reduction=self.reduction)


class MSELoss(_Loss):
    """``(input - target)**2``, reduced (``F.mse_loss``)."""

    def forward(self, input: Any, target: Any) -> Any:  # noqa: A002
        return F.mse_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """``F.smooth_l1_loss``: quadratic below ``beta``, linear above."""

    def __init__(self, size_average: Any = None, reduce: Any = None, reduction: str = "mean",
                 beta: float = 1.0) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = self._number("beta", beta, lo=0.0)

    def forward(self, input: Any, target: Any) -> Any:  # noqa: A002
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """``F.huber_loss``: quadratic below ``delta``, ``delta``-scaled linear above."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = self._number("delta", delta)
        if self.delta <= 0:
            raise ArgumentError(f"HuberLoss: delta must be positive, got {delta!r}")

    def forward(self, input: Any, target: Any) -> Any:  # noqa: A002
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class KLDivLoss(_Loss):
    """``F.kl_div`` with ``input`` log-probabilities; ``reduction='batchmean'`` is the KL
    divergence per sample."""

    _extra = ("batchmean",)

    def __init__(self, size_average: Any = None, reduce: Any = None, reduction: str = "mean",
                 log_target: bool = False) -> None:
        super().__init__(size_average, reduce, reduction)
        if not isinstance(log_target, bool):
            raise ArgumentError(f"KLDivLoss: log_target must be a bool, got {log_target!r}")
        self.log_target = log_target

    def forward(self, input: Any, target: Any) -> Any:  # noqa: A002
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class BCELoss(_Loss):
    """``F.binary_cross_entropy`` of probabilities; ``weight`` broadcasts to the input."""

    def __init__(self, weight: Any = None, size_average: Any = None, reduce: Any = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self._set_buffer("weight", weight)

    def forward(self, input: Any, target: Any) -> Any:  # noqa: A002
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """``F.binary_cross_entropy_with_logits`` (the stable form); ``weight`` and ``pos_weight``
    (typically per class, along the last dim) broadcast to the input."""

    def __init__(self, weight: Any = None, size_average: Any = None, reduce: Any = None, reduction: str = "mean",
                 pos_weight: Any = None) -> None:
        super().__init__(size_average, reduce, reduction)
        self._set_buffer("weight", weight)
        self._set_buffer("pos_weight", pos_weight)

    def forward(self, input: Any, target: Any) -> Any:  # noqa: A002
        return F.binary_cross_entropy_with_logits(input, target, self.weight, reduction=self.reduction,
                                                  pos_weight=self.pos_weight)


class NLLLoss(_Loss):
    """``F.nll_loss`` of log-probabilities at int64 class targets; ``weight`` per class."""

    def __init__(self, weight: Any = None, size_average: Any = None, ignore_index: int = -100, reduce: Any = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self._set_buffer("weight", weight)
        self.ignore_index = _index(type(self).__name__, ignore_index)

    def forward(self, input: Any, target: Any) -> Any:  # noqa: A002
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class CrossEntropyLoss(_Loss):
    """``F.cross_entropy`` of logits against int64 class indices or class probabilities;
    ``weight`` per class, ``ignore_index`` (indices only), ``label_smoothing`` in [0, 1]."""

    def __init__(self, weight: Any = None, size_average: Any = None, ignore_index: int = -100, reduce: Any = None,
                 reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(size_average, reduce, reduction)
        self._set_buffer("weight", weight)
        self.ignore_index = _index(type(self).__name__, ignore_index)
        self.label_smoothing = self._number("label_smoothing", label_smoothing, lo=0.0, hi=1.0)

    def forward(self, input: Any, target: Any) -> Any:  # noqa: A002
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


def _index(op: str, v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, numbers.Integral):
        raise ArgumentError(f"{op}: ignore_index must be an int, got {v!r}")
    return int(v)


__all__ = ["BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "HuberLoss", "KLDivLoss", "L1Loss", "MSELoss",
           "NLLLoss", "SmoothL1Loss"]
