"""``torch.nn.functional.ctc_loss``: the connectionist temporal classification loss.

A composite of log-space tensor ops: the forward variables ``alpha`` over the extended label
sequence (blank, l1, blank, l2, ..., blank) are advanced one frame at a time, each step a
three-way log-sum-exp of ``alpha`` shifted by 0, 1 and 2 states (the 2-step skip only onto a
label that differs from the one two states back), plus the frame's log-probabilities; a
sample's ``alpha`` stops moving after its input length. The loss is ``-log`` of the mass in
the last two states. Reductions and ``zero_infinity`` are PyTorch's: ``'mean'`` divides each
loss by its target length (at least 1) and averages over the batch; ``zero_infinity`` makes
infinite losses (and their gradients) zero.

Gradients: reverse mode equals PyTorch's ``ctc_loss`` backward, which is the derivative plus
``exp(log_probs)`` on each frame before the input length (PyTorch returns the gradient w.r.t.
the logits of a ``log_softmax``; see ``ops/seqloss.py``), including its NaN on the frames of an
infeasible sample when ``zero_infinity=False``. Forward mode (``jvp``) is the loss's
derivative. Through a ``log_softmax`` the two conventions give the same logits gradient.

Divergences: ``targets`` and tensor lengths must be int64 (PyTorch also takes int32, and float
targets); a label outside ``[0, C)`` raises ``ArgumentError`` when the op runs (PyTorch reads
out of bounds). Length checks against the shapes run eagerly with PyTorch's messages; in a
compiled function lengths outside ``[0, T]`` / ``[0, S]`` raise when it runs, but 1-D
concatenated targets longer than ``sum(target_lengths)`` are not detected (the extra labels are
ignored). The loss is twice differentiable (PyTorch's backward is not differentiable).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._core.errors import ArgumentError, DTypeError, ShapeError
from .._core.registry import REGISTRY
from .._core.shapes import is_int
from .._core.types import int64
from .dispatch import is_tensor, tensor, torch_op
from .nn_common import float_tensor, integer, reduction_of

__all__ = ["ctc_loss"]
_INF = float("inf")


def _host(v: Any) -> np.ndarray | None:
    """An eager tensor's values (None in a traced graph, where there are none yet)."""
    value = getattr(v, "_v", None)
    if value is None:
        return None
    backend = getattr(v.session, "backend", None)
    return np.asarray(backend.to_host(value) if backend is not None else value)


def _lengths(op: str, what: str, ops: Any, v: Any, n: int) -> tuple[Any, np.ndarray | None]:
    """``(int64 tensor (n,), its values or None)`` from a tensor or a sequence of ints."""
    if is_tensor(v):
        if v.dtype.kind not in "iu":
            raise DTypeError(f"{op}: {what} must be integral, got {v.dtype.name}")
        t = v.reshape(1) if v.ndim == 0 else v
        if tuple(t.shape) != (n,):
            raise ShapeError(f"{op}: {what} must be of size batch_size ({n}), got shape {tuple(v.shape)}")
        return t, _host(t)
    if isinstance(v, Sequence) and not isinstance(v, (str, bytes)) and all(is_int(u) for u in v):
        if len(v) != n:
            raise ShapeError(f"{op}: {what} must be of size batch_size ({n}), got {len(v)} values")
        arr = np.asarray([int(u) for u in v], dtype=np.int64).reshape(n)
        return ops.lift(arr, int64), arr
    raise ArgumentError(f"{op}: {what} must be an int64 tensor or a tuple of ints, got {type(v).__name__}")


def _checked(ops: Any, v: Any, hi: int) -> Any:
    """``v`` read through a gather of ``arange(hi + 1)``: raises when it runs for a value outside
    ``[0, hi]``, so a compiled graph checks it too."""
    return ops.take_along(ops.arange(hi + 1, dtype=int64), v, 0)


def _padded_targets(op: str, ops: Any, tg: Any, lens: Any, lv: np.ndarray | None, n: int) -> Any:
    """Targets as (N, S): 2-D as given; 1-D concatenated ones gathered per sample."""
    if tg.ndim == 2:
        if tg.shape[0] != n:
            raise ShapeError(f"{op}: expected targets of size {n} at dimension 0, got shape {tuple(tg.shape)}")
        if lv is not None and lv.size and int(lv.max()) > tg.shape[1]:
            raise ShapeError(f"{op}: expected targets to have size at least {int(lv.max())} at dimension 1, "
                             f"but got size {tg.shape[1]}")
        return tg
    if tg.ndim != 1:
        raise ShapeError(f"{op}: targets must be (N, S) padded or 1-D concatenated, got shape {tuple(tg.shape)}")
    total = tg.shape[0]
    if lv is not None and int(lv.sum()) != total:
        raise ShapeError(f"{op}: expected targets of size {int(lv.sum())} (the sum of target_lengths) at "
                         f"dimension 0, but got size {total}")
    s = (int(lv.max()) if lv.size else 0) if lv is not None else total
    if s == 0 or total == 0:
        return ops.zeros((n, 0), dtype=int64)
    start = ops.sub(ops.cumsum(lens, 0), lens)  # (N,)
    pos = ops.add(ops.unsqueeze(start, 1), ops.unsqueeze(ops.arange(s, dtype=int64), 0))  # (N, S)
    inside = ops.lt(ops.unsqueeze(ops.arange(s, dtype=int64), 0), ops.unsqueeze(lens, 1))
    flat = ops.take_along(tg, ops.reshape(ops.where(inside, pos, 0), (n * s,)), 0)
    return ops.reshape(flat, (n, s))


def _lse(ops: Any, stacked: Any) -> Any:
    """log-sum-exp over the last axis, -inf (with zero gradient) where every term is -inf."""
    m = ops.detach(ops.amax(stacked, -1, keepdims=True))
    empty = ops.eq(m, -_INF)
    shift = ops.where(empty, 0.0, m)
    total = ops.reduce_sum(ops.exp(ops.sub(stacked, shift)), -1, keepdims=True)
    out = ops.add(ops.log(ops.where(empty, 1.0, total)), shift)
    return ops.squeeze(ops.where(empty, -_INF, out), -1)


@torch_op
def ctc_loss(log_probs: Any, targets: Any, input_lengths: Any, target_lengths: Any, blank: int = 0,
             reduction: str = "mean", zero_infinity: bool = False) -> Any:
    """CTC loss of ``log_probs`` (T, N, C) or unbatched (T, C) against ``targets`` (N, S)
    padded or 1-D concatenated, with per-sample ``input_lengths`` and ``target_lengths``
    (int64 tensors or tuples of ints)."""
    op = "ctc_loss"
    lp = float_tensor(op, "log_probs", log_probs)
    tg = tensor(op, "targets", targets)
    red = reduction_of(op, reduction)
    b = integer(op, "blank", blank)
    if lp.ndim not in (2, 3):
        raise ShapeError(f"{op}: expected log_probs (T, N, C) or unbatched (T, C), got shape {tuple(lp.shape)}")
    batched = lp.ndim == 3
    lp3 = lp if batched else lp.reshape(lp.shape[0], 1, lp.shape[1])
    t_max, n, c = lp3.shape
    if lp3.numel() == 0:
        raise ShapeError(f"{op}: log_probs tensor must not be empty, got shape {tuple(lp.shape)}")
    if not 0 <= b < c:
        raise ArgumentError(f"{op}: blank must be in label range [0, {c}), got {blank!r}")
    if tg.dtype.kind not in "iu":
        raise DTypeError(f"{op}: targets must be an int64 tensor of labels, got {tg.dtype.name}")
    ops = lp.session
    il, iv = _lengths(op, "input_lengths", ops, input_lengths, n)
    tl, lv = _lengths(op, "target_lengths", ops, target_lengths, n)
    if iv is not None and iv.size and (int(iv.max()) > t_max or int(iv.min()) < 0):
        bad, bound = (int(iv.max()), f"at most {t_max}") if int(iv.max()) > t_max else (int(iv.min()), "at least 0")
        raise ArgumentError(f"{op}: expected input_lengths to have value {bound}, but got value {bad}")
    if lv is not None and lv.size and int(lv.min()) < 0:
        raise ArgumentError(f"{op}: expected target_lengths to have value at least 0, but got value {int(lv.min())}")
    padded = _padded_targets(op, ops, tg, tl, lv, n)
    s = padded.shape[1]
    il, tl = _checked(ops, il, t_max), _checked(ops, tl, s)
    dt = lp.dtype
    w = 2 * s + 1
    # the extended labels l' (N, 2S + 1) and where the 2-step skip is allowed (l'_s != l'_{s-2})
    blanks = ops.full((n, s), b, dtype=int64)
    ext = ops.cat([ops.reshape(ops.stack([blanks, padded], 2), (n, 2 * s)), ops.full((n, 1), b, dtype=int64)], 1)
    emit = ops.take_along(lp3, ops.broadcast_to(ops.unsqueeze(ext, 0), (t_max, n, w)), 2)  # (T, N, W)
    ninf = ops.full((n, w), -_INF, dtype=dt)
    skip = None
    if w >= 3:
        skip = ops.cat([ops.full((n, 2), False), ops.ne(ops.slice(ext, 1, 2, w), ops.slice(ext, 1, 0, w - 2))], 1)
    valid = ops.lt(ops.unsqueeze(ops.arange(t_max, dtype=int64), 1), ops.unsqueeze(il, 0))  # (T, N)
    start = np.full((n, w), -np.inf)
    start[:, 0] = 0.0  # before the first frame: all mass before state 0
    alpha = ops.lift(start, dt)
    steps = t_max if iv is None else (int(iv.max()) if iv.size else 0)
    frames = ops.unbind(emit, 0) if steps else ()
    for t in range(steps):
        one = ops.cat([ops.slice(ninf, 1, 0, 1), ops.slice(alpha, 1, 0, w - 1)], 1)
        two = ninf if skip is None else ops.where(skip, ops.cat([ops.slice(ninf, 1, 0, 2),
                                                                  ops.slice(alpha, 1, 0, w - 2)], 1), -_INF)
        new = ops.add(_lse(ops, ops.stack([alpha, one, two], 2)), frames[t])
        alpha = ops.where(ops.unsqueeze(ops.select(valid, 0, t), 1), new, alpha)
    last = ops.take_along(alpha, ops.unsqueeze(ops.mul(tl, 2), 1), 1)
    has = ops.unsqueeze(ops.gt(tl, 0), 1)
    before = ops.where(has, ops.take_along(alpha, ops.unsqueeze(ops.where(ops.gt(tl, 0), ops.sub(ops.mul(tl, 2), 1),
                                                                           0), 1), 1), -_INF)
    nll = ops.neg(_lse(ops, ops.cat([last, before], 1)))  # (N,)
    loss = ops.add(nll, ops.bind(REGISTRY["ctc_grad_convention"], lp3, nll, valid, zero_infinity=zero_infinity))
    if zero_infinity:
        loss = ops.where(ops.eq(nll, _INF), 0.0, loss)
    if red == "none":
        return loss if batched else ops.reshape(loss, ())
    if red == "sum":
        return ops.sum(loss)
    return ops.mean(ops.div(loss, ops.cast(ops.clamp_min(tl, 1), dt)))
