"""Pooling primitives, channels-first, one sample ``(C, *in)`` or a batch ``(N, C, *in)``.

Output size per axis ``(in + 2p - k) // s + 1`` (seed, PyTorch). Two closed families:

* Max pool (seed semantics): padded cells are ignored (-inf), and the whole gradient of a
  window goes to its FIRST maximum in row-major window order (a strict ``>`` fold: ties are
  real, e.g. the zeros after a ReLU). ``max_pool_gather(x, y, t)`` picks ``t`` at each window's
  first argmax of ``x`` (the JVP of ``max_pool``); ``max_pool_scatter(x, y, g)`` is its
  adjoint, sending ``g`` back to those cells (the VJP). Both take the forward output
  ``y = max_pool(x)`` (saved on the tape, as PyTorch saves indices), so the first maximum is
  ``cell == y`` and not recomputed. Both are linear in their last input and have a zero
  derivative in ``x`` and ``y`` (the argmax is locally constant), so the three are closed
  under differentiation. A window made only of padding (``padding >= kernel`` on an axis) is
  rejected by the shape rule (the seed's later versions do the same; its first version output
  0 there).
* ``pool_unfold(x)``: the zero-padded windows ``(N, C, *out, *k)`` (PyTorch ``F.pad`` then
  ``Tensor.unfold`` per axis), and its adjoint ``pool_fold``, which sums windows back into the
  input. Average and smooth-max pooling are composites of these (see ``frontend/conv.py``).

Kernels loop over the kernel offsets (at most prod(kernel) whole-array steps), each a strided
slice of a channels-last buffer; there is no loop over positions or batch elements.
"""

from __future__ import annotations

import itertools
import math

from .._core.errors import ShapeError
from .._core.registry import ZERO, defop
from .._core.shapes import prod
from .._core.types import TensorType, check_float
from .conv import (
    cached_rule,
    channels_first,
    channels_last,
    offset_slices,
    place,
    to_last,
    window_out,
    window_view,
)


def _pool_types(op: str, x: TensorType, kernel, stride, padding) -> tuple[int, tuple[int, ...]]:
    """Validate (N, C, *in) / (C, *in) against the window geometry; return (d, out)."""
    d = len(kernel)
    if d < 1 or x.ndim not in (d + 1, d + 2) or len(stride) != d or len(padding) != d:
        raise ShapeError(f"{op}: expected x (N, C, *spatial) or (C, *spatial) with {d} spatial "
                         f"axes (kernel {kernel}, stride {stride}, padding {padding}), got x {x.shape}")
    return d, window_out(op, x.shape[-d:], kernel, stride, padding, f"x {x.shape}")


def _max_pool_shape(op: str):
    @cached_rule
    def rule(x: TensorType, *more: TensorType, kernel, stride, padding) -> TensorType:
        check_float(op, x, *more)
        d, out = _pool_types(op, x, kernel, stride, padding)
        if any(p >= k for p, k in zip(padding, kernel)):
            raise ShapeError(f"{op}: padding {padding} must be smaller than kernel {kernel}, or a "
                             f"window would hold only padding (x {x.shape})")
        y = TensorType(x.shape[:-d] + out, x.dtype)
        if not more:
            return y
        want = (y.shape, x.shape if op == "max_pool_gather" else y.shape)
        if (more[0].shape, more[1].shape) != want:
            raise ShapeError(f"{op}: expected y of max_pool's output shape {want[0]} and "
                             f"{'t' if op == 'max_pool_gather' else 'g'} of shape {want[1]} "
                             f"(x {x.shape}), got {more[0].shape} and {more[1].shape}")
        return y if op == "max_pool_gather" else x

    return rule


def _buffer(xp, x, d, padding, fill):
    xl = channels_last(xp, x, d)
    return place(xp, xl, padding, padding, fill=fill) if any(padding) else xl


def _out_of(buf, k, s):
    return tuple((n - kk) // ss + 1 for n, kk, ss in zip(buf.shape[1:-1], k, s))


def _max_pool_impl(xp, x, *, kernel, stride, padding):
    d = len(kernel)
    y = _buffer(xp, x, d, padding, -math.inf)
    out = _out_of(y, kernel, stride)
    if sum(k - 1 for k in kernel) > prod(kernel) - 3:  # small windows (2x2): one max per offset
        sl = offset_slices(kernel, stride, out)
        if len(sl) == 1:
            return channels_first(xp, y[sl[0]].copy(), x.ndim == d + 1)
        z = xp.maximum(y[sl[0]], y[sl[1]])
        for s in sl[2:]:
            xp.maximum(z, y[s], out=z)
        return channels_first(xp, z, x.ndim == d + 1)
    # Larger windows: the max over a box is separable; reduce one spatial axis at a time,
    # outermost first (its slices have the longest contiguous runs): sum(k - 1) elementwise
    # maxima instead of prod(k) - 1. Exact: max is associative and commutative.
    for a, (k, s, o) in enumerate(zip(kernel, stride, out)):
        lead = (slice(None),) * (1 + a)
        cells = [y[(*lead, slice(i, i + s * (o - 1) + 1, s))] for i in range(k)]
        if k == 1:
            y = cells[0]
            continue
        z = xp.maximum(cells[0], cells[1])
        for c in cells[2:]:
            xp.maximum(z, c, out=z)
        y = z
    return channels_first(xp, y, x.ndim == d + 1)


def _first_max_masks(xp, x, y, kernel, stride, padding):
    """Per kernel offset (row-major): its slice of the padded channels-last x and a bool mask
    (N, *out, C) of the windows whose FIRST cell equal to y (their max) is at that offset:
    the seed's strict ``>`` fold, as ``(cell == y) and not taken``. Padded cells are NaN here,
    equal to nothing, so a window whose real cells are all -inf still picks its first real cell."""
    d = len(kernel)
    buf = _buffer(xp, x, d, padding, math.nan)
    yl = channels_last(xp, y, d)
    taken = None
    sl = offset_slices(kernel, stride, yl.shape[1:-1])
    for j, s in enumerate(sl):
        m = buf[s] == yl
        if taken is None:
            taken = m.copy() if len(sl) > 1 else m
        else:
            m = xp.greater(m, taken)  # m and not taken
            if j < len(sl) - 1:
                xp.logical_or(taken, m, out=taken)
        yield s, m


def _max_pool_gather_impl(xp, x, y, t, *, kernel, stride, padding):
    tb = _buffer(xp, t, len(kernel), padding, 0.0)
    z = None
    for s, m in _first_max_masks(xp, x, y, kernel, stride, padding):
        if z is None:
            z = tb[s] * m
        else:
            z += tb[s] * m
    return channels_first(xp, z, x.ndim == len(kernel) + 1)


def _grad_buffer(xp, shape, dtype, kernel, stride, out):
    """The buffer windows are summed into: (buffer, overlap). Uninitialised when the windows
    tile it exactly (every cell is then written once), else zeros."""
    overlap = any(s < k for s, k in zip(stride, kernel))
    tiled = not overlap and all((o - 1) * s + k == n for o, s, k, n in zip(out, stride, kernel, shape[1:-1]))
    return (xp.empty if tiled else xp.zeros)(shape, dtype), overlap


def _crop(buf, padding):
    if not any(padding):
        return buf
    return buf[(slice(None), *(slice(p, n - p) for p, n in zip(padding, buf.shape[1:-1])), slice(None))]


def _max_pool_scatter_impl(xp, x, y, g, *, kernel, stride, padding):
    d = len(kernel)
    gl = channels_last(xp, g, d)
    shape = (gl.shape[0], *(n + 2 * p for n, p in zip(x.shape[-d:], padding)), gl.shape[-1])
    dx, overlap = _grad_buffer(xp, shape, g.dtype, kernel, stride, gl.shape[1:-1])
    for s, m in _first_max_masks(xp, x, y, kernel, stride, padding):
        if overlap:
            dx[s] += gl * m
        else:
            xp.multiply(gl, m, out=dx[s])
    return channels_first(xp, _crop(dx, padding), x.ndim == d + 1)


def _gather(ops, x, y, t, kernel, stride, padding):
    return ops.bind(max_pool_gather_p, x, y, t, kernel=kernel, stride=stride, padding=padding)


def _scatter(ops, x, y, g, kernel, stride, padding):
    return ops.bind(max_pool_scatter_p, x, y, g, kernel=kernel, stride=stride, padding=padding)


max_pool_p = defop(
    "max_pool", shape=_max_pool_shape("max_pool"), impl=_max_pool_impl,
    vjp=[lambda ops, g, out, x, *, kernel, stride, padding:
         _scatter(ops, x, out, g, kernel, stride, padding)],
    jvp=[lambda ops, t, out, x, *, kernel, stride, padding:
         _gather(ops, x, out, t, kernel, stride, padding)],
    doc="N-D max pool; padded cells ignored; gradient and tangent at each window's first "
        "maximum (row-major). A primitive: no composite expresses the first-max selection.",
)
max_pool_gather_p = defop(
    "max_pool_gather", shape=_max_pool_shape("max_pool_gather"), impl=_max_pool_gather_impl,
    vjp=[ZERO, ZERO, lambda ops, h, out, x, y, t, *, kernel, stride, padding:
         _scatter(ops, x, y, h, kernel, stride, padding)],
    jvp=[ZERO, ZERO, lambda ops, tt, out, x, y, t, *, kernel, stride, padding:
         _gather(ops, x, y, tt, kernel, stride, padding)],
    doc="t at the first cell of each max-pool window of x equal to y (with y = max_pool(x): "
        "the first maximum, so this is max_pool's JVP); linear in t, locally constant in x, y.",
)
max_pool_scatter_p = defop(
    "max_pool_scatter", shape=_max_pool_shape("max_pool_scatter"), impl=_max_pool_scatter_impl,
    vjp=[ZERO, ZERO, lambda ops, h, out, x, y, g, *, kernel, stride, padding:
         _gather(ops, x, y, h, kernel, stride, padding)],
    jvp=[ZERO, ZERO, lambda ops, t, out, x, y, g, *, kernel, stride, padding:
         _scatter(ops, x, y, t, kernel, stride, padding)],
    doc="g sent to the first cell of each max-pool window of x equal to y (max_pool's VJP with "
        "y = max_pool(x), the saved output); linear in g, locally constant in x, y.",
)


# ----- windows: unfold and its adjoint -----------------------------------------------------------


@cached_rule
def _unfold_shape(x: TensorType, *, kernel, stride, padding) -> TensorType:
    check_float("pool_unfold", x)
    d, out = _pool_types("pool_unfold", x, kernel, stride, padding)
    return TensorType(x.shape[:-d] + out + tuple(kernel), x.dtype)


@cached_rule
def _fold_shape(w: TensorType, *, size, stride, padding) -> TensorType:
    check_float("pool_fold", w)
    d = len(size)
    if d < 1 or w.ndim not in (2 * d + 1, 2 * d + 2):
        raise ShapeError(f"pool_fold: expected windows (N, C, *out, *k) or (C, *out, *k) for "
                         f"{d} spatial axes, got {w.shape}")
    kernel = w.shape[-d:]
    x = TensorType(w.shape[:-2 * d] + tuple(size), w.dtype)
    _, out = _pool_types("pool_fold", x, kernel, stride, padding)
    if w.shape[-2 * d:-d] != out:
        raise ShapeError(f"pool_fold: windows {w.shape} do not match input size {tuple(size)}, "
                         f"stride {stride}, padding {padding} (expected {out} windows)")
    return x


def _unfold_impl(xp, x, *, kernel, stride, padding):
    d = len(kernel)
    buf = place(xp, channels_last(xp, x, d), padding, padding)
    y = window_view(xp, buf, kernel, stride, _out_of(buf, kernel, stride)).copy()
    return channels_first(xp, y, x.ndim == d + 1)


def _fold_impl(xp, w, *, size, stride, padding):
    d = len(size)
    kernel = w.shape[-d:]
    wl = w[None] if w.ndim == 2 * d + 1 else w
    wl = wl.transpose(to_last(wl.ndim, 1))  # (N, *out, *k, C)
    out = wl.shape[1:1 + d]
    shape = (wl.shape[0], *(n + 2 * p for n, p in zip(size, padding)), wl.shape[-1])
    dx, overlap = _grad_buffer(xp, shape, w.dtype, kernel, stride, out)
    lead = (slice(None),) * (1 + d)
    for off, s in zip(itertools.product(*(range(a) for a in kernel)), offset_slices(kernel, stride, out)):
        part = wl[(*lead, *off, slice(None))]
        if overlap:
            dx[s] += part
        else:
            dx[s] = part
    return channels_first(xp, _crop(dx, padding), w.ndim == 2 * d + 1)


def unfold(ops, x, kernel, stride, padding):
    return ops.bind(pool_unfold_p, x, kernel=kernel, stride=stride, padding=padding)


def fold(ops, w, size, stride, padding):
    return ops.bind(pool_fold_p, w, size=size, stride=stride, padding=padding)


pool_unfold_p = defop(
    "pool_unfold", shape=_unfold_shape, impl=_unfold_impl,
    vjp=[lambda ops, g, out, x, *, kernel, stride, padding:
         fold(ops, g, ops.shape_of(x)[-len(kernel):], stride, padding)],
    jvp=[lambda ops, t, out, x, *, kernel, stride, padding: unfold(ops, t, kernel, stride, padding)],
    doc="Zero-padded pooling windows (N, C, *out, *k) of x (N, C, *in); linear.",
)
pool_fold_p = defop(
    "pool_fold", shape=_fold_shape, impl=_fold_impl,
    vjp=[lambda ops, g, out, w, *, size, stride, padding:
         unfold(ops, g, ops.shape_of(w)[-len(size):], stride, padding)],
    jvp=[lambda ops, t, out, w, *, size, stride, padding: fold(ops, t, size, stride, padding)],
    doc="Adjoint of pool_unfold: sums each window back onto the input cells it covers.",
)
