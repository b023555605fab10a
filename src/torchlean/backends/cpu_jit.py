"""Optional numba kernels for the NumPy backend, keyed by primitive name.

Some kernels are a loop over positions that NumPy can only express as several whole-array
passes. max-pool's adjoint is one: the NumPy kernel (ops/pool.py) builds, per kernel offset, a
mask of the windows whose first maximum is there (a compare, a ``greater``, an ``or``, a
product: about sixteen passes for a 2x2 window), where one loop finds each window's first
maximum and writes its cells once. Measured on the W3 CNN's (64, 16, 8, 8) relu output,
channels-last as the convolution leaves it: 129-176 us against 57 us for the loop.

max-pool itself is another: three strided ``maximum`` passes for a 2x2 window, where one
loop folds each window's cells in the same order (W3's pool: 35 against 21 us).

Cross-entropy and its gradient are another: about twenty small calls where three loops do
(``cpu_jit_ce``, which also gives the compiled path's paired kernel, ``group_kernels``); a sum
over leading axes (a bias gradient) is a third (``cpu_jit_sum``).

Each kernel here gives the bits of the primitive's NumPy kernel, which stays the reference
and the fallback: it runs wherever numba is not installed (the ``jit`` extra), for dtypes the
loop does not cover (float16, integers), and everywhere when ``TORCHLEAN_JIT_KERNELS=0``.
The loops follow the NumPy kernel's arithmetic step for step (the same products ``g * 1`` and
``g * 0``, summed per cell in the same kernel-offset order where windows overlap), so the
results are equal bit for bit, signed zeros included, with NaN where NumPy has NaN (the sign
bit of a NaN made by ``inf * 0`` may differ); tests/unit/test_cpu_jit.py compares the two.
numba is imported, and each kernel compiled (or read from numba's on-disk cache), on the first
call that needs it, so importing torchlean never pays for it.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from typing import Any

import numpy as np

from .._core.registry import REGISTRY
from .._core.shapes import prod
from ..ops.loss import ce_and_grad_impl
from ..ops.pool import windows_overlap
from . import cpu_jit_ce, cpu_jit_sum

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_state: dict[str, Any] = {"loaded": False, "scatter": None, "pool": None, "mul_step": None, "errors": ()}


def enabled() -> bool:
    """Whether the numba kernels are switched on (``TORCHLEAN_JIT_KERNELS``, default 1)."""
    return os.environ.get("TORCHLEAN_JIT_KERNELS", "1") != "0"


def numba_jit() -> tuple[Callable[[Any], Any], tuple[type, ...]] | None:
    """numba's ``njit`` as these loops use it (on-disk cache, no GIL, no bounds checks) and the
    errors of a numba that cannot compile a loop; None when switched off or not installed."""
    if not enabled():
        return None
    try:
        import numba
    except ImportError:
        return None
    return numba.njit(cache=True, nogil=True, boundscheck=False), (numba.core.errors.NumbaError,)


def _load() -> None:
    _state["loaded"] = True
    got = numba_jit()
    if got is not None:
        jit, _state["errors"] = got
        _state["scatter"] = jit(_scatter_loops)
        _state["pool"] = jit(_pool_loop)
        _state["mul_step"] = jit(_mul_step_loop)


def _mul_step_loop(g, x, one, zero, out):  # pragma: no cover - numba
    """out = g * (1 if x > 0 else 0), element by element over flat views (NumPy's ``g * (x > 0)``:
    the product with the mask's 1.0 or 0.0, so signed zeros and NaN as NumPy's)."""
    for i in range(out.size):
        out[i] = g[i] * (one if x[i] > zero else zero)


def _pool_loop(x, kh, kw, sh, sw, out):  # pragma: no cover - numba
    """max_pool of a channels-last (N, H, W, C) array into out (N, OH, OW, C), kh x kw windows
    at strides sh, sw: each window's cells in row-major offset order, folded as the NumPy
    kernel's ``maximum`` calls fold whole slices (NaN if either is NaN, else the larger, the
    second on ties: the signed zero NumPy keeps)."""
    n_, oh, ow, cc = out.shape
    for n in range(n_):
        for i in range(oh):
            for j in range(ow):
                for c in range(cc):
                    out[n, i, j, c] = x[n, i * sh, j * sw, c]
                for a in range(kh):
                    for b in range(kw):
                        if a == 0 and b == 0:
                            continue
                        for c in range(cc):
                            z = out[n, i, j, c]
                            v = x[n, i * sh + a, j * sw + b, c]
                            out[n, i, j, c] = z if (z > v or z != z) else v


def _scatter_loops(x, y, g, k, s, p, dl, overlap, one, zero, sel, dx):  # pragma: no cover - numba
    """max_pool_scatter on channels-last 5-D views: x, dx (N, D, H, W, C); y, g (N, OD, OH, OW,
    C); k, s, p, dl per spatial axis. Each window's first cell equal to y (row-major offsets,
    cells in the input only), or, where y is NaN, its last NaN cell, gets ``g * one``, every
    other cell of the window ``g * zero``. Without ``overlap`` every cell is in at most one
    window and is written once; with it, cells sum their windows' values offset by offset
    (``sel`` holds each window's choice), the NumPy kernel's order of additions. Channels are
    the innermost loop (contiguous in these views)."""
    n_, dd, hh, ww, cc = x.shape
    od, oh, ow = y.shape[1], y.shape[2], y.shape[3]
    kd, kh, kw = k[0], k[1], k[2]
    pick = np.empty(cc, np.int32)
    for n in range(n_):
        for a0 in range(od):
            for b0 in range(oh):
                for c0 in range(ow):
                    pick[:] = -1
                    j = 0
                    for a in range(kd):
                        i0 = a0 * s[0] + a * dl[0] - p[0]
                        for b in range(kh):
                            i1 = b0 * s[1] + b * dl[1] - p[1]
                            for e in range(kw):
                                i2 = c0 * s[2] + e * dl[2] - p[2]
                                if 0 <= i0 < dd and 0 <= i1 < hh and 0 <= i2 < ww:
                                    for c in range(cc):  # branch-free, so that it vectorises
                                        v = x[n, i0, i1, i2, c]
                                        yv = y[n, a0, b0, c0, c]
                                        take = ((pick[c] < 0) & (v == yv)) | ((yv != yv) & (v != v))
                                        pick[c] = j if take else pick[c]
                                j += 1
                    if overlap:
                        for c in range(cc):
                            sel[n, a0, b0, c0, c] = pick[c]
                        continue
                    # the same walk over the window as above, written out again: folding the two
                    # into one nest (a phase loop, or offsets decoded from one index) measured
                    # 1.2-1.7x slower
                    j = 0
                    for a in range(kd):
                        i0 = a0 * s[0] + a * dl[0] - p[0]
                        for b in range(kh):
                            i1 = b0 * s[1] + b * dl[1] - p[1]
                            for e in range(kw):
                                i2 = c0 * s[2] + e * dl[2] - p[2]
                                if 0 <= i0 < dd and 0 <= i1 < hh and 0 <= i2 < ww:
                                    for c in range(cc):
                                        f = one if pick[c] == j else zero
                                        dx[n, i0, i1, i2, c] = g[n, a0, b0, c0, c] * f
                                j += 1
    if not overlap:
        return
    j = 0
    for a in range(kd):
        for b in range(kh):
            for e in range(kw):
                for n in range(n_):
                    for a0 in range(od):
                        i0 = a0 * s[0] + a * dl[0] - p[0]
                        if not 0 <= i0 < dd:
                            continue
                        for b0 in range(oh):
                            i1 = b0 * s[1] + b * dl[1] - p[1]
                            if not 0 <= i1 < hh:
                                continue
                            for c0 in range(ow):
                                i2 = c0 * s[2] + e * dl[2] - p[2]
                                if not 0 <= i2 < ww:
                                    continue
                                for c in range(cc):
                                    f = one if sel[n, a0, b0, c0, c] == j else zero
                                    dx[n, i0, i1, i2, c] += g[n, a0, b0, c0, c] * f
                j += 1


def _as5(a: Any, d: int, batched: bool) -> Any:
    """(N, 1.., *sp, C): a channels-first (N, C, *sp) or (C, *sp) array as a channels-last view
    with three spatial axes (unit axes in front)."""
    if not batched:
        a = a[None]
    a = a.transpose(0, *range(2, d + 2), 1)
    return a.reshape(a.shape[0], *(1,) * (3 - d), *a.shape[1:]) if d < 3 else a


def _loop_operand(a: Any, d: int, batched: bool) -> Any:
    """``_as5(a)``, C-contiguous and writable (a copy otherwise: tensors of a convolutional
    network are channels-last already), so that the loop compiles once per dtype."""
    v = _as5(a, d, batched)
    f = v.flags
    return v if f.c_contiguous and f.writeable else np.array(v, order="C")


def _scatter_into(dx: Any | None, x: Any, y: Any, g: Any, kernel: Any, stride: Any, padding: Any,
                  dilation: Any, ceil_mode: bool) -> Any | None:
    """Run the loop into ``dx`` (a fresh array when None); None where the loop does not apply."""
    if not _state["loaded"]:
        _load()
    loops = _state["scatter"]
    d = len(kernel)
    if loops is None or d > 3 or x.dtype not in _FLOATS or y.dtype != x.dtype or g.dtype != x.dtype:
        return None
    batched = x.ndim == d + 2
    lead = (1,) * (3 - d)
    k, s, p = lead + tuple(kernel), lead + tuple(stride), (0,) * (3 - d) + tuple(padding)
    dl = lead + (tuple(dilation) if dilation is not None else (1,) * d)
    sp = x.shape[-d:]
    overlap = windows_overlap(kernel, stride, dilation)  # the NumPy kernel's choice
    tiled = not overlap and not ceil_mode and all(
        a == b and q == 0 and o * b == n for a, b, q, o, n in zip(stride, kernel, padding, y.shape[-d:], sp))
    fresh = dx is None
    if fresh:  # channels-last, as the NumPy kernel returns it
        cl = (x.shape[0] if batched else 1, *sp, x.shape[-d - 1])
        dx = (np.empty if tiled else np.zeros)(cl, g.dtype).transpose(0, d + 1, *range(1, d + 1))
        if not batched:
            dx = dx[0]
    dx5 = _as5(dx, d, batched)
    into = dx5 if dx5.flags.c_contiguous else np.empty(dx5.shape, dx5.dtype)
    if not tiled and (into is not dx5 or not fresh):
        into[...] = 0  # no cell left unwritten (a fresh dx is zeros already)
    yl = _loop_operand(y, d, batched)
    sel = np.empty(yl.shape if overlap else (1,) * 5, np.int32)
    one, zero = x.dtype.type(1), x.dtype.type(0)
    try:
        loops(_loop_operand(x, d, batched), yl, _loop_operand(g, d, batched), k, s, p, dl, overlap,
              one, zero, sel, into)
    except _state["errors"]:  # compiling failed (the loop has nothing else that can): NumPy's, from now on
        _state["scatter"] = None
        return None
    if into is not dx5:
        dx5[...] = into
    return dx


def max_pool(x: Any, *, kernel: Any, stride: Any, padding: Any, dilation: Any = None,
             ceil_mode: bool = False) -> Any:
    """The ``max_pool`` kernel: the numba loop for a batched 2-D pool without padding,
    dilation or ceil mode over a channels-last float array (a CNN's activations) with windows
    the NumPy kernel folds one offset at a time; NumPy's kernel otherwise. The result is laid
    out as NumPy's: channels-last underneath. (W3's (64, 16, 8, 8) 2x2 pool: 35 against 21 us.)"""
    if (len(kernel) == 2 and x.ndim == 4 and not any(padding) and not ceil_mode and x.dtype in _FLOATS
            and (dilation is None or all(d == 1 for d in dilation)) and x.__class__ is np.ndarray
            and sum(k - 1 for k in kernel) > prod(kernel) - 3):
        xl = x.transpose(0, 2, 3, 1)
        if not _state["loaded"]:
            _load()
        loop = _state["pool"]
        (kh, kw), (sh, sw) = kernel, stride
        oh, ow = (xl.shape[1] - kh) // sh + 1, (xl.shape[2] - kw) // sw + 1
        if loop is not None and xl.flags.c_contiguous and oh > 0 and ow > 0:
            out = np.empty((xl.shape[0], oh, ow, xl.shape[3]), x.dtype)
            try:
                loop(xl, kh, kw, sh, sw, out)
                return out.transpose(0, 3, 1, 2)
            except _state["errors"]:  # numba could not compile: NumPy's from now on
                _state["pool"] = None
    return REGISTRY["max_pool"].impl(np, x, kernel=kernel, stride=stride, padding=padding, dilation=dilation,
                                     ceil_mode=ceil_mode)


_ONE_ZERO = {np.dtype(t): (np.dtype(t).type(1), np.dtype(t).type(0)) for t in (np.float32, np.float64)}


def mul_step(g: Any, x: Any) -> Any | None:
    """``g * (x > 0)`` (relu's backward) in one pass for float arrays of one dense layout,
    laid out as NumPy lays out that product; None elsewhere (the caller runs NumPy's). NumPy
    casts the bool mask through a buffered loop: W3's (64, 16, 8, 8) channels-last cotangent,
    21 against 11 us here."""
    if (g.__class__ is not np.ndarray or x.__class__ is not np.ndarray or g.dtype != x.dtype
            or g.dtype not in _FLOATS or g.shape != x.shape or g.strides != x.strides or g.size == 0):
        return None
    layout = cpu_jit_sum.dense_layout(x.shape, x.strides, x.itemsize)
    if not _state["loaded"]:
        _load()
    loop = _state["mul_step"]
    if layout is None or loop is None:
        return None
    order, inverse, mem = layout
    out = np.empty(mem, x.dtype)
    one, zero = _ONE_ZERO[x.dtype]
    try:
        loop(g.transpose(order).reshape(-1), x.transpose(order).reshape(-1), one, zero, out.reshape(-1))
    except _state["errors"]:  # numba could not compile: NumPy's from now on
        _state["mul_step"] = None
        return None
    return out.transpose(inverse)


def max_pool_scatter(x: Any, y: Any, g: Any, *, kernel: Any, stride: Any, padding: Any,
                     dilation: Any = None, ceil_mode: bool = False) -> Any:
    """The ``max_pool_scatter`` kernel: the numba loop where it applies, else NumPy's."""
    dx = _scatter_into(None, x, y, g, kernel, stride, padding, dilation, ceil_mode)
    if dx is None:
        return REGISTRY["max_pool_scatter"].impl(np, x, y, g, kernel=kernel, stride=stride,
                                                 padding=padding, dilation=dilation, ceil_mode=ceil_mode)
    return dx


def max_pool_scatter_out(out: Any, x: Any, y: Any, g: Any, *, kernel: Any, stride: Any, padding: Any,
                         dilation: Any = None, ceil_mode: bool = False) -> None:
    """Its out-variant (a compiled plan's buffer: no fresh pages each step)."""
    if _scatter_into(out, x, y, g, kernel, stride, padding, dilation, ceil_mode) is None:
        out[...] = REGISTRY["max_pool_scatter"].impl(np, x, y, g, kernel=kernel, stride=stride,
                                                     padding=padding, dilation=dilation, ceil_mode=ceil_mode)


def cross_entropy(z: Any, labels: Any, **params: Any) -> Any:
    """The ``cross_entropy`` kernel: the numba loops where they apply (cpu_jit_ce), else NumPy's."""
    loss = cpu_jit_ce.cross_entropy(z, labels, **params)
    return REGISTRY["cross_entropy"].impl(np, z, labels, **params) if loss is None else loss


def cross_entropy_grad(z: Any, labels: Any, **params: Any) -> Any:
    """The ``cross_entropy_grad`` kernel, likewise."""
    g = cpu_jit_ce.cross_entropy_grad(z, labels, **params)
    return REGISTRY["cross_entropy_grad"].impl(np, z, labels, **params) if g is None else g


def ce_and_grad(loss_out: Any, grad_out: Any, z: Any, labels: Any, **params: Any) -> None:
    """The compiled path's paired loss and gradient (``ops.loss.ce_and_grad_impl``'s bits)."""
    if not cpu_jit_ce.ce_and_grad(loss_out, grad_out, z, labels, **params):
        ce_and_grad_impl(np, loss_out, grad_out, z, labels, **params)


def _numba_installed() -> bool:
    return enabled() and importlib.util.find_spec("numba") is not None


def overrides() -> dict[str, Callable[..., Any]]:
    """The kernels this module provides (each falls back to NumPy's on its own)."""
    if not _numba_installed():
        return {}
    return {"max_pool": max_pool, "max_pool_scatter": max_pool_scatter, "cross_entropy": cross_entropy,
            "cross_entropy_grad": cross_entropy_grad, "reduce_sum": cpu_jit_sum.reduce_sum}


def out_overrides() -> dict[str, Callable[..., Any]]:
    """Their out-variants."""
    if not _numba_installed():
        return {}
    return {"max_pool_scatter": max_pool_scatter_out, "reduce_sum": cpu_jit_sum.reduce_sum_out}


def composite_kernels() -> dict[str, Callable[..., Any]]:
    """One-call kernels of ``Ops`` composites for the eager interpreter (``ArrayBackend``)."""
    return {"mul_step": mul_step} if _numba_installed() else {}


def group_kernels() -> dict[str, Callable[..., Any]]:
    """Kernels of multi-output groups (``compiled/patterns.py``), by group name."""
    return {"cross_entropy+grad": ce_and_grad} if _numba_installed() else {}
