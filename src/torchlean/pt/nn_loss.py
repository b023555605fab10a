"""``torch.nn.functional`` regression and binary losses: ``mse_loss l1_loss smooth_l1_loss
huber_loss binary_cross_entropy binary_cross_entropy_with_logits kl_div``.

PyTorch's semantics: ``reduction='none'|'mean'|'sum'`` (and the deprecated
``size_average``/``reduce`` pair where PyTorch has it), input and target broadcast as
``torch.broadcast_tensors`` where PyTorch broadcasts them, the target receives a gradient when it
requires one, and each ``weight=`` argument is PyTorch's (for ``mse_loss``/``l1_loss``
``'mean'`` divides by ``weight.sum()``, for ``huber_loss`` by the element count). Unlike the
seed's ``s.mse_loss`` (mean only, shapes equal), ``F.mse_loss`` is PyTorch's.
"""

from __future__ import annotations

from typing import Any

from .._core.errors import ArgumentError, ShapeError
from .dispatch import torch_op
from .nn_common import (
    broadcast_pair,
    broadcast_to_shape,
    flag,
    float_tensor,
    number,
    optional_float_tensor,
    reduce_loss,
    reduction_of,
    same_dtype,
)

__all__ = ["binary_cross_entropy", "binary_cross_entropy_with_logits", "huber_loss", "kl_div", "l1_loss",
           "mse_loss", "smooth_l1_loss"]


def _pair_args(op: str, input: Any, target: Any) -> tuple[Any, Any]:  # noqa: A002
    x, t = float_tensor(op, "input", input), float_tensor(op, "target", target)
    same_dtype(op, x, "target", t)
    return x, t


def _elementwise_weight(op: str, x: Any, weight: Any) -> Any:
    w = optional_float_tensor(op, "weight", weight, x.dtype)
    if w is not None and tuple(w.shape) != tuple(x.shape):
        raise ShapeError(f"{op}: weights and input must have the same size, got weight {tuple(w.shape)} "
                         f"and input {tuple(x.shape)}")
    return w


def _weighted_mean_by_weight(ops: Any, e: Any, w: Any, reduction: str) -> Any:
    """PyTorch's weighted mse/l1: ``e * w``, with 'mean' dividing by ``w.sum()``."""
    if w is None:
        return reduce_loss(ops, e, reduction)
    we = ops.mul(e, w)
    if reduction == "mean":
        return ops.div(ops.sum(we), ops.sum(w))
    return reduce_loss(ops, we, reduction)


@torch_op
def mse_loss(input: Any, target: Any, size_average: Any = None, reduce: Any = None,  # noqa: A002
             reduction: str = "mean", weight: Any = None) -> Any:
    """``(input - target)**2`` reduced; input and target broadcast; both get gradients."""
    op = "mse_loss"
    x, t = _pair_args(op, input, target)
    red = reduction_of(op, reduction, size_average, reduce)
    w = _elementwise_weight(op, x, weight)
    ops = x.session
    a, b = broadcast_pair(op, ops, x, t)
    d = ops.sub(a, b)
    return _weighted_mean_by_weight(ops, ops.mul(d, d), w, red)


@torch_op
def l1_loss(input: Any, target: Any, size_average: Any = None, reduce: Any = None,  # noqa: A002
            reduction: str = "mean", weight: Any = None) -> Any:
    """``|input - target|`` reduced (gradient sign(d), 0 at d = 0)."""
    op = "l1_loss"
    x, t = _pair_args(op, input, target)
    red = reduction_of(op, reduction, size_average, reduce)
    w = _elementwise_weight(op, x, weight)
    ops = x.session
    a, b = broadcast_pair(op, ops, x, t)
    return _weighted_mean_by_weight(ops, ops.abs(ops.sub(a, b)), w, red)


@torch_op
def smooth_l1_loss(input: Any, target: Any, size_average: Any = None, reduce: Any = None,  # noqa: A002
                   reduction: str = "mean", beta: float = 1.0) -> Any:
    """``0.5 z**2 / beta`` where ``z = |input - target| < beta``, else ``z - 0.5 beta``;
    ``beta = 0`` is ``l1_loss``, a negative beta raises."""
    op = "smooth_l1_loss"
    x, t = _pair_args(op, input, target)
    red = reduction_of(op, reduction, size_average, reduce)
    bt = number(op, "beta", beta)
    if bt < 0:
        raise ArgumentError(f"{op}: smooth_l1_loss does not support negative values for beta, got {beta!r}")
    ops = x.session
    a, b = broadcast_pair(op, ops, x, t)
    z = ops.abs(ops.sub(a, b))
    if bt == 0.0:
        return reduce_loss(ops, z, red)
    quad = ops.div_scalar(ops.mul(ops.scale(z, 0.5), z), bt)
    return reduce_loss(ops, ops.where(ops.lt(z, bt), quad, ops.add_scalar(z, -0.5 * bt)), red)


@torch_op
def huber_loss(input: Any, target: Any, reduction: str = "mean", delta: float = 1.0,  # noqa: A002
               weight: Any = None) -> Any:
    """``0.5 z**2`` where ``z = |input - target| < delta``, else ``delta (z - 0.5 delta)``;
    delta must be positive. With ``weight``, 'mean' is the mean of ``weight * loss``."""
    op = "huber_loss"
    x, t = _pair_args(op, input, target)
    red = reduction_of(op, reduction)
    dl = number(op, "delta", delta)
    if dl <= 0:
        raise ArgumentError(f"{op}: huber_loss does not support non-positive values for delta, got {delta!r}")
    w = _elementwise_weight(op, x, weight)
    ops = x.session
    a, b = broadcast_pair(op, ops, x, t)
    z = ops.abs(ops.sub(a, b))
    e = ops.where(ops.lt(z, dl), ops.mul(ops.scale(z, 0.5), z), ops.scale(ops.add_scalar(z, -0.5 * dl), dl))
    return reduce_loss(ops, e if w is None else ops.mul(e, w), red)


@torch_op
def binary_cross_entropy(input: Any, target: Any, weight: Any = None, size_average: Any = None,  # noqa: A002
                         reduce: Any = None, reduction: str = "mean") -> Any:
    """``-weight * (t log x + (1 - t) log(1 - x))`` with each log clamped at -100 (PyTorch's
    kernel, via the ``bce_loss`` primitive); input and target of one shape with values in
    [0, 1] (checked when the op runs); ``weight`` broadcasts to it."""
    op = "binary_cross_entropy"
    x, t = _pair_args(op, input, target)
    red = reduction_of(op, reduction, size_average, reduce)
    if tuple(t.shape) != tuple(x.shape):
        raise ShapeError(f"{op}: using a target size {tuple(t.shape)} that is different to the input "
                         f"size {tuple(x.shape)} is not supported; give them one shape")
    w = optional_float_tensor(op, "weight", weight, x.dtype)
    ops = x.session
    if w is not None:
        w = broadcast_to_shape(op, ops, "weight", w, tuple(x.shape))
    loss = ops.bce_loss(x, t)
    return reduce_loss(ops, loss if w is None else ops.mul(loss, w), red)


@torch_op
def binary_cross_entropy_with_logits(input: Any, target: Any, weight: Any = None,  # noqa: A002
                                     size_average: Any = None, reduce: Any = None,
                                     reduction: str = "mean", pos_weight: Any = None) -> Any:
    """``(1 - t) x - (1 + (pos_weight - 1) t) log(sigmoid(x))`` (PyTorch's stable form, via
    softplus), times ``weight``; input and target of one shape, ``weight`` and ``pos_weight``
    broadcast to it (``pos_weight`` typically per class, along the last dim)."""
    op = "binary_cross_entropy_with_logits"
    x, t = _pair_args(op, input, target)
    red = reduction_of(op, reduction, size_average, reduce)
    if tuple(t.shape) != tuple(x.shape):
        raise ShapeError(f"{op}: target size {tuple(t.shape)} must be the same as input size "
                         f"{tuple(x.shape)}")
    w = optional_float_tensor(op, "weight", weight, x.dtype)
    pw = optional_float_tensor(op, "pos_weight", pos_weight, x.dtype)
    ops = x.session
    shape = tuple(x.shape)
    if w is not None:
        w = broadcast_to_shape(op, ops, "weight", w, shape)
    if pw is not None:
        pw = broadcast_to_shape(op, ops, "pos_weight", pw, shape)
    neg_log_sig = ops.softplus(ops.neg(x))
    if pw is not None:
        neg_log_sig = ops.mul(ops.add_scalar(ops.mul(ops.add_scalar(pw, -1.0), t), 1.0), neg_log_sig)
    loss = ops.add(ops.mul(ops.sub(1.0, t), x), neg_log_sig)
    return reduce_loss(ops, loss if w is None else ops.mul(loss, w), red)


@torch_op
def kl_div(input: Any, target: Any, size_average: Any = None, reduce: Any = None,  # noqa: A002
           reduction: str = "mean", log_target: bool = False) -> Any:
    """Pointwise KL divergence with ``input`` the log-probabilities:
    ``target * (log(target) - input)`` (0 where target = 0), or with ``log_target``
    ``exp(target) * (target - input)``. ``reduction='batchmean'`` divides the sum by
    ``input.size(0)`` (the KL divergence per sample); ``'mean'`` divides by the element count
    (PyTorch's meaning, which it warns about; torchlean does not warn)."""
    op = "kl_div"
    x, t = _pair_args(op, input, target)
    red = reduction_of(op, reduction, size_average, reduce, extra=("batchmean",))
    log_t = flag(op, "log_target", log_target)
    ops = x.session
    a, b = broadcast_pair(op, ops, x, t)
    if log_t:
        loss = ops.mul(ops.exp(b), ops.sub(b, a))
    else:  # xlogy(t, t) - t * x; log(1) where t = 0 keeps 0 * log(0) out of values and gradients
        safe = ops.where(ops.eq(b, 0.0), 1.0, b)
        loss = ops.sub(ops.mul(b, ops.log(safe)), ops.mul(b, a))
    if red == "batchmean":
        total = ops.sum(loss)
        return total if x.ndim == 0 else ops.div_scalar(total, float(x.shape[0]))
    return reduce_loss(ops, loss, red)
