"""``torch.nn.functional`` classification losses: ``cross_entropy`` and ``nll_loss``.

Shapes as PyTorch: input ``(C,)`` with a 0-d target, ``(N, C)`` with target ``(N,)``, or
``(N, C, d1, ...)`` with target ``(N, d1, ...)``; the class axis is 1 (0 for a 1-D input).
Class-index targets are int64; an index outside ``[0, C)`` that is not ``ignore_index`` raises
``ArgumentError`` when the op runs (the ``check_index`` primitive, or the fused
``cross_entropy`` primitive's own check). ``cross_entropy`` with class indices, no ``weight``,
no ``label_smoothing`` and ``reduction='mean'`` (the common case) is the fused
``cross_entropy`` primitive (one kernel each way); every other case is a composite of
``log_softmax`` and a gather (``take``) of the target classes, with PyTorch's weighting and
normalisation (``'mean'`` divides by the sum of the targets' weights, NaN when every target is
ignored).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._core.errors import DTypeError, ShapeError
from .._core.shapes import prod
from .._core.types import int64
from .dispatch import tensor, torch_op
from .nn_common import (
    along_axis,
    check_vector,
    float_tensor,
    integer,
    number,
    optional_float_tensor,
    reduction_of,
    same_dtype,
)

__all__ = ["cross_entropy", "nll_loss"]


def _layout(op: str, x: Any, target: Any) -> tuple[int, tuple[int, ...]]:
    """(C, the expected class-index target shape) of input x."""
    if x.ndim == 0:
        raise ShapeError(f"{op}: expected input (C,), (N, C) or (N, C, d1, ...), got a 0-d tensor")
    if x.ndim == 1:
        return x.shape[0], ()
    return x.shape[1], (x.shape[0], *x.shape[2:])


def _rows(ops: Any, x: Any) -> Any:
    """x with the class axis last, as rows (M, C)."""
    shape = tuple(ops.shape_of(x))
    if len(shape) == 1:
        return ops.reshape(x, (1, shape[0]))
    if len(shape) > 2:
        x = ops.permute(x, (0, *range(2, len(shape)), 1))
    return ops.reshape(x, (-1, shape[1]))


def _index_target(op: str, target: Any, want: tuple[int, ...], c: int) -> Any:
    if target.dtype != int64:
        raise DTypeError(f"{op}: target must hold class indices (int64) or, for cross_entropy, "
                         f"probabilities (float), got {target.dtype.name}")
    if tuple(target.shape) != want:
        raise ShapeError(f"{op}: expected a class-index target of shape {want} for input with {c} "
                         f"classes, got {tuple(target.shape)}")
    return target


def _nll_terms(ops: Any, rows: Any, target: Any, weight: Any, ignore_index: int) -> tuple[Any, Any, Any]:
    """Per-position ``-w[t] * rows[t]`` (0 where ignored), the weights ``w[t]`` (0 where
    ignored) and the bool mask of positions not ignored, all (M,)."""
    m, c = ops.shape_of(rows)
    t = ops.check_index(ops.reshape(target, (m,)), c, ignore_index)
    valid = ops.ne(t, ignore_index)
    safe = ops.where(valid, t, 0)
    flat_idx = ops.add(safe, ops.lift(np.arange(m, dtype=np.int64) * c, np.int64))
    picked = ops.neg(ops.take(ops.reshape(rows, (m * c,)), flat_idx))
    dtype = ops.type_of(rows).dtype
    if weight is None:
        wt = ops.cast(valid, dtype)
    else:
        wt = ops.where(valid, ops.take(weight, safe), 0.0)
        picked = ops.mul(picked, wt)
    return ops.where(valid, picked, 0.0), wt, valid


def _reduce_terms(ops: Any, loss: Any, wt: Any, reduction: str, shape: tuple[int, ...]) -> Any:
    if reduction == "none":
        return ops.reshape(loss, shape)
    total = ops.sum(loss)
    return total if reduction == "sum" else ops.div(total, ops.sum(wt))


def _common(op: str, input: Any, target: Any, weight: Any, ignore_index: Any, reduction: Any,  # noqa: A002
            size_average: Any, reduce: Any) -> tuple[Any, Any, Any, int, str, int]:
    x = float_tensor(op, "input", input)
    t = tensor(op, "target", target)
    red = reduction_of(op, reduction, size_average, reduce)
    c, _ = _layout(op, x, t)
    w = optional_float_tensor(op, "weight", weight, x.dtype)
    check_vector(op, "weight", w, c)
    return x, t, w, integer(op, "ignore_index", ignore_index), red, c


@torch_op
def nll_loss(input: Any, target: Any, weight: Any = None, size_average: Any = None,  # noqa: A002
             ignore_index: int = -100, reduce: Any = None, reduction: str = "mean") -> Any:
    """Negative log-likelihood of log-probabilities ``input`` at the class indices ``target``:
    ``-weight[t] * input[t]``; targets equal to ``ignore_index`` count 0 and weigh nothing."""
    op = "nll_loss"
    x, t, w, ignore, red, c = _common(op, input, target, weight, ignore_index, reduction, size_average, reduce)
    want = _layout(op, x, t)[1]
    t = _index_target(op, t, want, c)
    ops = x.session
    loss, wt, _ = _nll_terms(ops, _rows(ops, x), t, w, ignore)
    return _reduce_terms(ops, loss, wt, red, want)


@torch_op
def cross_entropy(input: Any, target: Any, weight: Any = None, size_average: Any = None,  # noqa: A002
                  ignore_index: int = -100, reduce: Any = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Any:
    """Softmax cross-entropy of logits ``input`` against class indices (int64, the shape of
    ``input`` without its class axis) or class probabilities (float, ``input``'s shape).

    ``label_smoothing`` mixes the target with the uniform distribution, as PyTorch:
    ``(1 - ls) * nll + ls / C * sum_c(-weight[c] * log_softmax[c])`` for indices (ignored
    positions count 0), ``target * (1 - ls) + ls / C`` for probabilities. ``ignore_index``
    applies to class indices only. For probabilities, ``'mean'`` divides by the number of
    positions (``N * d1 * ...``), whatever the weights."""
    op = "cross_entropy"
    if (weight is None and size_average is None and reduce is None and reduction == "mean"
            and ignore_index.__class__ is int and label_smoothing.__class__ in (float, int) and label_smoothing == 0
            and _plain_pair(input, target)):
        # the common call (logits (N, C), int64 labels (N,)): what the checks below would pass on
        # to, the fused primitive, which checks the labels itself
        return input.session.cross_entropy(input, target, ignore_index)
    x, t, w, ignore, red, c = _common(op, input, target, weight, ignore_index, reduction, size_average, reduce)
    ls = number(op, "label_smoothing", label_smoothing, lo=0.0, hi=1.0)
    ops = x.session
    class_axis = 0 if x.ndim == 1 else 1
    if t.dtype.kind == "f":
        return _cross_entropy_probs(op, ops, x, t, w, red, ls, c, class_axis)
    want = _layout(op, x, t)[1]
    t = _index_target(op, t, want, c)
    if w is None and ls == 0.0 and red == "mean":
        if x.ndim <= 2:
            return ops.cross_entropy(x, t, ignore)
        return ops.cross_entropy(_rows(ops, x), ops.reshape(t, (prod(want),)), ignore)
    rows = _rows(ops, ops.log_softmax(x, class_axis))
    loss, wt, valid = _nll_terms(ops, rows, t, w, ignore)
    nll = _reduce_terms(ops, loss, wt, red, want)
    if ls == 0.0:
        return nll
    weighted = rows if w is None else ops.mul(rows, ops.broadcast_to(w, ops.shape_of(rows)))
    smooth = ops.neg(ops.reduce_sum(weighted, 1))
    smooth = ops.where(valid, smooth, 0.0)
    smooth = _reduce_terms(ops, smooth, wt, red, want)
    return ops.add(ops.scale(nll, 1.0 - ls), ops.scale(smooth, ls / c))


def _plain_pair(x: Any, t: Any) -> bool:
    """Float logits (N, C) with C >= 1 and int64 labels (N,), both tensors of one session."""
    xt, tt = getattr(x, "type", None), getattr(t, "type", None)
    if xt is None or tt is None or getattr(x, "_is_param", False) or getattr(t, "_is_param", False):
        return False
    return (getattr(x, "session", None) is getattr(t, "session", 0) and xt.dtype.kind == "f"
            and len(xt.shape) == 2 and xt.shape[1] >= 1 and tt.dtype == np.int64 and tt.shape == xt.shape[:1])


def _cross_entropy_probs(op: str, ops: Any, x: Any, t: Any, w: Any, red: str, ls: float, c: int,
                         class_axis: int) -> Any:
    if tuple(t.shape) != tuple(x.shape):
        raise ShapeError(f"{op}: expected class probabilities of the input's shape {tuple(x.shape)} "
                         f"(or class indices without the class axis), got {tuple(t.shape)}")
    same_dtype(op, x, "target", t)
    tt = t if ls == 0.0 else ops.add_scalar(ops.scale(t, 1.0 - ls), ls / c)
    terms = ops.mul(ops.log_softmax(x, class_axis), tt)
    if w is not None:
        terms = ops.mul(terms, along_axis(ops, w, tuple(x.shape), class_axis))
    if red == "none":
        return ops.neg(ops.reduce_sum(terms, class_axis))
    total = ops.neg(ops.sum(terms))
    return total if red == "sum" else ops.div_scalar(total, float(prod(x.shape) // c) if c else 0.0)
