"""``torch.nn.functional.scaled_dot_product_attention`` with PyTorch's layout and mask convention.

``query (..., L, E)``, ``key (..., S, E)``, ``value (..., S, Ev)`` -> ``(..., L, Ev)``; the
leading (batch, head) dims broadcast. ``softmax(q k^T * scale + mask) v`` with ``scale``
``1 / sqrt(E)`` by default. A bool ``attn_mask`` marks the keys that take part (True = attend);
a float mask is added to the scores; ``is_causal`` is the top-left lower-triangular bool mask
``tril(ones(L, S))``. Composite: matmul, the ``masked_softmax`` primitive (max-shifted; a
blocked key gets exactly zero weight) or ``softmax`` without a mask, dropout, matmul.

A query whose keys are all blocked (a bool row of False, or a float row of -inf) gets all-zero
weights, so its output row is zero with zero gradient: PyTorch 2.13 gives the same zeros (its
``_safe_softmax``); older PyTorch versions gave NaN there. Grouped-query attention
(``enable_gqa=True``) is not supported (``ArgumentError``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._core.errors import ArgumentError, DTypeError, ShapeError
from .._core.shapes import broadcast_shapes
from .dispatch import tensor, torch_op
from .nn_common import flag, float_tensor, number, same_dtype

__all__ = ["scaled_dot_product_attention"]


@torch_op
def scaled_dot_product_attention(query: Any, key: Any, value: Any, attn_mask: Any = None,
                                 dropout_p: float = 0.0, is_causal: bool = False, *,
                                 scale: float | None = None, enable_gqa: bool = False) -> Any:
    """Attention ``softmax(query @ key^T * scale + mask) @ value`` (module docstring).

    ``dropout_p > 0`` drops attention weights with the session's random stream (as PyTorch,
    always, whatever the mode: pass 0.0 for evaluation)."""
    op = "scaled_dot_product_attention"
    q, k, v = (float_tensor(op, n, a) for n, a in (("query", query), ("key", key), ("value", value)))
    same_dtype(op, q, "key", k)
    same_dtype(op, q, "value", v)
    if q.ndim < 2 or k.ndim < 2 or v.ndim < 2:
        raise ShapeError(f"{op}: expected query (..., L, E), key (..., S, E) and value (..., S, Ev), "
                         f"got {q.shape}, {k.shape} and {v.shape}")
    (lq, e), (s, ek), sv = q.shape[-2:], k.shape[-2:], v.shape[-2]
    if ek != e or sv != s:
        raise ShapeError(f"{op}: expected key (..., S, E) and value (..., S, Ev) with E = {e} (query's "
                         f"last dim) and one S, got query {q.shape}, key {k.shape} and value {v.shape}")
    batch = broadcast_shapes(op, q.shape[:-2], k.shape[:-2], v.shape[:-2])
    p = number(op, "dropout_p", dropout_p, lo=0.0, hi=1.0)
    causal = flag(op, "is_causal", is_causal)
    if flag(op, "enable_gqa", enable_gqa):
        raise ArgumentError(f"{op}: enable_gqa=True (grouped-query attention) is not supported; repeat "
                            "the key/value heads to the query's head count instead")
    sc = 1.0 / math.sqrt(e) if scale is None else number(op, "scale", scale)
    scores_shape = (*batch, lq, s)
    mask = None
    if attn_mask is not None:
        if causal:
            raise ArgumentError(f"{op}: give either attn_mask or is_causal=True, not both")
        mask = tensor(op, "attn_mask", attn_mask)
        if mask.dtype.kind == "f":
            same_dtype(op, q, "attn_mask", mask)
        elif mask.dtype.kind != "b":
            raise DTypeError(f"{op}: attn_mask must be a bool mask (True = attend) or a float mask "
                             f"added to the scores, got {mask.dtype.name}")
        scores_shape = broadcast_shapes(op, scores_shape, tuple(mask.shape))
    ops = q.session
    scores = ops.scale(ops.matmul(q, ops.transpose(k, -2, -1)), sc)
    if tuple(ops.shape_of(scores)) != scores_shape:
        scores = ops.broadcast_to(scores, scores_shape)
    if causal:
        mask = ops.lift(np.tril(np.ones((lq, s), dtype=bool)), np.bool_)
    if mask is None:
        attn = ops.softmax(scores, -1)
    else:
        if mask.dtype.kind == "f":  # added to the scores; a -inf entry is a blocked key
            scores = ops.add(scores, mask)
            mask = ops.ne(scores, float("-inf"))
        attn = ops.masked_softmax(scores, mask)
    if p > 0.0:
        attn = ops.dropout(attn, p)
    return ops.matmul(attn, v)
