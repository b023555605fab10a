"""Sorting primitive: ``argsort(x, axis, descending)``, the permutation that sorts one axis.

The output is int64 of ``x``'s shape; it is not differentiable (an index output: VJP and JVP
are None). Sorted values are ``take_along(x, argsort(x))``, whose gradient scatters back through
the indices, so ``sort``/``topk``/``kthvalue``/``median``/``mode`` (``pt/sorting.py``) need no
other primitive.

Order: always **stable** (ties keep their index order, torch's ``stable=True``), in both
directions: descending reverses the axis, sorts stably ascending and maps the positions back, so
equal values still appear in increasing index order. NaN is larger than every number, as in
torch (last ascending, first descending). Bool and int64 inputs sort too.
"""

from __future__ import annotations

from .._core.errors import DTypeError, ShapeError
from .._core.registry import defop
from .._core.types import TensorType, int64


def _argsort_shape(x: TensorType, *, axis: int, descending: bool = False) -> TensorType:
    if x.dtype.kind not in "fiub":
        raise DTypeError(f"argsort: expected a float, int64 or bool tensor, got {x.dtype.name}")
    if not isinstance(axis, int) or isinstance(axis, bool) or not 0 <= axis < x.ndim:
        raise ShapeError(f"argsort: axis {axis!r} is out of range for shape {x.shape}")
    if descending.__class__ is not bool:
        raise ShapeError(f"argsort: descending must be a bool, got {descending!r}")
    return TensorType(x.shape, int64)


def _stable(xp):
    # NumPy needs kind="stable"; CuPy's argsort is always stable and takes only kind=None
    return "stable" if xp.__name__.startswith("numpy") else None


def _argsort_impl(xp, x, *, axis, descending=False):
    if not descending:
        return xp.argsort(x, axis=axis, kind=_stable(xp)).astype(xp.int64, copy=False)
    n = x.shape[axis]
    rev = xp.flip(x, axis=axis)
    idx = xp.flip(xp.argsort(rev, axis=axis, kind=_stable(xp)), axis=axis)
    return (n - 1 - idx).astype(xp.int64, copy=False)


argsort_p = defop(
    "argsort", shape=_argsort_shape, impl=_argsort_impl, vjp=[None], jvp=[None],
    doc="int64 indices that sort x along one axis, stably (ties in index order, in either "
        "direction; NaN largest). Primitive: no composite of the other ops sorts. Not "
        "differentiable: sorted values are take_along(x, argsort(x)).",
)
