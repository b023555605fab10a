"""Binder hooks shared by every ``Ops`` mixin.

A binder (the eager session, the graph tracer, the plain-array binder used by eager backward)
implements four hooks: ``bind`` (apply a primitive), ``type_of``, ``shape_of`` and ``lift``
(make a constant). The op families in this package are mixins written against these hooks.
"""

from __future__ import annotations

from typing import Any

from .._core.registry import Primitive
from .._core.shapes import broadcast_shapes
from .._core.types import TensorType, float32

_SCALARS = (int, float, bool)


def is_scalar(v: Any) -> bool:
    """Python numbers act as constants in arithmetic (not NumPy scalars: those are 0-d tensors)."""
    return type(v) in _SCALARS


def scalar_value(op: str, v: Any) -> float:
    """A Python number operand as a float; ``ArgumentError`` for an int beyond float64."""
    if v.__class__ is float:
        return v
    try:
        return float(v)
    except OverflowError:
        from .._core.errors import ArgumentError

        raise ArgumentError(f"{op}: the scalar {v!r:.40} does not fit in float64") from None


class OpsBase:
    """The four binder hooks and the broadcasting helper every op family uses."""

    dtype: Any = float32  # default float dtype of constants made from Python data

    # -- binder hooks ----------------------------------------------------------------------
    def bind(self, prim: Primitive, *args: Any, **params: Any) -> Any:
        raise NotImplementedError

    def type_of(self, x: Any) -> TensorType:
        raise NotImplementedError

    def shape_of(self, x: Any) -> tuple[int, ...]:
        return self.type_of(x).shape

    def lift(self, value: Any, dtype: Any = None) -> Any:
        """A constant (no gradient) holding ``value``."""
        raise NotImplementedError

    def rng_input(self) -> tuple[Any, int, int]:
        """``(counter tensor, seed, offset)`` for the next random op; advances the stream."""
        from .._core.errors import TorchLeanError

        raise TorchLeanError(f"{type(self).__name__} has no random stream")

    def const(self, value: Any, dtype: Any = None) -> Any:
        """A constant (seed ``const``): recorded as a leaf that never requires a gradient."""
        return self.lift(value, dtype)

    # -- helpers ---------------------------------------------------------------------------
    def _pair(self, op: str, x: Any, y: Any) -> tuple[Any, Any]:
        """Turn Python scalars into constants and broadcast both operands to one shape.

        The dtypes are checked first, so that nothing is recorded for an op that will fail."""
        types = [self.type_of(v).dtype for v in (x, y) if not is_scalar(v)]
        if any(t.kind != "f" or t != types[0] for t in types):
            from .._core.errors import DTypeError

            raise DTypeError(f"{op}: expected one float dtype, got {' and '.join(t.name for t in types)}")
        if is_scalar(x):
            x = self.lift(scalar_value(op, x), self.type_of(y).dtype)
        elif is_scalar(y):
            y = self.lift(scalar_value(op, y), self.type_of(x).dtype)
        sx, sy = self.shape_of(x), self.shape_of(y)
        if sx == sy:
            return x, y
        shape = broadcast_shapes(op, sx, sy)
        return self.broadcast_to(x, shape), self.broadcast_to(y, shape)
