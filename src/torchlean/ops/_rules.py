"""Shape-rule builders shared by the op families."""

from __future__ import annotations

from collections.abc import Callable

from .._core.errors import DTypeError, ShapeError
from .._core.types import TensorType


def unary_float(op: str) -> Callable[..., TensorType]:
    """Rule of a float -> float elementwise op: the output type is the input type."""

    def rule(x: TensorType, **_: object) -> TensorType:
        if x.dtype.kind != "f":
            raise DTypeError(f"{op}: expected a float tensor, got {x.dtype.name}")
        return x

    rule.float_identity = 1  # type: ignore[attr-defined]  # see Primitive.float_identity
    return rule


def binary_float(op: str) -> Callable[..., TensorType]:
    """Rule of an elementwise binary op: equal shapes (the front end broadcasts), one float dtype."""

    def rule(a: TensorType, b: TensorType) -> TensorType:
        if a == b and a.dtype.kind == "f":
            return a
        if a.shape != b.shape:
            raise ShapeError(f"{op}: operands must have equal shapes after broadcasting, "
                             f"got {a.shape} and {b.shape}")
        raise DTypeError(f"{op}: expected one float dtype, got {a.dtype.name} and {b.dtype.name}")

    rule.float_identity = 2  # type: ignore[attr-defined]
    return rule


def unary_numeric(op: str) -> Callable[..., TensorType]:
    """Rule of an elementwise op on float or int64 tensors (not bool): the type is kept.

    A Python-number param ``c`` must be an int for an int64 tensor (the front end casts an
    integer tensor to float before combining it with a float number, as PyTorch promotes)."""

    def rule(x: TensorType, **params: object) -> TensorType:
        if x.dtype.kind == "f":
            return x
        if x.dtype.kind != "i":
            raise DTypeError(f"{op}: expected a float or int64 tensor, got {x.dtype.name}")
        c = params.get("c")
        if x.dtype.kind == "i" and c is not None and not isinstance(c, int):
            raise DTypeError(f"{op}: an int64 tensor takes an int constant, got {c!r}")
        return x

    rule.float_identity = 1  # type: ignore[attr-defined]
    return rule


def binary_numeric(op: str) -> Callable[..., TensorType]:
    """Rule of an elementwise binary op on equal shapes and one float or int64 dtype."""

    def rule(a: TensorType, b: TensorType) -> TensorType:
        if a == b and a.dtype.kind in "fi":
            return a
        if a.shape != b.shape:
            raise ShapeError(f"{op}: operands must have equal shapes after broadcasting, "
                             f"got {a.shape} and {b.shape}")
        raise DTypeError(f"{op}: expected one float or int64 dtype, got {a.dtype.name} and {b.dtype.name}")

    rule.float_identity = 2  # type: ignore[attr-defined]
    return rule
