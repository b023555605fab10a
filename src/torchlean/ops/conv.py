"""Convolution primitives: N-D channels-first cross-correlation and its adjoints.

With ``xpad`` the input zero-padded by ``p`` on both sides of every spatial axis, ``K`` the
kernel offsets, ``s`` the stride, ``dil`` the dilation and ``G`` the groups (the optional
params ``dilation`` and ``groups``, bound only when they differ from 1: the seed's calls bind
what they always did and run the same code):

* ``conv(x, w)``: ``y[n,o,q] = sum_{c,k} xpad[n, g(o)*C/G + c, q*s + k*dil] * w[o,c,k]``, x
  ``(N, C, *in)`` or ``(C, *in)``, w ``(O, C/G, *k)``, output size
  ``(in + 2p - dil*(k - 1) - 1) // s + 1`` per axis. Bilinear.
* ``conv_bias(x, w, b)``: ``conv(x, w) + b[o]``, fused for speed (the GEMM adds the bias
  through a column of ones: no broadcast node, no extra pass over the output).
* ``conv_transpose(x, w)``: the x-adjoint of ``conv`` (PyTorch ``conv_transpose{d}d``),
  w ``(C_in, C_out/G, *k)``, output ``(in - 1)*s - 2p + dil*(k - 1) + 1 + output_padding``;
  ``output_padding`` (``< max(s, dil)``, PyTorch's rule) lets the VJP of ``conv`` recover its
  input's exact size when ``(in + 2p - dil*(k - 1) - 1) % s != 0``.
* ``conv_weight_grad(x, g)``: the w-adjoint of ``conv``, ``dw[o,c,k] = sum_{n,q} g[n,o,q] *
  xpad[n, g(o)*C/G + c, q*s + k*dil]``.
* ``conv_bias_grad(g)``: the b-adjoint of ``conv_bias`` (a sum over all but the channel axis).

Each one's VJPs and JVPs are written with the others, so the set is closed under
differentiation.

Unlike the seed's ``Nat`` arithmetic (where ``in + 2p < k`` gives an output of size 1 and a zero
stride is not checked), impossible geometries are rejected: a ``ShapeError`` naming the op and
the shapes (a deliberate divergence).

Kernels (NumPy/CuPy, no Python loop over positions or batch elements), all channels-last:

* conv: the input is copied once into a zero-padded buffer ``(N, *in, C)``; ``as_strided``
  views it as the windows ``(N, *out, *k, C)`` (dilation is a stride of the kernel axes),
  whose copy is the im2col matrix ``(N*P, K*C)`` (contiguous runs of ``C`` values, of
  ``k_last * C`` without dilation); one GEMM with the weight ``(O, K*C)`` gives ``(N*P, O)``.
  A single-channel input (an image model's first layer) uses the transposed im2col
  ``(K, N*P)``, whose runs are whole output rows. Groups: the im2col is ``(G, N*P, K*C/G)``
  and the GEMM is batched over the groups.
* conv_transpose (col2im): one batched GEMM gives every kernel offset's contribution
  ``(K, N*P_in, C_out)``, and a loop over the K offsets adds each slab at its strided place in
  the output: no dilated input, and the GEMM moves ``K * C_out`` values per input cell.
* Outputs are returned as channels-first *views* of channels-last arrays: the logical shape is
  ``(N, O, *out)``, and the next conv, pool or elementwise op reads them without a transposing
  copy (kernels accept any strides).
"""

from __future__ import annotations

import threading

import numpy as np

from .._core.errors import ShapeError
from .._core.registry import defop
from .._core.shapes import prod
from .._core.types import TensorType, check_float
from .scratch import scratch
from .window import (  # noqa: F401  (re-exported: the geometry's historical home)
    cached_rule,
    channels_first,
    channels_last,
    extent,
    from_last,
    offset_slices,
    place,
    spatial_param,
    strided_view,
    to_last,
    transpose_out,
    window_out,
    window_view,
)

# ----- geometry -----------------------------------------------------------------------------------


def _groups_ok(op: str, groups, what: str) -> int:
    if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1:
        raise ShapeError(f"{op}: groups must be a positive int, got {groups!r} ({what})")
    return groups


def _conv_types(op: str, x: TensorType, w: TensorType, stride, padding, w_in_axis: int,
                dilation=None, groups: int = 1):
    """Validate x (N, C, *in) or (C, *in) against w; return (d, batch shape, spatial in)."""
    check_float(op, x, w)
    d = w.ndim - 2
    if d < 1 or x.ndim not in (d + 1, d + 2) or len(stride) != d or len(padding) != d \
            or (dilation is not None and len(dilation) != d):
        raise ShapeError(f"{op}: expected x (N, C, *spatial) or (C, *spatial) with the kernel's "
                         f"{max(d, 0)} spatial axes and {max(d, 0)}-tuples stride/padding, got "
                         f"x {x.shape}, w {w.shape}, stride {stride}, padding {padding}")
    what = f"x {x.shape}, w {w.shape}"
    _groups_ok(op, groups, what)
    want = w.shape[w_in_axis] * (groups if w_in_axis == 1 else 1)
    if x.shape[-d - 1] != want:
        per = f" ({groups} groups of {w.shape[1]})" if groups != 1 and w_in_axis == 1 else ""
        raise ShapeError(f"{op}: x has {x.shape[-d - 1]} channels but the weight expects "
                         f"{want}{per}: x {x.shape}, w {w.shape}")
    if w.shape[0] % groups:
        raise ShapeError(f"{op}: the weight's first axis ({w.shape[0]}) must be divisible by "
                         f"groups = {groups}: {what}")
    return d, x.shape[:-d - 1], x.shape[-d:]


@cached_rule
def _conv_shape(x: TensorType, w: TensorType, *, stride, padding, dilation=None, groups=1) -> TensorType:
    _, batch, sp = _conv_types("conv", x, w, stride, padding, 1, dilation, groups)
    out = window_out("conv", sp, w.shape[2:], stride, padding, f"x {x.shape}, w {w.shape}", dilation)
    return TensorType(batch + w.shape[:1] + out, x.dtype)


@cached_rule
def _conv_bias_shape(x: TensorType, w: TensorType, b: TensorType, *, stride, padding, dilation=None,
                     groups=1) -> TensorType:
    check_float("conv_bias", x, w, b)
    if b.shape != w.shape[:1]:
        raise ShapeError(f"conv_bias: expected bias of shape {w.shape[:1]}, got {b.shape}")
    return _conv_shape(x, w, stride=stride, padding=padding, dilation=dilation, groups=groups)


@cached_rule
def _conv_transpose_shape(x: TensorType, w: TensorType, *, stride, padding, output_padding,
                          dilation=None, groups=1) -> TensorType:
    d, batch, sp = _conv_types("conv_transpose", x, w, stride, padding, 0, dilation, groups)
    if len(output_padding) != d:
        raise ShapeError(f"conv_transpose: output_padding {output_padding} must have {d} entries")
    out = transpose_out("conv_transpose", sp, w.shape[2:], stride, padding, output_padding,
                        f"x {x.shape}, w {w.shape}", dilation)
    return TensorType((*batch, w.shape[1] * groups, *out), x.dtype)


@cached_rule
def _conv_weight_grad_shape(x: TensorType, g: TensorType, *, kernel, stride, padding, dilation=None,
                            groups=1) -> TensorType:
    check_float("conv_weight_grad", x, g)
    d = len(kernel)
    ok = d >= 1 and x.ndim in (d + 1, d + 2) and g.ndim == x.ndim and len(stride) == len(padding) == d \
        and (dilation is None or len(dilation) == d)
    if ok:
        what = f"x {x.shape}, g {g.shape}"
        _groups_ok("conv_weight_grad", groups, what)
        out = window_out("conv_weight_grad", x.shape[-d:], kernel, stride, padding, what, dilation)
        ok = g.shape[:-d - 1] == x.shape[:-d - 1] and g.shape[-d:] == out \
            and x.shape[-d - 1] % groups == 0 and g.shape[-d - 1] % groups == 0
    if not ok:
        extra = "" if groups == 1 and dilation is None else f", dilation {dilation}, groups {groups}"
        raise ShapeError(f"conv_weight_grad: expected x (N, C, *in) or (C, *in) and g of conv's "
                         f"output shape for kernel {kernel}, stride {stride}, padding {padding}"
                         f"{extra}, got x {x.shape}, g {g.shape}")
    return TensorType((*g.shape[-d - 1:-d], x.shape[-d - 1] // groups, *tuple(kernel)), x.dtype)


# ----- kernels -----------------------------------------------------------------------------------


def _columns(k, s, out, c: int, dil=None) -> bool:
    """Use the transposed im2col (K, N*P) for one channel when its runs (a whole output row at
    stride 1) are longer than the row layout's runs (k_last values)."""
    return c == 1 and s[-1] == 1 and out[-1] > (k[-1] if dil is None or dil[-1] == 1 else 1)


def _im2col(xp, buf, k, s, out, ones: bool = False, dil=None):
    """im2col of a channels-last buffer: (N*P, K*C), or (K, N*P) when ``_columns``. With
    ``ones``, one more column (row) of ones, so that the GEMM also adds the bias."""
    n, c = buf.shape[0], buf.shape[-1]
    npos, kc = n * prod(out), prod(k) * c
    if _columns(k, s, out, c, dil):
        b2 = buf[..., 0]
        st = b2.strides
        dl = dil or (1,) * len(k)
        v = strided_view(xp, buf, (*k, n, *out), (*(st[1 + a] * dl[a] for a in range(len(k))), st[0],
                                                  *(st[1 + a] * s[a] for a in range(len(k)))))
        if not ones:
            return _flat(xp, v, (kc, npos))
        cols = scratch(xp, (kc + 1, npos), buf.dtype)
        cols[:kc].reshape(v.shape)[...] = v  # a view: cols[:kc] is contiguous
        cols[kc] = 1
        return cols
    v = window_view(xp, buf, k, s, out, dil)
    if not ones:
        return _flat(xp, v, (npos, kc))
    cols = scratch(xp, (npos, kc + 1), buf.dtype)
    dst = cols[:, :kc].reshape(v.shape)  # splitting both axes of a strided view: no copy
    if dst.strides[0] == cols.strides[0] * prod(out):
        dst[...] = v  # one strided copy straight from the windows
    else:  # pragma: no cover - a library that would not split the view
        cols[:, :kc] = v.reshape(npos, kc)
    cols[:, kc] = 1
    return cols


def _flat(xp, v, shape):
    """``v.reshape(shape)``: a view where one exists, else a copy into a scratch buffer."""
    if xp is np:
        try:
            return np.reshape(v, shape, copy=False)
        except ValueError:  # the windows overlap or skip: a copy
            cols = scratch(xp, shape, v.dtype)
            cols.reshape(v.shape)[...] = v  # a view: cols is contiguous
            return cols
        except TypeError:  # pragma: no cover - NumPy < 2.1 has no copy= here
            pass
    return v.reshape(shape)


def _im2col_groups(xp, buf, k, s, out, dil, groups: int):
    """Grouped im2col (G, N*P, K*C/G) of a channels-last buffer (one contiguous copy)."""
    v = window_view(xp, buf, k, s, out, dil)  # (N, *out, *k, C)
    c = buf.shape[-1]
    v = v.reshape(*v.shape[:-1], groups, c // groups)
    g_axis = v.ndim - 2
    v = v.transpose(g_axis, *range(g_axis), v.ndim - 1)
    return xp.ascontiguousarray(v).reshape(groups, buf.shape[0] * prod(out), prod(k) * (c // groups))


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


def _gemm_weights(xp, w, b, d: int):
    """The GEMM's right operand: w (O, C, *k) as a C-ordered (K*C, O) matrix, rows ordered
    (k..., c), with b as one more row when given (the ones column of im2col adds it); one copy
    (BLAS likes it untransposed, and it is small)."""
    o = w.shape[0]
    kc = w.size // o
    w2 = xp.empty((kc + (b is not None), o), w.dtype)
    w2[:kc].reshape(*w.shape[2:], w.shape[1], o)[...] = w.transpose(*range(2, d + 2), 1, 0)
    if b is not None:
        w2[kc] = b
    return w2


def _cols_key(k, stride, padding, dilation, groups):
    return (k, stride, padding) if dilation is None and groups == 1 else (k, stride, padding, dilation, groups)


def _conv_impl(xp, x, w, b=None, *, stride, padding, dilation=None, groups=1, memo=True, into=None):
    """The convolution kernel; with ``into`` (an array of the result's shape and dtype, laid
    out as this kernel lays out its result: channels-last underneath) its GEMM writes there,
    the same BLAS call into other memory, and ``into`` is returned."""
    d = w.ndim - 2
    xl = channels_last(xp, x, d)
    k = w.shape[2:]
    n, c, o = xl.shape[0], xl.shape[-1], w.shape[0]
    out = tuple((i + 2 * p - kk) // s + 1
                for i, kk, s, p in zip(xl.shape[1:-1], extent(k, dilation), stride, padding))
    buf = place(xp, xl, padding, padding, pooled=True)
    key = _cols_key(k, stride, padding, dilation, groups)
    if groups != 1:
        cols = _im2col_groups(xp, buf, k, stride, out, dilation, groups)
        _remember("cols", x, key, cols)
        og = o // groups
        w2 = w.reshape(groups, og, c // groups, *k).transpose(0, *range(3, 3 + d), 2, 1)
        w2 = xp.ascontiguousarray(w2).reshape(groups, -1, og)  # (G, K*C/G, O/G)
        y = xp.matmul(cols, w2).transpose(1, 0, 2).reshape(n, *out, o)
        if b is not None:
            y += b
        return _result(channels_first(xp, y, x.ndim == d + 1), into)
    cols = _im2col(xp, buf, k, stride, out, ones=b is not None, dil=dilation)
    if memo:
        _remember("cols", x, key, cols)
    w2 = _gemm_weights(xp, w, b, d)  # (K*C [+ 1], O)
    a = cols.T if _columns(k, stride, out, c, dilation) else cols
    if into is not None:
        dst = channels_last(xp, into, d)
        if dst.flags.c_contiguous:
            xp.matmul(a, w2, out=dst.reshape(-1, o))
            return into
    return _result(channels_first(xp, (a @ w2).reshape(n, *out, o), x.ndim == d + 1), into)


def _result(y, into):
    """``y``, or ``y`` copied into ``into`` (an out-variant's call)."""
    if into is None:
        return y
    into[...] = y
    return into


def conv_out(xp, into, x, w, b=None, **params):
    """Out-variant of the conv and conv_bias kernels (``impl_out``'s argument order)."""
    _conv_impl(xp, x, w, b, into=into, **params)


def conv_transpose_out(xp, into, x, w, **params):
    """Out-variant of the conv_transpose kernel."""
    _conv_transpose_impl(xp, x, w, into=into, **params)


def _conv_bias_impl(xp, x, w, b, *, stride, padding, dilation=None, groups=1):
    return _conv_impl(xp, x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)


def _conv_transpose_impl(xp, x, w, *, stride, padding, output_padding, dilation=None, groups=1, into=None):
    # col2im: one batched GEMM gives every kernel offset's contribution of every input cell,
    # (K, N*P, C_out); each offset's slab is added at its strided place in the full output
    # ((in - 1)*s + extent per axis), which is then cropped by the padding. No dilated input, so
    # a stride costs nothing, and the GEMM moves K*C_out (not K*C_in) values per input cell.
    d = w.ndim - 2
    k = w.shape[2:]
    ek = extent(k, dilation)
    if (groups == 1 and w.shape[0] <= 2 * w.shape[1] and all(s == 1 for s in stride)
            and not any(output_padding) and all(p <= e - 1 for p, e in zip(padding, ek))):
        # At stride 1 the adjoint of a convolution is the convolution of x with the flipped,
        # transposed kernel and the complementary padding (extent - 1 - p): one im2col moving
        # K*C_in values per output cell and one GEMM, where col2im below moves K*C_out per input
        # cell through a GEMM and an add per kernel offset. Measured (one BLAS thread): 0.3-0.8x
        # col2im's time for C_in <= 2 C_out (the W3 CNN's backward: 32 -> 16 channels, 0.78x),
        # 1.3-4x for C_in >= 8 C_out, where col2im stays.
        wf = w.swapaxes(0, 1)[(slice(None), slice(None), *(slice(None, None, -1),) * d)]
        return _conv_impl(xp, x, wf, stride=stride, padding=tuple(e - 1 - p for p, e in zip(padding, ek)),
                          dilation=dilation, memo=False, into=into)
    cin, cg = w.shape[:2]
    cout = cg * groups
    xl = channels_last(xp, x, d)
    n, sp = xl.shape[0], xl.shape[1:-1]
    out = tuple((i - 1) * s - 2 * p + kk + o
                for i, kk, s, p, o in zip(sp, ek, stride, padding, output_padding))
    if groups == 1:
        wk = xp.ascontiguousarray(w.reshape(cin, cout, -1).transpose(2, 0, 1))  # (K, C_in, C_out)
        z = xp.matmul(xl.reshape(-1, cin), wk)
    else:
        xg = xl.reshape(-1, groups, cin // groups).transpose(1, 0, 2)  # (G, N*P, C_in/G)
        wk = xp.ascontiguousarray(w.reshape(groups, cin // groups, cg, -1).transpose(3, 0, 1, 2))
        z = xp.matmul(xg, wk).transpose(0, 2, 1, 3).reshape(wk.shape[0], -1, cout)  # (K, N*P, C_out)
    size = tuple(max((i - 1) * s + kk, p + o) for i, kk, s, p, o in zip(sp, ek, stride, padding, out))
    buf = xp.zeros((n, *size, cout), x.dtype)
    for j, sl in enumerate(offset_slices(k, stride, sp, dilation)):
        buf[sl] += z[j].reshape(n, *sp, cout)
    y = buf[(slice(None), *(slice(p, p + o) for p, o in zip(padding, out)), slice(None))]
    return _result(channels_first(xp, y, x.ndim == d + 1), into)


# Below this many multiply-adds the weight gradient's product runs as (cols^T g)^T rather than
# g^T cols: the same dot products (bitwise equal in every shape measured), and OpenBLAS splits the
# first better over two threads when the output channels are few (W3's (1024, 145) by (1024, 32):
# 61 against 76 us; (1024, 289) by (1024, 16): 69 against 94), while at ResNet sizes
# ((16384, 577) by (16384, 64)) the second is 10% faster.
_WGRAD_T_MACS = 1 << 26


def _conv_weight_grad_impl(xp, x, g, *, kernel, stride, padding, dilation=None, groups=1):
    d = len(kernel)
    xl = channels_last(xp, x, d)
    gl = channels_last(xp, g, d)
    out, c, o = gl.shape[1:-1], xl.shape[-1], gl.shape[-1]
    cols = _recall("cols", x, _cols_key(kernel, stride, padding, dilation, groups))
    if groups != 1:
        if cols is None:
            cols = _im2col_groups(xp, place(xp, xl, padding, padding), kernel, stride, out, dilation,
                                  groups)
        g2 = gl.reshape(-1, groups, o // groups).transpose(1, 2, 0)  # (G, O/G, N*P)
        full = xp.matmul(g2, cols)  # (G, O/G, K*C/G)
        return full.reshape(o, *kernel, c // groups).transpose(from_last(d + 2, 1))
    kc = prod(kernel) * c
    if cols is None:
        cols = _im2col(xp, place(xp, xl, padding, padding, pooled=True), kernel, stride, out,
                       dil=dilation)
    g2 = gl.reshape(-1, o)
    columns = _columns(kernel, stride, out, c, dilation)
    by_rows = columns or g2.size * cols.shape[1] < _WGRAD_T_MACS
    full = ((cols if columns else cols.T) @ g2).T if by_rows else g2.T @ cols  # (O, K*C [+ 1])
    if full.shape[1] > kc:  # conv_bias's im2col: the last column gives the bias gradient
        _remember("bias_grads", g, (o, g.ndim - d - 1), full[:, kc].copy())
    # A C-ordered result (one small copy): the gradient's users, an optimizer's ``p - lr g`` and
    # the parameter it makes, then run on dense operands of one layout (NumPy takes 4x longer
    # over a transposed view and a C-ordered parameter: W3's (32, 16, 3, 3), 8.4 against 2 us)
    if columns:
        return xp.ascontiguousarray(full[:, :kc].reshape(o, 1, *kernel))
    if by_rows:  # full is the transpose of a C-ordered (K*C [+ 1], O): split its rows
        return xp.ascontiguousarray(full[:, :kc].T.reshape(*kernel, c, o).transpose(d + 1, d, *range(d)))
    return xp.ascontiguousarray(full[:, :kc].reshape(o, *kernel, c).transpose(from_last(d + 2, 1)))


# ----- rules ---------------------------------------------------------------------------------------
# ``kw`` carries the optional params (dilation, groups) unchanged to every rule's binds.


def _sp(ops, x, d):
    return ops.shape_of(x)[-d:]


def _out_pad(in_sp, k, s, p, dil=None):
    """output_padding that makes conv_transpose return exactly ``in_sp``."""
    return tuple((i + 2 * pp - kk) % ss for i, kk, ss, pp in zip(in_sp, extent(k, dil), s, p))


def _extra_windows(output_padding, stride) -> list[tuple[int, int]]:
    """(axis, count) of the windows conv sees beyond a conv_transpose input of size ``in`` on
    its output: ``output_padding // stride`` (nonzero only when ``output_padding >= stride``,
    which PyTorch allows when the dilation is larger)."""
    return [(a, o // s) for a, (o, s) in enumerate(zip(output_padding, stride)) if o >= s]


def _ct_dx(ops, g, x, w, stride, padding, output_padding, **kw):
    """x-cotangent of conv_transpose: conv(g, w), less the windows past x's last cell."""
    y = _conv(ops, g, w, stride, padding, **kw)
    n = len(ops.shape_of(y))
    for a, extra in _extra_windows(output_padding, stride):
        ax = n - len(stride) + a
        y = ops.slice(y, ax, 0, ops.shape_of(y)[ax] - extra)
    return y


def conv_dx(ops, g, x, w, stride, padding, **kw):
    """x-cotangent of conv(x, w): conv_transpose(g, w) back to x's exact size."""
    k = ops.shape_of(w)[2:]
    op = _out_pad(_sp(ops, x, len(k)), k, stride, padding, kw.get("dilation"))
    return ops.bind(conv_transpose_p, g, w, stride=stride, padding=padding, output_padding=op, **kw)


def conv_dw(ops, g, x, w, stride, padding, **kw):
    return ops.bind(conv_weight_grad_p, x, g, kernel=ops.shape_of(w)[2:], stride=stride,
                    padding=padding, **kw)


def _conv(ops, x, w, stride, padding, **kw):
    return ops.bind(conv_p, x, w, stride=stride, padding=padding, **kw)


conv_p = defop(
    "conv", shape=_conv_shape, impl=_conv_impl,
    vjp=[lambda ops, g, out, x, w, *, stride, padding, **kw: conv_dx(ops, g, x, w, stride, padding, **kw),
         lambda ops, g, out, x, w, *, stride, padding, **kw: conv_dw(ops, g, x, w, stride, padding, **kw)],
    jvp=[lambda ops, t, out, x, w, *, stride, padding, **kw: _conv(ops, t, w, stride, padding, **kw),
         lambda ops, t, out, x, w, *, stride, padding, **kw: _conv(ops, x, t, stride, padding, **kw)],
    doc="N-D channels-first cross-correlation (zero padding; optional dilation and groups), "
        "bilinear in (x, w); a primitive for speed (im2col + one GEMM).",
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
    vjp=[lambda ops, g, out, x, w, b, *, stride, padding, **kw: conv_dx(ops, g, x, w, stride, padding, **kw),
         lambda ops, g, out, x, w, b, *, stride, padding, **kw: conv_dw(ops, g, x, w, stride, padding, **kw),
         lambda ops, g, out, x, w, b, *, stride, padding, **kw: _db(ops, g, x, w)],
    jvp=[lambda ops, t, out, x, w, b, *, stride, padding, **kw: _conv(ops, t, w, stride, padding, **kw),
         lambda ops, t, out, x, w, b, *, stride, padding, **kw: _conv(ops, x, t, stride, padding, **kw),
         lambda ops, t, out, x, w, b, *, stride, padding, **kw: _tb(ops, t, out, x, w)],
    doc="conv(x, w) + b[channel]; a primitive for speed: the bias is added in place to the "
        "GEMM output (no broadcast node, no extra temporary).",
)


def _ct(ops, x, w, stride, padding, output_padding, **kw):
    return ops.bind(conv_transpose_p, x, w, stride=stride, padding=padding,
                    output_padding=output_padding, **kw)


def _ct_dw(ops, g, x, w, stride, padding, output_padding, **kw):
    """w-cotangent of conv_transpose: conv_weight_grad(g, x), x zero-padded to the windows
    conv sees on g (the extra ones, past x's last cell, contribute nothing)."""
    n = len(ops.shape_of(x))
    for a, extra in _extra_windows(output_padding, stride):
        ax = n - len(stride) + a
        x = ops.slice_transpose(x, ax, 0, ops.shape_of(x)[ax] + extra)
    return ops.bind(conv_weight_grad_p, g, x, kernel=ops.shape_of(w)[2:], stride=stride,
                    padding=padding, **kw)


conv_transpose_p = defop(
    "conv_transpose", shape=_conv_transpose_shape, impl=_conv_transpose_impl,
    vjp=[lambda ops, g, out, x, w, *, stride, padding, output_padding, **kw:
         _ct_dx(ops, g, x, w, stride, padding, output_padding, **kw),
         lambda ops, g, out, x, w, *, stride, padding, output_padding, **kw:
         _ct_dw(ops, g, x, w, stride, padding, output_padding, **kw)],
    jvp=[lambda ops, t, out, x, w, *, stride, padding, output_padding, **kw:
         _ct(ops, t, w, stride, padding, output_padding, **kw),
         lambda ops, t, out, x, w, *, stride, padding, output_padding, **kw:
         _ct(ops, x, t, stride, padding, output_padding, **kw)],
    doc="Transposed convolution (PyTorch conv_transpose{d}d), w (C_in, C_out/groups, *k): the "
        "x-adjoint of conv; bilinear.",
)


def _wg(ops, x, g, kernel, stride, padding, **kw):
    return ops.bind(conv_weight_grad_p, x, g, kernel=kernel, stride=stride, padding=padding, **kw)


conv_weight_grad_p = defop(
    "conv_weight_grad", shape=_conv_weight_grad_shape, impl=_conv_weight_grad_impl,
    vjp=[lambda ops, h, out, x, g, *, kernel, stride, padding, **kw: _ct(
             ops, g, h, stride, padding,
             _out_pad(_sp(ops, x, len(kernel)), kernel, stride, padding, kw.get("dilation")), **kw),
         lambda ops, h, out, x, g, *, kernel, stride, padding, **kw: _conv(ops, x, h, stride, padding, **kw)],
    jvp=[lambda ops, t, out, x, g, *, kernel, stride, padding, **kw:
         _wg(ops, t, g, kernel, stride, padding, **kw),
         lambda ops, t, out, x, g, *, kernel, stride, padding, **kw:
         _wg(ops, x, t, kernel, stride, padding, **kw)],
    doc="The weight gradient of conv: dw[o,c,k] = sum_{n,q} g[n,o,q] xpad[n,c,q*s+k*dil] (per "
        "group); bilinear in (x, g).",
)
