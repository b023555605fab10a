"""More of ``torch.nn.functional``: ``softsign tanhshrink hardshrink softshrink threshold prelu``
and the margin and likelihood losses ``soft_margin_loss margin_ranking_loss
hinge_embedding_loss cosine_embedding_loss triplet_margin_loss multilabel_soft_margin_loss
poisson_nll_loss gaussian_nll_loss``.

Each is a composite of PyTorch-shaped tensor operations with PyTorch's formula, signature,
defaults and reductions (``size_average``/``reduce`` where PyTorch still takes them). Divergence:
``gaussian_nll_loss`` checks for negative variances only eagerly (a traced graph cannot read
values); in traced code a negative variance gives NaN.
"""

from __future__ import annotations

import math
from typing import Any

from .._core.errors import ArgumentError, ShapeError
from .dispatch import torch_op
from .math import where
from .nn_activation import logsigmoid, softplus
from .nn_common import flag, float_tensor, number, optional_float_tensor, reduce_loss, reduction_of, same_dtype
from .nn_norm import pairwise_distance

__all__ = ["cosine_embedding_loss", "gaussian_nll_loss", "hardshrink", "hinge_embedding_loss",
           "margin_ranking_loss", "multilabel_soft_margin_loss", "poisson_nll_loss", "prelu", "soft_margin_loss",
           "softshrink", "softsign", "tanhshrink", "threshold", "triplet_margin_loss"]


# ----- activations -----------------------------------------------------------------------------
@torch_op
def softsign(input: Any) -> Any:  # noqa: A002
    """``x / (1 + |x|)``."""
    x = float_tensor("softsign", "input", input)
    return x / (x.abs() + 1.0)


@torch_op
def tanhshrink(input: Any) -> Any:  # noqa: A002
    """``x - tanh(x)``."""
    x = float_tensor("tanhshrink", "input", input)
    return x - x.tanh()


@torch_op
def hardshrink(input: Any, lambd: float = 0.5) -> Any:  # noqa: A002
    """``x`` where ``|x| > lambd``, else 0."""
    x = float_tensor("hardshrink", "input", input)
    lam = number("hardshrink", "lambd", lambd)
    return where((x > lam) | (x < -lam), x, 0.0)


@torch_op
def softshrink(input: Any, lambd: float = 0.5) -> Any:  # noqa: A002
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, else 0 (``lambd >= 0``)."""
    x = float_tensor("softshrink", "input", input)
    lam = number("softshrink", "lambd", lambd, lo=0.0)
    return where(x > lam, x - lam, where(x < -lam, x + lam, 0.0))


@torch_op
def threshold(input: Any, threshold: float, value: float, inplace: bool = False) -> Any:  # noqa: A002
    """``x`` where ``x > threshold``, else ``value``."""
    x = float_tensor("threshold", "input", input)
    th, val = number("threshold", "threshold", threshold, finite=False), number("threshold", "value", value,
                                                                                 finite=False)
    return where(x > th, x, val)


@torch_op
def prelu(input: Any, weight: Any) -> Any:  # noqa: A002
    """``x`` where ``x >= 0``, else ``weight * x``; ``weight`` has one value or one per channel
    (dimension 1 of the input)."""
    op = "prelu"
    x = float_tensor(op, "input", input)
    w = float_tensor(op, "weight", weight)
    same_dtype(op, x, "weight", w)
    if w.ndim > 1 or (w.numel() != 1 and (x.ndim < 2 or w.numel() != x.shape[1])):
        channels = x.shape[1] if x.ndim >= 2 else 1
        raise ShapeError(f"{op}: weight must have 1 element or one per channel ({channels}), got shape "
                         f"{tuple(w.shape)} for input {tuple(x.shape)}")
    w = w.reshape(()) if w.numel() == 1 else w.reshape((1, w.numel()) + (1,) * (x.ndim - 2))
    return where(x >= 0, x, w * x)


# ----- margin losses ---------------------------------------------------------------------------
def _targets(op: str, x: Any, target: Any) -> Any:
    """The target tensor in the input's float dtype (PyTorch promotes integer targets)."""
    if not getattr(target, "__torchlean_tensor__", False):
        raise ArgumentError(f"{op}: target must be a tensor, got {type(target).__name__}")
    return target if target.dtype == x.dtype else target.to(x.dtype)


@torch_op
def soft_margin_loss(input: Any, target: Any, size_average: Any = None, reduce: Any = None,  # noqa: A002
                     reduction: str = "mean") -> Any:
    """``log(1 + exp(-target * input))`` (targets +-1), reduced."""
    op = "soft_margin_loss"
    x = float_tensor(op, "input", input)
    red = reduction_of(op, reduction, size_average, reduce)
    t = _targets(op, x, target)
    return reduce_loss(x.session, softplus(-(t * x)), red)


@torch_op
def margin_ranking_loss(input1: Any, input2: Any, target: Any, margin: float = 0.0, size_average: Any = None,
                        reduce: Any = None, reduction: str = "mean") -> Any:
    """``max(0, -target * (input1 - input2) + margin)``, reduced."""
    op = "margin_ranking_loss"
    x1, x2 = float_tensor(op, "input1", input1), float_tensor(op, "input2", input2)
    same_dtype(op, x1, "input2", x2)
    red = reduction_of(op, reduction, size_average, reduce)
    m = number(op, "margin", margin)
    t = _targets(op, x1, target)
    return reduce_loss(x1.session, (-(t * (x1 - x2)) + m).clamp(min=0.0), red)


@torch_op
def hinge_embedding_loss(input: Any, target: Any, margin: float = 1.0, size_average: Any = None,  # noqa: A002
                         reduce: Any = None, reduction: str = "mean") -> Any:
    """``input`` where ``target == 1``, ``max(0, margin - input)`` where ``target == -1``
    (other target values count both terms, as PyTorch), reduced."""
    op = "hinge_embedding_loss"
    x = float_tensor(op, "input", input)
    red = reduction_of(op, reduction, size_average, reduce)
    m = number(op, "margin", margin)
    t = _targets(op, x, target)
    out = where(t != 1, (-x + m).clamp(min=0.0), 0.0) + where(t != -1, x, 0.0)
    return reduce_loss(x.session, out, red)


@torch_op
def cosine_embedding_loss(input1: Any, input2: Any, target: Any, margin: float = 0.0,
                          size_average: Any = None, reduce: Any = None, reduction: str = "mean") -> Any:
    """``1 - cos(x1, x2)`` where ``target == 1``, ``max(0, cos - margin)`` where ``target == -1``,
    with PyTorch's ``cos = sum(x1 x2) / sqrt((sum(x1^2) + 1e-12)(sum(x2^2) + 1e-12))`` over the
    last dimension, reduced."""
    op = "cosine_embedding_loss"
    x1, x2 = float_tensor(op, "input1", input1), float_tensor(op, "input2", input2)
    same_dtype(op, x1, "input2", x2)
    if tuple(x1.shape) != tuple(x2.shape) or x1.ndim not in (1, 2):
        raise ShapeError(f"{op}: expected input1 and input2 of one shape (D,) or (N, D), got {tuple(x1.shape)} "
                         f"and {tuple(x2.shape)}")
    red = reduction_of(op, reduction, size_average, reduce)
    m = number(op, "margin", margin)
    t = _targets(op, x1, target)
    d = x1.ndim - 1
    cos = (x1 * x2).sum(dim=d) / ((((x1 * x1).sum(dim=d) + 1e-12) * ((x2 * x2).sum(dim=d) + 1e-12)).sqrt())
    out = where(t == 1, -cos + 1.0, 0.0) + where(t == -1, (cos - m).clamp(min=0.0), 0.0)
    return reduce_loss(x1.session, out, red)


@torch_op
def triplet_margin_loss(anchor: Any, positive: Any, negative: Any, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, size_average: Any = None, reduce: Any = None,
                        reduction: str = "mean") -> Any:
    """``max(0, d(a, p) - d(a, n) + margin)`` with ``F.pairwise_distance`` (``swap``: the
    distance of the negative to the nearer of anchor and positive), reduced."""
    op = "triplet_margin_loss"
    a, pos, neg = (float_tensor(op, w, v) for w, v in (("anchor", anchor), ("positive", positive),
                                                        ("negative", negative)))
    same_dtype(op, a, "positive", pos)
    same_dtype(op, a, "negative", neg)
    red = reduction_of(op, reduction, size_average, reduce)
    m = number(op, "margin", margin, lo=0.0, lo_open=True)
    pp, ep = number(op, "p", p, lo=0.0, lo_open=True), number(op, "eps", eps)
    d_ap = pairwise_distance(a, pos, pp, ep)
    d_an = pairwise_distance(a, neg, pp, ep)
    if flag(op, "swap", swap):
        from .math import minimum

        d_an = minimum(d_an, pairwise_distance(pos, neg, pp, ep))
    return reduce_loss(a.session, (d_ap - d_an + m).clamp(min=0.0), red)


@torch_op
def multilabel_soft_margin_loss(input: Any, target: Any, weight: Any = None, size_average: Any = None,  # noqa: A002
                                reduce: Any = None, reduction: str = "mean") -> Any:
    """``-mean_c(y log sigmoid(x) + (1 - y) log sigmoid(-x))`` per sample (class weights
    multiply the terms), reduced over the batch."""
    op = "multilabel_soft_margin_loss"
    x = float_tensor(op, "input", input)
    red = reduction_of(op, reduction, size_average, reduce)
    t = _targets(op, x, target)
    if tuple(t.shape) != tuple(x.shape):
        raise ShapeError(f"{op}: target must have the input's shape {tuple(x.shape)}, got {tuple(t.shape)}")
    loss = -(t * logsigmoid(x) + (1.0 - t) * logsigmoid(-x))
    w = optional_float_tensor(op, "weight", weight, x.dtype)
    if w is not None:
        loss = loss * w
    c = x.shape[-1] if x.ndim else 1
    return reduce_loss(x.session, loss.sum(dim=-1) / float(c) if x.ndim else loss, red)


# ----- likelihood losses -----------------------------------------------------------------------
@torch_op
def poisson_nll_loss(input: Any, target: Any, log_input: bool = True, full: bool = False,  # noqa: A002
                     size_average: Any = None, eps: float = 1e-8, reduce: Any = None,
                     reduction: str = "mean") -> Any:
    """``exp(input) - target * input`` (``log_input``) or ``input - target * log(input + eps)``;
    ``full`` adds Stirling's ``target log target - target + 0.5 log(2 pi target)`` where
    ``target > 1``; reduced."""
    op = "poisson_nll_loss"
    x = float_tensor(op, "input", input)
    t = float_tensor(op, "target", target)
    same_dtype(op, x, "target", t)
    red = reduction_of(op, reduction, size_average, reduce)
    e = number(op, "eps", eps)
    loss = x.exp() - t * x if flag(op, "log_input", log_input) else x - t * (x + e).log()
    if flag(op, "full", full):
        safe = where(t > 1, t, 2.0)  # keeps log away from t <= 1 (and their gradients finite)
        stirling = safe * safe.log() - safe + 0.5 * (safe * (2 * math.pi)).log()
        loss = loss + where(t > 1, stirling, 0.0)
    return reduce_loss(x.session, loss, red)


@torch_op
def gaussian_nll_loss(input: Any, target: Any, var: Any, full: bool = False, eps: float = 1e-6,  # noqa: A002
                      reduction: str = "mean") -> Any:
    """``0.5 (log(max(var, eps)) + (input - target)^2 / max(var, eps))`` (+ ``0.5 log(2 pi)``
    with ``full``); ``var`` has the input's shape, or it without the last dimension, or with a
    last dimension of 1. The clamp to ``eps`` passes gradients through, as PyTorch's."""
    op = "gaussian_nll_loss"
    x, t = float_tensor(op, "input", input), float_tensor(op, "target", target)
    same_dtype(op, x, "target", t)
    red = reduction_of(op, reduction)
    e = number(op, "eps", eps, lo=0.0)
    v = var
    if not getattr(v, "__torchlean_tensor__", False):
        v = x.session.full(tuple(x.shape), float(number(op, "var", var)), dtype=x.dtype)
    v = float_tensor(op, "var", v)
    same_dtype(op, x, "var", v)
    xs, vs = tuple(x.shape), tuple(v.shape)
    if vs != xs:
        if xs[:-1] == vs:
            v = v.unsqueeze(-1)
        elif not (xs[:-1] == vs[:-1] and vs and vs[-1] == 1):
            raise ShapeError(f"{op}: var of shape {vs} is incompatible with input of shape {xs}")
    value = getattr(v, "_v", None)
    if value is not None and bool((value < 0).any()):
        raise ArgumentError(f"{op}: var has negative entry/entries")
    v = v + (v.clamp(min=e) - v).detach()  # PyTorch clamps in place under no_grad
    loss = 0.5 * (v.log() + (x - t) ** 2 / v)
    if flag(op, "full", full):
        loss = loss + 0.5 * math.log(2 * math.pi)
    return reduce_loss(x.session, loss, red)
