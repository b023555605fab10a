"""Attention primitive: ``masked_softmax``, a softmax over the last axis restricted by a mask.

``masked_softmax(x, mask)``: ``mask`` is a bool tensor of x's shape, True = keep. Kept entries
get ``exp(x - m) / sum_kept exp(x - m)`` with m the row's maximum over kept entries (max-shifted,
so no overflow); blocked entries get EXACTLY zero (not a large negative logit such as the seed
CUDA path's -1000). A row with no kept entry (fully blocked) is defined to be all zeros instead of
0/0 = NaN, and its gradient is zero too.

It is a primitive for numerical stability: a composite (where + softmax) would either need
infinite logits or give NaN on fully blocked rows. Its Jacobian with respect to x is the softmax
Jacobian ``diag(out) - out out^T``, symmetric, and exact for masked entries and fully blocked
rows as well because ``out`` is exactly zero there; so the VJP and the JVP share one rule,
``out * (v - sum(v * out))``. The mask gets no gradient (rule ``None``).
"""

from __future__ import annotations

from .._core.errors import DTypeError, ShapeError
from .._core.registry import defop
from .._core.types import TensorType


def _masked_softmax_shape(x: TensorType, mask: TensorType) -> TensorType:
    if x.dtype.kind != "f":
        raise DTypeError(f"masked_softmax: expected a float tensor x, got {x.dtype.name}")
    if mask.dtype.kind != "b":
        raise DTypeError(f"masked_softmax: expected a bool mask, got {mask.dtype.name}")
    if x.ndim < 1 or x.shape[-1] < 1 or mask.shape != x.shape:
        raise ShapeError(f"masked_softmax: expected x (..., n) with n >= 1 and a mask of the same "
                         f"shape, got x {x.shape} and mask {mask.shape}")
    return x


def _masked_softmax_impl(xp, x, mask):
    z = xp.where(mask, x, -xp.inf)
    m = z.max(axis=-1, keepdims=True)
    m = xp.where(xp.isfinite(m), m, 0)  # fully blocked rows have m = -inf
    e = xp.exp(z - m)  # exp(-inf) = 0 exactly at blocked entries
    s = e.sum(axis=-1, keepdims=True)
    e /= s + (s == 0)  # a fully blocked row stays all zeros instead of 0/0
    return e


def _masked_softmax_lin(ops, v, out):
    shape = ops.shape_of(out)
    nd = len(shape)
    dot = ops.broadcast_to(ops.reduce_sum(ops.mul(v, out), (nd - 1,)), shape, axes=tuple(range(nd - 1)))
    return ops.mul(out, ops.sub(v, dot))


masked_softmax_p = defop(
    "masked_softmax", shape=_masked_softmax_shape, impl=_masked_softmax_impl,
    vjp=[lambda ops, g, out, x, mask: _masked_softmax_lin(ops, g, out), None],
    jvp=[lambda ops, t, out, x, mask: _masked_softmax_lin(ops, t, out), None],
    doc="Max-shifted softmax over the last axis of the entries where mask is True; blocked "
        "entries are exactly 0 and a fully blocked row is all zeros (no NaN). A primitive for "
        "numerical stability. The mask gets no gradient.",
)
