"""Shape-moving primitives: reshape, transpose (any permutation) and broadcast_to.

``broadcast_to`` is the only place where cotangents are un-broadcast: its VJP sums over the
axes it replicated. The front end inserts it for right-aligned broadcasting and exposes the
seed's explicit axis-map form.
"""

from __future__ import annotations

from .._core.errors import ShapeError
from .._core.registry import defop
from .._core.shapes import broadcast_sum_axes, check_broadcast, expand_for_broadcast, prod
from .._core.types import TensorType


def _reshape_shape(x: TensorType, *, shape: tuple[int, ...]) -> TensorType:
    if prod(shape) != x.size or any(d < 0 for d in shape):
        raise ShapeError(f"reshape: cannot reshape {x.shape} ({x.size} elements) to {shape}")
    return TensorType(shape, x.dtype)


reshape_p = defop(
    "reshape", shape=_reshape_shape, impl=lambda xp, x, *, shape: x.reshape(shape),
    vjp=[lambda ops, g, out, x, *, shape: ops.reshape(g, ops.shape_of(x))],
    jvp=[lambda ops, t, out, x, *, shape: ops.reshape(t, shape)],
    doc="Row-major reinterpretation to a shape of the same size.",
)


def _transpose_shape(x: TensorType, *, perm: tuple[int, ...]) -> TensorType:
    if sorted(perm) != list(range(x.ndim)):
        raise ShapeError(f"transpose: {perm} is not a permutation of the {x.ndim} axes of {x.shape}")
    return TensorType(tuple(x.shape[p] for p in perm), x.dtype)


def _inverse(perm: tuple[int, ...]) -> tuple[int, ...]:
    inv = [0] * len(perm)
    for i, p in enumerate(perm):
        inv[p] = i
    return tuple(inv)


transpose_p = defop(
    "transpose", shape=_transpose_shape, impl=lambda xp, x, *, perm: x.transpose(perm),
    vjp=[lambda ops, g, out, x, *, perm: ops.permute(g, _inverse(perm))],
    jvp=[lambda ops, t, out, x, *, perm: ops.permute(t, perm)],
    doc="Permute axes: output axis i is input axis perm[i].",
)


def _broadcast_shape(x: TensorType, *, shape: tuple[int, ...], axes: tuple[int, ...]) -> TensorType:
    check_broadcast("broadcast_to", x.shape, shape, axes)
    return TensorType(shape, x.dtype)


def _broadcast_impl(xp, x, *, shape, axes):
    return xp.broadcast_to(x.reshape(expand_for_broadcast(x.shape, shape, axes)), shape)


def _broadcast_vjp(ops, g, out, x, *, shape, axes):
    src = ops.shape_of(x)
    summed = broadcast_sum_axes(src, shape, axes)
    if summed:
        g = ops.reduce_sum(g, summed)
    return ops.reshape(g, src)


broadcast_to_p = defop(
    "broadcast_to", shape=_broadcast_shape, impl=_broadcast_impl,
    vjp=[_broadcast_vjp],
    jvp=[lambda ops, t, out, x, *, shape, axes: ops.broadcast_to(t, shape, axes=axes)],
    doc="Replicate x to ``shape``; source axis k lands on target axis ``axes[k]`` (seed witness).",
)
