"""Pooling primitives, channels-first, one sample ``(C, *in)`` or a batch ``(N, C, *in)``.

Output size per axis ``(in + 2p - dil*(k - 1) - 1) // s + 1`` (seed, PyTorch), or PyTorch's
rounded-up count with ``ceil_mode``. The optional params ``dilation`` and ``ceil_mode`` are
bound only when they differ from the defaults (1, False), so the seed's calls bind what they
always did. Two closed families:

* Max pool (seed semantics): padded cells are ignored (-inf), and the whole gradient of a
  window goes to its FIRST maximum in row-major window order (a strict ``>`` fold: ties are
  real, e.g. the zeros after a ReLU; PyTorch's CPU kernels pick the same cell).
  ``max_pool_gather(x, y, t)`` picks ``t`` at each window's first argmax of ``x`` (the JVP of
  ``max_pool``; with an int64 ``t`` holding cell numbers it gives PyTorch's
  ``return_indices``); ``max_pool_scatter(x, y, g)`` is its adjoint, sending ``g`` back to
  those cells (the VJP). Both take the forward output ``y = max_pool(x)`` (saved on the tape,
  as PyTorch saves indices), so the first maximum is ``cell == y`` and not recomputed. Both
  are linear in their last input and have a zero derivative in ``x`` and ``y`` (the argmax is
  locally constant), so the three are closed under differentiation. A window made only of
  padding (``padding >= kernel`` on an axis, or a dilated window that skips the input) is
  rejected by the shape rule (the seed's later versions do the same; its first version
  output 0 there).
* ``pool_unfold(x)``: the zero-padded windows ``(N, C, *out, *k)`` (PyTorch ``F.pad`` then
  ``Tensor.unfold`` per axis), and its adjoint ``pool_fold``, which sums windows back into the
  input. Average and smooth-max pooling, ``F.unfold`` and ``F.fold`` are composites of these
  (see ``frontend/conv.py``).

Kernels loop over the kernel offsets (at most prod(kernel) whole-array steps), each a strided
slice of a channels-last buffer; there is no loop over positions or batch elements.
"""

from __future__ import annotations

import math

from .._core.errors import ShapeError
from .._core.registry import ZERO, defop
from .._core.shapes import prod
from .._core.types import TensorType, check_float, int64
from .window import (
    cached_rule,
    channels_first,
    channels_last,
    extent,
    offset_slices,
    offsets,
    padding_only_window,
    place,
    pool_out,
    to_last,
    window_view,
)


def _pool_types(op: str, x: TensorType, kernel, stride, padding, dilation=None,
                ceil_mode=False) -> tuple[int, tuple[int, ...]]:
    """Validate (N, C, *in) / (C, *in) against the window geometry; return (d, out)."""
    d = len(kernel)
    if d < 1 or x.ndim not in (d + 1, d + 2) or len(stride) != d or len(padding) != d \
            or (dilation is not None and len(dilation) != d):
        raise ShapeError(f"{op}: expected x (N, C, *spatial) or (C, *spatial) with {d} spatial "
                         f"axes (kernel {kernel}, stride {stride}, padding {padding}), got x {x.shape}")
    return d, pool_out(op, x.shape[-d:], kernel, stride, padding, f"x {x.shape}", dilation, ceil_mode)


def _max_pool_shape(op: str):
    @cached_rule
    def rule(x: TensorType, *more: TensorType, kernel, stride, padding, dilation=None,
             ceil_mode=False) -> TensorType:
        int_t = op == "max_pool_gather" and len(more) == 2 and more[1].dtype == int64
        check_float(op, x, *(more[:1] if int_t else more))
        d, out = _pool_types(op, x, kernel, stride, padding, dilation, ceil_mode)
        if dilation is None and not ceil_mode:
            if any(p >= k for p, k in zip(padding, kernel)):
                raise ShapeError(f"{op}: padding {padding} must be smaller than kernel {kernel}, or a "
                                 f"window would hold only padding (x {x.shape})")
        elif padding_only_window(x.shape[-d:], kernel, stride, padding, dilation, out) is not None:
            raise ShapeError(f"{op}: a window would hold only padding (x {x.shape}, kernel {kernel}, "
                             f"stride {stride}, padding {padding}, dilation {dilation})")
        y = TensorType(x.shape[:-d] + out, x.dtype)
        if not more:
            return y
        want = (y.shape, x.shape if op == "max_pool_gather" else y.shape)
        if (more[0].shape, more[1].shape) != want:
            raise ShapeError(f"{op}: expected y of max_pool's output shape {want[0]} and "
                             f"{'t' if op == 'max_pool_gather' else 'g'} of shape {want[1]} "
                             f"(x {x.shape}), got {more[0].shape} and {more[1].shape}")
        if op == "max_pool_gather":
            return y._replace(dtype=more[1].dtype)
        return x

    return rule


def _hi(x, kernel, stride, padding, dilation, ceil_mode):
    """Cells of padding after each axis (``padding``, or more for ceil-mode windows)."""
    if not ceil_mode:
        return padding
    d = len(kernel)
    sp = x.shape[-d:]
    out = pool_out("pool", sp, kernel, stride, padding, "", dilation, True)
    return tuple(max(p, (o - 1) * s + k - i - p)
                 for i, k, s, p, o in zip(sp, extent(kernel, dilation), stride, padding, out))


def _buffer(xp, x, d, padding, fill, hi=None):
    xl = channels_last(xp, x, d)
    hi = padding if hi is None else hi
    return place(xp, xl, padding, hi, fill=fill) if any(padding) or any(hi) else xl


def _out_of(buf, k, s, dil=None):
    return tuple((n - kk) // ss + 1 for n, kk, ss in zip(buf.shape[1:-1], extent(k, dil), s))


def _max_pool_impl(xp, x, *, kernel, stride, padding, dilation=None, ceil_mode=False):
    d = len(kernel)
    y = _buffer(xp, x, d, padding, -math.inf, _hi(x, kernel, stride, padding, dilation, ceil_mode))
    out = _out_of(y, kernel, stride, dilation)
    if sum(k - 1 for k in kernel) > prod(kernel) - 3:  # small windows (2x2): one max per offset
        sl = offset_slices(kernel, stride, out, dilation)
        if len(sl) == 1:
            return channels_first(xp, y[sl[0]].copy(), x.ndim == d + 1)
        z = xp.maximum(y[sl[0]], y[sl[1]])
        for s in sl[2:]:
            xp.maximum(z, y[s], out=z)
        return channels_first(xp, z, x.ndim == d + 1)
    # Larger windows: the max over a box is separable; reduce one spatial axis at a time,
    # outermost first (its slices have the longest contiguous runs): sum(k - 1) elementwise
    # maxima instead of prod(k) - 1. Exact: max is associative and commutative.
    dil = dilation or (1,) * d
    for a, (k, s, o, dd) in enumerate(zip(kernel, stride, out, dil)):
        lead = (slice(None),) * (1 + a)
        cells = [y[(*lead, slice(i * dd, i * dd + s * (o - 1) + 1, s))] for i in range(k)]
        if k == 1:
            y = cells[0]
            continue
        z = xp.maximum(cells[0], cells[1])
        for c in cells[2:]:
            xp.maximum(z, c, out=z)
        y = z
    return channels_first(xp, y, x.ndim == d + 1)


def _first_max_masks(xp, x, y, kernel, stride, padding, dilation, hi):
    """Per kernel offset (row-major): its slice of the padded channels-last x and a bool mask
    (N, *out, C) of the windows whose FIRST cell equal to y (their max) is at that offset:
    the seed's strict ``>`` fold, as ``(cell == y) and not taken``. Padded cells are NaN here,
    equal to nothing, so a window whose real cells are all -inf still picks its first real cell;
    a window whose maximum is NaN picks its last NaN cell (PyTorch's choice)."""
    d = len(kernel)
    buf = _buffer(xp, x, d, padding, math.nan, hi)
    yl = channels_last(xp, y, d)
    sl = offset_slices(kernel, stride, yl.shape[1:-1], dilation)
    nan_y = xp.isnan(yl)
    last_nan = _last_nan_masks(xp, x, nan_y, sl, d, padding, hi) if bool(nan_y.any()) else None
    taken = None
    for j, s in enumerate(sl):
        m = buf[s] == yl  # never true where y is NaN
        if taken is None:
            taken = m.copy() if len(sl) > 1 else m
        else:
            m = xp.greater(m, taken)  # m and not taken
            if j < len(sl) - 1:
                xp.logical_or(taken, m, out=taken)
        yield s, (m if last_nan is None else m | last_nan[j])


def _last_nan_masks(xp, x, nan_y, sl, d, padding, hi):
    """Per offset, the windows whose maximum is NaN (it propagates) and whose LAST NaN cell is
    there: PyTorch's CPU kernels update on ``val > max or isnan(val)``, so the last NaN wins."""
    nan_buf = _buffer(xp, xp.isnan(x), d, padding, False, hi)
    masks = [nan_buf[s] & nan_y for s in sl]
    later = xp.zeros_like(nan_y)
    for j in range(len(masks) - 1, -1, -1):
        m = xp.greater(masks[j], later)  # a NaN here and none later
        xp.logical_or(later, masks[j], out=later)
        masks[j] = m
    return masks


def _max_pool_gather_impl(xp, x, y, t, *, kernel, stride, padding, dilation=None, ceil_mode=False):
    hi = _hi(x, kernel, stride, padding, dilation, ceil_mode)
    tb = _buffer(xp, t, len(kernel), padding, 0, hi)
    z = None
    for s, m in _first_max_masks(xp, x, y, kernel, stride, padding, dilation, hi):
        if z is None:
            z = tb[s] * m
        else:
            z += tb[s] * m
    return channels_first(xp, z, x.ndim == len(kernel) + 1)


def windows_overlap(kernel, stride, dilation=None) -> bool:
    """Whether max-pool's adjoint sums windows into its cells (a stride below the kernel, or any
    dilation: their cells interleave) rather than writing each cell once; the sums' order is
    part of the numbers, so every kernel of the adjoint makes this same choice."""
    return any(s < k for s, k in zip(stride, kernel)) or dilation is not None


def _grad_buffer(xp, shape, dtype, kernel, stride, out, dilation=None):
    """The buffer windows are summed into: (buffer, overlap). Uninitialised when the windows
    tile it exactly (stride == kernel and no cell left over: every cell is then written once),
    else zeros (a stride above the kernel leaves gaps no window writes)."""
    overlap = windows_overlap(kernel, stride, dilation)
    tiled = not overlap and all(s == k and (o - 1) * s + k == n
                                for o, s, k, n in zip(out, stride, kernel, shape[1:-1]))
    return (xp.empty if tiled else xp.zeros)(shape, dtype), overlap


def _crop(buf, lo, hi=None):
    hi = lo if hi is None else hi
    if not any(lo) and not any(hi):
        return buf
    return buf[(slice(None), *(slice(a, n - b) for a, b, n in zip(lo, hi, buf.shape[1:-1])), slice(None))]


def _max_pool_scatter_impl(xp, x, y, g, *, kernel, stride, padding, dilation=None, ceil_mode=False):
    d = len(kernel)
    hi = _hi(x, kernel, stride, padding, dilation, ceil_mode)
    gl = channels_last(xp, g, d)
    shape = (gl.shape[0], *(n + p + h for n, p, h in zip(x.shape[-d:], padding, hi)), gl.shape[-1])
    dx, overlap = _grad_buffer(xp, shape, g.dtype, kernel, stride, gl.shape[1:-1], dilation)
    for s, m in _first_max_masks(xp, x, y, kernel, stride, padding, dilation, hi):
        if overlap:
            dx[s] += gl * m
        else:
            xp.multiply(gl, m, out=dx[s])
    return channels_first(xp, _crop(dx, padding, hi), x.ndim == d + 1)


def _gather(ops, x, y, t, kernel, stride, padding, **kw):
    return ops.bind(max_pool_gather_p, x, y, t, kernel=kernel, stride=stride, padding=padding, **kw)


def _scatter(ops, x, y, g, kernel, stride, padding, **kw):
    return ops.bind(max_pool_scatter_p, x, y, g, kernel=kernel, stride=stride, padding=padding, **kw)


max_pool_p = defop(
    "max_pool", shape=_max_pool_shape("max_pool"), impl=_max_pool_impl,
    vjp=[lambda ops, g, out, x, *, kernel, stride, padding, **kw:
         _scatter(ops, x, out, g, kernel, stride, padding, **kw)],
    jvp=[lambda ops, t, out, x, *, kernel, stride, padding, **kw:
         _gather(ops, x, out, t, kernel, stride, padding, **kw)],
    doc="N-D max pool; padded cells ignored; gradient and tangent at each window's first "
        "maximum (row-major). A primitive: no composite expresses the first-max selection.",
)
max_pool_gather_p = defop(
    "max_pool_gather", shape=_max_pool_shape("max_pool_gather"), impl=_max_pool_gather_impl,
    vjp=[ZERO, ZERO, lambda ops, h, out, x, y, t, *, kernel, stride, padding, **kw:
         _scatter(ops, x, y, h, kernel, stride, padding, **kw)],
    jvp=[ZERO, ZERO, lambda ops, tt, out, x, y, t, *, kernel, stride, padding, **kw:
         _gather(ops, x, y, tt, kernel, stride, padding, **kw)],
    doc="t at the first cell of each max-pool window of x equal to y (with y = max_pool(x): "
        "the first maximum, so this is max_pool's JVP); linear in t, locally constant in x, y. "
        "An int64 t (cell numbers) gives the argmax indices, with no derivative.",
)
max_pool_scatter_p = defop(
    "max_pool_scatter", shape=_max_pool_shape("max_pool_scatter"), impl=_max_pool_scatter_impl,
    vjp=[ZERO, ZERO, lambda ops, h, out, x, y, g, *, kernel, stride, padding, **kw:
         _gather(ops, x, y, h, kernel, stride, padding, **kw)],
    jvp=[ZERO, ZERO, lambda ops, t, out, x, y, g, *, kernel, stride, padding, **kw:
         _scatter(ops, x, y, t, kernel, stride, padding, **kw)],
    doc="g sent to the first cell of each max-pool window of x equal to y (max_pool's VJP with "
        "y = max_pool(x), the saved output); linear in g, locally constant in x, y.",
)


# ----- windows: unfold and its adjoint -----------------------------------------------------------


@cached_rule
def _unfold_shape(x: TensorType, *, kernel, stride, padding, dilation=None, ceil_mode=False) -> TensorType:
    check_float("pool_unfold", x)
    d, out = _pool_types("pool_unfold", x, kernel, stride, padding, dilation, ceil_mode)
    return TensorType(x.shape[:-d] + out + tuple(kernel), x.dtype)


@cached_rule
def _fold_shape(w: TensorType, *, size, stride, padding, dilation=None, ceil_mode=False) -> TensorType:
    check_float("pool_fold", w)
    d = len(size)
    if d < 1 or w.ndim not in (2 * d + 1, 2 * d + 2):
        raise ShapeError(f"pool_fold: expected windows (N, C, *out, *k) or (C, *out, *k) for "
                         f"{d} spatial axes, got {w.shape}")
    kernel = w.shape[-d:]
    x = TensorType(w.shape[:-2 * d] + tuple(size), w.dtype)
    _, out = _pool_types("pool_fold", x, kernel, stride, padding, dilation, ceil_mode)
    if w.shape[-2 * d:-d] != out:
        raise ShapeError(f"pool_fold: windows {w.shape} do not match input size {tuple(size)}, "
                         f"stride {stride}, padding {padding} (expected {out} windows)")
    return x


def _unfold_impl(xp, x, *, kernel, stride, padding, dilation=None, ceil_mode=False):
    d = len(kernel)
    hi = _hi(x, kernel, stride, padding, dilation, ceil_mode)
    buf = place(xp, channels_last(xp, x, d), padding, hi)
    y = window_view(xp, buf, kernel, stride, _out_of(buf, kernel, stride, dilation), dilation).copy()
    return channels_first(xp, y, x.ndim == d + 1)


def _fold_impl(xp, w, *, size, stride, padding, dilation=None, ceil_mode=False):
    d = len(size)
    kernel = w.shape[-d:]
    wl = w[None] if w.ndim == 2 * d + 1 else w
    wl = wl.transpose(to_last(wl.ndim, 1))  # (N, *out, *k, C)
    out = wl.shape[1:1 + d]
    hi = padding
    if ceil_mode:
        hi = tuple(max(p, (o - 1) * s + k - i - p)
                   for i, k, s, p, o in zip(size, extent(kernel, dilation), stride, padding, out))
    shape = (wl.shape[0], *(n + p + h for n, p, h in zip(size, padding, hi)), wl.shape[-1])
    dx, overlap = _grad_buffer(xp, shape, w.dtype, kernel, stride, out, dilation)
    lead = (slice(None),) * (1 + d)
    for off, s in zip(offsets(kernel), offset_slices(kernel, stride, out, dilation)):
        part = wl[(*lead, *off, slice(None))]
        if overlap:
            dx[s] += part
        else:
            dx[s] = part
    return channels_first(xp, _crop(dx, padding, hi), w.ndim == 2 * d + 1)


def unfold(ops, x, kernel, stride, padding, **kw):
    return ops.bind(pool_unfold_p, x, kernel=kernel, stride=stride, padding=padding, **kw)


def fold(ops, w, size, stride, padding, **kw):
    return ops.bind(pool_fold_p, w, size=size, stride=stride, padding=padding, **kw)


pool_unfold_p = defop(
    "pool_unfold", shape=_unfold_shape, impl=_unfold_impl,
    vjp=[lambda ops, g, out, x, *, kernel, stride, padding, **kw:
         fold(ops, g, ops.shape_of(x)[-len(kernel):], stride, padding, **kw)],
    jvp=[lambda ops, t, out, x, *, kernel, stride, padding, **kw:
         unfold(ops, t, kernel, stride, padding, **kw)],
    doc="Zero-padded pooling windows (N, C, *out, *k) of x (N, C, *in); linear.",
)
pool_fold_p = defop(
    "pool_fold", shape=_fold_shape, impl=_fold_impl,
    vjp=[lambda ops, g, out, w, *, size, stride, padding, **kw:
         unfold(ops, g, ops.shape_of(w)[-len(size):], stride, padding, **kw)],
    jvp=[lambda ops, t, out, w, *, size, stride, padding, **kw: fold(ops, t, size, stride, padding, **kw)],
    doc="Adjoint of pool_unfold: sums each window back onto the input cells it covers.",
)
