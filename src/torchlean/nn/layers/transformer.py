"""Transformer layers with PyTorch's names, submodule layout (state-dict keys) and semantics:
``TransformerEncoderLayer``, ``TransformerEncoder``, ``TransformerDecoderLayer``,
``TransformerDecoder`` and ``Transformer``.

Each layer is ``MultiheadAttention``, ``Linear``, ``LayerNorm`` and ``Dropout`` submodules named as
torch's (``self_attn.in_proj_weight``, ``linear1.weight``, ``norm1.bias``...); stacks deep-copy
their layer (``layers.0...``, ``layers.1...``). Dropout in training mode draws from the session's
random stream (masks differ from torch's; pass ``dropout=0.0`` or call ``eval()`` to compare).

Differences from PyTorch: there is no nested-tensor or fused inference fast path
(``enable_nested_tensor`` and ``mask_check`` are accepted and change nothing; torch's fast path
gives the same numbers, except that it zeroes the outputs at padded positions); ``is_causal=None``
is not inferred from the mask's values (the mask is applied as given, which gives the same result).
``generate_square_subsequent_mask`` returns a NumPy array (there is no session to make a tensor
on): pass it as a mask inside a model, or make it a tensor with ``s.input``/``s.const``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

from ..._core.errors import ArgumentError, ShapeError
from ..._core.types import as_dtype, float_dtype
from ...pt.dispatch import tensor
from .. import functional as F
from ..containers import ModuleList
from ..module import Module
from ._factory import check_flag, check_probability, dtype_of, framed, positive_int
from .attention import MultiheadAttention
from .basic import Dropout, Linear
from .norm import LayerNorm

__all__ = ["Transformer", "TransformerDecoder", "TransformerDecoderLayer", "TransformerEncoder",
           "TransformerEncoderLayer"]


def _activation(op: str, activation: Any) -> Callable[[Any], Any]:
    if isinstance(activation, str):
        if activation == "relu":
            return F.relu
        if activation == "gelu":
            return F.gelu
        raise ArgumentError(f"{op}: activation should be 'relu' or 'gelu' (or a callable), got {activation!r}")
    if not callable(activation):
        raise ArgumentError(f"{op}: activation should be 'relu', 'gelu' or a callable, got {activation!r}")
    return activation


def _common(op: str, d_model: Any, nhead: Any, dim_feedforward: Any, dropout: Any, layer_norm_eps: Any,
            batch_first: Any, norm_first: Any, bias: Any) -> tuple[int, int, int, float, float]:
    """The checked arguments shared by the encoder and decoder layers (before anything is built)."""
    d, h, ff = (positive_int(op, n, v) for n, v in (("d_model", d_model), ("nhead", nhead),
                                                     ("dim_feedforward", dim_feedforward)))
    if d % h:
        raise ArgumentError(f"{op}: d_model ({d}) must be divisible by nhead ({h})")
    p = check_probability(op, "dropout", dropout)
    if isinstance(layer_norm_eps, bool) or not isinstance(layer_norm_eps, (int, float)) or not layer_norm_eps > 0:
        raise ArgumentError(f"{op}: layer_norm_eps must be a positive number, got {layer_norm_eps!r}")
    for n, v in (("batch_first", batch_first), ("norm_first", norm_first), ("bias", bias)):
        check_flag(op, n, v)
    return d, h, ff, p, float(layer_norm_eps)


def _check_input(op: str, x: Any, what: str, d_model: int) -> Any:
    t = tensor(op, what, x)
    if t.ndim not in (2, 3) or t.shape[-1] != d_model:
        raise ShapeError(f"{op}: expected {what} of shape (S, N, {d_model}), (N, S, {d_model}) or "
                         f"(S, {d_model}), got {tuple(t.shape)}")
    return t


class TransformerEncoderLayer(Module):
    """``torch.nn.TransformerEncoderLayer``: self-attention and a feed-forward block, each with
    a residual connection and LayerNorm (after by default, before with ``norm_first``).
    ``activation`` is ``"relu"``, ``"gelu"`` or a callable (a function or a module)."""

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: str | Callable[[Any], Any] = F.relu, layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        op = "TransformerEncoderLayer"
        d, h, ff, p, eps = _common(op, d_model, nhead, dim_feedforward, dropout, layer_norm_eps, batch_first,
                                   norm_first, bias)
        act = _activation(op, activation)
        dtype_of(op, dtype, device)
        kw = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(d, h, dropout=p, bias=bias, batch_first=batch_first, **kw)
        self.linear1 = Linear(d, ff, bias=bias, **kw)
        self.dropout = Dropout(p)
        self.linear2 = Linear(ff, d, bias=bias, **kw)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d, eps=eps, bias=bias, **kw)
        self.norm2 = LayerNorm(d, eps=eps, bias=bias, **kw)
        self.dropout1 = Dropout(p)
        self.dropout2 = Dropout(p)
        self.activation = act

    def forward(self, src: Any, src_mask: Any = None, src_key_padding_mask: Any = None, is_causal: bool = False
                ) -> Any:
        """``src`` ``(S, N, E)`` (``(N, S, E)`` with ``batch_first``; ``(S, E)`` unbatched); masks
        as ``MultiheadAttention``'s ``attn_mask`` and ``key_padding_mask``."""
        op = "TransformerEncoderLayer"
        x = _check_input(op, src, "src", self.self_attn.embed_dim)
        return framed(op, x.session, self._forward, x, src_mask, src_key_padding_mask, is_causal)

    def _forward(self, x: Any, mask: Any, pad: Any, is_causal: Any) -> Any:
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), mask, pad, is_causal)
            return x + self._ff_block(self.norm2(x))
        x = self.norm1(x + self._sa_block(x, mask, pad, is_causal))
        return self.norm2(x + self._ff_block(x))

    def _sa_block(self, x: Any, mask: Any, pad: Any, is_causal: Any) -> Any:
        x = self.self_attn(x, x, x, attn_mask=mask, key_padding_mask=pad, need_weights=False,
                           is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x: Any) -> Any:
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerDecoderLayer(Module):
    """``torch.nn.TransformerDecoderLayer``: self-attention, attention over ``memory``
    (``multihead_attn``) and a feed-forward block, each with a residual and LayerNorm."""

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: str | Callable[[Any], Any] = F.relu, layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        op = "TransformerDecoderLayer"
        d, h, ff, p, eps = _common(op, d_model, nhead, dim_feedforward, dropout, layer_norm_eps, batch_first,
                                   norm_first, bias)
        act = _activation(op, activation)
        dtype_of(op, dtype, device)
        kw = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(d, h, dropout=p, batch_first=batch_first, bias=bias, **kw)
        self.multihead_attn = MultiheadAttention(d, h, dropout=p, batch_first=batch_first, bias=bias, **kw)
        self.linear1 = Linear(d, ff, bias=bias, **kw)
        self.dropout = Dropout(p)
        self.linear2 = Linear(ff, d, bias=bias, **kw)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d, eps=eps, bias=bias, **kw)
        self.norm2 = LayerNorm(d, eps=eps, bias=bias, **kw)
        self.norm3 = LayerNorm(d, eps=eps, bias=bias, **kw)
        self.dropout1 = Dropout(p)
        self.dropout2 = Dropout(p)
        self.dropout3 = Dropout(p)
        self.activation = act

    def forward(self, tgt: Any, memory: Any, tgt_mask: Any = None, memory_mask: Any = None,
                tgt_key_padding_mask: Any = None, memory_key_padding_mask: Any = None, tgt_is_causal: bool = False,
                memory_is_causal: bool = False) -> Any:
        """``tgt`` ``(T, N, E)`` and ``memory`` ``(S, N, E)`` (batch first with ``batch_first``)."""
        op = "TransformerDecoderLayer"
        d = self.self_attn.embed_dim
        x = _check_input(op, tgt, "tgt", d)
        _check_input(op, memory, "memory", d)
        return framed(op, x.session, self._forward, x, memory, tgt_mask, memory_mask, tgt_key_padding_mask,
                      memory_key_padding_mask, tgt_is_causal, memory_is_causal)

    def _forward(self, x: Any, mem: Any, tgt_mask: Any, mem_mask: Any, tgt_pad: Any, mem_pad: Any,
                 tgt_causal: Any, mem_causal: Any) -> Any:
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_pad, tgt_causal)
            x = x + self._mha_block(self.norm2(x), mem, mem_mask, mem_pad, mem_causal)
            return x + self._ff_block(self.norm3(x))
        x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_pad, tgt_causal))
        x = self.norm2(x + self._mha_block(x, mem, mem_mask, mem_pad, mem_causal))
        return self.norm3(x + self._ff_block(x))

    def _sa_block(self, x: Any, mask: Any, pad: Any, is_causal: Any) -> Any:
        x = self.self_attn(x, x, x, attn_mask=mask, key_padding_mask=pad, is_causal=is_causal,
                           need_weights=False)[0]
        return self.dropout1(x)

    def _mha_block(self, x: Any, mem: Any, mask: Any, pad: Any, is_causal: Any) -> Any:
        x = self.multihead_attn(x, mem, mem, attn_mask=mask, key_padding_mask=pad, is_causal=is_causal,
                                need_weights=False)[0]
        return self.dropout2(x)

    def _ff_block(self, x: Any) -> Any:
        return self.dropout3(self.linear2(self.dropout(self.activation(self.linear1(x)))))


def _clones(op: str, layer: Any, num_layers: Any, kind: type) -> ModuleList:
    if not isinstance(layer, Module):
        raise ArgumentError(f"{op}: expected a {kind.__name__} (or another Module) to copy, got "
                            f"{type(layer).__name__}")
    n = positive_int(op, "num_layers", num_layers)
    return ModuleList([copy.deepcopy(layer) for _ in range(n)])


def _optional_module(op: str, what: str, m: Any) -> Any:
    if m is not None and not isinstance(m, Module):
        raise ArgumentError(f"{op}: {what} must be a Module or None, got {type(m).__name__}")
    return m


def _causal_flag(op: str, what: str, v: Any) -> bool:
    """``is_causal``: True, False or None (torch infers it from the mask; applying the mask as
    given is the same computation)."""
    return False if v is None else check_flag(op, what, v)


class TransformerEncoder(Module):
    """``torch.nn.TransformerEncoder``: ``num_layers`` deep copies of ``encoder_layer``
    (``layers.0``, ``layers.1``...), then ``norm`` if given."""

    def __init__(self, encoder_layer: Module, num_layers: int, norm: Module | None = None,
                 enable_nested_tensor: bool = True, mask_check: bool = True) -> None:
        super().__init__()
        op = "TransformerEncoder"
        norm = _optional_module(op, "norm", norm)
        check_flag(op, "enable_nested_tensor", enable_nested_tensor)
        check_flag(op, "mask_check", mask_check)
        self.layers = _clones(op, encoder_layer, num_layers, TransformerEncoderLayer)
        self.num_layers = int(num_layers)
        self.norm = norm
        self.enable_nested_tensor, self.use_nested_tensor, self.mask_check = enable_nested_tensor, False, mask_check

    def forward(self, src: Any, mask: Any = None, src_key_padding_mask: Any = None, is_causal: bool | None = None
                ) -> Any:
        op = "TransformerEncoder"
        x = tensor(op, "src", src)
        causal = _causal_flag(op, "is_causal", is_causal)
        return framed(op, x.session, self._forward, x, mask, src_key_padding_mask, causal)

    def _forward(self, x: Any, mask: Any, pad: Any, causal: bool) -> Any:
        for layer in self.layers:
            x = layer(x, src_mask=mask, is_causal=causal, src_key_padding_mask=pad)
        return x if self.norm is None else self.norm(x)


class TransformerDecoder(Module):
    """``torch.nn.TransformerDecoder``: ``num_layers`` deep copies of ``decoder_layer``, then
    ``norm`` if given."""

    def __init__(self, decoder_layer: Module, num_layers: int, norm: Module | None = None) -> None:
        super().__init__()
        op = "TransformerDecoder"
        norm = _optional_module(op, "norm", norm)
        self.layers = _clones(op, decoder_layer, num_layers, TransformerDecoderLayer)
        self.num_layers = int(num_layers)
        self.norm = norm

    def forward(self, tgt: Any, memory: Any, tgt_mask: Any = None, memory_mask: Any = None,
                tgt_key_padding_mask: Any = None, memory_key_padding_mask: Any = None,
                tgt_is_causal: bool | None = None, memory_is_causal: bool = False) -> Any:
        op = "TransformerDecoder"
        x = tensor(op, "tgt", tgt)
        causal = _causal_flag(op, "tgt_is_causal", tgt_is_causal)
        return framed(op, x.session, self._forward, x, memory, tgt_mask, memory_mask, tgt_key_padding_mask,
                      memory_key_padding_mask, causal, memory_is_causal)

    def _forward(self, x: Any, mem: Any, tgt_mask: Any, mem_mask: Any, tgt_pad: Any, mem_pad: Any,
                 tgt_causal: bool, mem_causal: Any) -> Any:
        for layer in self.layers:
            x = layer(x, mem, tgt_mask=tgt_mask, memory_mask=mem_mask, tgt_key_padding_mask=tgt_pad,
                      memory_key_padding_mask=mem_pad, tgt_is_causal=tgt_causal, memory_is_causal=mem_causal)
        return x if self.norm is None else self.norm(x)


class Transformer(Module):
    """``torch.nn.Transformer``: an encoder (``encoder.layers.*``, ``encoder.norm``) and a decoder
    (``decoder.layers.*``, ``decoder.norm``); every parameter with more than one dimension is
    re-drawn xavier_uniform_ as torch does."""

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6, num_decoder_layers: int = 6,
                 dim_feedforward: int = 2048, dropout: float = 0.1, activation: str | Callable[[Any], Any] = F.relu,
                 custom_encoder: Any | None = None, custom_decoder: Any | None = None, layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        op = "Transformer"
        d, h, ff, p, eps = _common(op, d_model, nhead, dim_feedforward, dropout, layer_norm_eps, batch_first,
                                   norm_first, bias)
        positive_int(op, "num_encoder_layers", num_encoder_layers)
        positive_int(op, "num_decoder_layers", num_decoder_layers)
        _optional_module(op, "custom_encoder", custom_encoder)
        _optional_module(op, "custom_decoder", custom_decoder)
        _activation(op, activation)
        kw = {"device": device, "dtype": dtype}
        layer_args = (d, h, ff, p, activation, eps, batch_first, norm_first, bias)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            self.encoder = TransformerEncoder(TransformerEncoderLayer(*layer_args, **kw), num_encoder_layers,
                                              LayerNorm(d, eps=eps, bias=bias, **kw))
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            self.decoder = TransformerDecoder(TransformerDecoderLayer(*layer_args, **kw), num_decoder_layers,
                                              LayerNorm(d, eps=eps, bias=bias, **kw))
        from .. import init

        for prm in self.parameters():
            if len(prm.shape) > 1:
                init.xavier_uniform_(prm)
        self.d_model, self.nhead, self.batch_first = d, h, batch_first

    def forward(self, src: Any, tgt: Any, src_mask: Any = None, tgt_mask: Any = None, memory_mask: Any = None,
                src_key_padding_mask: Any = None, tgt_key_padding_mask: Any = None,
                memory_key_padding_mask: Any = None, src_is_causal: bool | None = None,
                tgt_is_causal: bool | None = None, memory_is_causal: bool = False) -> Any:
        op = "Transformer"
        s, t = tensor(op, "src", src), tensor(op, "tgt", tgt)
        b = 0 if self.batch_first else 1
        if s.ndim == 3 and t.ndim == 3 and s.shape[b] != t.shape[b]:
            raise ShapeError(f"{op}: the batch number of src and tgt must be equal, got shapes {tuple(s.shape)} "
                             f"and {tuple(t.shape)}")
        if s.shape[-1] != self.d_model or t.shape[-1] != self.d_model:
            raise ShapeError(f"{op}: the feature number of src and tgt must be equal to d_model ({self.d_model}), "
                             f"got shapes {tuple(s.shape)} and {tuple(t.shape)}")
        return framed(op, s.session, self._forward, s, t, src_mask, tgt_mask, memory_mask, src_key_padding_mask,
                      tgt_key_padding_mask, memory_key_padding_mask, src_is_causal, tgt_is_causal,
                      memory_is_causal)

    def _forward(self, s: Any, t: Any, src_mask: Any, tgt_mask: Any, memory_mask: Any, src_pad: Any, tgt_pad: Any,
                 mem_pad: Any, src_causal: Any, tgt_causal: Any, mem_causal: Any) -> Any:
        memory = self.encoder(s, mask=src_mask, src_key_padding_mask=src_pad, is_causal=src_causal)
        return self.decoder(t, memory, tgt_mask=tgt_mask, memory_mask=memory_mask, tgt_key_padding_mask=tgt_pad,
                            memory_key_padding_mask=mem_pad, tgt_is_causal=tgt_causal, memory_is_causal=mem_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device: Any = None, dtype: Any = None) -> np.ndarray:
        """The causal float mask ``(sz, sz)``: ``-inf`` above the diagonal, 0 elsewhere, as a
        NumPy array of ``dtype`` (float32 by default). Masks given to the attention layers may
        be host arrays like this one (they become constants of the input's session or trace)."""
        op = "Transformer.generate_square_subsequent_mask"
        n = positive_int(op, "sz", sz, allow_zero=True)
        dtype_of(op, None, device)
        dt = np.dtype(np.float32) if dtype is None else float_dtype(as_dtype(dtype, op), op)
        return np.triu(np.full((n, n), -np.inf, dt), 1)
