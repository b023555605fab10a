"""``torch.nn.functional`` sparse functions: ``embedding``, ``one_hot``.

Index checks are PyTorch's, made when the op runs (indices are data) by the ``check_index``
primitive, so they hold on the compiled path too: an embedding id or a one-hot class outside
``[0, n)`` raises ``ArgumentError``, never a silent zero row.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._core.errors import ArgumentError, DTypeError, ShapeError
from .._core.types import int64
from .dispatch import tensor as as_tensor
from .dispatch import torch_op
from .nn_common import flag, float_tensor, integer

__all__ = ["embedding", "one_hot"]


def _index_tensor(op: str, what: str, v: Any) -> Any:
    v = as_tensor(op, what, v)
    if v.dtype != int64:
        raise DTypeError(f"{op}: {what} must be an integer (int64) tensor, got {v.dtype.name}")
    return v


@torch_op
def embedding(input: Any, weight: Any, padding_idx: int | None = None, max_norm: float | None = None,  # noqa: A002
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Any:
    """Rows of ``weight`` (num_embeddings, embedding_dim) at the int64 ids ``input`` (any shape):
    shape ``input.shape + (embedding_dim,)``.

    An id outside ``[0, num_embeddings)`` (negative ones included) raises ``ArgumentError``,
    as PyTorch's IndexError. The rows looked up at ``padding_idx`` (negative counts from the
    end) give their value but no gradient to ``weight``. Unsupported, raising
    ``ArgumentError``: ``max_norm`` (PyTorch renormalises ``weight`` in place) and
    ``scale_grad_by_freq=True``. ``sparse=True`` is accepted: the gradient is dense, with the
    same values."""
    op = "embedding"
    ids = _index_tensor(op, "input", input)
    w = float_tensor(op, "weight", weight)
    if w.ndim != 2:
        raise ShapeError(f"{op}: 'weight' must be 2-D (num_embeddings, embedding_dim), got shape {w.shape}")
    if max_norm is not None:
        raise ArgumentError(f"{op}: max_norm={max_norm!r} is not supported (PyTorch renormalises the "
                            "weight rows in place; torchlean values are immutable): renormalise the "
                            "Param between steps instead")
    if flag(op, "scale_grad_by_freq", scale_grad_by_freq):
        raise ArgumentError(f"{op}: scale_grad_by_freq=True is not supported")
    flag(op, "sparse", sparse)
    n = w.shape[0]
    pad = None
    if padding_idx is not None:
        pad = integer(op, "padding_idx", padding_idx)
        if not -n <= pad < n:
            raise ArgumentError(f"{op}: padding_idx must be within num_embeddings ({n}), got {padding_idx!r}")
        pad %= n
    ops = ids.session
    checked = ops.check_index(ids, n)
    rows = ops.take(w, checked)
    if pad is None:
        return rows
    shape = ops.shape_of(rows)
    at_pad = ops.broadcast_to(ops.eq(checked, pad), shape, axes=tuple(range(ids.ndim)))
    return ops.where(at_pad, ops.take(ops.detach(w), checked), rows)


@torch_op
def one_hot(tensor: Any, num_classes: int = -1) -> Any:
    """int64 one-hot rows of shape ``tensor.shape + (num_classes,)`` (PyTorch's LongTensor).

    Class values must lie in ``[0, num_classes)`` (``ArgumentError`` otherwise, checked when the
    op runs). ``num_classes=-1`` infers ``max + 1`` from the data: eagerly only (a traced graph
    has no data yet, so it raises ``ArgumentError`` there)."""
    op = "one_hot"
    labels = _index_tensor(op, "tensor", tensor)
    n = integer(op, "num_classes", num_classes)
    ops = labels.session
    if n == -1:
        n = _infer_classes(op, labels)
    elif n < 0:
        raise ArgumentError(f"{op}: num_classes must be -1 (infer) or >= 0, got {num_classes!r}")
    return ops.one_hot(ops.check_index(labels, n), n, dtype=np.int64)


def _infer_classes(op: str, labels: Any) -> int:
    from ..eager.tensor import TensorRef

    if not isinstance(labels, TensorRef):
        raise ArgumentError(f"{op}: num_classes=-1 infers the class count from the data, which a "
                            "traced graph does not have yet; give num_classes explicitly")
    if labels.numel() == 0:
        raise ArgumentError(f"{op}: can not infer the total number of classes from an empty tensor")
    return int(labels.session.value(labels).max()) + 1
