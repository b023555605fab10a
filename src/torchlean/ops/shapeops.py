"""Shape, gather and constructor primitives of the PyTorch-shaped layer.

* ``flip(x, axes)``: reverse axes; its own VJP and JVP.
* ``take_along(x, idx, axis, mode)`` (``torch.gather``) and its transpose
  ``take_along_transpose(g, idx, axis, n, mode)`` (``scatter_add`` into zeros): each is the
  other's VJP and JVP, so the pair is closed under differentiation. ``idx`` has ``x``'s shape
  except along ``axis``; index modes as ``take`` (``ops/indexing.py``): ``"strict"`` raises
  outside ``[0, n)``, ``"checked"`` wraps negatives and raises outside ``[-n, n)``.
* ``box_muller(u, dtype)``: standard normals from a pair of uniform draws (``randn``).
"""

from __future__ import annotations

import math

from .._core.errors import ShapeError
from .._core.registry import defop
from .._core.shapes import prod
from .._core.types import TensorType, as_dtype, check_float, check_int
from .indexing import checked_indices

_GATHER_MODES = ("strict", "checked")


# ----- flip -------------------------------------------------------------------------------------
def _flip_shape(x: TensorType, *, axes: tuple[int, ...]) -> TensorType:
    if (not isinstance(axes, tuple) or any(not isinstance(a, int) or not 0 <= a < x.ndim for a in axes)
            or list(axes) != sorted(set(axes))):
        raise ShapeError(f"flip: axes must be sorted distinct axes of a rank-{x.ndim} tensor, got {axes!r}")
    return x


def _flip_impl(xp, x, *, axes):
    return x[tuple(slice(None, None, -1) if d in axes else slice(None) for d in range(x.ndim))]


flip_p = defop(
    "flip", shape=_flip_shape, impl=_flip_impl,
    vjp=[lambda ops, g, out, x, *, axes: ops.flip(g, axes)],
    jvp=[lambda ops, t, out, x, *, axes: ops.flip(t, axes)],
    doc="Reverse the given axes (torch.flip). Primitive for speed: a view with negative strides, "
        "where a composite would gather with an index tensor and copy.",
)


# ----- take_along / take_along_transpose --------------------------------------------------------
def _check_gather(op: str, x: TensorType, idx: TensorType, axis: int, mode: str) -> None:
    check_int(op, "idx", idx)
    if mode not in _GATHER_MODES:
        raise ShapeError(f"{op}: mode must be one of {_GATHER_MODES}, got {mode!r}")
    if not isinstance(axis, int) or not 0 <= axis < x.ndim:
        raise ShapeError(f"{op}: axis {axis!r} is out of range for shape {x.shape}")
    if idx.ndim != x.ndim or any(i != s for d, (i, s) in enumerate(zip(idx.shape, x.shape)) if d != axis):
        raise ShapeError(f"{op}: idx must have the shape of the values except along axis {axis}, got "
                         f"idx {idx.shape} and values {x.shape}")


def _take_along_shape(x: TensorType, idx: TensorType, *, axis: int, mode: str = "strict") -> TensorType:
    _check_gather("take_along", x, idx, axis, mode)
    return TensorType(idx.shape, x.dtype)


def _take_along_impl(xp, x, idx, *, axis, mode="strict"):
    i = checked_indices(xp, "take_along", idx.astype(xp.int64, copy=False), x.shape[axis], mode)
    if i.size == 0:
        return xp.zeros(idx.shape, x.dtype)
    return xp.take_along_axis(x, i, axis=axis)


def _take_along_transpose_shape(g: TensorType, idx: TensorType, *, axis: int, n: int,
                                mode: str = "strict") -> TensorType:
    check_float("take_along_transpose", g)
    _check_gather("take_along_transpose", g, idx, axis, mode)
    if idx.shape != g.shape:
        raise ShapeError(f"take_along_transpose: idx must have g's shape, got idx {idx.shape} and g {g.shape}")
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        raise ShapeError(f"take_along_transpose: n must be a non-negative int, got {n!r}")
    return TensorType((*g.shape[:axis], n, *g.shape[axis + 1:]), g.dtype)


def _take_along_transpose_impl(xp, g, idx, *, axis, n, mode="strict"):
    shape = (*g.shape[:axis], n, *g.shape[axis + 1:])
    i = checked_indices(xp, "take_along_transpose", idx.astype(xp.int64), n, mode)
    if g.size == 0:
        return xp.zeros(shape, g.dtype)
    strides = [prod(shape[d + 1:]) for d in range(len(shape))]
    lin = i * strides[axis]
    for d in range(g.ndim):  # a loop over axes (not elements): the flat offset of each position
        if d != axis and g.shape[d] > 1:
            pos = xp.arange(g.shape[d], dtype=xp.int64) * strides[d]
            lin = lin + pos.reshape([-1 if e == d else 1 for e in range(g.ndim)])
    # bincount accumulates duplicates in float64 in input order (deterministic on NumPy), as
    # take_transpose does; no ufunc.at.
    out = xp.bincount(lin.reshape(-1), weights=g.reshape(-1), minlength=prod(shape))
    return out.reshape(shape).astype(g.dtype, copy=False)


take_along_p = defop(
    "take_along", shape=_take_along_shape, impl=_take_along_impl,
    vjp=[lambda ops, g, out, x, idx, *, axis, mode="strict":
         ops.take_along_transpose(g, idx, axis, ops.shape_of(x)[axis], mode), None],
    jvp=[lambda ops, t, out, x, idx, *, axis, mode="strict": ops.take_along(t, idx, axis, mode), None],
    doc="out[..., j, ...] = x[..., idx[..., j, ...], ...] along axis (torch.gather; idx has x's "
        "shape except along axis). Primitive for speed: one gather, where a composite over take "
        "needs flattened offsets and extra nodes.",
)

take_along_transpose_p = defop(
    "take_along_transpose", shape=_take_along_transpose_shape, impl=_take_along_transpose_impl,
    vjp=[lambda ops, g, out, x, idx, *, axis, n, mode="strict": ops.take_along(g, idx, axis, mode), None],
    jvp=[lambda ops, t, out, x, idx, *, axis, n, mode="strict":
         ops.take_along_transpose(t, idx, axis, n, mode), None],
    doc="Scatter-add of g into a length-n axis at idx (zeros.scatter_add(axis, idx, g)): the "
        "transpose of take_along. Duplicates accumulate. Primitive: the VJP of take_along.",
)


# ----- box_muller -------------------------------------------------------------------------------
_TWO_PI = 2.0 * math.pi
_U_MAX = 1.0 - 2.0 ** -32  # the largest 32-bit uniform draw; 1 - u1 never reaches 0


def _box_muller_shape(u: TensorType, *, dtype: str) -> TensorType:
    check_float("box_muller", u)
    if u.ndim < 1 or u.shape[0] != 2:
        raise ShapeError(f"box_muller: expected a pair of uniform draws (2, *shape), got {u.shape}")
    return TensorType(u.shape[1:], as_dtype(dtype))


def _box_muller_impl(xp, u, *, dtype):
    u1 = xp.minimum(u[0].astype(xp.float64), _U_MAX)  # guards log(0) if u was rounded up to 1
    u2 = u[1].astype(xp.float64)
    z = xp.sqrt(-2.0 * xp.log1p(-u1)) * xp.cos(_TWO_PI * u2)
    return z.astype(dtype)


box_muller_p = defop(
    "box_muller", shape=_box_muller_shape, impl=_box_muller_impl, vjp=[None], jvp=[None],
    doc="Standard normals z = sqrt(-2 log(1 - u1)) cos(2 pi u2) from uniform draws u = (u1, u2) "
        "in [0, 1): the Box-Muller transform behind randn. Computed in float64 and rounded once "
        "to dtype; 1 - u1 >= 2**-32, so log never sees 0. Primitive for stability (one float64 "
        "kernel, no trig primitive needed). Its input is a random draw: not differentiable.",
)
