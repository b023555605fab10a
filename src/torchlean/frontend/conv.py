"""Convolution and pooling ops (seed ``conv``, ``conv2d``, ``convTranspose``, ``maxPool``...).

Every op takes one sample ``(C, *spatial)`` or a batch ``(N, C, *spatial)``; kernel, stride and
padding are an int or a per-axis tuple. Arguments are checked here, before any bind, so a bad
call raises a ``ShapeError`` naming the op and leaves the tape unchanged.

Divergences from the seed (deliberate): impossible geometries (``in + 2p < k``, stride < 1,
negative padding) raise instead of the seed's ``Nat`` arithmetic (output size 1); pooling
stride defaults to the kernel size as in PyTorch (the seed always passes it); max pool rejects
``padding >= kernel`` (a window of padding only; the seed's first version output 0 there, its
later versions reject it too); batch axes are accepted (the seed is single-sample).
"""

from __future__ import annotations

import math
from typing import Any

from .._core.errors import ShapeError
from .._core.registry import REGISTRY
from .._core.shapes import prod
from ..ops.conv import cached_rule, spatial_param, transpose_out, window_out
from .base import OpsBase

P = REGISTRY


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _hashable(v: Any) -> Any:
    return tuple(v) if isinstance(v, list) else v


@cached_rule
def _conv_args(op: str, sw: tuple[int, ...], sx: tuple[int, ...], stride: Any, padding: Any,
               w_in: int, d: int | None) -> tuple[tuple[int, ...], tuple[int, ...], int]:
    """Checked (stride, padding, spatial rank) of a conv call on shapes sw, sx (memoised)."""
    nd = len(sw) - 2
    if nd < 1 or (d is not None and nd != d) or len(sx) not in (nd + 1, nd + 2) \
            or sx[-nd - 1] != sw[w_in]:
        lay = "(C_in, C_out, *k)" if w_in == 0 else "(C_out, C_in, *k)"
        hint = ""
        if len(sx) == 1 and nd >= 1:  # x is where a bias belongs: PyTorch's (x, w, b) order?
            hint = (f"; {op} takes the seed's argument order {op}(w, b, x): for PyTorch's order "
                    f"{op}(x, w, b) use torchlean.nn.functional.{op if op != 'conv' else 'conv2d'}")
        raise ShapeError(f"{op}: expected weight {lay} with {d or 'd >= 1'} spatial axes and x "
                         f"(N, C_in, *spatial) or (C_in, *spatial), got w {sw}, x {sx}{hint}")
    ctx = f"x {sx}, w {sw}"
    s = spatial_param(op, "stride", stride, nd, 1, ctx)
    p = spatial_param(op, "padding", padding, nd, 0, ctx)
    if w_in == 1:
        window_out(op, sx[-nd:], sw[2:], s, p, f"x {sx}, w {sw}")
    return s, p, nd


@cached_rule
def _pool_args(op: str, sx: tuple[int, ...], kernel: Any, stride: Any, padding: Any,
               d: int | None) -> tuple[tuple[int, ...], ...]:
    """Checked (kernel, stride, padding, out) of a pooling call on x's shape (memoised)."""
    if d is None:
        lens = {len(v) for v in (kernel, stride, padding) if v is not None and not _is_int(v)}
        if len(lens) != 1:
            raise ShapeError(f"{op}: cannot tell the number of spatial axes of x {sx} from kernel "
                             f"{kernel!r}, stride {stride!r}, padding {padding!r}: give the "
                             "kernel as a tuple (one entry per spatial axis)")
        d = lens.pop()
    if d < 1 or len(sx) not in (d + 1, d + 2):
        raise ShapeError(f"{op}: expected x (C, *spatial) or (N, C, *spatial) with {d} spatial "
                         f"axes, got {sx}")
    ctx = f"x {sx}"
    k = spatial_param(op, "kernel", kernel, d, 1, ctx)
    s = k if stride is None else spatial_param(op, "stride", stride, d, 1, ctx)
    p = spatial_param(op, "padding", padding, d, 0, ctx)
    return k, s, p, window_out(op, sx[-d:], k, s, p, f"x {sx}")


class ConvPoolOps(OpsBase):
    """Convolution and pooling."""

    # -- convolution ------------------------------------------------------------------------
    def _conv_geometry(self, op: str, w: Any, x: Any, stride: Any, padding: Any, w_in: int,
                       d: int | None = None):
        sw, sx = self.shape_of(w), self.shape_of(x)
        s, p, nd = _conv_args(op, sw, sx, _hashable(stride), _hashable(padding), w_in, d)
        return s, p, sw, sx, nd

    def _check_bias(self, op: str, b: Any, x: Any, sw: tuple[int, ...], w_out: int) -> None:
        if b is not None and self.shape_of(b) != sw[w_out:w_out + 1]:
            raise ShapeError(f"{op}: expected bias of shape {sw[w_out:w_out + 1]}, got "
                             f"{self.shape_of(b)} (weight {sw}, x {self.shape_of(x)})")

    def conv(self, w: Any, b: Any | None, x: Any, stride: Any = 1, padding: Any = 0,
             *, _op: str = "conv", _d: int | None = None) -> Any:
        """N-D cross-correlation (PyTorch ``conv{d}d``, groups 1, dilation 1, zero padding).

        w ``(C_out, C_in, *k)``, b ``(C_out,)`` or None, x ``(C_in, *in)`` or ``(N, C_in, *in)``;
        output size ``(in + 2p - k) // s + 1`` per axis. Unlike the seed's ``Nat`` arithmetic,
        ``in + 2p < k``, stride < 1 and negative padding raise a ShapeError.
        """
        s, p, sw, _, _ = self._conv_geometry(_op, w, x, stride, padding, 1, _d)
        if b is None:
            return self.bind(P["conv"], x, w, stride=s, padding=p)
        self._check_bias(_op, b, x, sw, 0)
        return self.bind(P["conv_bias"], x, w, b, stride=s, padding=p)

    def conv2d(self, w: Any, b: Any | None, x: Any, stride: Any = 1, padding: Any = 0) -> Any:
        """``conv`` with 2 spatial axes: w ``(C_out, C_in, kH, kW)``, x ``(C_in, H, W)`` or
        ``(N, C_in, H, W)`` (the seed's ``conv2d``, plus batches and per-axis stride/padding)."""
        return self.conv(w, b, x, stride, padding, _op="conv2d", _d=2)

    conv2d_compat = conv2d

    def conv_transpose(self, w: Any, b: Any | None, x: Any, stride: Any = 1, padding: Any = 0,
                       output_padding: Any = 0, *, _op: str = "conv_transpose",
                       _d: int | None = None) -> Any:
        """Transposed convolution (PyTorch ``conv_transpose{d}d``, groups 1), the x-gradient
        of ``conv``: w ``(C_in, C_out, *k)``, output ``(in - 1)*s - 2p + k + output_padding``.

        ``output_padding`` (0 in the seed, which has no such argument) must be < stride.
        """
        s, p, sw, sx, d = self._conv_geometry(_op, w, x, stride, padding, 0, _d)
        ctx = f"x {sx}, w {sw}"
        op = spatial_param(_op, "output_padding", output_padding, d, 0, ctx)
        transpose_out(_op, sx[-d:], sw[2:], s, p, op, ctx)
        self._check_bias(_op, b, x, sw, 1)
        y = self.bind(P["conv_transpose"], x, w, stride=s, padding=p, output_padding=op)
        if b is None:
            return y
        sy = self.shape_of(y)
        return self.add(y, self.broadcast_to(b, sy, axes=(len(sy) - d - 1,)))

    def conv_transpose2d(self, w: Any, b: Any | None, x: Any, stride: Any = 1, padding: Any = 0,
                         output_padding: Any = 0) -> Any:
        """``conv_transpose`` with 2 spatial axes (the seed's ``convTranspose2d``)."""
        return self.conv_transpose(w, b, x, stride, padding, output_padding,
                                   _op="conv_transpose2d", _d=2)

    def conv_weight_grad(self, x: Any, g: Any, kernel: Any, stride: Any = 1, padding: Any = 0) -> Any:
        """The weight gradient of ``conv(w, None, x, stride, padding)`` for output cotangent g:
        ``dw[o,c,k] = sum_{n,q} g[n,o,q] * xpad[n,c,q*s+k]``, shape ``(C_out, C_in, *kernel)``."""
        if _is_int(kernel) or not kernel:
            raise ShapeError(f"conv_weight_grad: kernel must be a tuple (one size per spatial axis), "
                             f"got {kernel!r}")
        k = spatial_param("conv_weight_grad", "kernel", kernel, len(kernel), 1)
        return self.bind(P["conv_weight_grad"], x, g, kernel=k,
                         stride=spatial_param("conv_weight_grad", "stride", stride, len(k), 1),
                         padding=spatial_param("conv_weight_grad", "padding", padding, len(k), 0))

    def conv_bias_grad(self, g: Any, axis: int = 1) -> Any:
        """Sum of g over every axis but the channel ``axis`` (1 for (N, C, *sp), 0 for
        (C, *sp)): the bias gradient of ``conv``."""
        return self.bind(P["conv_bias_grad"], g, axis=int(axis))

    # -- pooling ----------------------------------------------------------------------------
    def _pool_geometry(self, op: str, x: Any, kernel: Any, stride: Any, padding: Any,
                       d: int | None = None):
        return _pool_args(op, self.shape_of(x), _hashable(kernel), _hashable(stride),
                          _hashable(padding), d)

    def max_pool(self, x: Any, kernel: Any, stride: Any = None, padding: Any = 0, *,
                 _op: str = "max_pool", _d: int | None = None) -> Any:
        """N-D max pool (PyTorch ``max_pool{d}d``); stride defaults to the kernel.

        Seed semantics: padded cells are ignored (-inf); the whole gradient of a window goes to
        its first maximum in row-major window order (PyTorch also picks one maximum); the JVP is
        the tangent there. ``padding >= kernel`` (a window of padding only) raises.
        """
        k, s, p, _ = self._pool_geometry(_op, x, kernel, stride, padding, _d)
        if any(a >= b for a, b in zip(p, k)):
            raise ShapeError(f"{_op}: padding {p} must be smaller than kernel {k}, or a window "
                             f"would hold only padding (x {self.shape_of(x)})")
        return self.bind(P["max_pool"], x, kernel=k, stride=s, padding=p)

    def max_pool2d(self, x: Any, kernel: Any, stride: Any = None) -> Any:
        """2-D max pool without padding, x ``(C, H, W)`` or ``(N, C, H, W)``."""
        return self.max_pool(x, kernel, stride, 0, _op="max_pool2d", _d=2)

    def max_pool2d_pad(self, x: Any, kernel: Any, stride: Any = None, padding: Any = 0) -> Any:
        """2-D max pool with padding (padded cells ignored)."""
        return self.max_pool(x, kernel, stride, padding, _op="max_pool2d_pad", _d=2)

    max_pool_pad = max_pool2d_pad

    def max_pool_gather(self, x: Any, y: Any, t: Any, kernel: Any, stride: Any = None,
                        padding: Any = 0) -> Any:
        """t at the first cell of each max-pool window of x equal to y; with
        ``y = max_pool(x, ...)`` this is max_pool's JVP (t at each window's first maximum)."""
        k, s, p, _ = self._pool_geometry("max_pool_gather", x, kernel, stride, padding)
        return self.bind(P["max_pool_gather"], x, y, t, kernel=k, stride=s, padding=p)

    def max_pool_scatter(self, x: Any, y: Any, g: Any, kernel: Any, stride: Any = None,
                         padding: Any = 0) -> Any:
        """g sent to the first cell of each max-pool window of x equal to y; with
        ``y = max_pool(x, ...)`` this is max_pool's VJP (the seed's first-maximum rule)."""
        k, s, p, _ = self._pool_geometry("max_pool_scatter", x, kernel, stride, padding)
        return self.bind(P["max_pool_scatter"], x, y, g, kernel=k, stride=s, padding=p)

    def pool_unfold(self, x: Any, kernel: Any, stride: Any = None, padding: Any = 0) -> Any:
        """Zero-padded windows ``(N, C, *out, *k)`` of x ``(N, C, *in)`` (or unbatched)."""
        k, s, p, _ = self._pool_geometry("pool_unfold", x, kernel, stride, padding)
        return self.bind(P["pool_unfold"], x, kernel=k, stride=s, padding=p)

    def pool_fold(self, w: Any, size: Any, stride: Any = None, padding: Any = 0) -> Any:
        """Adjoint of ``pool_unfold``: sum windows ``(N, C, *out, *k)`` back onto an input of
        spatial ``size``."""
        d = len(size)
        sw = self.shape_of(w)
        if d < 1 or len(sw) not in (2 * d + 1, 2 * d + 2):
            raise ShapeError(f"pool_fold: expected windows (N, C, *out, *k) for {d} spatial axes, "
                             f"got {sw}")
        k = sw[-d:]
        s = k if stride is None else spatial_param("pool_fold", "stride", stride, d, 1)
        return self.bind(P["pool_fold"], w, size=spatial_param("pool_fold", "size", size, d, 1),
                         stride=s, padding=spatial_param("pool_fold", "padding", padding, d, 0))

    def avg_pool(self, x: Any, kernel: Any, stride: Any = None, padding: Any = 0, *,
                 _op: str = "avg_pool", _d: int | None = None) -> Any:
        """N-D average pool, ``count_include_pad=True``: padded zeros are summed and the divisor
        is always prod(kernel) (seed; PyTorch's default). A composite: mean of ``pool_unfold``."""
        k, s, p, _ = self._pool_geometry(_op, x, kernel, stride, padding, _d)
        u = self.bind(P["pool_unfold"], x, kernel=k, stride=s, padding=p)
        n = len(self.shape_of(u))
        return self.scale(self.reduce_sum(u, tuple(range(n - len(k), n))), 1.0 / prod(k))

    def avg_pool2d(self, x: Any, kernel: Any, stride: Any = None) -> Any:
        """2-D average pool without padding."""
        return self.avg_pool(x, kernel, stride, 0, _op="avg_pool2d", _d=2)

    def avg_pool2d_pad(self, x: Any, kernel: Any, stride: Any = None, padding: Any = 0) -> Any:
        """2-D average pool with zero padding counted in the mean (divisor prod(kernel))."""
        return self.avg_pool(x, kernel, stride, padding, _op="avg_pool2d_pad", _d=2)

    avg_pool_pad = avg_pool2d_pad

    def smooth_max_pool(self, x: Any, beta: float, kernel: Any, stride: Any = None, padding: Any = 0,
                        *, _op: str = "smooth_max_pool", _d: int | None = None) -> Any:
        """Smooth max pool (seed): ``(1/beta) * log(sum_window exp(beta * x))``.

        No normalisation by the window size (a constant window v gives v + log(prod(k))/beta);
        padded cells count as x = 0 (each adds exp(0) = 1); beta must be nonzero (negative beta
        gives a smooth min). Computed stably, unlike the seed: ``log_softmax`` shifts each window
        by its max, so large ``beta * x`` never overflows. Gradient: softmax(beta x) per window.
        A composite of ``pool_unfold``, ``log_softmax`` and a mean.
        """
        if isinstance(beta, bool) or not isinstance(beta, (int, float)) or beta == 0 \
                or not math.isfinite(beta):
            raise ShapeError(f"{_op}: beta must be a nonzero finite number, got {beta!r}")
        k, s, p, _ = self._pool_geometry(_op, x, kernel, stride, padding, _d)
        u = self.bind(P["pool_unfold"], x, kernel=k, stride=s, padding=p)
        su = self.shape_of(u)
        z = self.scale(self.reshape(u, (*su[:len(su) - len(k)], prod(k))), float(beta))
        lse = self.reduce_mean(self.sub(z, self.log_softmax(z, -1)), -1)
        return self.scale(lse, 1.0 / float(beta))

    def smooth_max_pool2d(self, x: Any, beta: float, kernel: Any, stride: Any = None) -> Any:
        """2-D smooth max pool without padding (the seed's ``smoothMaxPool2d``)."""
        return self.smooth_max_pool(x, beta, kernel, stride, 0, _op="smooth_max_pool2d", _d=2)

    def global_avg_pool2d(self, x: Any) -> Any:
        """Mean over the last two axes: ``(C, H, W) -> (C,)``, ``(N, C, H, W) -> (N, C)`` (the
        seed's ``globalAvgPool2dChw``/``Nchw``; one mean over both axes instead of two)."""
        sx = self.shape_of(x)
        if len(sx) not in (3, 4) or sx[-1] * sx[-2] == 0:
            raise ShapeError(f"global_avg_pool2d: expected x (C, H, W) or (N, C, H, W) with "
                             f"H, W > 0, got {sx}")
        return self.reduce_mean(x, (-2, -1))

    def global_avg_pool2d_chw(self, x: Any) -> Any:
        """The seed's ``globalAvgPool2dChw``: ``(C, H, W) -> (C,)``."""
        if len(self.shape_of(x)) != 3:
            raise ShapeError(f"global_avg_pool2d_chw: expected x (C, H, W), got {self.shape_of(x)}")
        return self.global_avg_pool2d(x)

    def global_avg_pool2d_nchw(self, x: Any) -> Any:
        """The seed's ``globalAvgPool2dNchw``: ``(N, C, H, W) -> (N, C)``."""
        if len(self.shape_of(x)) != 4:
            raise ShapeError(f"global_avg_pool2d_nchw: expected x (N, C, H, W), got {self.shape_of(x)}")
        return self.global_avg_pool2d(x)
