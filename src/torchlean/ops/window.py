"""Window geometry and array helpers shared by the convolution and pooling primitives.

Geometry (pure Python on shapes, used by shape rules and the front end): per spatial axis, a
kernel ``k`` with dilation ``dil`` spans ``dil*(k - 1) + 1`` cells (its *extent*); window ``o``
starts at ``o*s - p`` of the unpadded input. Convolutions and pools without ``ceil_mode``
have ``(in + 2p - extent) // s + 1`` windows; ``ceil_mode`` (pools) rounds up, as PyTorch,
dropping a last window that would start in the right padding, and the kernels then pad the
high side by ``high_pad`` cells instead of ``p``.

Array helpers (called by kernels only, with ``xp``): channels-last views, padded buffers,
strided window views and per-kernel-offset slices.
"""

from __future__ import annotations

import functools
import itertools
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._core.errors import ShapeError
from .scratch import padded

Ints = tuple[int, ...]


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


def spatial_param(op: str, what: str, v: Any, d: int, lo: int, ctx: str = "", one: bool = False) -> Ints:
    """An int or per-axis sequence as a d-tuple of ints >= lo, or a ShapeError naming the op
    (and ``ctx``, the shapes of the call). With ``one``, a 1-element sequence stands for every
    axis (as PyTorch's convolutions and pools read it)."""
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
        if one and len(t) == 1:
            t = t * d
        if len(t) != d:
            raise ShapeError(f"{op}: {what} {tuple(v)} must have one entry per spatial axis ({d}){at}")
    if any(a < lo for a in t):
        raise ShapeError(f"{op}: {what} must be >= {lo} on every axis, got {t}{at}")
    return t


def extent(k: Sequence[int], dil: Sequence[int] | None) -> Ints:
    """Cells spanned by a (dilated) kernel per axis: ``dil*(k - 1) + 1``."""
    if dil is None:
        return tuple(k)
    return tuple(a * (kk - 1) + 1 for kk, a in zip(k, dil))


def window_out(op: str, in_sp: Sequence[int], k: Sequence[int], s: Sequence[int],
               p: Sequence[int], what: str, dil: Sequence[int] | None = None) -> Ints:
    """Output size ``(in + 2p - extent) // s + 1`` per axis; ShapeError if a window cannot fit."""
    if any(a < 1 for a in s) or any(a < 0 for a in p) or any(a < 1 for a in k) \
            or (dil is not None and any(a < 1 for a in dil)):
        dl = "" if dil is None else f", dilation {tuple(dil)}"
        raise ShapeError(f"{op}: need kernel >= 1, stride >= 1{', dilation >= 1' if dl else ''} and "
                         f"padding >= 0, got kernel {tuple(k)}, stride {tuple(s)}, padding "
                         f"{tuple(p)}{dl} ({what})")
    ek = extent(k, dil)
    if any(i + 2 * pp < kk for i, kk, pp in zip(in_sp, ek, p)):
        if dil is None:
            raise ShapeError(f"{op}: kernel {tuple(k)} does not fit the padded input: spatial size "
                             f"{tuple(in_sp)} + 2 * padding {tuple(p)} < kernel ({what})")
        raise ShapeError(f"{op}: the dilated kernel (extent {ek} for kernel {tuple(k)}, dilation "
                         f"{tuple(dil)}) does not fit the padded input: spatial size {tuple(in_sp)} + "
                         f"2 * padding {tuple(p)} < extent ({what})")
    return tuple((i + 2 * pp - kk) // ss + 1 for i, kk, ss, pp in zip(in_sp, ek, s, p))


def pool_out(op: str, in_sp: Sequence[int], k: Sequence[int], s: Sequence[int], p: Sequence[int],
             what: str, dil: Sequence[int] | None = None, ceil_mode: bool = False) -> Ints:
    """Number of pooling windows per axis (PyTorch's rule): ``window_out``, or with
    ``ceil_mode`` the rounded-up count, less a last window that would start in the padding."""
    if not ceil_mode:
        return window_out(op, in_sp, k, s, p, what, dil)
    ek = extent(k, dil)
    window_out(op, ek, k, s, p, what, dil)  # checks the parameters only (this input fits)
    if any(i + 2 * pp + ss - 1 < kk for i, kk, ss, pp in zip(in_sp, ek, s, p)):
        raise ShapeError(f"{op}: kernel {tuple(k)} (extent {ek}) does not fit the padded input even "
                         f"in ceil mode: spatial size {tuple(in_sp)}, padding {tuple(p)}, stride "
                         f"{tuple(s)} ({what})")
    out = []
    for i, kk, ss, pp in zip(in_sp, ek, s, p):
        o = (i + 2 * pp - kk + ss - 1) // ss + 1
        if (o - 1) * ss >= i + pp:
            o -= 1
        out.append(o)
    return tuple(out)


def high_pad(in_sp: Sequence[int], k: Sequence[int], s: Sequence[int], p: Sequence[int],
             dil: Sequence[int] | None, out: Sequence[int]) -> Ints:
    """Cells of padding the kernels put after each axis: ``p``, or more when a ceil-mode
    window reaches past the padded input."""
    return tuple(max(pp, (o - 1) * ss + kk - i - pp)
                 for i, kk, ss, pp, o in zip(in_sp, extent(k, dil), s, p, out))


def padding_only_window(in_sp: Sequence[int], k: Sequence[int], s: Sequence[int],
                        p: Sequence[int], dil: Sequence[int] | None, out: Sequence[int]) -> int | None:
    """The first axis on which some window holds no cell of the input (only padding), or None.
    Only windows starting in the left padding can (ceil mode never starts one in the right)."""
    dil = dil or (1,) * len(k)
    for a, (i, kk, ss, pp, dd, o) in enumerate(zip(in_sp, k, s, p, dil, out)):
        for w in range(min(o, pp // ss + 1)):
            start = w * ss - pp
            j = -(start // dd) if start < 0 else 0  # first offset at or after cell 0
            if j >= kk or start + j * dd >= i:
                return a
    return None


def transpose_out(op: str, sp, k, s, p, op_pad, what: str, dil: Sequence[int] | None = None) -> Ints:
    """Output size ``(in - 1)*s - 2p + extent + output_padding`` of a transposed convolution;
    ``output_padding`` must be smaller than the stride or the dilation (PyTorch's rule)."""
    lim = s if dil is None else tuple(max(a, b) for a, b in zip(s, dil))
    if any(a < 1 for a in s) or any(a < 0 for a in p) or any(not 0 <= a < m for a, m in zip(op_pad, lim)):
        what_lim = "stride" if dil is None else "max(stride, dilation)"
        raise ShapeError(f"{op}: need stride >= 1, padding >= 0 and 0 <= output_padding < {what_lim}, "
                         f"got stride {tuple(s)}, padding {tuple(p)}, output_padding {tuple(op_pad)}"
                         f"{'' if dil is None else f', dilation {tuple(dil)}'} ({what})")
    out = tuple((i - 1) * ss - 2 * pp + kk + o for i, kk, ss, pp, o in zip(sp, extent(k, dil), s, p, op_pad))
    if any(i < 1 for i in sp) or any(o < 1 for o in out):
        raise ShapeError(f"{op}: output size (in - 1)*stride - 2*padding + kernel + output_padding "
                         f"= {out} must be positive ({what})")
    return out


def extras(dilation: Sequence[int] | None = None, groups: int = 1, **more: Any) -> dict[str, Any]:
    """The optional params of a window primitive, only where they differ from the defaults (so
    the seed's calls bind exactly the params they always did)."""
    out: dict[str, Any] = {}
    if dilation is not None and any(a != 1 for a in dilation):
        out["dilation"] = tuple(dilation)
    if groups != 1:
        out["groups"] = groups
    for name, v in more.items():
        if v:
            out[name] = v
    return out


# ----- array helpers (kernels only) ---------------------------------------------------------------


def to_last(n: int, axis: int) -> Ints:
    """Permutation moving ``axis`` of an n-axis array to the end (``x.transpose`` is far
    cheaper than ``xp.moveaxis``, and these kernels are called with small arrays too)."""
    return (*range(axis), *range(axis + 1, n), axis)


def from_last(n: int, axis: int) -> Ints:
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


def place(xp, xl, lo: Sequence[int], hi: Sequence[int], fill: float = 0.0, pooled: bool = False):
    """xl (N, *sp, C) copied into a contiguous channels-last buffer with ``lo[a]``/``hi[a]``
    cells of ``fill`` before/after spatial axis a (negative: that many cells cropped). With
    ``pooled`` the buffer is a kept one (``scratch.padded``: for a kernel that only reads it),
    whose border holds the fill already when it is handed out again: only xl is copied."""
    if not any(lo) and not any(hi):
        return xp.ascontiguousarray(xl)
    shape, dst, src = _placing(xl.shape, tuple(lo), tuple(hi))
    if pooled:
        buf, ready = padded(xp, shape, xl.dtype, (tuple(lo), tuple(hi), fill))
        if not ready:
            buf[...] = fill
    else:
        buf = xp.zeros(shape, xl.dtype) if fill == 0 else xp.full(shape, fill, xl.dtype)
    if dst is not None:
        buf[dst] = xl[src]
    return buf


@functools.lru_cache(maxsize=1024)
def _placing(xshape: Ints, lo: Ints, hi: Ints) -> tuple[Ints, tuple | None, tuple | None]:
    """``place``'s geometry: the buffer's shape and the (buffer, input) indices of the copied
    interior (None when nothing is copied); decided once per shape and padding."""
    sp = xshape[1:-1]
    size = tuple(n + a + b for n, a, b in zip(sp, lo, hi))
    shape = (xshape[0], *size, xshape[-1])
    if min(size) <= 0 or any(n + min(a, 0) + min(b, 0) <= 0 for n, a, b in zip(sp, lo, hi)):
        return shape, None, None
    dst = tuple(slice(max(a, 0), m - max(b, 0)) for a, b, m in zip(lo, hi, size))
    src = tuple(slice(max(-a, 0), n - max(-b, 0)) for a, b, n in zip(lo, hi, sp))
    return shape, (slice(None), *dst, slice(None)), (slice(None), *src, slice(None))


def strided_view(xp, base, shape: Sequence[int], strides: Sequence[int]):
    """A view of ``base`` (from its first element) with ``shape`` and ``strides``. For a
    contiguous NumPy array this is the ndarray constructor over its buffer, several times
    cheaper than ``as_strided`` (0.7 against 4.5 us: it is called per convolution)."""
    if xp is np and base.flags.c_contiguous:
        return np.ndarray(tuple(shape), base.dtype, buffer=base, strides=tuple(strides))
    return xp.lib.stride_tricks.as_strided(base, tuple(shape), tuple(strides))


def window_view(xp, buf, k: Sequence[int], s: Sequence[int], out: Sequence[int],
                dil: Sequence[int] | None = None):
    """(N, *out, *k, C) strided view of the windows of a channels-last buffer (no copy)."""
    st = buf.strides
    d = len(k)
    dil = dil or (1,) * d
    shape = (buf.shape[0], *out, *k, buf.shape[-1])
    strides = (st[0], *(st[1 + a] * s[a] for a in range(d)), *(st[1 + a] * dil[a] for a in range(d)),
               st[-1])
    return strided_view(xp, buf, shape, strides)


def offset_slices(k: Sequence[int], s: Sequence[int], n: Sequence[int],
                  dil: Sequence[int] | None = None) -> tuple[tuple, ...]:
    """One index per kernel offset (row-major) into a channels-last buffer: the cells
    ``off*dil + s*i`` (i < n) of every spatial axis, for all batch entries and channels."""
    return _offset_slices(tuple(k), tuple(s), tuple(n), None if dil is None else tuple(dil))


@functools.lru_cache(maxsize=1024)
def _offset_slices(k: Ints, s: Ints, n: Ints, dil: Ints | None) -> tuple[tuple, ...]:
    dil = dil or (1,) * len(k)
    return tuple((slice(None), *(slice(o * dd, o * dd + ss * (m - 1) + 1, ss)
                                 for o, ss, m, dd in zip(off, s, n, dil)), slice(None))
                 for off in itertools.product(*(range(a) for a in k)))


def offsets(k: Sequence[int]) -> list[Ints]:
    """The kernel offsets in row-major order (the order of ``offset_slices``)."""
    return list(itertools.product(*(range(a) for a in k)))
