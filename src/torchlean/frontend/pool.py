"""Pooling ops: the seed's max, average and smooth-max pools, PyTorch's options
(``dilation``, ``ceil_mode``, ``return_indices``, ``count_include_pad``, ``divisor_override``)
and the adaptive pools. Mixed into ``Ops`` through ``ConvPoolOps`` (``frontend/conv.py``).

Every op takes ``(C, *spatial)`` or ``(N, C, *spatial)``; stride defaults to the kernel, as in
PyTorch. Geometry is checked before any bind. Max pooling gives each window's gradient to its
first maximum in row-major order (the seed's rule, and the cell PyTorch's CPU kernels pick);
indices are PyTorch's: int64 flat positions in each input plane.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from .._core.errors import ArgumentError, DTypeError, ShapeError
from .._core.registry import REGISTRY
from .._core.shapes import prod
from .._core.types import int64
from ..ops.window import cached_rule, extras, padding_only_window, pool_out, spatial_param
from .base import OpsBase

P = REGISTRY


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _hashable(v: Any) -> Any:
    return tuple(v) if isinstance(v, list) else v


@cached_rule
def _pool_args(op: str, sx: tuple[int, ...], kernel: Any, stride: Any, padding: Any,
               d: int | None, dilation: Any = 1, ceil_mode: bool = False) -> tuple[Any, ...]:
    """Checked (kernel, stride, padding, out, dilation or None) of a pooling call on x's shape
    (memoised)."""
    if d is None:
        lens = {len(v) for v in (kernel, stride, padding, dilation) if v is not None and not _is_int(v)}
        if len(lens) != 1:
            raise ShapeError(f"{op}: cannot tell the number of spatial axes of x {sx} from kernel "
                             f"{kernel!r}, stride {stride!r}, padding {padding!r}: give the "
                             "kernel as a tuple (one entry per spatial axis)")
        d = lens.pop()
    if d < 1 or len(sx) not in (d + 1, d + 2):
        raise ShapeError(f"{op}: expected x (C, *spatial) or (N, C, *spatial) with {d} spatial "
                         f"axes, got {sx}")
    ctx = f"x {sx}"
    k = spatial_param(op, "kernel", kernel, d, 1, ctx, one=True)
    s = k if stride is None else spatial_param(op, "stride", stride, d, 1, ctx, one=True)
    p = spatial_param(op, "padding", padding, d, 0, ctx, one=True)
    dil = spatial_param(op, "dilation", dilation, d, 1, ctx, one=True)
    dil_or_none = dil if any(a != 1 for a in dil) else None
    out = pool_out(op, sx[-d:], k, s, p, ctx, dil_or_none, bool(ceil_mode))
    return k, s, p, out, dil_or_none


def _adaptive_windows(n: int, m: int) -> tuple[list[int], list[int]]:
    """PyTorch's adaptive windows of an axis of n cells into m: [floor(i n/m), ceil((i+1) n/m))."""
    return [i * n // m for i in range(m)], [-(-(i + 1) * n // m) for i in range(m)]


class PoolOps(OpsBase):
    """Pooling (see module docstring)."""

    def _pool_geometry(self, op: str, x: Any, kernel: Any, stride: Any, padding: Any,
                       d: int | None = None, dilation: Any = 1, ceil_mode: bool = False):
        return _pool_args(op, self.shape_of(x), _hashable(kernel), _hashable(stride),
                          _hashable(padding), d, _hashable(dilation), bool(ceil_mode))

    # -- max pool ---------------------------------------------------------------------------
    def _max_pool_params(self, op: str, x: Any, kernel: Any, stride: Any, padding: Any,
                         dilation: Any, ceil_mode: bool, d: int | None) -> dict[str, Any]:
        k, s, p, out, dil = self._pool_geometry(op, x, kernel, stride, padding, d, dilation, ceil_mode)
        sx = self.shape_of(x)
        if dil is None and not ceil_mode:
            if any(a >= b for a, b in zip(p, k)):
                raise ShapeError(f"{op}: padding {p} must be smaller than kernel {k}, or a window "
                                 f"would hold only padding (x {sx})")
        elif padding_only_window(sx[-len(k):], k, s, p, dil, out) is not None:
            raise ShapeError(f"{op}: a window would hold only padding (x {sx}, kernel {k}, stride "
                             f"{s}, padding {p}, dilation {dil})")
        return {"kernel": k, "stride": s, "padding": p, **extras(dil, ceil_mode=bool(ceil_mode))}

    def max_pool(self, x: Any, kernel: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                 ceil_mode: bool = False, *, _op: str = "max_pool", _d: int | None = None) -> Any:
        """N-D max pool (PyTorch ``max_pool{d}d``); stride defaults to the kernel.

        Seed semantics: padded cells are ignored (-inf); the whole gradient of a window goes to
        its first maximum in row-major window order (the cell PyTorch picks too); the JVP is
        the tangent there. A window holding only padding (``padding >= kernel``) raises.
        """
        kw = self._max_pool_params(_op, x, kernel, stride, padding, dilation, ceil_mode, _d)
        return self.bind(P["max_pool"], x, **kw)

    def max_pool_with_indices(self, x: Any, kernel: Any, stride: Any = None, padding: Any = 0,
                              dilation: Any = 1, ceil_mode: bool = False, *,
                              _op: str = "max_pool_with_indices", _d: int | None = None
                              ) -> tuple[Any, Any]:
        """``max_pool`` and the int64 position of each window's first maximum in its input
        plane (``h * W + w`` for 2-D: PyTorch's ``return_indices=True``); no gradient flows
        through the indices."""
        kw = self._max_pool_params(_op, x, kernel, stride, padding, dilation, ceil_mode, _d)
        y = self.bind(P["max_pool"], x, **kw)
        return y, self.bind(P["max_pool_gather"], x, y, self._plane_positions(x, len(kw["kernel"])), **kw)

    def _plane_positions(self, x: Any, d: int) -> Any:
        """An int64 tensor of x's shape numbering the cells of each spatial plane."""
        sx = self.shape_of(x)
        pos = self.lift(np.arange(prod(sx[-d:]), dtype=np.int64).reshape(sx[-d:]), int64)
        return self.broadcast_to(pos, sx)

    def max_pool2d(self, x: Any, kernel: Any, stride: Any = None) -> Any:
        """2-D max pool without padding, x ``(C, H, W)`` or ``(N, C, H, W)``."""
        return self.max_pool(x, kernel, stride, 0, _op="max_pool2d", _d=2)

    def max_pool2d_pad(self, x: Any, kernel: Any, stride: Any = None, padding: Any = 0) -> Any:
        """2-D max pool with padding (padded cells ignored)."""
        return self.max_pool(x, kernel, stride, padding, _op="max_pool2d_pad", _d=2)

    max_pool_pad = max_pool2d_pad

    def max_pool_gather(self, x: Any, y: Any, t: Any, kernel: Any, stride: Any = None,
                        padding: Any = 0, dilation: Any = 1, ceil_mode: bool = False) -> Any:
        """t at the first cell of each max-pool window of x equal to y; with
        ``y = max_pool(x, ...)`` this is max_pool's JVP (t at each window's first maximum).
        An int64 t gives int64 results (how indices are computed)."""
        k, s, p, _, dil = self._pool_geometry("max_pool_gather", x, kernel, stride, padding, None,
                                              dilation, ceil_mode)
        return self.bind(P["max_pool_gather"], x, y, t, kernel=k, stride=s, padding=p,
                         **extras(dil, ceil_mode=bool(ceil_mode)))

    def max_pool_scatter(self, x: Any, y: Any, g: Any, kernel: Any, stride: Any = None,
                         padding: Any = 0, dilation: Any = 1, ceil_mode: bool = False) -> Any:
        """g sent to the first cell of each max-pool window of x equal to y; with
        ``y = max_pool(x, ...)`` this is max_pool's VJP (the seed's first-maximum rule)."""
        k, s, p, _, dil = self._pool_geometry("max_pool_scatter", x, kernel, stride, padding, None,
                                              dilation, ceil_mode)
        return self.bind(P["max_pool_scatter"], x, y, g, kernel=k, stride=s, padding=p,
                         **extras(dil, ceil_mode=bool(ceil_mode)))

    # -- windows ----------------------------------------------------------------------------
    def pool_unfold(self, x: Any, kernel: Any, stride: Any = None, padding: Any = 0,
                    dilation: Any = 1, ceil_mode: bool = False) -> Any:
        """Zero-padded windows ``(N, C, *out, *k)`` of x ``(N, C, *in)`` (or unbatched)."""
        k, s, p, _, dil = self._pool_geometry("pool_unfold", x, kernel, stride, padding, None,
                                              dilation, ceil_mode)
        return self.bind(P["pool_unfold"], x, kernel=k, stride=s, padding=p,
                         **extras(dil, ceil_mode=bool(ceil_mode)))

    def pool_fold(self, w: Any, size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                  ceil_mode: bool = False) -> Any:
        """Adjoint of ``pool_unfold``: sum windows ``(N, C, *out, *k)`` back onto an input of
        spatial ``size``."""
        d = len(size)
        sw = self.shape_of(w)
        if d < 1 or len(sw) not in (2 * d + 1, 2 * d + 2):
            raise ShapeError(f"pool_fold: expected windows (N, C, *out, *k) for {d} spatial axes, "
                             f"got {sw}")
        k = sw[-d:]
        s = k if stride is None else spatial_param("pool_fold", "stride", stride, d, 1)
        dil = spatial_param("pool_fold", "dilation", dilation, d, 1)
        return self.bind(P["pool_fold"], w, size=spatial_param("pool_fold", "size", size, d, 1),
                         stride=s, padding=spatial_param("pool_fold", "padding", padding, d, 0),
                         **extras(dil, ceil_mode=bool(ceil_mode)))

    # -- average pools ----------------------------------------------------------------------
    def avg_pool(self, x: Any, kernel: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None, *, _op: str = "avg_pool",
                 _d: int | None = None, _divide: bool = False) -> Any:
        """N-D average pool, a composite: the sum of ``pool_unfold``'s windows over a divisor.

        With the defaults (the seed's op) padded zeros are summed and the divisor is always
        prod(kernel), applied as a scale by its reciprocal. PyTorch's options: ``ceil_mode``
        (windows reaching past the padded input count only the cells inside it),
        ``count_include_pad=False`` (count only the input's cells), ``divisor_override``;
        those (and ``_divide``, used by ``F.avg_pool{d}d``) divide, as PyTorch does.
        """
        k, s, p, out, _ = self._pool_geometry(_op, x, kernel, stride, padding, _d, 1, ceil_mode)
        u = self.bind(P["pool_unfold"], x, kernel=k, stride=s, padding=p,
                      **extras(ceil_mode=bool(ceil_mode)))
        n = len(self.shape_of(u))
        total = self.reduce_sum(u, tuple(range(n - len(k), n)))
        if divisor_override is not None:
            if not _is_int(divisor_override) or divisor_override == 0:
                raise ArgumentError(f"{_op}: divisor_override must be a nonzero int, got "
                                    f"{divisor_override!r}")
            return self.div_scalar(total, float(divisor_override))
        simple = not ceil_mode and (count_include_pad or not any(p))
        if simple and not _divide:
            return self.scale(total, 1.0 / prod(k))
        if simple:
            return self.div_scalar(total, float(prod(k)))
        counts = _avg_counts(self.shape_of(x)[-len(k):], k, s, p, out, count_include_pad)
        if counts.min() == counts.max():
            return self.div_scalar(total, float(counts.flat[0]))
        return self.div(total, self.lift(counts, self.type_of(x).dtype))

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
            raise ArgumentError(f"{_op}: beta must be a nonzero finite number, got {beta!r}")
        k, s, p, _, _ = self._pool_geometry(_op, x, kernel, stride, padding, _d)
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

    # -- adaptive pools ---------------------------------------------------------------------
    def _adaptive_sizes(self, op: str, x: Any, output_size: Any, d: int) -> tuple[int, ...]:
        sx = self.shape_of(x)
        if self.type_of(x).dtype.kind != "f":
            raise DTypeError(f"{op}: expected a float tensor (float32 or float64), got "
                             f"{self.type_of(x).dtype.name}")
        if len(sx) not in (d + 1, d + 2) or any(n < 1 for n in sx[-d:]):
            raise ShapeError(f"{op}: expected x (C, *spatial) or (N, C, *spatial) with {d} non-empty "
                             f"spatial axes, got {sx}")
        if _is_int(output_size):
            sizes = (output_size,) * d
        elif isinstance(output_size, (tuple, list)):
            sizes = tuple(output_size)
        else:
            raise ShapeError(f"{op}: output_size must be a positive int or {d} of them (None keeps an axis), "
                             f"got {output_size!r}")
        if len(sizes) != d or any(v is not None and (not _is_int(v) or v < 1) for v in sizes):
            raise ShapeError(f"{op}: output_size must be a positive int or {d} of them (None keeps "
                             f"an axis), got {output_size!r} (x {sx})")
        return tuple(n if v is None else int(v) for v, n in zip(sizes, sx[-d:]))

    def adaptive_avg_pool(self, x: Any, output_size: Any, *, _op: str = "adaptive_avg_pool",
                          _d: int = 2) -> Any:
        """PyTorch's adaptive average pool: output cell i of an axis of n cells averages the
        window ``[floor(i n/m), ceil((i+1) n/m))``. A composite: where m divides n the windows
        are a reshape and a sum, elsewhere a product with a 0/1 window matrix; then one
        division by the window sizes."""
        out = self._adaptive_sizes(_op, x, output_size, _d)
        sx = self.shape_of(x)
        nb, sp = len(sx) - _d, sx[-_d:]
        if all(n % m == 0 for n, m in zip(sp, out)) and sp != out:  # one reshape, one sum
            y = self.reshape(x, (*sx[:nb], *(v for n, m in zip(sp, out) for v in (m, n // m))))
            y = self.reduce_sum(y, tuple(nb + 2 * a + 1 for a in range(_d)))
            return self.div_scalar(y, float(prod(n // m for n, m in zip(sp, out))))
        dtype = self.type_of(x).dtype
        y, lengths = x, []
        for a, (n, m) in enumerate(zip(sp, out)):
            starts, ends = _adaptive_windows(n, m)
            lengths.append(np.asarray([e - b for b, e in zip(starts, ends)], dtype=np.float64))
            if n == m:
                continue
            mat = np.zeros((n, m))
            for i, (b, e) in enumerate(zip(starts, ends)):
                mat[b:e, i] = 1.0
            y = self._along(y, nb + a, lambda v, mat=mat: self.matmul(v, self.lift(mat, dtype)))
        counts = functools.reduce(np.multiply.outer, lengths)  # window sizes, shape out
        if counts.min() == counts.max():
            return y if counts.flat[0] == 1 else self.div_scalar(y, float(counts.flat[0]))
        return self.div(y, self.lift(counts, dtype))

    def _along(self, x: Any, axis: int, fn: Any) -> Any:
        """fn applied to x with ``axis`` moved last and flattened to a matrix (rows, n)."""
        sx = self.shape_of(x)
        n = len(sx)
        perm = (*range(axis), *range(axis + 1, n), axis)
        v = self.permute(x, perm)
        sv = self.shape_of(v)
        y = fn(self.reshape(v, (prod(sv[:-1]), sv[-1])))
        y = self.reshape(y, (*sv[:-1], self.shape_of(y)[-1]))
        inv = (*range(axis), n - 1, *range(axis, n - 1))
        return self.permute(y, inv)

    def adaptive_max_pool(self, x: Any, output_size: Any, return_indices: bool = False, *,
                          _op: str = "adaptive_max_pool", _d: int = 2) -> Any:
        """PyTorch's adaptive max pool (windows as ``adaptive_avg_pool``), with the first
        maximum's gradient (and, with ``return_indices``, its int64 plane position).

        Where every m divides n this is ``max_pool`` with kernel n/m; elsewhere a composite:
        each axis's windows are gathered (``take``) into a box of the largest window size,
        short windows padded with copies of their own last cell (a copy never wins a tie: the
        original comes first; and a NaN's last copy stands for the original, the last NaN
        being PyTorch's choice), and ``max_pool`` reduces each box."""
        out = self._adaptive_sizes(_op, x, output_size, _d)
        sx = self.shape_of(x)
        nb, sp = len(sx) - _d, sx[-_d:]
        if all(n % m == 0 for n, m in zip(sp, out)):
            k = tuple(n // m for n, m in zip(sp, out))
            if return_indices:
                return self.max_pool_with_indices(x, k, k, 0, _op=_op, _d=_d)
            return self.max_pool(x, k, k, 0, _op=_op, _d=_d)
        tables, kmax = [], []
        for n, m in zip(sp, out):
            starts, ends = _adaptive_windows(n, m)
            km = max(e - b for b, e in zip(starts, ends))
            tables.append(np.asarray([[min(b + j, e - 1) for j in range(km)]
                                      for b, e in zip(starts, ends)], dtype=np.int64))
            kmax.append(km)
        win = x
        for a, t in enumerate(tables):  # axis nb + 2a (earlier axes are split in two)
            ax = nb + 2 * a
            win = self.index_select(win, ax, t.reshape(-1))
            sw = self.shape_of(win)
            win = self.reshape(win, (*sw[:ax], *t.shape, *sw[ax + 1:]))
        # (*lead, o1, k1, ..., od, kd) -> (M, 1, k1, ..., kd) with M = prod(lead) * prod(out)
        perm = (*range(nb), *(nb + 2 * a for a in range(_d)), *(nb + 2 * a + 1 for a in range(_d)))
        win = self.permute(win, perm)
        m_rows = prod(sx[:nb]) * prod(out)
        win = self.reshape(win, (m_rows, 1, *kmax))
        kw = {"kernel": tuple(kmax), "stride": tuple(kmax), "padding": (0,) * _d}
        y = self.bind(P["max_pool"], win, **kw)
        yv = self.reshape(y, (*sx[:nb], *out))
        if not return_indices:
            return yv
        strides = [prod(sp[a + 1:]) for a in range(_d)]
        pos = np.zeros((*out, *kmax), dtype=np.int64)
        for a, t in enumerate(tables):
            shape = [1] * (2 * _d)
            shape[a], shape[_d + a] = out[a], kmax[a]
            pos = pos + t.reshape(shape) * strides[a]
        pos_t = self.lift(pos.reshape(1, prod(out), 1, *kmax), int64)
        pos_t = self.reshape(self.broadcast_to(pos_t, (prod(sx[:nb]), prod(out), 1, *kmax)),
                             (m_rows, 1, *kmax))
        idx = self.bind(P["max_pool_gather"], win, y, pos_t, **kw)
        return yv, self.reshape(idx, (*sx[:nb], *out))


def _avg_counts(sp, k, s, p, out, count_include_pad: bool) -> np.ndarray:
    """PyTorch's average-pool divisors per output cell (the product over axes of each window's
    length: clipped to the padded input, or to the input without ``count_include_pad``)."""
    counts = np.ones((), dtype=np.int64)
    for n, kk, ss, pp, o in zip(sp, k, s, p, out):
        c = []
        for i in range(o):
            start = i * ss - pp
            end = min(start + kk, n + pp)
            c.append(end - start if count_include_pad else min(end, n) - max(start, 0))
        counts = np.multiply.outer(counts, np.asarray(c, dtype=np.int64))
    return counts.astype(np.float64)
