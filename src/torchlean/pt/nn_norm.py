"""``torch.nn.functional`` normalisation and distances: ``layer_norm group_norm rms_norm
normalize cosine_similarity pairwise_distance`` (``batch_norm``/``instance_norm``, which carry
running statistics, are in ``nn_batchnorm.py``).

PyTorch's defaults: eps = 1e-5 for the norms (the seed's ``s.layer_norm`` keeps 1e-6), the
biased variance, any number of trailing normalized dims. Composites of the ``normalize_last``
primitive (one fused, two-pass standardisation with a closed-form gradient) and broadcast
affine maps.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._core.errors import ArgumentError, ShapeError
from .._core.registry import REGISTRY
from .._core.shapes import normalize_axes, normalize_axis, prod
from .dispatch import torch_op
from .nn_common import (
    along_axis,
    broadcast_pair,
    check_vector,
    flag,
    float_tensor,
    integer,
    number,
    optional_float_tensor,
    same_dtype,
    shape_arg,
)

__all__ = ["cosine_similarity", "group_norm", "layer_norm", "normalize", "pairwise_distance", "rms_norm"]


def _trailing(op: str, x: Any, normalized_shape: Any) -> tuple[int, ...]:
    """normalized_shape, checked against the trailing dims of x."""
    ns = shape_arg(op, "normalized_shape", normalized_shape)
    if len(ns) > x.ndim or tuple(x.shape[x.ndim - len(ns):]) != ns:
        raise ShapeError(f"{op}: given normalized_shape={list(ns)}, expected input with shape "
                         f"[*, {', '.join(map(str, ns))}], but got input of size {list(x.shape)}")
    return ns


def standardize(ops: Any, x: Any, eps: float) -> Any:
    """The ``normalize_last`` primitive with any finite eps: PyTorch's norms take a negative eps
    too (NaN where ``var + eps < 0``), where the seed's ``s.normalize_last`` refuses one."""
    return ops.bind(REGISTRY["normalize_last"], x, eps=eps)


def _check_trailing(op: str, ns: tuple[int, ...], **params: Any) -> None:
    for what, v in params.items():
        if v is not None and tuple(v.shape) != ns:
            raise ShapeError(f"{op}: expected {what} of shape {ns} (normalized_shape), got {tuple(v.shape)}")


@torch_op
def layer_norm(input: Any, normalized_shape: Any, weight: Any = None, bias: Any = None,  # noqa: A002
               eps: float = 1e-05) -> Any:
    """``(x - mean) / sqrt(var + eps) * weight + bias`` over the trailing ``normalized_shape``
    dims (biased variance). PyTorch's eps default 1e-5 (the seed's ``s.layer_norm``: 1e-6).
    ``normalized_shape`` may also be an int (PyTorch's module accepts one; its function only
    a sequence)."""
    op = "layer_norm"
    x = float_tensor(op, "input", input)
    ns = _trailing(op, x, normalized_shape)
    w = optional_float_tensor(op, "weight", weight, x.dtype)
    b = optional_float_tensor(op, "bias", bias, x.dtype)
    e = number(op, "eps", eps)
    _check_trailing(op, ns, weight=w, bias=b)
    ops = x.session
    shape = x.shape
    lead = shape[:x.ndim - len(ns)]
    flat = x if len(ns) == 1 else ops.reshape(x, (*lead, prod(ns)))
    y = standardize(ops, flat, e)
    if len(ns) != 1:
        y = ops.reshape(y, shape)
    if w is not None:
        y = ops.mul(y, w)
    return y if b is None else ops.add(y, b)


@torch_op
def rms_norm(input: Any, normalized_shape: Any, weight: Any = None, eps: float | None = None) -> Any:  # noqa: A002
    """``x / sqrt(mean(x**2) + eps) * weight`` over the trailing ``normalized_shape`` dims;
    ``eps=None`` is the input dtype's machine epsilon, as PyTorch."""
    op = "rms_norm"
    x = float_tensor(op, "input", input)
    ns = _trailing(op, x, normalized_shape)
    w = optional_float_tensor(op, "weight", weight, x.dtype)
    e = float(np.finfo(x.dtype).eps) if eps is None else number(op, "eps", eps)
    _check_trailing(op, ns, weight=w)
    ops = x.session
    axes = tuple(range(x.ndim - len(ns), x.ndim))
    ms = ops.reduce_mean(ops.mul(x, x), axes, True)
    y = ops.mul(x, ops.inv(ops.sqrt(ops.add_scalar(ms, e))))
    return y if w is None else ops.mul(y, w)


@torch_op
def group_norm(input: Any, num_groups: int, weight: Any = None, bias: Any = None,  # noqa: A002
               eps: float = 1e-05) -> Any:
    """Normalise each of ``num_groups`` groups of channels of ``(N, C, *)`` over its channels
    and spatial positions (biased variance), then ``* weight + bias`` per channel (C,)."""
    op = "group_norm"
    x = float_tensor(op, "input", input)
    g = integer(op, "num_groups", num_groups)
    if x.ndim < 2:
        raise ShapeError(f"{op}: expected at least 2 dimensions (N, C, *) for input, got shape {x.shape}")
    n, c = x.shape[0], x.shape[1]
    if g < 1 or c % g:
        raise ShapeError(f"{op}: expected number of channels in input ({c}) to be divisible by "
                         f"num_groups ({num_groups})")
    if n * c // g * prod(x.shape[2:]) == 1:  # PyTorch's _verify_batch_size on the group view
        raise ArgumentError(f"{op}: expected more than 1 value per channel when training, got input "
                            f"size {list(x.shape)}")
    w = optional_float_tensor(op, "weight", weight, x.dtype)
    b = optional_float_tensor(op, "bias", bias, x.dtype)
    check_vector(op, "weight", w, c)
    check_vector(op, "bias", b, c)
    e = number(op, "eps", eps)
    ops = x.session
    y = ops.reshape(standardize(ops, ops.reshape(x, (n, g, c // g * prod(x.shape[2:]))), e), x.shape)
    return affine_channels(ops, y, w, b, 1)


def affine_channels(ops: Any, y: Any, w: Any, b: Any, axis: int) -> Any:
    """``y * w + b`` with the per-channel vectors laid along ``axis`` (either may be None)."""
    shape = ops.shape_of(y)
    if w is not None:
        y = ops.mul(y, along_axis(ops, w, shape, axis))
    if b is not None:
        y = ops.add(y, along_axis(ops, b, shape, axis))
    return y


# ----- vector norms, normalize, similarities -------------------------------------------------
def vector_norm(op: str, ops: Any, x: Any, p: float, axes: tuple[int, ...], keepdim: bool) -> Any:
    """``(sum |x|**p)**(1/p)`` over ``axes`` (p = 2: the square root of the sum of squares,
    p = 1: the sum of magnitudes, p = 0: the count of nonzeros). p = +-inf needs a max
    reduction and raises ``ArgumentError`` for now."""
    if p in (float("inf"), float("-inf")):
        raise ArgumentError(f"{op}: p={p} (a max/min norm) is not supported yet; use a finite p")
    if p == 2.0:
        return ops.sqrt(ops.reduce_sum(ops.mul(x, x), axes, keepdim))
    if p == 1.0:
        return ops.reduce_sum(ops.abs(x), axes, keepdim)
    if p == 0.0:
        return ops.reduce_sum(ops.cast(ops.ne(x, 0.0), ops.type_of(x).dtype), axes, keepdim)
    return ops.power(ops.reduce_sum(ops.power(ops.abs(x), p), axes, keepdim), 1.0 / p)


def _dims(op: str, dim: Any, ndim: int) -> tuple[int, ...]:
    if isinstance(dim, Sequence) and not isinstance(dim, (str, bytes)):
        if len(dim) == 0:  # torch's vector norms: an empty dim reduces every axis
            return tuple(range(ndim))
        return normalize_axes(op, tuple(integer(op, "dim", d) for d in dim), ndim)
    return (normalize_axis(op, integer(op, "dim", dim), ndim),) if ndim else ()


@torch_op
def normalize(input: Any, p: float = 2.0, dim: Any = 1, eps: float = 1e-12, out: Any = None) -> Any:  # noqa: A002
    """``x / max(||x||_p, eps)`` with the norm over ``dim`` (an int or a tuple) broadcast back.
    ``out=`` is refused (values are immutable)."""
    op = "normalize"
    x = float_tensor(op, "input", input)
    if out is not None:
        raise ArgumentError(f"{op}: out= is not supported (torchlean values are immutable); use the result")
    pp = number(op, "p", p, finite=False)
    e = number(op, "eps", eps)
    ops = x.session
    denom = ops.clamp(vector_norm(op, ops, x, pp, _dims(op, dim, x.ndim), True), e)
    return ops.div(x, denom)


def _clamped_like(ops: Any, n: Any, eps: float) -> Any:
    """max(n, eps) in value, with n's own gradient (PyTorch clamps the norms of
    ``cosine_similarity`` in place under no_grad)."""
    return ops.add(n, ops.detach(ops.sub(ops.clamp(n, eps), n)))


@torch_op
def cosine_similarity(x1: Any, x2: Any, dim: int = 1, eps: float = 1e-8) -> Any:
    """``sum((x1 / max(||x1||, eps)) * (x2 / max(||x2||, eps)))`` over ``dim`` of the broadcast
    shape (PyTorch's order: each input is divided by its norm first)."""
    op = "cosine_similarity"
    a, b = float_tensor(op, "x1", x1), float_tensor(op, "x2", x2)
    same_dtype(op, a, "x2", b)
    e = number(op, "eps", eps)
    ops = a.session
    a, b = broadcast_pair(op, ops, a, b)
    nd = len(ops.shape_of(a))
    d = normalize_axis(op, integer(op, "dim", dim), nd)
    axes = (d,) if nd else ()
    na = _clamped_like(ops, vector_norm(op, ops, a, 2.0, axes, True), e)
    nb = _clamped_like(ops, vector_norm(op, ops, b, 2.0, axes, True), e)
    return ops.reduce_sum(ops.mul(ops.div(a, na), ops.div(b, nb)), axes)


@torch_op
def pairwise_distance(x1: Any, x2: Any, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Any:
    """``||x1 - x2 + eps||_p`` over the last dim of the broadcast shape."""
    op = "pairwise_distance"
    a, b = float_tensor(op, "x1", x1), float_tensor(op, "x2", x2)
    same_dtype(op, a, "x2", b)
    pp = number(op, "p", p, finite=False)
    e = number(op, "eps", eps, finite=False)
    keep = flag(op, "keepdim", keepdim)
    ops = a.session
    d = ops.add(ops.sub(a, b), e)
    nd = len(ops.shape_of(d))
    return vector_norm(op, ops, d, pp, (nd - 1,) if nd else (), keep)
