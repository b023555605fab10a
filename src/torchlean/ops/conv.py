"""Convolution primitives: N-D channels-first cross-correlation and its adjoints.

With ``xpad`` the input zero-padded by ``p`` on both sides of every spatial axis, ``K`` the
kernel offsets and ``s`` the stride (groups = 1, dilation = 1, as the seed and PyTorch):

* ``conv(x, w)``: ``y[n,o,q] = sum_{c,k} xpad[n,c,q*s+k] * w[o,c,k]``, x ``(N, C, *in)`` or
  ``(C, *in)``, w ``(O, C, *k)``, output size ``(in + 2p - k) // s + 1`` per axis. Bilinear.
* ``conv_bias(x, w, b)``: ``conv(x, w) + b[o]``, fused for speed (the GEMM adds the bias
  through a column of ones: no broadcast node, no extra pass over the output).
* ``conv_transpose(x, w)``: the x-adjoint of ``conv`` (PyTorch ``conv_transpose{d}d``),
  w ``(C_in, C_out, *k)``, output ``(in - 1)*s - 2p + k + output_padding``; the
  ``output_padding`` parameter (``< s``) lets the VJP of ``conv`` recover its input's exact
  size when ``(in + 2p - k) % s != 0``.
* ``conv_weight_grad(x, g)``: the w-adjoint of ``conv``, ``dw[o,c,k] = sum_{n,q} g[n,o,q] *
  xpad[n,c,q*s+k]``.
* ``conv_bias_grad(g)``: the b-adjoint of ``conv_bias`` (a sum over all but the channel axis).

Each one's VJPs and JVPs are written with the others, so the set is closed under
differentiation.

Unlike the seed's ``Nat`` arithmetic (where ``in + 2p < k`` gives an output of size 1 and a zero
stride is not checked), impossible geometries are rejected: a ``ShapeError`` naming the op and
the shapes (a deliberate divergence).

Kernels (NumPy/CuPy, no Python loop over positions or batch elements), all channels-last:

* conv: the input is copied once into a zero-padded buffer ``(N, *in, C)``; ``as_strided``
  views it as the windows ``(N, *out, *k, C)``, whose copy is the im2col matrix ``(N*P, K*C)``
  (contiguous runs of ``k_last * C`` values); one GEMM with the weight ``(O, K*C)`` gives
  ``(N*P, O)``. A single-channel input (an image model's first layer) uses the transposed
  im2col ``(K, N*P)``, whose runs are whole output rows.
* conv_transpose (col2im): one batched GEMM gives every kernel offset's contribution
  ``(K, N*P_in, C_out)``, and a loop over the K offsets adds each slab at its strided place in
  the output: no dilated input, and the GEMM moves ``K * C_out`` values per input cell.
* Outputs are returned as channels-first *views* of channels-last arrays: the logical shape is
  ``(N, O, *out)``, and the next conv, pool or elementwise op reads them without a transposing
  copy (kernels accept any strides).
"""

from __future__ import annotations

import functools
import itertools
import operator
import threading
from collections.abc import Sequence
from typing import Any

from .._core.errors import ShapeError
from .._core.registry import defop
from .._core.shapes import prod
from .._core.types import TensorType, check_float

# ----- geometry (shared with the pooling primitives and the front end) ---------------------------


def cached_rule(rule):
    """Memoise a shape rule on its (hashable) types and params: the window geometry is pure
    Python arithmetic that every bind would otherwise redo. Unhashable params (a list passed
    to ``bind`` directly) fall back to the plain rule; errors are never cached."""
    cached = functools.lru_cache(maxsize=1024)(rule)

    def run(*types, **params):
        try:
            return cached(*types, **params)
        except TypeError as e:
            if "unhashable" not in str(e):
                raise
            return rule(*types, **params)

    run.__doc__ = rule.__doc__
    return run



def spatial_param(op: str, what: str, v: Any, d: int, lo: int, ctx: str = "") -> tuple[int, ...]:
    """An int or per-axis sequence as a d-tuple of ints >= lo, or a ShapeError naming the op
    (and ``ctx``, the shapes of the call)."""
    at = f" ({ctx})" if ctx else ""
    if isinstance(v, bool):
        raise ShapeError(f"{op}: {what} must be an int or a tuple of {d} ints, got {v!r}{at}")
    if isinstance(v, int) or (hasattr(v, "__index__") and not isinstance(v, Sequence)):
        t = (operator.index(v),) * d
    else:
        try:
            t = tuple(operator.index(a) for a in v)
        except (TypeError, ValueError):
            raise ShapeError(f"{op}: {what} must be an int or a tuple of {d} ints, got {v!r}{at}") \
                from None
        if len(t) != d:
            raise ShapeError(f"{op}: {what} {tuple(v)} must have one entry per spatial axis ({d}){at}")
    if any(a < lo for a in t):
        raise ShapeError(f"{op}: {what} must be >= {lo} on every axis, got {t}{at}")
    return t


def window_out(op: str, in_sp: Sequence[int], k: Sequence[int], s: Sequence[int],
               p: Sequence[int], what: str) -> tuple[int, ...]:
    """Output size ``(in + 2p - k) // s + 1`` per axis; ShapeError if a window cannot fit."""
    if any(a < 1 for a in s) or any(a < 0 for a in p) or any(a < 1 for a in k):
        raise ShapeError(f"{op}: need kernel >= 1, stride >= 1 and padding >= 0, got kernel "
                         f"{tuple(k)}, stride {tuple(s)}, padding {tuple(p)} ({what})")
    if any(i + 2 * pp < kk for i, kk, pp in zip(in_sp, k, p)):
        raise ShapeError(f"{op}: kernel {tuple(k)} does not fit the padded input: spatial size "
                         f"{tuple(in_sp)} + 2 * padding {tuple(p)} < kernel ({what})")
    return tuple((i + 2 * pp - kk) // ss + 1 for i, kk, ss, pp in zip(in_sp, k, s, p))


def _conv_types(op: str, x: TensorType, w: TensorType, stride, padding, w_in_axis: int):
    """Validate x (N, C, *in) or (C, *in) against w; return (d, batch shape, spatial in)."""
    check_float(op, x, w)
    d = w.ndim - 2
    if d < 1 or x.ndim not in (d + 1, d + 2) or len(stride) != d or len(padding) != d:
        raise ShapeError(f"{op}: expected x (N, C, *spatial) or (C, *spatial) with the kernel's "
                         f"{max(d, 0)} spatial axes and {max(d, 0)}-tuples stride/padding, got "
                         f"x {x.shape}, w {w.shape}, stride {stride}, padding {padding}")
    if x.shape[-d - 1] != w.shape[w_in_axis]:
        raise ShapeError(f"{op}: x has {x.shape[-d - 1]} channels but the weight expects "
                         f"{w.shape[w_in_axis]}: x {x.shape}, w {w.shape}")
    return d, x.shape[:-d - 1], x.shape[-d:]


@cached_rule
def _conv_shape(x: TensorType, w: TensorType, *, stride, padding) -> TensorType:
    _, batch, sp = _conv_types("conv", x, w, stride, padding, 1)
    out = window_out("conv", sp, w.shape[2:], stride, padding, f"x {x.shape}, w {w.shape}")
    return TensorType(batch + w.shape[:1] + out, x.dtype)


@cached_rule
def _conv_bias_shape(x: TensorType, w: TensorType, b: TensorType, *, stride, padding) -> TensorType:
    check_float("conv_bias", x, w, b)
    if b.shape != w.shape[:1]:
        raise ShapeError(f"conv_bias: expected bias of shape {w.shape[:1]}, got {b.shape}")
    return _conv_shape(x, w, stride=stride, padding=padding)


def transpose_out(op: str, sp, k, s, p, op_pad, what: str) -> tuple[int, ...]:
    if any(a < 1 for a in s) or any(a < 0 for a in p) or any(not 0 <= a < ss for a, ss in zip(op_pad, s)):
        raise ShapeError(f"{op}: need stride >= 1, padding >= 0 and 0 <= output_padding < stride, "
                         f"got stride {tuple(s)}, padding {tuple(p)}, output_padding {tuple(op_pad)} "
                         f"({what})")
    out = tuple((i - 1) * ss - 2 * pp + kk + o for i, kk, ss, pp, o in zip(sp, k, s, p, op_pad))
    if any(i < 1 for i in sp) or any(o < 1 for o in out):
        raise ShapeError(f"{op}: output size (in - 1)*stride - 2*padding + kernel + output_padding "
                         f"= {out} must be positive ({what})")
    return out


@cached_rule
def _conv_transpose_shape(x: TensorType, w: TensorType, *, stride, padding, output_padding) -> TensorType:
    d, batch, sp = _conv_types("conv_transpose", x, w, stride, padding, 0)
    if len(output_padding) != d:
        raise ShapeError(f"conv_transpose: output_padding {output_padding} must have {d} entries")
    out = transpose_out("conv_transpose", sp, w.shape[2:], stride, padding, output_padding,
                         f"x {x.shape}, w {w.shape}")
    return TensorType(batch + w.shape[1:2] + out, x.dtype)


@cached_rule
def _conv_weight_grad_shape(x: TensorType, g: TensorType, *, kernel, stride, padding) -> TensorType:
    check_float("conv_weight_grad", x, g)
    d = len(kernel)
    ok = d >= 1 and x.ndim in (d + 1, d + 2) and g.ndim == x.ndim and len(stride) == len(padding) == d
    if ok:
        out = window_out("conv_weight_grad", x.shape[-d:], kernel, stride, padding,
                         f"x {x.shape}, g {g.shape}")
        ok = g.shape[:-d - 1] == x.shape[:-d - 1] and g.shape[-d:] == out
    if not ok:
        raise ShapeError(f"conv_weight_grad: expected x (N, C, *in) or (C, *in) and g of conv's "
                         f"output shape for kernel {kernel}, stride {stride}, padding {padding}, "
                         f"got x {x.shape}, g {g.shape}")
    return TensorType(g.shape[-d - 1:-d] + x.shape[-d - 1:-d] + tuple(kernel), x.dtype)


# ----- kernels -----------------------------------------------------------------------------------


def to_last(n: int, axis: int) -> tuple[int, ...]:
    """Permutation moving ``axis`` of an n-axis array to the end (``x.transpose`` is far
    cheaper than ``xp.moveaxis``, and these kernels are called with small arrays too)."""
    return (*range(axis), *range(axis + 1, n), axis)


def from_last(n: int, axis: int) -> tuple[int, ...]:
    """Permutation moving the last axis of an n-axis array to ``axis``."""
    return (*range(axis), n - 1, *range(axis, n - 1))


def channels_last(xp, x, d: int):
    """(N, *sp, C) view of x (N, C, *sp) or (C, *sp) (a batch axis of 1 is added)."""
    if x.ndim == d + 1:
        x = x[None]
    return x.transpose(to_last(d + 2, 1))


def channels_first(xp, y, unbatched: bool):
    """The logical (N, C, *sp) (or (C, *sp)) view of a channels-last (N, *sp, C) array."""
    y = y.transpose(from_last(y.ndim, 1))
    return y[0] if unbatched else y


def place(xp, xl, lo: Sequence[int], hi: Sequence[int], fill: float = 0.0):
    """xl (N, *sp, C) copied into a contiguous channels-last buffer with ``lo[a]``/``hi[a]``
    cells of ``fill`` before/after spatial axis a (negative: that many cells cropped)."""
    if not any(lo) and not any(hi):
        return xp.ascontiguousarray(xl)
    sp = xl.shape[1:-1]
    size = tuple(n + a + b for n, a, b in zip(sp, lo, hi))
    shape = (xl.shape[0], *size, xl.shape[-1])
    buf = xp.zeros(shape, xl.dtype) if fill == 0 else xp.full(shape, fill, xl.dtype)
    if min(size) <= 0 or any(n + min(a, 0) + min(b, 0) <= 0 for n, a, b in zip(sp, lo, hi)):
        return buf
    dst = tuple(slice(max(a, 0), m - max(b, 0)) for a, b, m in zip(lo, hi, size))
    src = tuple(slice(max(-a, 0), n - max(-b, 0)) for a, b, n in zip(lo, hi, sp))
    buf[(slice(None), *dst, slice(None))] = xl[(slice(None), *src, slice(None))]
    return buf


def window_view(xp, buf, k: Sequence[int], s: Sequence[int], out: Sequence[int]):
    """(N, *out, *k, C) strided view of the windows of a channels-last buffer (no copy)."""
    st = buf.strides
    d = len(k)
    shape = (buf.shape[0], *out, *k, buf.shape[-1])
    strides = (st[0], *(st[1 + a] * s[a] for a in range(d)), *st[1:1 + d], st[-1])
    return xp.lib.stride_tricks.as_strided(buf, shape, strides)


def _columns(k, s, out, c: int) -> bool:
    """Use the transposed im2col (K, N*P) for one channel when its runs (a whole output row at
    stride 1) are longer than the row layout's runs (k_last values)."""
    return c == 1 and s[-1] == 1 and out[-1] > k[-1]


def _im2col(xp, buf, k, s, out, ones: bool = False):
    """im2col of a channels-last buffer: (N*P, K*C), or (K, N*P) when ``_columns``. With
    ``ones``, one more column (row) of ones, so that the GEMM also adds the bias."""
    n, c = buf.shape[0], buf.shape[-1]
    npos, kc = n * prod(out), prod(k) * c
    if _columns(k, s, out, c):
        b2 = buf[..., 0]
        st = b2.strides
        v = xp.lib.stride_tricks.as_strided(
            b2, (*k, n, *out), (*st[1:], st[0], *(st[1 + a] * s[a] for a in range(len(k)))))
        if not ones:
            return v.reshape(kc, npos)
        cols = xp.empty((kc + 1, npos), buf.dtype)
        cols[:kc].reshape(v.shape)[...] = v  # a view: cols[:kc] is contiguous
        cols[kc] = 1
        return cols
    v = window_view(xp, buf, k, s, out)
    if not ones:
        return v.reshape(npos, kc)
    cols = xp.empty((npos, kc + 1), buf.dtype)
    dst = cols[:, :kc].reshape(v.shape)  # splitting both axes of a strided view: no copy
    if dst.strides[0] == cols.strides[0] * prod(out):
        dst[...] = v  # one strided copy straight from the windows
    else:  # pragma: no cover - a library that would not split the view
        cols[:, :kc] = v.reshape(npos, kc)
    cols[:, kc] = 1
    return cols


# Two memos of pure functions of immutable tape values, keyed by array identity (a cotangent
# rule runs on the very array objects the forward pass saw), per thread, each entry used once,
# at most _KEEP entries of at most _MAX_BYTES (so inference never holds much):
# * the forward im2col of the latest convolutions, reused by conv_weight_grad on the same x;
# * the bias gradient that conv_weight_grad gets for free from the ones column of conv_bias's
#   im2col (one more GEMM column), reused by conv_bias_grad on the same cotangent g.
_KEEP = 4
_MAX_BYTES = 1 << 24
_MEMO = threading.local()


def _memo(name: str) -> list:
    memo = getattr(_MEMO, name, None)
    if memo is None:
        memo = []
        setattr(_MEMO, name, memo)
    return memo


def _remember(name: str, x, key, value) -> None:
    if value.nbytes > _MAX_BYTES:
        return
    memo = _memo(name)
    memo[:] = [e for e in memo[-_KEEP + 1:] if not (e[0] is x and e[1] == key)]
    memo.append((x, key, value))


def _recall(name: str, x, key):
    memo = _memo(name)
    for i in range(len(memo) - 1, -1, -1):
        y, k, value = memo[i]
        if y is x and k == key:
            del memo[i]
            return value
    return None


def _weight_rows(xp, w, d: int):
    """w (O, C, *k) as the GEMM matrix (O, K*C) with columns ordered (k..., c)."""
    return w.transpose(to_last(d + 2, 1)).reshape(w.shape[0], -1)


def _conv_impl(xp, x, w, b=None, *, stride, padding):
    d = w.ndim - 2
    xl = channels_last(xp, x, d)
    k = w.shape[2:]
    n, c, o = xl.shape[0], xl.shape[-1], w.shape[0]
    out = tuple((i + 2 * p - kk) // s + 1 for i, kk, s, p in zip(xl.shape[1:-1], k, stride, padding))
    cols = _im2col(xp, place(xp, xl, padding, padding), k, stride, out, ones=b is not None)
    _remember("cols", x, (k, stride, padding), cols)
    w2 = _weight_rows(xp, w, d)
    if b is not None:
        w2 = xp.concatenate([w2, b[:, None]], axis=1)
    w2 = xp.ascontiguousarray(w2.T)  # (K*C [+ 1], O): small, and BLAS likes it untransposed
    y = cols.T @ w2 if _columns(k, stride, out, c) else cols @ w2
    return channels_first(xp, y.reshape(n, *out, o), x.ndim == d + 1)


def _conv_bias_impl(xp, x, w, b, *, stride, padding):
    return _conv_impl(xp, x, w, b, stride=stride, padding=padding)


def offset_slices(k: Sequence[int], s: Sequence[int], n: Sequence[int]) -> tuple[tuple, ...]:
    """One index per kernel offset (row-major) into a channels-last buffer: the cells
    ``off + s*i`` (i < n) of every spatial axis, for all batch entries and channels."""
    return _offset_slices(tuple(k), tuple(s), tuple(n))


@functools.lru_cache(maxsize=1024)
def _offset_slices(k: tuple[int, ...], s: tuple[int, ...], n: tuple[int, ...]) -> tuple[tuple, ...]:
    return tuple((slice(None), *(slice(o, o + ss * (m - 1) + 1, ss) for o, ss, m in zip(off, s, n)),
                  slice(None)) for off in itertools.product(*(range(a) for a in k)))


def _conv_transpose_impl(xp, x, w, *, stride, padding, output_padding):
    # col2im: one batched GEMM gives every kernel offset's contribution of every input cell,
    # (K, N*P, C_out); each offset's slab is added at its strided place in the full output
    # ((in - 1)*s + k per axis), which is then cropped by the padding. No dilated input, so a
    # stride costs nothing, and the GEMM moves K*C_out (not K*C_in) values per input cell.
    d = w.ndim - 2
    k = w.shape[2:]
    cin, cout = w.shape[:2]
    xl = channels_last(xp, x, d)
    n, sp = xl.shape[0], xl.shape[1:-1]
    out = tuple((i - 1) * s - 2 * p + kk + o
                for i, kk, s, p, o in zip(sp, k, stride, padding, output_padding))
    wk = xp.ascontiguousarray(w.reshape(cin, cout, -1).transpose(2, 0, 1))  # (K, C_in, C_out)
    z = xp.matmul(xl.reshape(-1, cin), wk)
    size = tuple(max((i - 1) * s + kk, p + o) for i, kk, s, p, o in zip(sp, k, stride, padding, out))
    buf = xp.zeros((n, *size, cout), x.dtype)
    for j, sl in enumerate(offset_slices(k, stride, sp)):
        buf[sl] += z[j].reshape(n, *sp, cout)
    y = buf[(slice(None), *(slice(p, p + o) for p, o in zip(padding, out)), slice(None))]
    return channels_first(xp, y, x.ndim == d + 1)


def _conv_weight_grad_impl(xp, x, g, *, kernel, stride, padding):
    d = len(kernel)
    xl = channels_last(xp, x, d)
    gl = channels_last(xp, g, d)
    out, c, o = gl.shape[1:-1], xl.shape[-1], gl.shape[-1]
    kc = prod(kernel) * c
    cols = _recall("cols", x, (kernel, stride, padding))
    if cols is None:
        cols = _im2col(xp, place(xp, xl, padding, padding), kernel, stride, out)
    g2 = gl.reshape(-1, o)
    columns = _columns(kernel, stride, out, c)
    full = (cols @ g2).T if columns else g2.T @ cols  # (O, K*C [+ 1])
    if full.shape[1] > kc:  # conv_bias's im2col: the last column gives the bias gradient
        _remember("bias_grads", g, (o, g.ndim - d - 1), full[:, kc].copy())
    if columns:
        return full[:, :kc].reshape(o, 1, *kernel)
    return full[:, :kc].reshape(o, *kernel, c).transpose(from_last(d + 2, 1))


# ----- rules ---------------------------------------------------------------------------------------


def _sp(ops, x, d):
    return ops.shape_of(x)[-d:]


def _out_pad(in_sp, k, s, p):
    """output_padding that makes conv_transpose return exactly ``in_sp``."""
    return tuple((i + 2 * pp - kk) % ss for i, kk, ss, pp in zip(in_sp, k, s, p))


def conv_dx(ops, g, x, w, stride, padding):
    """x-cotangent of conv(x, w): conv_transpose(g, w) back to x's exact size."""
    k = ops.shape_of(w)[2:]
    op = _out_pad(_sp(ops, x, len(k)), k, stride, padding)
    return ops.bind(conv_transpose_p, g, w, stride=stride, padding=padding, output_padding=op)


def conv_dw(ops, g, x, w, stride, padding):
    return ops.bind(conv_weight_grad_p, x, g, kernel=ops.shape_of(w)[2:], stride=stride,
                    padding=padding)


def _conv(ops, x, w, stride, padding):
    return ops.bind(conv_p, x, w, stride=stride, padding=padding)


conv_p = defop(
    "conv", shape=_conv_shape, impl=_conv_impl,
    vjp=[lambda ops, g, out, x, w, *, stride, padding: conv_dx(ops, g, x, w, stride, padding),
         lambda ops, g, out, x, w, *, stride, padding: conv_dw(ops, g, x, w, stride, padding)],
    jvp=[lambda ops, t, out, x, w, *, stride, padding: _conv(ops, t, w, stride, padding),
         lambda ops, t, out, x, w, *, stride, padding: _conv(ops, x, t, stride, padding)],
    doc="N-D channels-first cross-correlation (groups 1, dilation 1, zero padding), bilinear in "
        "(x, w); a primitive for speed (im2col + one GEMM).",
)


def _channel_axis(ops, x, w) -> int:
    """Channel axis of conv's output: 1 if x is batched, else 0."""
    return len(ops.shape_of(x)) - (len(ops.shape_of(w)) - 1)


def _db(ops, g, x, w):
    return ops.bind(conv_bias_grad_p, g, axis=_channel_axis(ops, x, w))


def _tb(ops, t, out, x, w):
    return ops.broadcast_to(t, ops.shape_of(out), axes=(_channel_axis(ops, x, w),))


@cached_rule
def _bias_grad_shape(g: TensorType, *, axis: int) -> TensorType:
    check_float("conv_bias_grad", g)
    if axis not in (0, 1) or g.ndim < axis + 2:
        raise ShapeError(f"conv_bias_grad: channel axis {axis} needs g (N, C, *spatial) (axis 1) "
                         f"or (C, *spatial) (axis 0), got {g.shape}")
    return TensorType(g.shape[axis:axis + 1], g.dtype)


def _bias_grad_impl(xp, g, *, axis):
    db = _recall("bias_grads", g, (g.shape[axis], axis))
    if db is not None:
        return db
    gl = g.transpose(to_last(g.ndim, axis))
    if gl.flags.c_contiguous:  # channels-last memory (conv's own outputs): one GEMV
        g2 = gl.reshape(-1, gl.shape[-1])
        return xp.ones(g2.shape[0], g.dtype) @ g2
    return g.sum(axis=tuple(i for i in range(g.ndim) if i != axis))


conv_bias_grad_p = defop(
    "conv_bias_grad", shape=_bias_grad_shape, impl=_bias_grad_impl,
    vjp=[lambda ops, h, out, g, *, axis: ops.broadcast_to(h, ops.shape_of(g), axes=(axis,))],
    jvp=[lambda ops, t, out, g, *, axis: ops.bind(conv_bias_grad_p, t, axis=axis)],
    doc="Sum of g over every axis but the channel axis (conv_bias's bias gradient); a "
        "primitive for speed: on conv's channels-last outputs it is one GEMV, where a strided "
        "reduction keeping the contiguous axis is an order of magnitude slower.",
)


conv_bias_p = defop(
    "conv_bias", shape=_conv_bias_shape, impl=_conv_bias_impl,
    vjp=[lambda ops, g, out, x, w, b, *, stride, padding: conv_dx(ops, g, x, w, stride, padding),
         lambda ops, g, out, x, w, b, *, stride, padding: conv_dw(ops, g, x, w, stride, padding),
         lambda ops, g, out, x, w, b, *, stride, padding: _db(ops, g, x, w)],
    jvp=[lambda ops, t, out, x, w, b, *, stride, padding: _conv(ops, t, w, stride, padding),
         lambda ops, t, out, x, w, b, *, stride, padding: _conv(ops, x, t, stride, padding),
         lambda ops, t, out, x, w, b, *, stride, padding: _tb(ops, t, out, x, w)],
    doc="conv(x, w) + b[channel]; a primitive for speed: the bias is added in place to the "
        "GEMM output (no broadcast node, no extra temporary).",
)


def _ct(ops, x, w, stride, padding, output_padding):
    return ops.bind(conv_transpose_p, x, w, stride=stride, padding=padding,
                    output_padding=output_padding)


conv_transpose_p = defop(
    "conv_transpose", shape=_conv_transpose_shape, impl=_conv_transpose_impl,
    vjp=[lambda ops, g, out, x, w, *, stride, padding, output_padding: _conv(ops, g, w, stride, padding),
         lambda ops, g, out, x, w, *, stride, padding, output_padding: ops.bind(
             conv_weight_grad_p, g, x, kernel=ops.shape_of(w)[2:], stride=stride, padding=padding)],
    jvp=[lambda ops, t, out, x, w, *, stride, padding, output_padding:
         _ct(ops, t, w, stride, padding, output_padding),
         lambda ops, t, out, x, w, *, stride, padding, output_padding:
         _ct(ops, x, t, stride, padding, output_padding)],
    doc="Transposed convolution (PyTorch conv_transpose{d}d, groups 1), w (C_in, C_out, *k): "
        "the x-adjoint of conv; bilinear.",
)


def _wg(ops, x, g, kernel, stride, padding):
    return ops.bind(conv_weight_grad_p, x, g, kernel=kernel, stride=stride, padding=padding)


conv_weight_grad_p = defop(
    "conv_weight_grad", shape=_conv_weight_grad_shape, impl=_conv_weight_grad_impl,
    vjp=[lambda ops, h, out, x, g, *, kernel, stride, padding: _ct(
             ops, g, h, stride, padding, _out_pad(_sp(ops, x, len(kernel)), kernel, stride, padding)),
         lambda ops, h, out, x, g, *, kernel, stride, padding: _conv(ops, x, h, stride, padding)],
    jvp=[lambda ops, t, out, x, g, *, kernel, stride, padding: _wg(ops, t, g, kernel, stride, padding),
         lambda ops, t, out, x, g, *, kernel, stride, padding: _wg(ops, x, t, kernel, stride, padding)],
    doc="The weight gradient of conv: dw[o,c,k] = sum_{n,q} g[n,o,q] xpad[n,c,q*s+k]; bilinear "
        "in (x, g).",
)
