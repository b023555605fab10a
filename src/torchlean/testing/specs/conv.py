"""Specs of the convolution and pooling ops: PyTorch float64 references (``conv{d}d``,
``conv_transpose{d}d``, ``max_pool{d}d``, ``avg_pool{d}d`` with ``count_include_pad=True``) and
torch-written references for the rest (smooth max pool, windows, weight gradient).

Samples cover 1-D/2-D/3-D, batched and single-sample inputs, padding, stride > 1, non-square
kernels and inputs, ``(in + 2p - k) % s != 0``, one input channel (the transposed-im2col path),
1x1 kernels and kernels larger than the unpadded input. Max-pool samples are continuous random
values, so windows have no ties (tie semantics are unit-tested in tests/unit/test_conv_pool.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..opspec import OpSpec, Sample, normal
from .conv_torch import SPECS as _TORCH_SPECS


def _tup(v: Any, d: int) -> tuple[int, ...]:
    return (v,) * d if isinstance(v, int) else tuple(v)


def _out(sp, k, s, p, dil=1, ceil_mode=False) -> tuple[int, ...]:
    """Window counts (PyTorch's rule, ceil_mode included)."""
    d = len(sp)
    k, s, p, dl = _tup(k, d), _tup(k if s is None else s, d), _tup(p, d), _tup(dil, d)
    out = []
    for i, kk, ss, pp, dd in zip(sp, k, s, p, dl):
        e = dd * (kk - 1) + 1
        o = (i + 2 * pp - e + (ss - 1 if ceil_mode else 0)) // ss + 1
        out.append(o - 1 if ceil_mode and (o - 1) * ss >= i + pp else o)
    return tuple(out)


def _batch(n: int | None) -> tuple[int, ...]:
    return () if n is None else (n,)


# (batch N or None, C_in, C_out, spatial, kernel, stride, padding)
CONV_CASES = [
    (2, 3, 4, (9,), (3,), 1, 1),
    (None, 2, 3, (10,), (4,), 3, 2),          # (in + 2p - k) % s == 1, unbatched
    (2, 3, 4, (7, 9), (3, 2), (2, 1), (1, 0)),
    (None, 2, 3, (8, 7), (3, 3), 2, 1),       # remainder on one axis, unbatched
    (3, 1, 4, (6, 5), (3, 3), 1, 1),          # one input channel: transposed im2col
    (1, 1, 2, (9, 8), (3, 3), 2, 0),          # one channel, stride 2: row im2col
    (2, 2, 3, (5, 6, 4), (2, 3, 2), (2, 1, 1), (1, 0, 1)),
    (None, 2, 2, (4, 4, 5), (3, 2, 2), 1, 0),
    (2, 3, 2, (5, 5), (1, 1), 1, 0),          # 1x1
    (2, 2, 3, (3, 4), (5, 2), 1, (2, 0)),     # kernel larger than the unpadded input
]

# (batch, C_in, C_out, spatial, kernel, stride, padding, output_padding)
CONVT_CASES = [
    (2, 3, 2, (5,), (3,), 2, 1, 1),
    (None, 2, 3, (4, 3), (3, 2), (2, 1), (1, 0), (1, 0)),
    (2, 1, 2, (4, 5), (3, 3), 1, 1, 0),
    (2, 2, 2, (5, 5), (2, 2), 1, 2, 0),       # padding > k - 1: more cropped than the kernel adds
    (1, 2, 2, (3, 2, 3), (2, 2, 3), (2, 1, 2), (0, 1, 1), (1, 0, 0)),
    (2, 2, 3, (4,), (2,), 3, 0, 2),           # stride > kernel: gaps between windows
    (1, 2, 3, (3, 3, 2), (2, 2, 2), 1, (1, 0, 1), 0),  # stride 1: a convolution with the flipped kernel
    (2, 6, 1, (4,), (3,), 1, 1, 0),           # stride 1, C_in > 2 C_out: col2im
]

# (batch, C, spatial, kernel, stride (None = kernel), padding)
POOL_CASES = [
    (2, 3, (10,), (3,), (2,), (1,)),
    (None, 2, (7, 6), (3, 2), (2, 1), (1, 1)),
    (2, 3, (8, 8), (2, 2), None, (0, 0)),
    (2, 2, (7, 5), (3, 3), (1, 2), (1, 0)),   # overlapping windows
    (1, 2, (4, 5, 4), (2, 3, 2), (2, 1, 2), (1, 1, 0)),
    (None, 2, (5, 4, 4), (3, 2, 2), None, (1, 0, 1)),
    (2, 2, (8,), (2,), (3,), (0,)),            # stride above the kernel: gaps between windows
    (None, 2, (8, 7), (2, 1), (3, 2), (0, 0)),
]

POOL2D_CASES = [(2, 3, (8, 6), 2, None, 0), (None, 2, (7, 9), (3, 2), (2, 3), 0),
                (2, 2, (6, 7), 3, 2, 1), (None, 3, (5, 5), (2, 3), 1, (1, 1))]

# The primitives' optional params. (batch, C_in, C_out, spatial, kernel, stride, padding,
# dilation, groups)
CONV_EXT_CASES = [
    (2, 4, 6, (9, 8), (3, 2), (2, 1), 1, (2, 3), 2),
    (None, 3, 3, (11,), (3,), 2, 2, 2, 3),          # depthwise, unbatched
    (2, 1, 3, (7, 9), (2, 3), 1, (1, 0), (3, 2), 1),  # one channel + dilation: row im2col
    (1, 4, 2, (5, 6, 5), (2, 2, 2), (1, 2, 1), (1, 0, 1), (2, 1, 1), 2),
]

# (batch, C_in, C_out per group, spatial, kernel, stride, padding, output_padding, dilation, groups)
CONVT_EXT_CASES = [
    (2, 4, 3, (4, 5), (3, 2), 2, 1, (1, 0), (1, 2), 2),
    (None, 2, 2, (5,), (3,), 1, 0, (1,), (2,), 1),    # output_padding >= stride (< dilation)
    (2, 2, 1, (4, 3), (3, 2), (2, 1), (3, 1), (3, 2), (4, 3), 2),  # ... with padding >= stride
    (1, 3, 1, (3, 3, 4), (2, 2, 2), (2, 1, 1), 0, (1, 0, 0), (1, 2, 1), 3),
    (2, 3, 2, (5, 4), (3, 2), 1, (2, 1), 0, (2, 2), 1),  # stride 1, dilated: the flipped kernel
]

# (batch, C, spatial, kernel, stride (None = kernel), padding, dilation, ceil_mode)
POOL_EXT_CASES = [
    (2, 3, (9, 8), (3, 2), (2, 1), (1, 1), (2, 3), True),
    (None, 2, (10,), (3,), (3,), (1,), (1,), True),        # a ceil window past the padding
    (2, 2, (7, 7), (3, 3), (2, 2), (1, 1), (1, 1), True),
    (1, 2, (5, 6, 5), (2, 2, 2), (2, 2, 2), (0, 1, 1), (2, 1, 1), False),
    (2, 1, (6, 5), (2, 2), None, (0, 0), (1, 1), True),
]


def _conv_samples(bias: bool, d: int | None = None, ext: bool = False):
    def gen(rng):
        out = []
        cases = [(*c, 1, 1) for c in CONV_CASES] + (CONV_EXT_CASES if ext else [])
        for n, c, o, sp, k, s, p, dil, g in cases:
            if d is not None and len(sp) != d:
                continue
            args = [normal(rng, o, c // g, *k)] + ([normal(rng, o)] if bias else [])
            args.append(normal(rng, *_batch(n), c, *sp))
            kw = {"stride": s, "padding": p, **({"dilation": dil, "groups": g} if ext and (dil, g) != (1, 1) else {})}
            out.append(Sample(tuple(args), kw, f"x{args[-1].shape}k{k}s{s}p{p}d{dil}g{g}"))
        return out

    return gen


def _convt_samples(bias: bool, d: int | None = None, ext: bool = False):
    def gen(rng):
        out = []
        cases = [(*c, 1, 1) for c in CONVT_CASES] + (CONVT_EXT_CASES if ext else [])
        for n, c, o, sp, k, s, p, op, dil, g in cases:
            if d is not None and len(sp) != d:
                continue
            args = [normal(rng, c, o, *k)] + ([normal(rng, o * g)] if bias else [])
            args.append(normal(rng, *_batch(n), c, *sp))
            kw = {"stride": s, "padding": p, "output_padding": op,
                  **({"dilation": dil, "groups": g} if ext and (dil, g) != (1, 1) else {})}
            out.append(Sample(tuple(args), kw, f"x{args[-1].shape}k{k}s{s}p{p}op{op}d{dil}g{g}"))
        return out

    return gen


def _wgrad_samples(rng):
    out = []
    for n, c, o, sp, k, s, p, dil, grp in [(*c, 1, 1) for c in CONV_CASES] + CONV_EXT_CASES:
        x = normal(rng, *_batch(n), c, *sp)
        g = normal(rng, *_batch(n), o, *_out(sp, k, s, p, dil))
        kw = {"kernel": k, "stride": s, "padding": p,
              **({"dilation": dil, "groups": grp} if (dil, grp) != (1, 1) else {})}
        out.append(Sample((x, g), kw, f"x{x.shape}k{k}d{dil}g{grp}"))
    return out


def _np_max_pool(x, k, s, p, dil=None, ceil_mode=False):
    """float64 NumPy max pool (padding ignored), to build max_pool_gather/scatter samples."""
    d = len(k)
    s = k if s is None else s
    dil = dil or (1,) * d
    out = _out(x.shape[-d:], k, s, p, dil, ceil_mode)
    ext = [a * (kk - 1) + 1 for a, kk in zip(dil, k)]
    hi = [max(pp, (o - 1) * ss + e - i - pp) for i, e, ss, pp, o in zip(x.shape[-d:], ext, s, p, out)]
    pad = [(0, 0)] * (x.ndim - d) + [(a, b) for a, b in zip(p, hi)]
    w = np.lib.stride_tricks.sliding_window_view(np.pad(x, pad, constant_values=-np.inf), ext,
                                                 axis=tuple(range(x.ndim - d, x.ndim)))
    w = w[(Ellipsis, *(slice(0, ss * (o - 1) + 1, ss) for ss, o in zip(s, out)),
           *(slice(None, None, a) for a in dil))]
    return w.max(axis=tuple(range(-d, 0)))


def _pool_samples(cases, extra: dict | None = None, second: str | None = None, pad: bool = True):
    """Samples of pooling cases; 8-tuples (POOL_EXT_CASES) add dilation and ceil_mode."""
    def gen(rng):
        out = []
        for case in cases:
            n, c, sp, k, s, p, dil, ceil = (*case, None, False)[:8] if len(case) == 6 else case
            x = normal(rng, *_batch(n), c, *sp)
            kw = {"kernel": k, "stride": s, **({"padding": p} if pad else {}), **(extra or {})}
            if len(case) == 8:
                kw.update(dilation=dil, ceil_mode=ceil)
            args: tuple = (x,)
            if second == "like_x":
                args = (x, _np_max_pool(x, k, s, p, dil, ceil), normal(rng, *x.shape))
            elif second == "like_out":
                args = (x, _np_max_pool(x, k, s, p, dil, ceil),
                        normal(rng, *_batch(n), c, *_out(sp, k, s, p, dil or 1, ceil)))
            out.append(Sample(args, kw, f"x{x.shape}k{k}s{s}p{p}" + (f"d{dil}c{int(ceil)}" if len(case) == 8 else "")))
        return out

    return gen


def _fold_samples(rng):
    out = []
    for case in [(*c, 1, False) for c in POOL_CASES] + POOL_EXT_CASES:
        n, c, sp, k, s, p, dil, ceil = case
        kk = _tup(k, len(sp))
        w = normal(rng, *_batch(n), c, *_out(sp, k, s, p, dil, ceil), *kk)
        kw = {"size": sp, "stride": s, "padding": p, **({"dilation": dil, "ceil_mode": ceil}
                                                          if (dil, ceil) != (1, False) else {})}
        out.append(Sample((w,), kw, f"w{w.shape}d{dil}c{int(ceil)}"))
    return out


# ----- torch references ------------------------------------------------------------------------
def _fn(t):
    return t.nn.functional


def _conv_ref(t, w, b, x, stride, padding, dilation=1, groups=1):
    return getattr(_fn(t), f"conv{w.ndim - 2}d")(x, w, b, stride, padding, dilation, groups)


def _convt_ref(t, w, b, x, stride, padding, output_padding=0, dilation=1, groups=1):
    return getattr(_fn(t), f"conv_transpose{w.ndim - 2}d")(x, w, b, stride, padding, output_padding,
                                                           groups, dilation)


def _wgrad_ref(t, x, g, kernel, stride, padding, dilation=1, groups=1):
    d = len(kernel)
    w0 = t.zeros((g.shape[-d - 1], x.shape[-d - 1] // groups, *kernel), dtype=x.dtype, requires_grad=True)
    y = getattr(_fn(t), f"conv{d}d")(x, w0, None, stride, padding, dilation, groups)
    return t.autograd.grad(y, w0, g, create_graph=True)[0]


def _max_ref(t, x, kernel, stride=None, padding=0, dilation=1, ceil_mode=False, indices=False):
    d = len(kernel) if not isinstance(kernel, int) else 2
    return getattr(_fn(t), f"max_pool{d}d")(x, kernel, stride, padding, dilation, ceil_mode,
                                            return_indices=indices)


def _gather_ref(t, x, y, tt, kernel, stride=None, padding=0, dilation=1, ceil_mode=False):
    d = len(kernel)
    out, idx = _max_ref(t, x, kernel, stride, padding, dilation, ceil_mode, indices=True)
    return tt.flatten(-d).gather(-1, idx.flatten(-d)).reshape(out.shape)


def _scatter_ref(t, x, y, g, kernel, stride=None, padding=0, dilation=1, ceil_mode=False):
    d = len(kernel)
    _, idx = _max_ref(t, x, kernel, stride, padding, dilation, ceil_mode, indices=True)
    z = t.zeros(x.shape, dtype=g.dtype).flatten(-d)
    return z.scatter_add(-1, idx.flatten(-d), g.flatten(-d)).reshape(x.shape)


def _avg_ref(t, x, kernel, stride=None, padding=0):
    d = len(kernel) if not isinstance(kernel, int) else 2
    return getattr(_fn(t), f"avg_pool{d}d")(x, kernel, stride, padding, count_include_pad=True)


def _unfold_ref(t, x, kernel, stride=None, padding=0, dilation=1, ceil_mode=False):
    d = len(kernel) if not isinstance(kernel, int) else 2
    k, p, dl = _tup(kernel, d), _tup(padding, d), _tup(dilation, d)
    s = k if stride is None else _tup(stride, d)
    out = _out(x.shape[-d:], k, s, p, dl, ceil_mode)
    ext = [a * (kk - 1) + 1 for a, kk in zip(dl, k)]
    hi = [max(pp, (o - 1) * ss + e - i - pp) for i, e, ss, pp, o in zip(x.shape[-d:], ext, s, p, out)]
    pads = [a for pp, h in zip(reversed(p), reversed(hi)) for a in (pp, h)]
    y = _fn(t).pad(x, pads)
    for a in range(d):
        y = y.unfold(x.ndim - d + a, ext[a], s[a]).narrow(x.ndim - d + a, 0, out[a])
    return y[(Ellipsis, *(slice(None, None, a) for a in dl))]


def _fold_ref(t, w, size, stride=None, padding=0, dilation=1, ceil_mode=False):
    d = len(size)
    x0 = t.zeros((*w.shape[:-2 * d], *size), dtype=w.dtype, requires_grad=True)
    u = _unfold_ref(t, x0, tuple(w.shape[-d:]), stride, padding, dilation, ceil_mode)
    return t.autograd.grad(u, x0, w, create_graph=True)[0]


def _smooth_ref(t, x, beta, kernel, stride=None, padding=0):
    d = len(kernel) if not isinstance(kernel, int) else 2
    u = _unfold_ref(t, x, kernel, stride, padding).flatten(-d)
    return t.logsumexp(beta * u, -1) / beta


_CONV_TOL: dict[str, Any] = {"f32_atol": 1e-4, "rtol": 1e-8, "atol": 1e-9}

SPECS: list[OpSpec] = [
    # ----- convolution (primitives conv, conv_bias, conv_transpose, conv_weight_grad) ---------
    OpSpec("conv", _conv_samples(False, ext=True), call=lambda ops, w, x, **kw: ops.conv(w, None, x, **kw),
           torch=lambda t, w, x, **kw: _conv_ref(t, w, None, x, **kw), **_CONV_TOL),
    OpSpec("conv_bias", _conv_samples(True, ext=True), call=lambda ops, w, b, x, **kw: ops.conv(w, b, x, **kw),
           torch=_conv_ref, **_CONV_TOL),
    OpSpec("conv2d", _conv_samples(True, 2), torch=_conv_ref, binds=("conv_bias",), **_CONV_TOL),
    OpSpec("conv2d_compat", _conv_samples(False, 2),
           call=lambda ops, w, x, **kw: ops.conv2d_compat(w, None, x, **kw),
           torch=lambda t, w, x, **kw: _conv_ref(t, w, None, x, **kw), binds=("conv",), **_CONV_TOL),
    OpSpec("conv_transpose", _convt_samples(False, ext=True),
           call=lambda ops, w, x, **kw: ops.conv_transpose(w, None, x, **kw),
           torch=lambda t, w, x, **kw: _convt_ref(t, w, None, x, **kw), **_CONV_TOL),
    OpSpec("conv_transpose_bias", _convt_samples(True, ext=True),
           call=lambda ops, w, b, x, **kw: ops.conv_transpose(w, b, x, **kw), torch=_convt_ref,
           binds=("conv_transpose", "broadcast_to", "add"), **_CONV_TOL),
    OpSpec("conv_transpose2d", _convt_samples(True, 2), torch=_convt_ref,
           binds=("conv_transpose",), **_CONV_TOL),
    OpSpec("conv_weight_grad", _wgrad_samples, torch=_wgrad_ref, **_CONV_TOL),
    OpSpec("conv_bias_grad", lambda rng: [
        Sample((normal(rng, 3, 4, 5, 2),), {"axis": 1}, "nchw"),
        Sample((normal(rng, 4, 5, 3),), {"axis": 0}, "chw"),
        Sample((normal(rng, 2, 3, 4),), {}, "ncl"),
        Sample((np.ascontiguousarray(normal(rng, 2, 5, 4, 3).transpose(0, 3, 1, 2)),), {"axis": 1},
               "channels-last memory")],
        torch=lambda t, g, axis=1: g.sum([i for i in range(g.ndim) if i != axis])),
    # ----- max pool (primitives max_pool, max_pool_gather, max_pool_scatter) ---------------------
    OpSpec("max_pool", _pool_samples(POOL_CASES + POOL_EXT_CASES), torch=_max_ref),
    OpSpec("max_pool2d", _pool_samples(POOL2D_CASES[:2], pad=False), torch=_max_ref, binds=("max_pool",)),
    OpSpec("max_pool2d_pad", _pool_samples(POOL2D_CASES), torch=_max_ref, binds=("max_pool",)),
    OpSpec("max_pool_pad", _pool_samples(POOL2D_CASES[2:]), torch=_max_ref, binds=("max_pool",)),
    # x and y = max_pool(x) select the cells: perturbing them apart is meaningless, so only the
    # linear input is differentiated here (the zero x/y derivatives are unit-tested).
    OpSpec("max_pool_gather", _pool_samples(POOL_CASES + POOL_EXT_CASES, second="like_x"), torch=_gather_ref,
           nondiff=(0, 1)),
    OpSpec("max_pool_scatter", _pool_samples(POOL_CASES + POOL_EXT_CASES, second="like_out"),
           torch=_scatter_ref,
           nondiff=(0, 1)),
    # ----- windows, average and smooth-max pools ----------------------------------------------
    OpSpec("pool_unfold", _pool_samples(POOL_CASES + POOL_EXT_CASES), torch=_unfold_ref),
    OpSpec("pool_fold", _fold_samples, torch=_fold_ref),
    OpSpec("avg_pool", _pool_samples(POOL_CASES), torch=_avg_ref, binds=("pool_unfold",)),
    OpSpec("avg_pool2d", _pool_samples(POOL2D_CASES[:2], pad=False), torch=_avg_ref,
           binds=("pool_unfold",)),
    OpSpec("avg_pool2d_pad", _pool_samples(POOL2D_CASES), torch=_avg_ref, binds=("pool_unfold",)),
    OpSpec("avg_pool_pad", _pool_samples(POOL2D_CASES[2:]), torch=_avg_ref, binds=("pool_unfold",)),
    OpSpec("smooth_max_pool", lambda rng: [
        *_pool_samples(POOL_CASES[:3], {"beta": 1.5})(rng),
        *_pool_samples(POOL_CASES[3:], {"beta": -2.0})(rng)],
        call=lambda ops, x, beta, **kw: ops.smooth_max_pool(x, beta, **kw),
        torch=lambda t, x, beta, **kw: _smooth_ref(t, x, beta, **kw),
        binds=("pool_unfold", "log_softmax")),
    OpSpec("smooth_max_pool2d", _pool_samples(POOL2D_CASES[:2], {"beta": 4.0}, pad=False),
           call=lambda ops, x, beta, **kw: ops.smooth_max_pool2d(x, beta, **kw),
           torch=lambda t, x, beta, **kw: _smooth_ref(t, x, beta, **kw),
           binds=("pool_unfold", "log_softmax")),
    OpSpec("global_avg_pool2d", lambda rng: [Sample((normal(rng, 3, 4, 5),), {}, "chw"),
                                             Sample((normal(rng, 2, 3, 4, 2),), {}, "nchw")],
           torch=lambda t, x: x.mean((-2, -1)), binds=("reduce_sum",)),
    OpSpec("global_avg_pool2d_chw", lambda rng: [Sample((normal(rng, 3, 4, 5),))],
           torch=lambda t, x: x.mean((-2, -1)), binds=("reduce_sum",)),
    OpSpec("global_avg_pool2d_nchw", lambda rng: [Sample((normal(rng, 2, 3, 4, 2),))],
           torch=lambda t, x: x.mean((-2, -1)), binds=("reduce_sum",)),
    *_TORCH_SPECS,
]
