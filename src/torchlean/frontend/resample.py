"""Padding and resampling ops with PyTorch's semantics: ``pad``, ``interpolate``,
``pixel_shuffle``/``pixel_unshuffle`` and the im2col pair ``im2col``/``col2im`` (PyTorch's
``F.unfold``/``F.fold``). Mixed into ``Ops`` through ``ConvPoolOps`` (``frontend/conv.py``).

All are composites, so they run on every binder with gradients and need no rules:

* ``pad``: constant padding is a zero-pad (``slice_transpose``) or crop (``slice``) per axis,
  and ``where`` writes a nonzero fill value; reflect, replicate and circular padding are one
  gather (``take``) per axis with a static index map, whose VJP sums the copies back.
* ``interpolate``: separable, one axis at a time (last first, PyTorch's summation order):
  nearest modes gather one source cell, linear modes two, bicubic four, each weighted by
  static coefficients computed in the input's precision as PyTorch's CPU kernels do;
  ``area`` is ``adaptive_avg_pool``.
* ``pixel_shuffle`` is a reshape and a permutation; ``im2col``/``col2im`` are ``pool_unfold``/
  ``pool_fold`` with their axes arranged as PyTorch's ``(N, C*K, L)`` blocks.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._core.errors import ArgumentError, DTypeError, ShapeError
from .._core.registry import REGISTRY
from .._core.shapes import prod
from .._core.types import bool_
from ..ops.window import extras, spatial_param, window_out
from .base import OpsBase, _scalar_as

P = REGISTRY
PAD_MODES = ("constant", "reflect", "replicate", "circular")
INTERP_MODES = {"nearest": 0, "nearest-exact": 0, "area": 0, "linear": 1, "bilinear": 2,
                "trilinear": 3, "bicubic": 2}


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _source_map(mode: str, n: int, lo: int, hi: int) -> np.ndarray:
    """Source cell of each output cell of an axis of n cells padded by lo/hi (negative amounts
    crop), as PyTorch: reflect and replicate map the output cells ``-lo .. n + hi - 1`` onto
    the input by its own edges; circular padding crops first and wraps within the cells kept."""
    if mode != "circular":
        i = np.arange(-lo, n + hi)
        if mode == "replicate":
            return np.clip(i, 0, n - 1)
        i = np.abs(i)
        return np.where(i >= n, 2 * (n - 1) - i, i)
    cut = max(-lo, 0)
    m = n - cut - max(-hi, 0)
    return np.arange(-max(lo, 0), m + max(hi, 0)) % max(m, 1) + cut


def _nearest_index(mode: str, n: int, m: int, scale: float | None) -> np.ndarray:
    """PyTorch's nearest source cells (``nearest_idx``/``nearest_exact_idx``), in float32 as
    its kernels compute them."""
    j = np.arange(m)
    if mode == "nearest" and m == n:
        return j
    if mode == "nearest" and m == 2 * n:
        return j >> 1
    f = np.float32(1.0 / scale) if scale is not None and scale > 0 else np.float32(n) / np.float32(m)
    src = (j.astype(np.float32) + np.float32(0.5 if mode == "nearest-exact" else 0.0)) * f
    return np.minimum(np.floor(src).astype(np.int64), n - 1)


def _linear_scale(dt: Any, n: int, m: int, align_corners: bool, scale: float | None) -> Any:
    """PyTorch's ``area_pixel_compute_scale`` in the kernel's precision ``dt``."""
    if align_corners:
        return dt(n - 1) / dt(m - 1) if m > 1 else dt(0)
    return dt(1.0 / scale) if scale is not None and scale > 0 else dt(n) / dt(m)


def _linear_taps(dt: Any, n: int, m: int, align_corners: bool, scale: float | None, cubic: bool):
    """(indices, weights) per tap, each an array over the m output cells: two taps for linear
    interpolation, four for bicubic (PyTorch's ``compute_indices_weights_*``)."""
    j = np.arange(m)
    if not cubic and m == n:
        return [j, j], [np.ones(m, dt), np.zeros(m, dt)]
    r = _linear_scale(dt, n, m, align_corners, scale)
    jd = j.astype(dt)
    src = r * jd if align_corners else r * (jd + dt(0.5)) - dt(0.5)
    if not cubic and not align_corners:
        src = np.maximum(src, dt(0))
    i0 = np.minimum(np.floor(src.astype(np.float32)).astype(np.int64), n - 1)
    lam = np.minimum(np.maximum(src - i0.astype(dt), dt(0)), dt(1))
    if not cubic:
        i1 = i0 + (i0 < n - 1)
        return [i0, i1], [dt(1) - lam, lam]
    a = dt(-0.75)

    def conv1(x):
        return ((a + dt(2)) * x - (a + dt(3))) * x * x + dt(1)

    def conv2(x):
        return ((a * x - dt(5) * a) * x + dt(8) * a) * x - dt(4) * a

    w = [conv2(lam + dt(1)), conv1(lam), conv1(dt(1) - lam), conv2(dt(1) - lam + dt(1))]
    return [np.clip(i0 - 1 + t, 0, n - 1) for t in range(4)], w


class ResampleOps(OpsBase):
    """Padding, interpolation, pixel shuffle, im2col (see module docstring)."""

    # -- pad --------------------------------------------------------------------------------
    def pad(self, x: Any, pad: Any, mode: str = "constant", value: float | None = None) -> Any:
        """PyTorch's ``F.pad``: ``pad = (lo_last, hi_last, lo_2nd_last, hi_2nd_last, ...)``;
        negative amounts crop. ``'constant'`` (fill ``value``, default 0) pads any axes;
        ``'reflect'`` (mirror without the edge; amount < size), ``'replicate'`` (repeat the
        edge) and ``'circular'`` (wrap; amount <= size) pad the last 1, 2 or 3 axes of a
        batched or unbatched input, as PyTorch."""
        sx = self.shape_of(x)
        if isinstance(pad, (str, bytes)) or not hasattr(pad, "__len__") \
                or any(not _is_int(v) for v in pad) or len(pad) % 2:
            raise ArgumentError(f"pad: pad must be a sequence of an even number of ints, got {pad!r}")
        pads = [int(v) for v in pad]
        k = len(pads) // 2
        if k > len(sx):
            raise ShapeError(f"pad: {len(pads)} padding values pad {k} axes but x has shape {sx}")
        if not isinstance(mode, str) or mode not in PAD_MODES:
            raise ArgumentError(f"pad: mode must be one of {', '.join(PAD_MODES)}; got {mode!r}")
        if mode != "constant":
            if value not in (None, 0, 0.0):
                raise ArgumentError(f"pad: value is only meaningful with mode='constant', got "
                                    f"value={value!r} with mode={mode!r}")
            if k > 3 or len(sx) not in (k + 1, k + 2):
                raise ShapeError(f"pad: mode {mode!r} pads the last 1, 2 or 3 axes of a "
                                 f"({k + 1})-D or ({k + 2})-D input with {2 * k} values, got x {sx} "
                                 f"and pad {tuple(pads)}")
        plan = []
        for j in range(k):
            ax = len(sx) - 1 - j
            lo, hi, n = pads[2 * j], pads[2 * j + 1], sx[ax]
            m = n - max(-lo, 0) - max(-hi, 0)  # circular: the cells kept by the crop
            if n + lo + hi < (1 if mode in ("reflect", "replicate") else 0) or (mode != "constant" and n == 0):
                raise ShapeError(f"pad: padding ({lo}, {hi}) of axis {ax} (size {n}) leaves a "
                                 f"negative size or nothing to {mode}-pad from (x {sx})")
            if mode == "reflect" and (lo >= n or hi >= n):
                raise ShapeError(f"pad: reflect padding ({lo}, {hi}) must be smaller than the size "
                                 f"{n} of axis {ax} (x {sx})")
            if mode == "circular" and (lo > m or hi > m or (m < 1 and max(lo, hi) > 0)):
                raise ShapeError(f"pad: circular padding ({lo}, {hi}) of axis {ax} (size {n}) must "
                                 f"be at most the {m} cells left after cropping (x {sx})")
            if lo or hi:
                plan.append((ax, lo, hi, n))
        fill = 0.0 if value is None else value
        if isinstance(fill, bool) or not isinstance(fill, (int, float)):
            raise ArgumentError(f"pad: value must be a number, got {value!r}")
        for ax, lo, hi, n in plan:
            if mode == "constant":
                x = self._pad_constant(x, ax, lo, hi, n, fill)
            else:
                x = self.index_select(x, ax, _source_map(mode, n, lo, hi))
        return x

    def _pad_constant(self, x: Any, ax: int, lo: int, hi: int, n: int, fill: float) -> Any:
        if lo < 0 or hi < 0:
            x = self.slice(x, ax, max(-lo, 0), n - max(-hi, 0))
            n = n - max(-lo, 0) - max(-hi, 0)
            lo, hi = max(lo, 0), max(hi, 0)
        if not lo and not hi:
            return x
        size = n + lo + hi
        t = self.type_of(x)
        if t.dtype.kind == "f":
            x = self.slice_transpose(x, ax, lo, size)
        else:  # no zero-pad primitive for integers: a gather whose out-of-range rows are zero
            x = self.index_select(x, ax, np.arange(-lo, n + hi))
        if fill == 0:
            return x
        keep = np.zeros((size,) + (1,) * (t.ndim - 1 - ax), dtype=bool)
        keep[lo:lo + n] = True
        c = _scalar_as("pad", fill, t.dtype)
        return self.where(self.lift(keep, bool_), x, self.lift(np.asarray(c, t.dtype), t.dtype))

    # -- interpolate ------------------------------------------------------------------------
    def interpolate(self, x: Any, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                    align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                    antialias: bool = False) -> Any:
        """PyTorch's ``F.interpolate`` for x ``(N, C, *spatial)`` with 1-3 spatial axes: modes
        ``nearest``, ``nearest-exact``, ``linear`` (3-D x), ``bilinear``/``bicubic`` (4-D),
        ``trilinear`` (5-D) and ``area``; output size ``size`` or ``floor(in * scale_factor)``.
        ``antialias=True`` and other modes raise ``ArgumentError`` naming them."""
        sx = self.shape_of(x)
        d = len(sx) - 2
        if self.type_of(x).dtype.kind != "f":
            raise DTypeError(f"interpolate: expected a float tensor (float32 or float64), got "
                             f"{self.type_of(x).dtype.name}")
        if not isinstance(mode, str) or mode not in INTERP_MODES:
            raise ArgumentError(f"interpolate: mode {mode!r} is not supported (nearest, "
                                "nearest-exact, linear, bilinear, bicubic, trilinear, area)")
        if antialias:
            raise ArgumentError("interpolate: antialias=True is not supported")
        if mode in ("nearest", "nearest-exact", "area"):
            if align_corners is not None:
                raise ArgumentError("interpolate: align_corners option can only be set with the "
                                    "interpolating modes: linear | bilinear | bicubic | trilinear")
        elif align_corners is None:
            align_corners = False
        if not 1 <= d <= 3:
            raise ShapeError(f"interpolate: expected x (N, C, *spatial) with 1, 2 or 3 spatial axes, "
                             f"got {sx}")
        if INTERP_MODES[mode] and INTERP_MODES[mode] != d:
            raise ShapeError(f"interpolate: got {d + 2}D input, but {mode} mode needs "
                             f"{INTERP_MODES[mode] + 2}D input (x {sx})")
        out, scales = self._interp_sizes(sx[2:], size, scale_factor, recompute_scale_factor,
                                         mode == "area")
        if mode == "area":
            return self.adaptive_avg_pool(x, out, _op="interpolate", _d=d)
        dt = np.float32 if self.type_of(x).dtype == np.float32 else np.float64
        for a in reversed(range(d)):  # innermost axis first: PyTorch's summation order
            n, m, sc = sx[2 + a], out[a], scales[a]
            if mode in ("nearest", "nearest-exact"):
                if m != n or mode != "nearest":
                    x = self.index_select(x, 2 + a, _nearest_index(mode, n, m, sc))
                continue
            idx, wts = _linear_taps(dt, n, m, bool(align_corners), sc, mode == "bicubic")
            x = self._weighted_taps(x, 2 + a, idx, wts)
        return x

    def _interp_sizes(self, sp: tuple[int, ...], size: Any, scale_factor: Any,
                      recompute: bool | None, area: bool) -> tuple[tuple[int, ...], list]:
        d = len(sp)
        if (size is None) == (scale_factor is None):
            raise ArgumentError("interpolate: exactly one of size or scale_factor should be defined")
        if size is not None:
            if recompute:
                raise ArgumentError("interpolate: recompute_scale_factor is not meaningful with an "
                                    "explicit size")
            sizes = tuple(size) if isinstance(size, (list, tuple)) else (size,) * d
            if len(sizes) != d or any(not _is_int(v) or v < 1 for v in sizes):
                raise ShapeError(f"interpolate: size must be a positive int or {d} of them, got "
                                 f"{size!r} (spatial size {sp})")
            return tuple(int(v) for v in sizes), [None] * d
        sf = tuple(scale_factor) if isinstance(scale_factor, (list, tuple)) else (scale_factor,) * d
        if len(sf) != d or any(isinstance(v, bool) or not isinstance(v, (int, float, np.number))
                               or not math.isfinite(v) or v <= 0 for v in sf):
            raise ArgumentError(f"interpolate: scale_factor must be a positive number or {d} of them, "
                                f"got {scale_factor!r} (spatial size {sp})")
        out = tuple(math.floor(float(n) * float(f)) for n, f in zip(sp, sf))
        if any(o < 1 for o in out):
            raise ShapeError(f"interpolate: scale_factor {scale_factor!r} gives an empty output size "
                             f"{out} (spatial size {sp})")
        if recompute or area:
            return out, [None] * d
        return out, [float(f) for f in sf]

    def _weighted_taps(self, x: Any, ax: int, idx: list, wts: list) -> Any:
        """sum_t take(x, idx[t]) * wts[t] along axis ``ax`` (weights broadcast over the rest)."""
        t = self.type_of(x)
        tail = (1,) * (t.ndim - 1 - ax)
        acc = None
        for i, w in zip(idx, wts):
            term = self.mul(self.index_select(x, ax, i), self.lift(w.reshape(-1, *tail), t.dtype))
            acc = term if acc is None else self.add(acc, term)
        return acc

    # -- pixel shuffle ----------------------------------------------------------------------
    def pixel_shuffle(self, x: Any, upscale_factor: int) -> Any:
        """``(*, C*r*r, H, W) -> (*, C, H*r, W*r)`` (PyTorch's ``F.pixel_shuffle``)."""
        sx, r = self.shape_of(x), upscale_factor
        if not _is_int(r) or r < 1 or len(sx) < 3 or sx[-3] % (r * r):
            raise ShapeError(f"pixel_shuffle: expected x (*, C*r*r, H, W) with r = upscale_factor a "
                             f"positive int, got x {sx}, upscale_factor {r!r}")
        *lead, c, h, w = sx
        n = len(lead)
        y = self.reshape(x, (*lead, c // (r * r), r, r, h, w))
        y = self.permute(y, (*range(n), n, n + 3, n + 1, n + 4, n + 2))
        return self.reshape(y, (*lead, c // (r * r), h * r, w * r))

    def pixel_unshuffle(self, x: Any, downscale_factor: int) -> Any:
        """``(*, C, H*r, W*r) -> (*, C*r*r, H, W)`` (PyTorch's ``F.pixel_unshuffle``)."""
        sx, r = self.shape_of(x), downscale_factor
        if not _is_int(r) or r < 1 or len(sx) < 3 or sx[-2] % r or sx[-1] % r:
            raise ShapeError(f"pixel_unshuffle: expected x (*, C, H*r, W*r) with r = downscale_factor "
                             f"a positive int, got x {sx}, downscale_factor {r!r}")
        *lead, c, h, w = sx
        n = len(lead)
        y = self.reshape(x, (*lead, c, h // r, r, w // r, r))
        y = self.permute(y, (*range(n), n, n + 2, n + 4, n + 1, n + 3))
        return self.reshape(y, (*lead, c * r * r, h // r, w // r))

    # -- im2col -----------------------------------------------------------------------------
    def im2col(self, x: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
               stride: Any = 1) -> Any:
        """PyTorch's ``F.unfold``: the sliding blocks of x ``(N, C, H, W)`` (or ``(C, H, W)``)
        as ``(N, C*kH*kW, L)`` with ``L`` the number of blocks, channel-major rows."""
        sx = self.shape_of(x)
        if len(sx) not in (3, 4):
            raise ShapeError(f"im2col: expected x (N, C, H, W) or (C, H, W), got {sx}")
        ctx = f"x {sx}"
        k = spatial_param("im2col", "kernel_size", _hashable(kernel_size), 2, 1, ctx)
        dil = spatial_param("im2col", "dilation", _hashable(dilation), 2, 1, ctx)
        p = spatial_param("im2col", "padding", _hashable(padding), 2, 0, ctx)
        s = spatial_param("im2col", "stride", _hashable(stride), 2, 1, ctx)
        out = window_out("im2col", sx[-2:], k, s, p, ctx, dil)
        u = self.bind(P["pool_unfold"], x, kernel=k, stride=s, padding=p, **extras(dil))
        nb = len(sx) - 3
        u = self.permute(u, (*range(nb + 1), nb + 3, nb + 4, nb + 1, nb + 2))
        return self.reshape(u, (*sx[:nb], sx[-3] * prod(k), prod(out)))

    def col2im(self, x: Any, output_size: Any, kernel_size: Any, dilation: Any = 1,
               padding: Any = 0, stride: Any = 1) -> Any:
        """PyTorch's ``F.fold``, the adjoint of ``im2col``: blocks ``(N, C*kH*kW, L)`` (or
        ``(C*kH*kW, L)``) summed into ``(N, C, *output_size)``."""
        sx = self.shape_of(x)
        ctx = f"x {sx}"
        size = spatial_param("col2im", "output_size", _hashable(output_size), 2, 1, ctx)
        k = spatial_param("col2im", "kernel_size", _hashable(kernel_size), 2, 1, ctx)
        dil = spatial_param("col2im", "dilation", _hashable(dilation), 2, 1, ctx)
        p = spatial_param("col2im", "padding", _hashable(padding), 2, 0, ctx)
        s = spatial_param("col2im", "stride", _hashable(stride), 2, 1, ctx)
        out = window_out("col2im", size, k, s, p, f"{ctx}, output_size {size}", dil)
        kk = prod(k)
        if len(sx) not in (2, 3) or sx[-2] % kk or sx[-1] != prod(out):
            raise ShapeError(f"col2im: expected x (N, C*{kk}, {prod(out)}) or (C*{kk}, {prod(out)}) "
                             f"for kernel {k} and {out} blocks of output_size {size}, got {sx}")
        nb = len(sx) - 2
        c = sx[-2] // kk
        u = self.reshape(x, (*sx[:nb], c, *k, *out))
        u = self.permute(u, (*range(nb + 1), nb + 3, nb + 4, nb + 1, nb + 2))
        return self.bind(P["pool_fold"], u, size=size, stride=s, padding=p, **extras(dil))


def _hashable(v: Any) -> Any:
    return tuple(v) if isinstance(v, list) else v
