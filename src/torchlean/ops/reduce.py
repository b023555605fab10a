"""Reductions and the softmax family.

Reductions drop the reduced axes (the seed's ``shapeAfterSum``); the front end adds
``keepdims`` with a reshape. Softmax and log-softmax are primitives for numerical stability
(max-shifted), along one axis, the last by default as in the seed.
"""

from __future__ import annotations

from .._core.errors import DTypeError, ShapeError
from .._core.registry import defop, set_impl_out
from .._core.types import TensorType


def _reduce_shape(op: str, numeric: bool = False):
    def rule(x: TensorType, *, axes: tuple[int, ...]) -> TensorType:
        if x.dtype.kind not in ("fi" if numeric else "f"):
            want = "a float or int64" if numeric else "a float"
            raise DTypeError(f"{op}: expected {want} tensor, got {x.dtype.name}")
        for a in axes:
            if not 0 <= a < x.ndim:
                raise ShapeError(f"{op}: axis {a} is out of range for shape {x.shape}")
        return TensorType(tuple(d for i, d in enumerate(x.shape) if i not in axes), x.dtype)

    return rule


def _kept_axes(ndim: int, axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(i for i in range(ndim) if i not in axes)


def _reduce_sum_vjp(ops, g, out, x, *, axes):
    t = ops.type_of(x)
    return ops.broadcast_to(g, t.shape, axes=_kept_axes(t.ndim, axes))


reduce_sum_p = defop(
    "reduce_sum", shape=_reduce_shape("reduce_sum", numeric=True),
    impl=lambda xp, x, *, axes: x.sum(axis=axes),
    vjp=[_reduce_sum_vjp], jvp=[lambda ops, t, out, x, *, axes: ops.reduce_sum(t, axes)],
    doc="Sum over ``axes`` (a sorted tuple), which are removed from the shape.",
)


def _axis_shape(op: str):
    def rule(x: TensorType, *, axis: int) -> TensorType:
        if x.dtype.kind != "f":
            raise DTypeError(f"{op}: expected a float tensor, got {x.dtype.name}")
        if x.ndim and not 0 <= axis < x.ndim:
            raise ShapeError(f"{op}: axis {axis} is out of range for shape {x.shape}")
        return x

    return rule


def _softmax_impl(xp, x, *, axis):
    if x.ndim == 0:
        return xp.ones_like(x)
    if x.shape[axis] == 0:
        return x.copy()
    e = xp.exp(x - x.max(axis=axis, keepdims=True))
    e /= e.sum(axis=axis, keepdims=True)
    return e


def _log_softmax_impl(xp, x, *, axis):
    if x.ndim == 0:
        return xp.zeros_like(x)
    if x.shape[axis] == 0:
        return x.copy()
    z = x - x.max(axis=axis, keepdims=True)
    z -= xp.log(xp.exp(z).sum(axis=axis, keepdims=True))
    return z


def _sum_back(ops, v, axis):
    """sum over ``axis`` broadcast back to v's shape (a keepdims sum)."""
    t = ops.type_of(v)
    if t.ndim == 0:
        return v
    return ops.broadcast_to(ops.reduce_sum(v, (axis,)), t.shape,
                            axes=_kept_axes(t.ndim, (axis,)))


def _softmax_lin(ops, v, out, axis):
    # The softmax Jacobian is symmetric: J v = out * (v - <v, out>) serves VJP and JVP alike.
    return ops.mul(out, ops.sub(v, _sum_back(ops, ops.mul(v, out), axis)))


softmax_p = defop(
    "softmax", shape=_axis_shape("softmax"), impl=_softmax_impl,
    vjp=[lambda ops, g, out, x, *, axis: _softmax_lin(ops, g, out, axis)],
    jvp=[lambda ops, t, out, x, *, axis: _softmax_lin(ops, t, out, axis)],
    doc="Max-shifted softmax along one axis; a scalar gives 1.",
)
log_softmax_p = defop(
    "log_softmax", shape=_axis_shape("log_softmax"), impl=_log_softmax_impl,
    vjp=[lambda ops, g, out, x, *, axis: ops.sub(g, ops.mul(ops.exp(out), _sum_back(ops, g, axis)))],
    jvp=[lambda ops, t, out, x, *, axis: ops.sub(t, _sum_back(ops, ops.mul(ops.exp(out), t), axis))],
    doc="x - max - log(sum(exp(x - max))) along one axis; a scalar gives 0.",
)


# ----- out-variants (the compiled path writes into preallocated buffers) ----------------------
def _softmax_out(xp, out, x, *, axis):
    if x.ndim == 0 or x.shape[axis] == 0:
        out[...] = _softmax_impl(xp, x, axis=axis)
        return out
    xp.subtract(x, x.max(axis=axis, keepdims=True), out=out)
    xp.exp(out, out=out)
    out /= out.sum(axis=axis, keepdims=True)
    return out


set_impl_out(reduce_sum_p, lambda xp, out, x, *, axes: x.sum(axis=axes, out=out))
set_impl_out(softmax_p, _softmax_out)
