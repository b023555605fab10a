"""Normalisation, attention, activation and loss ops of the nn family: layer_norm,
batchnorm_channel_first, multi_head_attention, masked_softmax, gelu (the seed's), and the
primitives under ``torchlean.nn.functional``: elu, bce_loss, check_index.

Primitives: ``normalize_last`` (``ops/norm.py``) and ``masked_softmax`` (``ops/attention.py``)
for numerical stability, ``elu`` (``ops/activation.py``) for accuracy, ``bce_loss`` and
``check_index`` (``ops/loss.py``) for stability and PyTorch's value checks; everything else here
is a composite of existing ops (reshape, permute, matmul, broadcast_to, elementwise),
differentiated through their rules. Every method checks its arguments and raises ``ShapeError``/``DTypeError`` naming
the op before anything is bound, so a failed call leaves the tape unchanged.
"""

from __future__ import annotations

import math
from typing import Any

from .. import ops as _ops  # noqa: F401  (registers every primitive)
from .._core.errors import ArgumentError, DTypeError, ShapeError
from .._core.registry import REGISTRY
from .._core.shapes import prod
from .._core.types import check_float, check_int
from .base import OpsBase

P = REGISTRY

_GELU_C = math.sqrt(2.0 / math.pi)
_GELU_A = 0.044715


def _check_eps(op: str, eps: Any) -> float:
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not eps >= 0:
        raise ArgumentError(f"{op}: eps must be a non-negative number, got {eps!r}")
    return float(eps)


def _number(op: str, what: str, v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ArgumentError(f"{op}: {what} must be a finite number, got {v!r}")
    return float(v)


class NormAttentionOps(OpsBase):
    """Normalisation and attention (see module docstring)."""

    # -- normalisation ---------------------------------------------------------------------
    def normalize_last(self, x: Any, eps: float = 1e-6) -> Any:
        """``(x - mean) / sqrt(var + eps)`` over the last axis (biased variance), no affine map.

        The primitive under ``layer_norm`` and ``batchnorm_channel_first``; equals
        ``F.layer_norm(x, x.shape[-1:], eps=eps)`` without weight and bias.
        """
        eps = _check_eps("normalize_last", eps)
        t = self.type_of(x)
        if t.ndim < 1 or t.shape[-1] < 1:
            raise ShapeError(f"normalize_last: expected a tensor (..., E) with E >= 1, got shape {t.shape}")
        return self.bind(P["normalize_last"], x, eps=eps)

    def _affine(self, y: Any, gamma: Any, beta: Any, axis: int) -> Any:
        """y * gamma + beta with gamma, beta (C,) laid along ``axis`` of y (explicit broadcast)."""
        shape = self.shape_of(y)
        g = self.broadcast_to(gamma, shape, axes=(axis,))
        b = self.broadcast_to(beta, shape, axes=(axis,))
        return self.add(self.mul(y, g), b)

    def _check_affine(self, op: str, x: Any, gamma: Any, beta: Any, n: int, what: str) -> None:
        sg, sb = self.shape_of(gamma), self.shape_of(beta)
        if sg != (n,) or sb != (n,):
            raise ShapeError(f"{op}: expected gamma and beta of shape ({n},) ({what}), "
                             f"got gamma {sg} and beta {sb}")
        check_float(op, self.type_of(x), self.type_of(gamma), self.type_of(beta))

    def layer_norm(self, x: Any, gamma: Any, beta: Any, eps: float = 1e-6) -> Any:
        """Layer normalisation over the LAST axis: ``(x - mean) / sqrt(var + eps) * gamma + beta``.

        x is ``(..., E)``: the seed's ``(L, E)``, a single vector ``(E,)`` or any number of
        leading axes as PyTorch's ``F.layer_norm(x, (E,), gamma, beta, eps)``. gamma and beta are
        ``(E,)``; the variance is the biased one. ``eps`` defaults to the seed's 1e-6, NOT
        PyTorch's 1e-5. A composite of the ``normalize_last`` primitive and an explicitly
        broadcast affine map.
        """
        op = "layer_norm"
        eps = _check_eps(op, eps)
        sx = self.shape_of(x)
        if len(sx) < 1 or sx[-1] < 1:
            raise ShapeError(f"{op}: expected x (..., E) with E >= 1, got shape {sx}")
        self._check_affine(op, x, gamma, beta, sx[-1], "E, the last axis of x")
        y = self.bind(P["normalize_last"], x, eps=eps)
        return self._affine(y, gamma, beta, len(sx) - 1)

    def batchnorm_channel_first(self, x: Any, gamma: Any, beta: Any, eps: float = 1e-6,
                                spatial_dims: int = 2) -> Any:
        """The seed's "batch norm": per channel over the spatial axes of EACH sample, then
        ``* gamma + beta`` per channel.

        x is ``(C, *spatial)`` (seed: ``(C, H, W)``) or batched ``(N, C, *spatial)``, with
        ``spatial_dims`` spatial axes (2 by default, as the seed; any number >= 1), so rank
        ``spatial_dims + 1`` is one sample and ``spatial_dims + 2`` a batch. gamma and beta are
        ``(C,)``; biased variance; ``eps`` defaults to the seed's 1e-6 (PyTorch: 1e-5).

        Differences from PyTorch's ``BatchNorm2d``: statistics are per sample, never across the
        batch, and there are no running statistics and no train/eval mode. This is
        ``F.instance_norm(x, weight=gamma, bias=beta, eps=eps)`` (unbatched input treated as
        a batch of one). A composite: reshape to ``(..., C, prod(spatial))``, the
        ``normalize_last`` primitive, reshape back, affine map broadcast along the channel axis.
        """
        op = "batchnorm_channel_first"
        eps = _check_eps(op, eps)
        if isinstance(spatial_dims, bool) or not isinstance(spatial_dims, int) or spatial_dims < 1:
            raise ArgumentError(f"{op}: spatial_dims must be a positive int, got {spatial_dims!r}")
        sx = self.shape_of(x)
        if len(sx) not in (spatial_dims + 1, spatial_dims + 2) or any(d < 1 for d in sx):
            raise ShapeError(f"{op}: expected x (C, *spatial) or (N, C, *spatial) with "
                             f"{spatial_dims} non-empty spatial axes, got shape {sx}")
        caxis = len(sx) - spatial_dims - 1
        self._check_affine(op, x, gamma, beta, sx[caxis], "C, the channel axis of x")
        flat = self.reshape(x, (*sx[:caxis + 1], prod(sx[caxis + 1:])))
        y = self.reshape(self.bind(P["normalize_last"], flat, eps=eps), sx)
        return self._affine(y, gamma, beta, caxis)

    # -- activations -----------------------------------------------------------------------
    def gelu(self, x: Any) -> Any:
        """GELU, the seed's tanh approximation:
        ``0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x**3)))``.

        Equals PyTorch's ``F.gelu(x, approximate="tanh")``, NOT the default exact (erf) form
        ``F.gelu(x)``. A composite of elementwise ops.
        """
        inner = self.scale(self.add(x, self.scale(self.mul(self.mul(x, x), x), _GELU_A)), _GELU_C)
        return self.mul(self.scale(x, 0.5), self.add_scalar(self.tanh(inner), 1.0))

    def elu(self, x: Any, alpha: float = 1.0, scale: float = 1.0, input_scale: float = 1.0) -> Any:
        """PyTorch's ELU kernel: ``scale * x`` where x > 0, else
        ``scale * alpha * expm1(input_scale * x)`` (``F.elu``, ``F.selu`` and ``F.celu`` are
        this with their constants). The derivative at 0 is the negative side's, as PyTorch."""
        check_float("elu", self.type_of(x))
        params = {k: _number("elu", k, v) for k, v in
                  (("alpha", alpha), ("scale", scale), ("input_scale", input_scale))}
        return self.bind(P["elu"], x, **params)

    # -- losses and index checks -----------------------------------------------------------
    def bce_loss(self, x: Any, target: Any) -> Any:
        """Elementwise binary cross-entropy ``-(t log x + (1 - t) log(1 - x))``, each log
        clamped at -100, as PyTorch's ``F.binary_cross_entropy(..., reduction='none')``. x and
        target share one shape and float dtype; values outside [0, 1] raise ``ArgumentError``
        when the op runs. Both inputs get PyTorch's gradients."""
        tx, tt = self.type_of(x), self.type_of(target)
        check_float("bce_loss", tx, tt)
        if tx.shape != tt.shape:
            raise ShapeError(f"bce_loss: expected input and target of one shape, got {tx.shape} "
                             f"and {tt.shape}")
        return self.bind(P["bce_loss"], x, target)

    def check_index(self, idx: Any, n: int, ignore_index: int | None = None) -> Any:
        """``idx`` (an integer tensor) unchanged, after checking when the op runs that every
        value lies in [0, n) or equals ``ignore_index``; otherwise ``ArgumentError``."""
        check_int("check_index", "indices", self.type_of(idx))
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ShapeError(f"check_index: n must be a non-negative int, got {n!r}")
        if ignore_index is not None and (isinstance(ignore_index, bool) or not isinstance(ignore_index, int)):
            raise ArgumentError(f"check_index: ignore_index must be an int or None, got {ignore_index!r}")
        return self.bind(P["check_index"], idx, n=n, ignore_index=ignore_index)

    # -- attention -------------------------------------------------------------------------
    def masked_softmax(self, x: Any, mask: Any) -> Any:
        """Softmax over the last axis restricted to the entries where the bool ``mask`` is True.

        Blocked entries get exactly zero; a fully blocked row is all zeros (defined, not NaN)
        and has zero gradient. ``mask`` has x's shape or broadcasts to it (right-aligned, as
        PyTorch); it gets no gradient. PyTorch's ``softmax(x.masked_fill(~mask, -inf))`` agrees
        except on fully blocked rows, where it gives NaN.
        """
        op = "masked_softmax"
        tx, tm = self.type_of(x), self.type_of(mask)
        check_float(op, tx)
        if tm.dtype.kind != "b":
            raise DTypeError(f"{op}: expected a bool mask (True = keep), got {tm.dtype.name}")
        if tx.ndim < 1 or tx.shape[-1] < 1:
            raise ShapeError(f"{op}: expected x (..., n) with n >= 1, got shape {tx.shape}")
        if tm.shape != tx.shape:
            off = tx.ndim - tm.ndim
            if off < 0 or any(d not in (1, tx.shape[off + i]) for i, d in enumerate(tm.shape)):
                raise ShapeError(f"{op}: mask of shape {tm.shape} does not broadcast to x {tx.shape}")
            mask = self.broadcast_to(mask, tx.shape)
        return self.bind(P["masked_softmax"], x, mask)

    def multi_head_attention(self, wq: Any, wk: Any, wv: Any, wo: Any, x: Any, mask: Any = None,
                             *, num_heads: int) -> Any:
        """Multi-head self-attention (seed ``multiHeadAttention``, with its later fixes).

        ``Q = x @ wq``, ``K = x @ wk``, ``V = x @ wv`` (weights ``(D, H*hd)``, right-multiplied,
        no biases, no dropout); each is split into heads the STANDARD way (view ``(n, H, hd)``,
        then swap to ``(H, n, hd)``: head h owns columns ``h*hd:(h+1)*hd``). Per head
        ``A = softmax(Q K^T / sqrt(hd))`` over keys, ``A @ V``; heads are combined (swap back,
        reshape to ``(n, H*hd)``) and multiplied by ``wo`` ``(H*hd, D_out)`` (``D_out = D`` in
        the seed). x is ``(n, D)`` or batched ``(*batch, n, D)`` (e.g. ``(B, n, D)``);
        ``num_heads`` is required and must divide ``H*hd``.

        ``mask``: bool ``(n, n)`` shared by every sample and head, or ``(*batch, n, n)`` one per
        sample; True = query i may attend to key j (PyTorch SDPA bool convention). Blocked keys
        get EXACTLY zero weight (no -1000 logit). A query whose row is fully blocked gets all-zero
        attention weights, so its per-head output, its row of the result before ``@ wo``, and
        therefore its output row are exactly zero, with zero gradient through it (the seed's CPU
        spec gave 0/0 = NaN there; PyTorch gives NaN). The mask gets no gradient.
        """
        op = "multi_head_attention"
        tx = self.type_of(x)
        sx = tx.shape
        sq, sk, sv, so = (self.shape_of(w) for w in (wq, wk, wv, wo))
        if isinstance(num_heads, bool) or not isinstance(num_heads, int) or num_heads < 1:
            raise ArgumentError(f"{op}: num_heads must be a positive int, got {num_heads!r}")
        if len(sx) < 2 or sx[-1] < 1 or sx[-2] < 1:
            raise ShapeError(f"{op}: expected x (n, D) or (*batch, n, D), got shape {sx}")
        n, d = sx[-2], sx[-1]
        if len(sq) != 2 or sq[0] != d or sk != sq or sv != sq:
            raise ShapeError(f"{op}: expected wq, wk, wv of one shape (D, H*hd) with D = {d}, got "
                             f"wq {sq}, wk {sk}, wv {sv}")
        width = sq[1]
        if width < 1 or width % num_heads:
            raise ShapeError(f"{op}: H*hd = {width} (wq.shape[1]) is not divisible by "
                             f"num_heads = {num_heads}")
        if len(so) != 2 or so[0] != width or so[1] < 1:
            raise ShapeError(f"{op}: expected wo of shape ({width}, D_out), got {so}")
        check_float(op, *(self.type_of(w) for w in (wq, wk, wv, wo, x)))
        lead = sx[:-2]
        if mask is not None:
            tm = self.type_of(mask)
            if tm.dtype.kind != "b":
                raise DTypeError(f"{op}: expected a bool mask (True = keep), got {tm.dtype.name}")
            if tm.shape not in ((n, n), (*lead, n, n)):
                raise ShapeError(f"{op}: expected a mask of shape {(n, n)} or {(*lead, n, n)}, "
                                 f"got {tm.shape}")
        heads, hd = num_heads, width // num_heads
        b = prod(lead)
        x2 = self.reshape(x, (b * n, d))

        def project(w: Any, perm: tuple[int, ...]) -> Any:
            # (b*n, H*hd) -> view (b, n, H, hd) -> permute (standard split).
            return self.permute(self.reshape(self.matmul(x2, w), (b, n, heads, hd)), perm)

        q = project(wq, (0, 2, 1, 3))      # (b, H, n, hd)
        kt = project(wk, (0, 2, 3, 1))     # (b, H, hd, n): K^T per head
        v = project(wv, (0, 2, 1, 3))      # (b, H, n, hd)
        scores = self.matmul(self.scale(q, 1.0 / math.sqrt(hd)), kt)  # (b, H, n, n)
        if mask is None:
            attn = self.softmax(scores, -1)
        else:
            ms = self.shape_of(mask)
            m4 = mask if len(ms) == 2 else self.reshape(mask, (b, n, n))
            axes = (2, 3) if len(ms) == 2 else (0, 2, 3)
            attn = self.bind(P["masked_softmax"], scores,
                             self.broadcast_to(m4, (b, heads, n, n), axes=axes))
        o = self.permute(self.matmul(attn, v), (0, 2, 1, 3))  # (b, n, H, hd)
        y = self.matmul(self.reshape(o, (b * n, width)), wo)
        return self.reshape(y, (*lead, n, so[1]))
