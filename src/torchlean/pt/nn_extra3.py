"""Yet more of ``torch.nn.functional``: ``gumbel_softmax``, ``pdist``, ``channel_shuffle`` and
``embedding_bag``, composites of tensor operations with PyTorch's formulas and signatures.

Divergences:

* ``gumbel_softmax`` draws its Gumbel noise ``-log(-log U)`` from the session's SplitMix64
  stream (``rand_uniform``), not PyTorch's generator: the distribution is PyTorch's, the draws
  are not.
* ``embedding_bag`` builds each bag's sum from a one-hot bag-membership matrix (static shapes,
  so it traces); ``max_norm`` and ``scale_grad_by_freq=True`` are refused as in ``embedding``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._core.errors import ArgumentError, DTypeError, ShapeError
from . import conv_pool
from .dispatch import torch_op
from .math import where
from .nn_common import flag, float_tensor, integer, number, optional_float_tensor, reduce_loss, reduction_of
from .nn_extra2 import _lp_pool
from .nn_norm import pairwise_distance
from .nn_sparse import embedding

__all__ = ["adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices", "adaptive_max_pool3d_with_indices",
           "channel_shuffle", "embedding_bag", "gumbel_softmax", "lp_pool3d", "max_pool1d_with_indices",
           "max_pool2d_with_indices", "max_pool3d_with_indices", "pdist", "triplet_margin_with_distance_loss"]


@torch_op
def gumbel_softmax(logits: Any, tau: float = 1.0, hard: bool = False, eps: float = 1e-10, dim: int = -1) -> Any:
    """``softmax((logits + g) / tau)`` with Gumbel(0, 1) noise ``g``; with ``hard`` the one-hot
    of its argmax in the forward and the soft sample's gradient (straight-through). ``eps`` is
    accepted and unused, as in PyTorch."""
    op = "gumbel_softmax"
    x = float_tensor(op, "logits", logits)
    t = number(op, "tau", tau)
    number(op, "eps", eps)
    hard = flag(op, "hard", hard)
    if x.ndim == 0:
        raise ShapeError(f"{op}: expected logits with at least one dimension, got shape {tuple(x.shape)}")
    d = integer(op, "dim", dim)
    if not -x.ndim <= d < x.ndim:
        raise ShapeError(f"{op}: dim {d} is out of range for logits of shape {tuple(x.shape)}")
    d %= x.ndim
    u = x.session.rand_uniform(tuple(x.shape), x.dtype)
    g = -((-u.log()).log())
    y = ((x + g) / t).softmax(d)
    if not hard:
        return y
    index = y.argmax(d)
    onehot = x.session.one_hot(index, x.shape[d], x.dtype).movedim(-1, d)
    return onehot - y.detach() + y


@torch_op
def pdist(input: Any, p: float = 2.0) -> Any:  # noqa: A002
    """The p-norm distances of the rows of ``input`` (N, M), pair ``(i, j)`` for ``i < j`` in
    row-major order: shape ``(N (N - 1) / 2,)``."""
    op = "pdist"
    x = float_tensor(op, "input", input)
    if x.ndim != 2:
        raise ShapeError(f"{op}: expected a 2-D input (N, M), got shape {tuple(x.shape)}")
    pv = number(op, "p", p, lo=0.0, finite=False)
    n = x.shape[0]
    i, j = np.triu_indices(n, 1)
    ops = x.session
    if len(i) == 0:
        return x.sum(1)[:0]
    diff = x.index_select(0, ops.lift(i.astype(np.int64), np.int64)) - \
        x.index_select(0, ops.lift(j.astype(np.int64), np.int64))
    return diff.norm(p=pv, dim=1)


@torch_op
def channel_shuffle(input: Any, groups: int) -> Any:  # noqa: A002
    """Channels of ``(N, C, *)`` regrouped: ``C = g * k`` read as ``(g, k)`` and transposed to
    ``(k, g)`` (ShuffleNet's shuffle)."""
    op = "channel_shuffle"
    x = float_tensor(op, "input", input)
    g = integer(op, "groups", groups)
    if x.ndim < 3:
        raise ShapeError(f"{op}: expected an input of at least 3 dimensions (N, C, *), got shape {tuple(x.shape)}")
    c = x.shape[1]
    if g <= 0:
        raise ArgumentError(f"{op}: groups must be a positive int, got {groups!r}")
    if c % g:
        raise ShapeError(f"{op}: the channels ({c}) must be divisible by groups ({g})")
    n, rest = x.shape[0], tuple(x.shape[2:])
    return x.reshape(n, g, c // g, *rest).transpose(1, 2).reshape(n, c, *rest)


_BAG_MODES = ("sum", "mean", "max")


def _check_offsets(op: str, offsets: Any, length: int) -> None:
    """PyTorch's rules for offsets, checked where the values can be read (eagerly; a traced
    graph cannot read them): the first is 0, they never decrease, none passes the input."""
    value = getattr(offsets, "_v", None)
    if value is None or value.size == 0:
        return
    v = offsets.session.backend.to_host(value) if hasattr(offsets.session, "backend") else np.asarray(value)
    if int(v[0]) != 0:
        raise ArgumentError(f"{op}: offsets[0] has to be 0 (the first bag starts at position 0), got {int(v[0])}")
    if bool((np.diff(v) < 0).any()) or int(v.max()) > length:
        raise ArgumentError(f"{op}: offsets must be non-decreasing and at most the input length {length}, "
                            f"got {v.tolist()[:8]}")


@torch_op
def embedding_bag(input: Any, weight: Any, offsets: Any = None, max_norm: float | None = None,  # noqa: A002
                  norm_type: float = 2, scale_grad_by_freq: bool = False, mode: str = "mean",
                  sparse: bool = False, per_sample_weights: Any = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Any:
    """Sums, means or maxima of bags of ``weight`` rows: ``input`` (B, L) holds one bag per row,
    or ``input`` (L,) with ``offsets`` (B,) (or (B + 1,) with ``include_last_offset``) giving
    where each bag starts. Empty bags give zeros; ids equal to ``padding_idx`` are left out of
    their bag; ``per_sample_weights`` (shaped like ``input``) scale the rows (mode 'sum' only)."""
    op = "embedding_bag"
    if mode not in _BAG_MODES:
        raise ArgumentError(f"{op}: mode must be one of {list(_BAG_MODES)}, got {mode!r}")
    flag(op, "include_last_offset", include_last_offset)
    w = float_tensor(op, "weight", weight)
    if w.ndim != 2:
        raise ShapeError(f"{op}: 'weight' must be 2-D (num_embeddings, embedding_dim), got shape {tuple(w.shape)}")
    ids = input
    if getattr(ids, "__torchlean_tensor__", False) is not True or ids.dtype.kind not in "iu":
        raise DTypeError(f"{op}: 'input' must be an integer tensor of ids, got "
                         f"{getattr(ids, 'dtype', type(ids).__name__)}")
    psw = optional_float_tensor(op, "per_sample_weights", per_sample_weights, w.dtype)
    if psw is not None:
        if mode != "sum":
            raise ArgumentError(f"{op}: per_sample_weights are only supported for mode='sum', got mode={mode!r}")
        if tuple(psw.shape) != tuple(ids.shape):
            raise ShapeError(f"{op}: per_sample_weights must have the shape of input {tuple(ids.shape)}, "
                             f"got {tuple(psw.shape)}")
    ops = w.session
    if ids.ndim == 2:
        if offsets is not None:
            raise ArgumentError(f"{op}: offsets must be None for a 2-D input (each row is a bag)")
        b, length = ids.shape
        flat = ids.reshape(-1)
        bag = ops.lift(np.repeat(np.arange(b, dtype=np.int64), length), np.int64)
    elif ids.ndim == 1:
        if offsets is None:
            raise ArgumentError(f"{op}: a 1-D input needs offsets (the start of each bag)")
        if getattr(offsets, "__torchlean_tensor__", False) is not True or offsets.dtype.kind not in "iu" \
                or offsets.ndim != 1:
            raise DTypeError(f"{op}: offsets must be a 1-D integer tensor, got "
                             f"{getattr(offsets, 'dtype', type(offsets).__name__)} of shape "
                             f"{tuple(getattr(offsets, 'shape', ()))}")
        b = offsets.shape[0] - (1 if include_last_offset else 0)
        if b < 0 or (include_last_offset and offsets.shape[0] == 0):
            raise ShapeError(f"{op}: include_last_offset needs at least one offset")
        flat, length = ids, ids.shape[0]
        _check_offsets(op, offsets, length)
        starts = offsets[1:b] if b > 1 else None
        pos = ops.arange(length, dtype=np.int64)
        bag = ops.zeros((length,), dtype=np.int64) if starts is None else \
            (pos.unsqueeze(1) >= starts.unsqueeze(0)).long().sum(1)
    else:
        raise ShapeError(f"{op}: input must be 1-D (with offsets) or 2-D, got shape {tuple(ids.shape)}")
    rows = embedding(flat, w, max_norm=max_norm, scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)
    member = ops.one_hot(bag, b + 1, w.dtype)[:, :b] if b else None  # (L, B); index b: no bag
    if member is None:
        return ops.zeros((0, w.shape[1]), dtype=w.dtype)
    if padding_idx is not None:
        n = w.shape[0]
        pad = integer(op, "padding_idx", padding_idx)
        if not -n <= pad < n:
            raise ArgumentError(f"{op}: padding_idx must be within num_embeddings ({n}), got {padding_idx!r}")
        member = member * (flat != pad % n).to(w.dtype).unsqueeze(1)
    if psw is not None:
        rows = rows * psw.reshape(-1).unsqueeze(1)
    if mode == "max":
        if flat.shape[0] == 0:
            return ops.zeros((b, w.shape[1]), dtype=w.dtype)
        keep = member.transpose(0, 1).unsqueeze(2) > 0  # (B, L, 1)
        big = where(keep, rows.unsqueeze(0), float("-inf")).amax(1)
        return where(keep.any(1), big, 0.0)
    total = member.transpose(0, 1) @ rows  # (B, D)
    if mode == "sum":
        return total
    count = member.sum(0).clamp(min=1.0).unsqueeze(1)
    return total / count


# ----- pools --------------------------------------------------------------------------------
@torch_op
def lp_pool3d(input: Any, norm_type: float, kernel_size: Any, stride: Any = None,  # noqa: A002
              ceil_mode: bool = False) -> Any:
    """``lp_pool1d`` over the last three axes of ``(N, C, D, H, W)`` / ``(C, D, H, W)``, scaled by
    the kernel's volume."""
    return _lp_pool("lp_pool3d", 3, input, norm_type, kernel_size, stride, ceil_mode)


def _with_indices(name: str) -> Any:
    """PyTorch's ``*_with_indices`` spellings: the pool with ``return_indices=True``."""
    pool = getattr(conv_pool, name)

    def fn(input: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: A002
        kwargs.pop("return_indices", None)
        return pool(input, *args, return_indices=True, **kwargs)

    fn.__name__ = fn.__qualname__ = f"{name}_with_indices"
    fn.__doc__ = f"``{name}(..., return_indices=True)``: ``(values, int64 indices)``."
    return fn


max_pool1d_with_indices = _with_indices("max_pool1d")
max_pool2d_with_indices = _with_indices("max_pool2d")
max_pool3d_with_indices = _with_indices("max_pool3d")
adaptive_max_pool1d_with_indices = _with_indices("adaptive_max_pool1d")
adaptive_max_pool2d_with_indices = _with_indices("adaptive_max_pool2d")
adaptive_max_pool3d_with_indices = _with_indices("adaptive_max_pool3d")


# ----- losses ---------------------------------------------------------------------------------
@torch_op
def triplet_margin_with_distance_loss(anchor: Any, positive: Any, negative: Any, *, distance_function: Any = None,
                                      margin: float = 1.0, swap: bool = False, reduction: str = "mean") -> Any:
    """``max(0, d(a, p) - d(a, n) + margin)`` with any ``distance_function`` (default
    ``F.pairwise_distance``); ``swap`` takes the negative's distance to the nearer of anchor and
    positive."""
    op = "triplet_margin_with_distance_loss"
    a, pos, neg = (float_tensor(op, w, v) for w, v in (("anchor", anchor), ("positive", positive),
                                                        ("negative", negative)))
    red = reduction_of(op, reduction)
    m = number(op, "margin", margin)
    if m <= 0:
        raise ArgumentError(f"{op}: margin must be greater than 0, got {margin!r}")
    if distance_function is not None and not callable(distance_function):
        raise ArgumentError(f"{op}: distance_function must be callable, got {type(distance_function).__name__}")
    dist = pairwise_distance if distance_function is None else _distance(op, distance_function)
    d_ap, d_an = dist(a, pos), dist(a, neg)
    if flag(op, "swap", swap):
        from .math import minimum

        d_an = minimum(d_an, dist(pos, neg))
    return reduce_loss(a.session, (d_ap - d_an + m).clamp(min=0.0), red)


def _distance(op: str, fn: Any) -> Any:
    """``fn``, or its torchlean equivalent where it is PyTorch's pairwise distance (a
    ``torch.nn.PairwiseDistance`` module or ``torch.nn.functional.pairwise_distance``, which
    cannot take torchlean tensors); any other PyTorch callable raises ``ArgumentError``."""
    mod = getattr(fn, "__module__", None) or type(fn).__module__
    if not (mod == "torch" or mod.startswith("torch.")):
        return fn
    if type(fn).__name__ == "PairwiseDistance" and hasattr(fn, "norm"):
        p, eps, keepdim = float(fn.norm), float(fn.eps), bool(fn.keepdim)
        return lambda x1, x2: pairwise_distance(x1, x2, p, eps, keepdim)
    if getattr(fn, "__name__", "") == "pairwise_distance":
        return pairwise_distance
    raise ArgumentError(f"{op}: distance_function is a PyTorch callable ({type(fn).__name__}), which cannot take "
                        "torchlean tensors; pass a function of torchlean tensors (e.g. F.pairwise_distance)")
