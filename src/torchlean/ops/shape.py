"""Concatenation and slicing along one axis.

``slice(x, axis, start, stop)`` keeps ``x[start:stop]`` along ``axis``; its transpose
``slice_transpose(g, axis, start, size)`` zero-pads ``g`` back into a length-``size`` axis.
Each is the other's VJP, and ``concat``'s VJP is two slices (its JVP two zero-pads), so the
three are closed under differentiation. Axis permutations are the ``transpose`` primitive
(``ops/movement.py``).
"""

from __future__ import annotations

from .._core.errors import DTypeError, ShapeError
from .._core.registry import defop, set_impl_out
from .._core.types import TensorType, check_float


def _check_axis(op: str, axis: int, t: TensorType) -> None:
    if not isinstance(axis, int) or not 0 <= axis < t.ndim:
        raise ShapeError(f"{op}: axis {axis!r} is out of range for shape {t.shape}")


def _index(axis: int, start: int, stop: int) -> tuple[slice, ...]:
    return (slice(None),) * axis + (slice(start, stop),)


def _slice_shape(x: TensorType, *, axis: int, start: int, stop: int) -> TensorType:
    _check_axis("slice", axis, x)
    n = x.shape[axis]
    if not (isinstance(start, int) and isinstance(stop, int) and 0 <= start <= stop <= n):
        raise ShapeError(f"slice: expected 0 <= start <= stop <= {n} on axis {axis} of {x.shape}, "
                         f"got start={start!r}, stop={stop!r}")
    return TensorType((*x.shape[:axis], stop - start, *x.shape[axis + 1:]), x.dtype)


def _slice_transpose_shape(g: TensorType, *, axis: int, start: int, size: int) -> TensorType:
    check_float("slice_transpose", g)
    _check_axis("slice_transpose", axis, g)
    m = g.shape[axis]
    if not (isinstance(start, int) and isinstance(size, int) and start >= 0 and start + m <= size):
        raise ShapeError(f"slice_transpose: expected 0 <= start and start + {m} <= size on axis "
                         f"{axis} of {g.shape}, got start={start!r}, size={size!r}")
    return TensorType((*g.shape[:axis], size, *g.shape[axis + 1:]), g.dtype)


def _slice_transpose_impl(xp, g, *, axis, start, size):
    out = xp.zeros((*g.shape[:axis], size, *g.shape[axis + 1:]), g.dtype)
    out[_index(axis, start, start + g.shape[axis])] = g
    return out


slice_p = defop(
    "slice", shape=_slice_shape,
    impl=lambda xp, x, *, axis, start, stop: x[_index(axis, start, stop)],
    vjp=[lambda ops, g, out, x, *, axis, start, stop:
         ops.slice_transpose(g, axis, start, ops.shape_of(x)[axis])],
    jvp=[lambda ops, t, out, x, *, axis, start, stop: ops.slice(t, axis, start, stop)],
    doc="x[start:stop] along one axis (0 <= start <= stop <= n; a view). Primitive: a composite "
        "would need a gather, which costs an index tensor and a copy.",
)

slice_transpose_p = defop(
    "slice_transpose", shape=_slice_transpose_shape, impl=_slice_transpose_impl,
    vjp=[lambda ops, g, out, x, *, axis, start, size:
         ops.slice(g, axis, start, start + ops.shape_of(x)[axis])],
    jvp=[lambda ops, t, out, x, *, axis, start, size: ops.slice_transpose(t, axis, start, size)],
    doc="Zero-pad g into a length-size axis at offset start: the transpose of slice (its VJP).",
)


def _concat_shape(a: TensorType, b: TensorType, *, axis: int) -> TensorType:
    if a.dtype != b.dtype:
        raise DTypeError(f"concat: operands must share one dtype, got {a.dtype.name} and {b.dtype.name}")
    _check_axis("concat", axis, a)
    if a.ndim != b.ndim or a.shape[:axis] != b.shape[:axis] or a.shape[axis + 1:] != b.shape[axis + 1:]:
        raise ShapeError(f"concat: shapes must agree except on axis {axis}, got {a.shape} and {b.shape}")
    return TensorType((*a.shape[:axis], a.shape[axis] + b.shape[axis], *a.shape[axis + 1:]), a.dtype)


def _concat_vjp(which: int):
    def rule(ops, g, out, a, b, *, axis):
        na = ops.shape_of(a)[axis]
        if which == 0:
            return ops.slice(g, axis, 0, na)
        return ops.slice(g, axis, na, ops.shape_of(g)[axis])

    return rule


def _concat_jvp(which: int):
    def rule(ops, t, out, a, b, *, axis):
        size = ops.shape_of(out)[axis]
        return ops.slice_transpose(t, axis, 0 if which == 0 else ops.shape_of(a)[axis], size)

    return rule


concat_p = defop(
    "concat", shape=_concat_shape,
    impl=lambda xp, a, b, *, axis: xp.concatenate((a, b), axis=axis),
    vjp=[_concat_vjp(0), _concat_vjp(1)], jvp=[_concat_jvp(0), _concat_jvp(1)],
    doc="Concatenate two tensors along one axis (other axes equal). Primitive: one copy, where "
        "a composite would pad both operands and add.",
)


# ----- out-variants (the compiled path writes into preallocated buffers) ----------------------
def _slice_transpose_out(xp, out, g, *, axis, start, size):
    out.fill(0)
    out[_index(axis, start, start + g.shape[axis])] = g
    return out


set_impl_out(slice_transpose_p, _slice_transpose_out)
set_impl_out(concat_p, lambda xp, out, a, b, *, axis: xp.concatenate((a, b), axis=axis, out=out))
