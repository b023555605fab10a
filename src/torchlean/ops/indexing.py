"""Index-driven primitives. Index tensors are integer inputs and never differentiable."""

from __future__ import annotations

from .._core.errors import ShapeError
from .._core.registry import defop
from .._core.types import TensorType, as_dtype, check_int


def _one_hot_shape(labels: TensorType, *, num_classes: int, dtype: str) -> TensorType:
    check_int("one_hot", "labels", labels)
    if not isinstance(num_classes, int) or num_classes < 1:
        raise ShapeError(f"one_hot: num_classes must be a positive int, got {num_classes!r}")
    return TensorType((*labels.shape, num_classes), as_dtype(dtype))


def _one_hot_impl(xp, labels, *, num_classes, dtype):
    return (labels[..., None] == xp.arange(num_classes)).astype(dtype)


one_hot_p = defop(
    "one_hot", shape=_one_hot_shape, impl=_one_hot_impl, vjp=[None], jvp=[None],
    doc="Float one-hot rows of integer labels; an out-of-range label gives a zero row (seed "
        "totalisation).",
)
