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


def _tup(v: Any, d: int) -> tuple[int, ...]:
    return (v,) * d if isinstance(v, int) else tuple(v)


def _out(sp, k, s, p) -> tuple[int, ...]:
    d = len(sp)
    k, s, p = _tup(k, d), _tup(k if s is None else s, d), _tup(p, d)
    return tuple((i + 2 * pp - kk) // ss + 1 for i, kk, ss, pp in zip(sp, k, s, p))


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
]

# (batch, C, spatial, kernel, stride (None = kernel), padding)
POOL_CASES = [
    (2, 3, (10,), (3,), (2,), (1,)),
    (None, 2, (7, 6), (3, 2), (2, 1), (1, 1)),
    (2, 3, (8, 8), (2, 2), None, (0, 0)),
    (2, 2, (7, 5), (3, 3), (1, 2), (1, 0)),   # overlapping windows
    (1, 2, (4, 5, 4), (2, 3, 2), (2, 1, 2), (1, 1, 0)),
    (None, 2, (5, 4, 4), (3, 2, 2), None, (1, 0, 1)),
]

POOL2D_CASES = [(2, 3, (8, 6), 2, None, 0), (None, 2, (7, 9), (3, 2), (2, 3), 0),
                (2, 2, (6, 7), 3, 2, 1), (None, 3, (5, 5), (2, 3), 1, (1, 1))]


def _conv_samples(bias: bool, d: int | None = None):
    def gen(rng):
        out = []
        for n, c, o, sp, k, s, p in CONV_CASES:
            if d is not None and len(sp) != d:
                continue
            args = [normal(rng, o, c, *k)] + ([normal(rng, o)] if bias else [])
            args.append(normal(rng, *_batch(n), c, *sp))
            out.append(Sample(tuple(args), {"stride": s, "padding": p}, f"x{args[-1].shape}k{k}s{s}p{p}"))
        return out

    return gen


def _convt_samples(bias: bool, d: int | None = None):
    def gen(rng):
        out = []
        for n, c, o, sp, k, s, p, op in CONVT_CASES:
            if d is not None and len(sp) != d:
                continue
            args = [normal(rng, c, o, *k)] + ([normal(rng, o)] if bias else [])
            args.append(normal(rng, *_batch(n), c, *sp))
            out.append(Sample(tuple(args), {"stride": s, "padding": p, "output_padding": op},
                              f"x{args[-1].shape}k{k}s{s}p{p}op{op}"))
        return out

    return gen


def _wgrad_samples(rng):
    out = []
    for n, c, o, sp, k, s, p in CONV_CASES:
        x = normal(rng, *_batch(n), c, *sp)
        g = normal(rng, *_batch(n), o, *_out(sp, k, s, p))
        out.append(Sample((x, g), {"kernel": k, "stride": s, "padding": p}, f"x{x.shape}k{k}"))
    return out


def _np_max_pool(x, k, s, p):
    """float64 NumPy max pool (padding ignored), to build max_pool_gather/scatter samples."""
    d = len(k)
    s = k if s is None else s
    pad = [(0, 0)] * (x.ndim - d) + [(a, a) for a in p]
    w = np.lib.stride_tricks.sliding_window_view(np.pad(x, pad, constant_values=-np.inf), k,
                                                 axis=tuple(range(x.ndim - d, x.ndim)))
    w = w[(Ellipsis, *(slice(None, None, a) for a in s), *([slice(None)] * d))]
    return w.max(axis=tuple(range(-d, 0)))


def _pool_samples(cases, extra: dict | None = None, second: str | None = None, pad: bool = True):
    def gen(rng):
        out = []
        for n, c, sp, k, s, p in cases:
            x = normal(rng, *_batch(n), c, *sp)
            kw = {"kernel": k, "stride": s, **({"padding": p} if pad else {}), **(extra or {})}
            args: tuple = (x,)
            if second == "like_x":
                args = (x, _np_max_pool(x, k, s, p), normal(rng, *x.shape))
            elif second == "like_out":
                args = (x, _np_max_pool(x, k, s, p), normal(rng, *_batch(n), c, *_out(sp, k, s, p)))
            out.append(Sample(args, kw, f"x{x.shape}k{k}s{s}p{p}"))
        return out

    return gen


def _fold_samples(rng):
    out = []
    for n, c, sp, k, s, p in POOL_CASES:
        kk = _tup(k, len(sp))
        w = normal(rng, *_batch(n), c, *_out(sp, k, s, p), *kk)
        out.append(Sample((w,), {"size": sp, "stride": s, "padding": p}, f"w{w.shape}"))
    return out


# ----- torch references ------------------------------------------------------------------------
def _fn(t):
    return t.nn.functional


def _conv_ref(t, w, b, x, stride, padding):
    return getattr(_fn(t), f"conv{w.ndim - 2}d")(x, w, b, stride, padding)


def _convt_ref(t, w, b, x, stride, padding, output_padding=0):
    return getattr(_fn(t), f"conv_transpose{w.ndim - 2}d")(x, w, b, stride, padding, output_padding)


def _wgrad_ref(t, x, g, kernel, stride, padding):
    d = len(kernel)
    w0 = t.zeros((g.shape[-d - 1], x.shape[-d - 1], *kernel), dtype=x.dtype, requires_grad=True)
    y = getattr(_fn(t), f"conv{d}d")(x, w0, None, stride, padding)
    return t.autograd.grad(y, w0, g, create_graph=True)[0]


def _max_ref(t, x, kernel, stride=None, padding=0, indices=False):
    d = len(kernel) if not isinstance(kernel, int) else 2
    return getattr(_fn(t), f"max_pool{d}d")(x, kernel, stride, padding, return_indices=indices)


def _gather_ref(t, x, y, tt, kernel, stride=None, padding=0):
    d = len(kernel)
    out, idx = _max_ref(t, x, kernel, stride, padding, indices=True)
    return tt.flatten(-d).gather(-1, idx.flatten(-d)).reshape(out.shape)


def _scatter_ref(t, x, y, g, kernel, stride=None, padding=0):
    d = len(kernel)
    _, idx = _max_ref(t, x, kernel, stride, padding, indices=True)
    z = t.zeros(x.shape, dtype=g.dtype).flatten(-d)
    return z.scatter_add(-1, idx.flatten(-d), g.flatten(-d)).reshape(x.shape)


def _avg_ref(t, x, kernel, stride=None, padding=0):
    d = len(kernel) if not isinstance(kernel, int) else 2
    return getattr(_fn(t), f"avg_pool{d}d")(x, kernel, stride, padding, count_include_pad=True)


def _unfold_ref(t, x, kernel, stride=None, padding=0):
    d = len(kernel) if not isinstance(kernel, int) else 2
    k, p = _tup(kernel, d), _tup(padding, d)
    s = k if stride is None else _tup(stride, d)
    pads = [a for pp in reversed(p) for a in (pp, pp)]
    y = _fn(t).pad(x, pads)
    for a in range(d):
        y = y.unfold(x.ndim - d + a, k[a], s[a])
    return y


def _fold_ref(t, w, size, stride=None, padding=0):
    d = len(size)
    x0 = t.zeros((*w.shape[:-2 * d], *size), dtype=w.dtype, requires_grad=True)
    u = _unfold_ref(t, x0, tuple(w.shape[-d:]), stride, padding)
    return t.autograd.grad(u, x0, w, create_graph=True)[0]


def _smooth_ref(t, x, beta, kernel, stride=None, padding=0):
    d = len(kernel) if not isinstance(kernel, int) else 2
    u = _unfold_ref(t, x, kernel, stride, padding).flatten(-d)
    return t.logsumexp(beta * u, -1) / beta


_CONV_TOL: dict[str, Any] = {"f32_atol": 1e-4, "rtol": 1e-8, "atol": 1e-9}

SPECS: list[OpSpec] = [
    # ----- convolution (primitives conv, conv_bias, conv_transpose, conv_weight_grad) ---------
    OpSpec("conv", _conv_samples(False), call=lambda ops, w, x, **kw: ops.conv(w, None, x, **kw),
           torch=lambda t, w, x, **kw: _conv_ref(t, w, None, x, **kw), **_CONV_TOL),
    OpSpec("conv_bias", _conv_samples(True), call=lambda ops, w, b, x, **kw: ops.conv(w, b, x, **kw),
           torch=_conv_ref, **_CONV_TOL),
    OpSpec("conv2d", _conv_samples(True, 2), torch=_conv_ref, binds=("conv_bias",), **_CONV_TOL),
    OpSpec("conv2d_compat", _conv_samples(False, 2),
           call=lambda ops, w, x, **kw: ops.conv2d_compat(w, None, x, **kw),
           torch=lambda t, w, x, **kw: _conv_ref(t, w, None, x, **kw), binds=("conv",), **_CONV_TOL),
    OpSpec("conv_transpose", _convt_samples(False),
           call=lambda ops, w, x, **kw: ops.conv_transpose(w, None, x, **kw),
           torch=lambda t, w, x, **kw: _convt_ref(t, w, None, x, **kw), **_CONV_TOL),
    OpSpec("conv_transpose_bias", _convt_samples(True),
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
    OpSpec("max_pool", _pool_samples(POOL_CASES), torch=_max_ref),
    OpSpec("max_pool2d", _pool_samples(POOL2D_CASES[:2], pad=False), torch=_max_ref, binds=("max_pool",)),
    OpSpec("max_pool2d_pad", _pool_samples(POOL2D_CASES), torch=_max_ref, binds=("max_pool",)),
    OpSpec("max_pool_pad", _pool_samples(POOL2D_CASES[2:]), torch=_max_ref, binds=("max_pool",)),
    # x and y = max_pool(x) select the cells: perturbing them apart is meaningless, so only the
    # linear input is differentiated here (the zero x/y derivatives are unit-tested).
    OpSpec("max_pool_gather", _pool_samples(POOL_CASES, second="like_x"), torch=_gather_ref,
           nondiff=(0, 1)),
    OpSpec("max_pool_scatter", _pool_samples(POOL_CASES, second="like_out"), torch=_scatter_ref,
           nondiff=(0, 1)),
    # ----- windows, average and smooth-max pools ----------------------------------------------
    OpSpec("pool_unfold", _pool_samples(POOL_CASES), torch=_unfold_ref),
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
]
