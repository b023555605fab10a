"""Reduction primitives beyond sums: max/min reductions, arg-extrema and cumulative sums.

* ``reduce_max`` / ``reduce_min`` (``torch.amax``/``amin``): no composite form. The gradient is
  shared evenly among ties, as PyTorch's ``amax``; a reduced axis must not be empty. With
  ``nan_ties`` a NaN extreme's gradient is shared among the NaNs (``torch.max(input)``'s rule;
  ``amax`` has NaN gradients there, as no element equals a NaN).
* ``argmax`` / ``argmin`` along one axis: int64, the first occurrence (a NaN counts as the
  extreme, as PyTorch and NumPy); not differentiable.
* ``cumsum`` along one axis, forward or ``reverse``: each direction is the other's VJP, so the
  pair is closed under differentiation without a flip primitive.

Like ``reduce_sum`` the reductions drop the reduced axes; the front end adds ``keepdims``.
"""

from __future__ import annotations

from .._core.errors import DTypeError, ShapeError
from .._core.registry import defop
from .._core.types import TensorType, int64


def _kept(ndim: int, axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(i for i in range(ndim) if i not in axes)


def _check_axes(op: str, x: TensorType, axes: tuple[int, ...]) -> None:
    for a in axes:
        if not isinstance(a, int) or not 0 <= a < x.ndim:
            raise ShapeError(f"{op}: axis {a!r} is out of range for shape {x.shape}")
        if x.shape[a] == 0:
            raise ShapeError(f"{op}: cannot reduce an empty axis {a} of shape {x.shape} (the "
                             "maximum of nothing is undefined)")


def _extreme_shape(op: str):
    def rule(x: TensorType, *, axes: tuple[int, ...]) -> TensorType:
        if x.dtype.kind not in "fib":
            raise DTypeError(f"{op}: expected a float, int64 or bool tensor, got {x.dtype.name}")
        _check_axes(op, x, axes)
        return TensorType(tuple(d for i, d in enumerate(x.shape) if i not in axes), x.dtype)

    return rule


def _ties(ops, out, x, axes, nan_ties):
    """(mask, count): where x equals its reduced extreme (as x's dtype), and how many do; with
    ``nan_ties`` a NaN extreme counts as equal to the NaNs it came from."""
    t = ops.type_of(x)
    b = ops.broadcast_to(out, t.shape, axes=_kept(t.ndim, axes))
    hit = ops.eq(x, b)
    if nan_ties and t.dtype.kind == "f":
        hit = ops.logical_or(hit, ops.logical_and(ops.ne(x, x), ops.ne(b, b)))  # both NaN
    mask = ops.cast(hit, t.dtype)
    return mask, ops.reduce_sum(mask, axes)


def _extreme_vjp(ops, g, out, x, *, axes, nan_ties=False):
    t = ops.type_of(x)
    mask, count = _ties(ops, out, x, axes, nan_ties)
    return ops.mul(ops.broadcast_to(ops.div(g, count), t.shape, axes=_kept(t.ndim, axes)), mask)


def _extreme_jvp(ops, v, out, x, *, axes, nan_ties=False):
    mask, count = _ties(ops, out, x, axes, nan_ties)
    return ops.div(ops.reduce_sum(ops.mul(v, mask), axes), count)


def _extreme_rule(op: str):
    rule = _extreme_shape(op)

    def shape(x: TensorType, *, axes: tuple[int, ...], nan_ties: bool = False) -> TensorType:
        return rule(x, axes=axes)

    return shape


reduce_max_p = defop(
    "reduce_max", shape=_extreme_rule("reduce_max"), impl=lambda xp, x, *, axes, nan_ties=False: x.max(axis=axes),
    vjp=[_extreme_vjp], jvp=[_extreme_jvp],
    doc="Maximum over ``axes`` (removed from the shape), as torch.amax: NaN propagates and the "
        "gradient is split evenly among tied maxima. A primitive: no composite form.",
)
reduce_min_p = defop(
    "reduce_min", shape=_extreme_rule("reduce_min"), impl=lambda xp, x, *, axes, nan_ties=False: x.min(axis=axes),
    vjp=[_extreme_vjp], jvp=[_extreme_jvp],
    doc="Minimum over ``axes`` (removed from the shape), as torch.amin: NaN propagates and the "
        "gradient is split evenly among tied minima. A primitive: no composite form.",
)


def _arg_shape(op: str):
    def rule(x: TensorType, *, axis: int) -> TensorType:
        if x.dtype.kind not in "fi":
            raise DTypeError(f"{op}: expected a float or int64 tensor, got {x.dtype.name}")
        _check_axes(op, x, (axis,))
        return TensorType(x.shape[:axis] + x.shape[axis + 1:], int64)

    return rule


argmax_p = defop(
    "argmax", shape=_arg_shape("argmax"),
    impl=lambda xp, x, *, axis: xp.argmax(x, axis=axis).astype(xp.int64),
    vjp=[None], jvp=[None],
    doc="Index (int64) of the first maximum along one axis (a NaN is the maximum, as PyTorch). "
        "Integer-valued: not differentiable.",
)
argmin_p = defop(
    "argmin", shape=_arg_shape("argmin"),
    impl=lambda xp, x, *, axis: xp.argmin(x, axis=axis).astype(xp.int64),
    vjp=[None], jvp=[None],
    doc="Index (int64) of the first minimum along one axis (a NaN is the minimum, as PyTorch). "
        "Integer-valued: not differentiable.",
)


def _cumsum_shape(x: TensorType, *, axis: int, reverse: bool) -> TensorType:
    if x.dtype.kind not in "fi":
        raise DTypeError(f"cumsum: expected a float or int64 tensor, got {x.dtype.name}")
    if not isinstance(axis, int) or not 0 <= axis < max(x.ndim, 1) or (x.ndim == 0 and axis != 0):
        raise ShapeError(f"cumsum: axis {axis!r} is out of range for shape {x.shape}")
    if not isinstance(reverse, bool):
        raise ShapeError(f"cumsum: reverse must be a bool, got {reverse!r}")
    return x


def _cumsum_impl(xp, x, *, axis, reverse):
    if x.ndim == 0:
        return x.copy()
    if reverse:
        return xp.flip(xp.cumsum(xp.flip(x, axis), axis=axis), axis)
    return xp.cumsum(x, axis=axis)


cumsum_p = defop(
    "cumsum", shape=_cumsum_shape, impl=_cumsum_impl,
    vjp=[lambda ops, g, out, x, *, axis, reverse: ops.cumsum(g, axis, reverse=not reverse)],
    jvp=[lambda ops, t, out, x, *, axis, reverse: ops.cumsum(t, axis, reverse=reverse)],
    doc="Running sum along one axis (``reverse``: from the end), sequential as torch.cumsum. A "
        "primitive: a composite needs O(log n) passes; the two directions are each other's VJP.",
)
