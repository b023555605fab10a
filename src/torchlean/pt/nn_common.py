"""Argument helpers shared by the nn family's PyTorch-shaped functions (``pt/nn_*.py``).

Each helper checks one argument and raises a ``TorchLeanError`` naming the function and the
argument before anything is recorded; none touches data.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._core.errors import ArgumentError, DTypeError, ShapeError
from .._core.shapes import broadcast_shapes, is_int
from .dispatch import tensor

REDUCTIONS = ("none", "mean", "sum")


def float_tensor(op: str, what: str, v: Any) -> Any:
    """``v`` if it is a float torchlean tensor, else a ``TorchLeanError`` naming the argument."""
    v = tensor(op, what, v)
    if v.dtype.kind != "f":
        raise DTypeError(f"{op}: {what} must be a float tensor (float32 or float64), got {v.dtype.name}")
    return v


def optional_float_tensor(op: str, what: str, v: Any, dtype: Any) -> Any:
    """None, or a float tensor of ``dtype`` (the input's)."""
    if v is None:
        return None
    v = float_tensor(op, what, v)
    if v.dtype != dtype:
        raise DTypeError(f"{op}: {what} is {v.dtype.name} but the input is {dtype.name} "
                         "(torchlean never mixes float precisions)")
    return v


def same_dtype(op: str, x: Any, what: str, y: Any) -> None:
    if y.dtype != x.dtype:
        raise DTypeError(f"{op}: input is {x.dtype.name} but {what} is {y.dtype.name} "
                         "(torchlean never mixes float precisions)")


def number(op: str, what: str, v: Any, *, lo: float | None = None, hi: float | None = None,
           lo_open: bool = False, finite: bool = True) -> float:
    """A real number argument (Python or NumPy, not bool) as a float, range-checked."""
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise ArgumentError(f"{op}: {what} must be a number, got {v!r}")
    f = float(v)
    if math.isnan(f) or (finite and math.isinf(f)):
        raise ArgumentError(f"{op}: {what} must be a finite number, got {v!r}")
    if lo is not None and (f < lo or (lo_open and f == lo)):
        raise ArgumentError(f"{op}: {what} must be {'>' if lo_open else '>='} {lo}, got {v!r}")
    if hi is not None and f > hi:
        raise ArgumentError(f"{op}: {what} must be <= {hi}, got {v!r}")
    return f


def integer(op: str, what: str, v: Any) -> int:
    if not is_int(v):
        raise ArgumentError(f"{op}: {what} must be an int, got {v!r}")
    return int(v)


def flag(op: str, what: str, v: Any) -> bool:
    """A bool argument (Python or NumPy bool, or the ints 0/1 PyTorch also takes)."""
    if isinstance(v, (bool, np.bool_)) or (is_int(v) and int(v) in (0, 1)):
        return bool(v)
    raise ArgumentError(f"{op}: {what} must be a bool, got {v!r}")


def shape_arg(op: str, what: str, v: Any) -> tuple[int, ...]:
    """A normalized_shape: an int or a sequence of positive ints (at least one)."""
    dims = (v,) if is_int(v) else v
    if not isinstance(dims, Sequence) or isinstance(dims, (str, bytes)) or not dims \
            or any(not is_int(d) or int(d) < 1 for d in dims):
        raise ArgumentError(f"{op}: {what} must be an int or a non-empty sequence of positive ints, "
                            f"got {v!r}")
    return tuple(int(d) for d in dims)


def reduction_of(op: str, reduction: Any, size_average: Any = None, reduce: Any = None,
                 extra: tuple[str, ...] = ()) -> str:
    """The reduction mode; PyTorch's deprecated ``size_average``/``reduce`` pair, when either is
    given, decides it as ``torch.nn._reduction.legacy_get_string`` does."""
    if size_average is not None or reduce is not None:
        avg = True if size_average is None else bool(size_average)
        red = True if reduce is None else bool(reduce)
        return "mean" if avg and red else ("sum" if red else "none")
    modes = (*REDUCTIONS, *extra)
    if not isinstance(reduction, str) or reduction not in modes:
        raise ArgumentError(f"{op}: reduction must be one of {', '.join(map(repr, modes))}, "
                            f"got {reduction!r}")
    return reduction


def reduce_loss(ops: Any, loss: Any, reduction: str) -> Any:
    """``loss`` unchanged ('none'), summed ('sum') or averaged over every element ('mean')."""
    if reduction == "none":
        return loss
    if reduction == "sum":
        return ops.sum(loss)
    return ops.mean(loss)


def broadcast_pair(op: str, ops: Any, a: Any, b: Any) -> tuple[Any, Any]:
    """``torch.broadcast_tensors(a, b)``: both at their common (right-aligned) shape."""
    sa, sb = ops.shape_of(a), ops.shape_of(b)
    if sa == sb:
        return a, b
    shape = broadcast_shapes(op, sa, sb)
    return ops.broadcast_to(a, shape), ops.broadcast_to(b, shape)


def broadcast_to_shape(op: str, ops: Any, what: str, v: Any, shape: tuple[int, ...]) -> Any:
    """``v`` broadcast (right-aligned) to ``shape``; ``ShapeError`` naming ``what`` otherwise."""
    sv = ops.shape_of(v)
    if sv == shape:
        return v
    try:
        if broadcast_shapes(op, sv, shape) != shape:
            raise ShapeError("")
    except ShapeError:
        raise ShapeError(f"{op}: {what} of shape {sv} does not broadcast to {shape}") from None
    return ops.broadcast_to(v, shape)


def along_axis(ops: Any, v: Any, shape: tuple[int, ...], axis: int) -> Any:
    """A per-channel vector ``v`` (shape[axis],) laid along ``axis`` of ``shape``."""
    return ops.broadcast_to(v, shape, axes=(axis,))


def check_vector(op: str, what: str, v: Any, n: int) -> None:
    if v is not None and tuple(v.shape) != (n,):
        raise ShapeError(f"{op}: expected {what} of shape ({n},), got {tuple(v.shape)}")
