"""Concatenation and slicing along one axis.

``slice(x, axis, start, stop, step)`` keeps ``x[start:stop:step]`` along ``axis`` (``step``
defaults to 1 and is then left out of the params, as the seed's slice has none); its transpose
``slice_transpose(g, axis, start, size, step)`` zero-fills a length-``size`` axis and puts ``g``
at ``start, start + step, ...``. Each is the other's VJP, and ``concat``'s VJP is two slices (its
JVP two zero-pads), so the three are closed under differentiation. Axis permutations are the
``transpose`` primitive (``ops/movement.py``).
"""

from __future__ import annotations

from .._core.errors import DTypeError, ShapeError
from .._core.registry import defop, set_impl_out
from .._core.types import TensorType, check_float


def _check_axis(op: str, axis: int, t: TensorType) -> None:
    if not isinstance(axis, int) or not 0 <= axis < t.ndim:
        raise ShapeError(f"{op}: axis {axis!r} is out of range for shape {t.shape}")


def _index(axis: int, start: int, stop: int, step: int = 1) -> tuple[slice, ...]:
    return (slice(None),) * axis + (slice(start, stop, step if step != 1 else None),)


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def extent(m: int, step: int) -> int:
    """Length of the range ``start, start + step, ..., start + (m - 1) * step`` (0 if m = 0)."""
    return (m - 1) * step + 1 if m else 0


def _slice_shape(x: TensorType, *, axis: int, start: int, stop: int, step: int = 1) -> TensorType:
    _check_axis("slice", axis, x)
    n = x.shape[axis]
    if not (_is_int(start) and _is_int(stop) and 0 <= start <= stop <= n):
        raise ShapeError(f"slice: expected 0 <= start <= stop <= {n} on axis {axis} of {x.shape}, "
                         f"got start={start!r}, stop={stop!r}")
    if not _is_int(step) or step < 1:
        raise ShapeError(f"slice: step must be a positive int, got {step!r}")
    m = (stop - start + step - 1) // step
    return TensorType((*x.shape[:axis], m, *x.shape[axis + 1:]), x.dtype)


def _slice_transpose_shape(g: TensorType, *, axis: int, start: int, size: int, step: int = 1) -> TensorType:
    check_float("slice_transpose", g)
    _check_axis("slice_transpose", axis, g)
    m = g.shape[axis]
    if not _is_int(step) or step < 1:
        raise ShapeError(f"slice_transpose: step must be a positive int, got {step!r}")
    if not (_is_int(start) and _is_int(size) and start >= 0 and start + extent(m, step) <= size):
        raise ShapeError(f"slice_transpose: expected 0 <= start and start + {extent(m, step)} <= size on "
                         f"axis {axis} of {g.shape} (step {step}), got start={start!r}, size={size!r}")
    return TensorType((*g.shape[:axis], size, *g.shape[axis + 1:]), g.dtype)


def _slice_transpose_impl(xp, g, *, axis, start, size, step=1):
    out = xp.zeros((*g.shape[:axis], size, *g.shape[axis + 1:]), g.dtype)
    out[_index(axis, start, start + extent(g.shape[axis], step), step)] = g
    return out


def _slice_vjp(ops, g, out, x, *, axis, start, stop, step=1):
    return ops.slice_transpose(g, axis, start, ops.shape_of(x)[axis], step)


def _slice_transpose_vjp(ops, g, out, x, *, axis, start, size, step=1):
    return ops.slice(g, axis, start, start + extent(ops.shape_of(x)[axis], step), step)


slice_p = defop(
    "slice", shape=_slice_shape,
    impl=lambda xp, x, *, axis, start, stop, step=1: x[_index(axis, start, stop, step)],
    vjp=[_slice_vjp],
    jvp=[lambda ops, t, out, x, *, axis, start, stop, step=1: ops.slice(t, axis, start, stop, step)],
    doc="x[start:stop:step] along one axis (0 <= start <= stop <= n, step >= 1; a view). "
        "Primitive: a composite would need a gather, which costs an index tensor and a copy.",
)

slice_transpose_p = defop(
    "slice_transpose", shape=_slice_transpose_shape, impl=_slice_transpose_impl,
    vjp=[_slice_transpose_vjp],
    jvp=[lambda ops, t, out, x, *, axis, start, size, step=1:
         ops.slice_transpose(t, axis, start, size, step)],
    doc="Zero-fill a length-size axis and put g at start, start + step, ...: the transpose of "
        "slice (its VJP).",
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
def _slice_transpose_out(xp, out, g, *, axis, start, size, step=1):
    out.fill(0)
    out[_index(axis, start, start + extent(g.shape[axis], step), step)] = g
    return out


set_impl_out(slice_transpose_p, _slice_transpose_out)
set_impl_out(concat_p, lambda xp, out, a, b, *, axis: xp.concatenate((a, b), axis=axis, out=out))
