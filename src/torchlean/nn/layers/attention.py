"""``MultiheadAttention`` with PyTorch's parameter layout, initialisation and forward semantics.

The forward is composed from ``torchlean.nn.functional``, tensor methods and the binder's
``masked_softmax`` (no primitive of its own) and runs as one public op named after the layer:
it records all its nodes or none, and an error raised inside names the layer.

Divergence from PyTorch: a query whose keys are all masked gets all-zero attention weights and
a zero attention output (with zero gradient). PyTorch gives NaN there when ``need_weights=True``
and zeros when ``need_weights=False`` (its ``scaled_dot_product_attention`` path); torchlean gives
the zeros on both paths.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..._core.errors import ArgumentError, DTypeError, ShapeError
from ...params import Param
from ...pt.dispatch import is_tensor, tensor
from ...pt.shape import cat
from .. import functional as F
from .. import init
from ..module import Module
from ._factory import check_flag, check_probability, const_param, dtype_of, float_input, framed, positive_int
from .basic import Linear

__all__ = ["MultiheadAttention"]


def _mask(op: str, what: str, v: Any, dtype: np.dtype, shapes: tuple[tuple[int, ...], ...], ops: Any) -> Any:
    """A bool (True = masked out) or float (added to the scores) mask of one of ``shapes``: a
    torchlean tensor, or host data (a NumPy array, ``generate_square_subsequent_mask``'s result)
    made a constant of the query's binder (float data in the query's dtype)."""
    if v is None:
        return None
    if not is_tensor(v) and (isinstance(v, np.ndarray) or hasattr(v, "__array__")):
        arr = np.asarray(v)
        if arr.dtype.kind not in "bf":
            raise DTypeError(f"{op}: {what} must be a bool mask (True = not allowed to attend) or a float "
                             f"mask added to the attention scores, got {arr.dtype.name}")
        if arr.shape not in shapes:
            raise ShapeError(f"{op}: expected {what} of shape " + " or ".join(map(str, shapes))
                             + f", got {arr.shape}")
        dt = np.dtype(np.bool_) if arr.dtype.kind == "b" else dtype
        return ops.lift(arr.astype(dt), dt)
    m = tensor(op, what, v)
    if m.dtype.kind == "f":
        if m.dtype != dtype:
            raise DTypeError(f"{op}: {what} is {m.dtype.name} but the query is {dtype.name}")
    elif m.dtype.kind != "b":
        raise DTypeError(f"{op}: {what} must be a bool mask (True = not allowed to attend) or a float mask "
                         f"added to the attention scores, got {m.dtype.name}")
    if tuple(m.shape) not in shapes:
        raise ShapeError(f"{op}: expected {what} of shape " + " or ".join(map(str, shapes))
                         + f", got {tuple(m.shape)}")
    return m


class MultiheadAttention(Module):
    """``torch.nn.MultiheadAttention``: ``in_proj_weight`` ``(3E, E)`` and ``in_proj_bias``
    ``(3E,)`` when ``kdim == vdim == embed_dim``, else ``q_proj_weight`` ``(E, E)``,
    ``k_proj_weight`` ``(E, kdim)``, ``v_proj_weight`` ``(E, vdim)``; ``out_proj`` a ``Linear``
    (keys ``out_proj.weight``/``out_proj.bias``); ``bias_k``/``bias_v`` ``(1, 1, E)`` with
    ``add_bias_kv``. Init as torch: xavier_uniform_ projection weights, zero biases (also
    ``out_proj.bias``), xavier_normal_ ``bias_k``/``bias_v``; ``out_proj.weight`` Linear's default.

    ``forward`` returns ``(attn_output, attn_weights or None)`` with torch's shapes; masks are
    bool (True = not allowed to attend) or float (added to the scores). Attention dropout uses
    the session's random stream and applies in training mode only.
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        op = "MultiheadAttention"
        dt = dtype_of(op, dtype, device)
        e = positive_int(op, "embed_dim", embed_dim)
        h = positive_int(op, "num_heads", num_heads)
        if e % h:
            raise ArgumentError(f"{op}: embed_dim ({e}) must be divisible by num_heads ({h})")
        kd = e if kdim is None else positive_int(op, "kdim", kdim)
        vd = e if vdim is None else positive_int(op, "vdim", vdim)
        p = check_probability(op, "dropout", dropout)
        flags = [check_flag(op, n, v) for n, v in (("bias", bias), ("add_bias_kv", add_bias_kv),
                                                   ("add_zero_attn", add_zero_attn), ("batch_first", batch_first))]
        bias, add_bias_kv, add_zero_attn, batch_first = flags
        self.embed_dim, self.kdim, self.vdim, self.num_heads = e, kd, vd, h
        self._qkv_same_embed_dim = kd == e and vd == e
        self.dropout, self.batch_first, self.head_dim = p, batch_first, e // h
        if self._qkv_same_embed_dim:
            self.in_proj_weight = init.xavier_uniform_(const_param((3 * e, e), 0.0, dt))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = init.xavier_uniform_(const_param((e, e), 0.0, dt))
            self.k_proj_weight = init.xavier_uniform_(const_param((e, kd), 0.0, dt))
            self.v_proj_weight = init.xavier_uniform_(const_param((e, vd), 0.0, dt))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = const_param((3 * e,), 0.0, dt)
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(e, e, bias=bias, dtype=dt)
        if bias:
            init.zeros_(self.out_proj.bias)
        if add_bias_kv:
            self.bias_k = init.xavier_normal_(const_param((1, 1, e), 0.0, dt))
            self.bias_v = init.xavier_normal_(const_param((1, 1, e), 0.0, dt))
        else:
            self.register_parameter("bias_k", None)
            self.register_parameter("bias_v", None)
        self.add_zero_attn = add_zero_attn

    def extra_repr(self) -> str:
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, batch_first={self.batch_first}"

    def forward(self, query: Any, key: Any, value: Any, key_padding_mask: Any = None, need_weights: bool = True,
                attn_mask: Any = None, average_attn_weights: bool = True, is_causal: bool = False
                ) -> tuple[Any, Any]:
        """``(L, N, E)`` inputs (``(N, L, E)`` with ``batch_first``; ``(L, E)`` unbatched) ->
        ``(attn_output, attn_weights)``: weights ``(N, L, S)`` averaged over heads, or
        ``(N, num_heads, L, S)``, or None with ``need_weights=False``. ``key_padding_mask``
        ``(N, S)``; ``attn_mask`` ``(L, S)`` or ``(N * num_heads, L, S)``. ``is_causal`` is a hint
        that ``attn_mask`` is the causal mask (it needs one, as torch); with
        ``need_weights=False`` and no ``key_padding_mask`` the causal mask is used in its place."""
        q = tensor("MultiheadAttention", "query", query)
        return framed("MultiheadAttention", q.session, self._forward, query, key, value, key_padding_mask,
                      need_weights, attn_mask, average_attn_weights, is_causal)

    def _weight(self) -> Param:
        return self.in_proj_weight if self._qkv_same_embed_dim else self.q_proj_weight

    def _forward(self, query: Any, key: Any, value: Any, key_padding_mask: Any, need_weights: Any,
                 attn_mask: Any, average_attn_weights: Any, is_causal: Any) -> tuple[Any, Any]:
        op = "MultiheadAttention"
        dt = self._weight().dtype
        q, k, v = (float_input(op, n, a, dt) for n, a in (("query", query), ("key", key), ("value", value)))
        need_weights = check_flag(op, "need_weights", need_weights)
        average = check_flag(op, "average_attn_weights", average_attn_weights)
        causal = check_flag(op, "is_causal", is_causal)
        batched = q.ndim == 3
        if q.ndim not in (2, 3) or k.ndim != q.ndim or v.ndim != q.ndim:
            raise ShapeError(f"{op}: expected query, key and value all 3-D (batched) or all 2-D (unbatched), got "
                             f"shapes {tuple(q.shape)}, {tuple(k.shape)} and {tuple(v.shape)}")
        e, h = self.embed_dim, self.num_heads
        # (N, L, E) layout from here on
        if batched and not self.batch_first:
            q, k, v = q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1)
        elif not batched:
            q, k, v = q.unsqueeze(0), k.unsqueeze(0), v.unsqueeze(0)
        n, lq, eq = q.shape
        nk, s, ek = k.shape
        nv, sv, ev = v.shape
        layout = ("(N, L, E)" if self.batch_first else "(L, N, E)") if batched else "(L, E)"
        if eq != e or ek != self.kdim or ev != self.vdim or nk != n or nv != n or sv != s:
            raise ShapeError(f"{op}: expected query, key and value laid out {layout} with embedding sizes "
                             f"{e}, {self.kdim} and {self.vdim} and one batch and source length, got shapes "
                             f"{tuple(query.shape)}, {tuple(key.shape)} and {tuple(value.shape)}")
        ops = q.session
        kpm = _mask(op, "key_padding_mask", key_padding_mask, dt, ((n, s),) if batched else ((s,),), ops)
        am = _mask(op, "attn_mask", attn_mask, dt, ((lq, s), (n * h, lq, s)), ops)
        if causal and am is None:
            raise ArgumentError(f"{op}: is_causal=True needs attn_mask (the causal mask itself; "
                                "Transformer.generate_square_subsequent_mask makes one)")
        use_causal = causal and kpm is None and not need_weights
        if use_causal:
            am = None

        # projections
        w, b = self.in_proj_weight, self.in_proj_bias
        bq = bk = bv = None
        if b is not None:
            bq, bk, bv = b[:e], b[e:2 * e], b[2 * e:]
        if self._qkv_same_embed_dim:
            wq, wk, wv = w[:e], w[e:2 * e], w[2 * e:]
        else:
            wq, wk, wv = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        qp, kp, vp = F.linear(q, wq, bq), F.linear(k, wk, bk), F.linear(v, wv, bv)

        # masks, broadcastable to the scores (N, H, L, S'): blocked (bool) and added (float)
        blocked: list[Any] = []
        added: list[Any] = []
        for m, shape in ((am, None), (kpm, (n, 1, 1, s))):
            if m is None:
                continue
            if shape is None:
                shape = (1, 1, lq, s) if m.ndim == 2 else (n, h, lq, s)
            (blocked if m.dtype.kind == "b" else added).append(m.reshape(shape))
        extra = 0
        if self.bias_k is not None:
            kp = cat([kp, self.bias_k.expand(n, 1, e)], 1)
            vp = cat([vp, self.bias_v.expand(n, 1, e)], 1)
            extra += 1
        hd = self.head_dim
        qh = qp.reshape(n, lq, h, hd).transpose(1, 2)
        kh = kp.reshape(n, s + extra, h, hd).transpose(1, 2)
        vh = vp.reshape(n, s + extra, h, hd).transpose(1, 2)
        if self.add_zero_attn:
            zeros = ops.zeros(n, h, 1, hd, dtype=dt)
            kh, vh = cat([kh, zeros], 2), cat([vh, zeros], 2)
            extra += 1
        src = s + extra
        if extra:  # the appended keys are never masked
            blocked = [cat([m, ops.zeros(*m.shape[:-1], extra, dtype=np.bool_)], -1) for m in blocked]
            added = [cat([m, ops.zeros(*m.shape[:-1], extra, dtype=dt)], -1) for m in added]
        if use_causal:
            blocked.append(ops.lift(np.triu(np.ones((lq, src), dtype=bool), 1), np.bool_))

        scores = (qh @ kh.transpose(-2, -1)) * (1.0 / math.sqrt(hd))
        for m in added:
            scores = scores + m
        keep = None
        for m in blocked:
            k_ = m.logical_not()
            keep = k_ if keep is None else keep.logical_and(k_)
        if added:
            finite = scores.ne(float("-inf"))
            keep = finite if keep is None else finite.logical_and(keep)
        weights = F.softmax(scores, -1) if keep is None else ops.masked_softmax(scores, keep)
        if self.dropout > 0.0 and self.training:
            weights = F.dropout(weights, self.dropout, True)
        out = (weights @ vh).transpose(1, 2).reshape(n, lq, e)
        out = self.out_proj(out)
        if not batched:
            out = out.squeeze(0)
        elif not self.batch_first:
            out = out.transpose(0, 1)
        if not need_weights:
            return out, None
        if average:
            weights = weights.mean(1)
        return out, (weights if batched else weights.squeeze(0))
