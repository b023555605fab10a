"""Convolution and pooling ops (seed ``conv``, ``conv2d``, ``convTranspose``, ``maxPool``...).

Every op takes one sample ``(C, *spatial)`` or a batch ``(N, C, *spatial)``; kernel, stride,
padding and dilation are an int or a per-axis tuple. Arguments are checked here, before any
bind, so a bad call raises a ``ShapeError`` naming the op and leaves the tape unchanged.
``ConvPoolOps`` is this module's convolutions plus the pooling (``frontend/pool.py``) and
resampling (``frontend/resample.py``) mixins.

Divergences from the seed (deliberate): impossible geometries (``in + 2p < k``, stride < 1,
negative padding) raise instead of the seed's ``Nat`` arithmetic (output size 1); pooling
stride defaults to the kernel size as in PyTorch (the seed always passes it); max pool rejects
``padding >= kernel`` (a window of padding only; the seed's first version output 0 there, its
later versions reject it too); batch axes are accepted (the seed is single-sample).
Generalisations (PyTorch's): ``dilation`` and ``groups`` for convolutions, ``output_padding``
for transposed ones; their defaults bind exactly the seed's primitives and params.
"""

from __future__ import annotations

from typing import Any

from .._core.errors import ShapeError
from .._core.registry import REGISTRY
from ..ops.window import cached_rule, extras, spatial_param, transpose_out, window_out
from .base import OpsBase
from .pool import PoolOps, _hashable, _is_int
from .resample import ResampleOps

P = REGISTRY


def _groups(op: str, groups: Any, ctx: str) -> int:
    if not _is_int(groups) or groups < 1:
        raise ShapeError(f"{op}: groups must be a positive int, got {groups!r} ({ctx})")
    return int(groups)


@cached_rule
def _conv_args(op: str, sw: tuple[int, ...], sx: tuple[int, ...], stride: Any, padding: Any,
               w_in: int, d: int | None, dilation: Any = 1, groups: Any = 1
               ) -> tuple[tuple[int, ...], tuple[int, ...], int, tuple[int, ...] | None, int]:
    """Checked (stride, padding, spatial rank, dilation or None, groups) of a conv call on
    shapes sw, sx (memoised)."""
    nd = len(sw) - 2
    ctx = f"x {sx}, w {sw}"
    g = _groups(op, groups, ctx)
    want = sw[w_in] * (g if w_in == 1 else 1) if nd >= 1 else None
    if nd < 1 or (d is not None and nd != d) or len(sx) not in (nd + 1, nd + 2) \
            or sx[-nd - 1] != want:
        lay = "(C_in, C_out/groups, *k)" if w_in == 0 else "(C_out, C_in/groups, *k)"
        if g == 1:
            lay = "(C_in, C_out, *k)" if w_in == 0 else "(C_out, C_in, *k)"
        hint = ""
        if len(sx) == 1 and nd >= 1:  # x is where a bias belongs: PyTorch's (x, w, b) order?
            hint = (f"; {op} takes the seed's argument order {op}(w, b, x): for PyTorch's order "
                    f"{op}(x, w, b) use torchlean.nn.functional.{op if op != 'conv' else 'conv2d'}")
        grp = "" if g == 1 else f" and groups = {g}"
        raise ShapeError(f"{op}: expected weight {lay} with {d or 'd >= 1'} spatial axes and x "
                         f"(N, C_in, *spatial) or (C_in, *spatial){grp}, got w {sw}, x {sx}{hint}")
    if sw[0] % g:
        raise ShapeError(f"{op}: the weight's first axis ({sw[0]}) must be divisible by groups = {g} "
                         f"({ctx})")
    s = spatial_param(op, "stride", stride, nd, 1, ctx, one=True)
    p = spatial_param(op, "padding", padding, nd, 0, ctx, one=True)
    dil = spatial_param(op, "dilation", dilation, nd, 1, ctx, one=True)
    dil_or_none = dil if any(a != 1 for a in dil) else None
    if w_in == 1:
        window_out(op, sx[-nd:], sw[2:], s, p, f"x {sx}, w {sw}", dil_or_none)
    return s, p, nd, dil_or_none, g


class ConvOps(OpsBase):
    """Convolutions (see module docstring)."""

    def _conv_geometry(self, op: str, w: Any, x: Any, stride: Any, padding: Any, w_in: int,
                       d: int | None = None, dilation: Any = 1, groups: Any = 1):
        sw, sx = self.shape_of(w), self.shape_of(x)
        s, p, nd, dil, g = _conv_args(op, sw, sx, _hashable(stride), _hashable(padding), w_in, d,
                                      _hashable(dilation), groups)
        return s, p, sw, sx, nd, dil, g

    def _check_bias(self, op: str, b: Any, x: Any, want: tuple[int, ...], sw: tuple[int, ...]) -> None:
        if b is not None and self.shape_of(b) != want:
            raise ShapeError(f"{op}: expected bias of shape {want}, got "
                             f"{self.shape_of(b)} (weight {sw}, x {self.shape_of(x)})")

    def conv(self, w: Any, b: Any | None, x: Any, stride: Any = 1, padding: Any = 0,
             dilation: Any = 1, groups: int = 1, *, _op: str = "conv", _d: int | None = None) -> Any:
        """N-D cross-correlation (PyTorch ``conv{d}d``, zero padding).

        w ``(C_out, C_in/groups, *k)``, b ``(C_out,)`` or None, x ``(C_in, *in)`` or
        ``(N, C_in, *in)``; output size ``(in + 2p - dilation*(k - 1) - 1) // s + 1`` per axis.
        Unlike the seed's ``Nat`` arithmetic, a kernel that does not fit, stride < 1 and
        negative padding raise a ShapeError.
        """
        s, p, sw, _, _, dil, g = self._conv_geometry(_op, w, x, stride, padding, 1, _d, dilation, groups)
        kw = extras(dil, g)
        if b is None:
            return self.bind(P["conv"], x, w, stride=s, padding=p, **kw)
        self._check_bias(_op, b, x, sw[:1], sw)
        return self.bind(P["conv_bias"], x, w, b, stride=s, padding=p, **kw)

    def conv2d(self, w: Any, b: Any | None, x: Any, stride: Any = 1, padding: Any = 0) -> Any:
        """``conv`` with 2 spatial axes: w ``(C_out, C_in, kH, kW)``, x ``(C_in, H, W)`` or
        ``(N, C_in, H, W)`` (the seed's ``conv2d``, plus batches and per-axis stride/padding)."""
        return self.conv(w, b, x, stride, padding, _op="conv2d", _d=2)

    conv2d_compat = conv2d

    def conv_transpose(self, w: Any, b: Any | None, x: Any, stride: Any = 1, padding: Any = 0,
                       output_padding: Any = 0, dilation: Any = 1, groups: int = 1, *,
                       _op: str = "conv_transpose", _d: int | None = None) -> Any:
        """Transposed convolution (PyTorch ``conv_transpose{d}d``), the x-gradient of ``conv``:
        w ``(C_in, C_out/groups, *k)``, output ``(in - 1)*s - 2p + dilation*(k - 1) + 1 +
        output_padding``.

        ``output_padding`` (0 in the seed, which has no such argument) must be smaller than the
        stride or the dilation.
        """
        s, p, sw, sx, d, dil, g = self._conv_geometry(_op, w, x, stride, padding, 0, _d, dilation, groups)
        ctx = f"x {sx}, w {sw}"
        op = spatial_param(_op, "output_padding", output_padding, d, 0, ctx, one=True)
        transpose_out(_op, sx[-d:], sw[2:], s, p, op, ctx, dil)
        self._check_bias(_op, b, x, (sw[1] * g,), sw)
        y = self.bind(P["conv_transpose"], x, w, stride=s, padding=p, output_padding=op, **extras(dil, g))
        if b is None:
            return y
        sy = self.shape_of(y)
        return self.add(y, self.broadcast_to(b, sy, axes=(len(sy) - d - 1,)))

    def conv_transpose2d(self, w: Any, b: Any | None, x: Any, stride: Any = 1, padding: Any = 0,
                         output_padding: Any = 0) -> Any:
        """``conv_transpose`` with 2 spatial axes (the seed's ``convTranspose2d``)."""
        return self.conv_transpose(w, b, x, stride, padding, output_padding,
                                   _op="conv_transpose2d", _d=2)

    def conv_weight_grad(self, x: Any, g: Any, kernel: Any, stride: Any = 1, padding: Any = 0,
                         dilation: Any = 1, groups: int = 1) -> Any:
        """The weight gradient of ``conv(w, None, x, stride, padding, dilation, groups)`` for
        output cotangent g: ``dw[o,c,k] = sum_{n,q} g[n,o,q] * xpad[n,c,q*s+k*dilation]`` (per
        group), shape ``(C_out, C_in/groups, *kernel)``."""
        op = "conv_weight_grad"
        if _is_int(kernel) or not kernel:
            raise ShapeError(f"{op}: kernel must be a tuple (one size per spatial axis), got {kernel!r}")
        k = spatial_param(op, "kernel", kernel, len(kernel), 1)
        dil = spatial_param(op, "dilation", dilation, len(k), 1)
        return self.bind(P[op], x, g, kernel=k, stride=spatial_param(op, "stride", stride, len(k), 1),
                         padding=spatial_param(op, "padding", padding, len(k), 0),
                         **extras(dil, _groups(op, groups, f"kernel {k}")))

    def conv_bias_grad(self, g: Any, axis: int = 1) -> Any:
        """Sum of g over every axis but the channel ``axis`` (1 for (N, C, *sp), 0 for
        (C, *sp)): the bias gradient of ``conv``."""
        return self.bind(P["conv_bias_grad"], g, axis=int(axis))


class ConvPoolOps(ConvOps, PoolOps, ResampleOps, OpsBase):
    """Convolution, pooling and resampling."""
