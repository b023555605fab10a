"""Binder hooks shared by every ``Ops`` mixin.

A binder (the eager session, the graph tracer, the plain-array binder used by eager backward)
implements four hooks: ``bind`` (apply a primitive), ``type_of``, ``shape_of`` and ``lift``
(make a constant). The op families in this package are mixins written against these hooks.
"""

from __future__ import annotations

from typing import Any

from .._core.registry import Primitive
from .._core.shapes import broadcast_shapes
from .._core.types import TensorType, bool_, float32, int64

_SCALARS = (int, float, bool)


def is_scalar(v: Any) -> bool:
    """Python numbers act as constants in arithmetic (not NumPy scalars: those are 0-d tensors)."""
    return type(v) in _SCALARS


def scalar_value(op: str, v: Any) -> float:
    """A Python or NumPy real number as a float (``DTypeError`` for anything else: strings,
    complex, arrays; ``ArgumentError`` for an int beyond float64)."""
    if v.__class__ is float:
        return v
    from .._core import convert

    return convert.scalar(v, op)


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
    def _pair(self, op: str, x: Any, y: Any, mode: str = "arith") -> tuple[Any, Any]:
        """Operands of an elementwise binary op: one dtype, one shape.

        Python numbers become constants; dtypes are promoted as PyTorch does (bool < int64 <
        float; a Python float makes an integer operand float, in the binder's float dtype);
        float32 with float64 is an error (torchlean never mixes float precisions). ``mode``
        is ``"arith"`` (bool operands count as int64), ``"float"`` (the result is a float
        dtype: true division) or ``"any"`` (comparisons: bool stays bool). Everything is
        checked before anything is recorded."""
        from .._core.errors import DTypeError

        sx, sy = is_scalar(x), is_scalar(y)
        if sx and sy:
            raise DTypeError(f"{op}: at least one operand must be a tensor, got two Python numbers")
        tensors = [v for v, s in ((x, sx), (y, sy)) if not s]
        dts = [self.type_of(v).dtype for v in tensors]
        floats = {d for d in dts if d.kind == "f"}
        if len(floats) > 1:
            raise DTypeError(f"{op}: operands are float32 and float64; cast one explicitly "
                             "(torchlean never mixes float precisions)")
        scalar = x if sx else (y if sy else None)
        if scalar is not None:
            scalar_value(op, scalar)  # refuses ints beyond float64 before anything is recorded
        skind = None if scalar is None else ("b" if isinstance(scalar, bool) else
                                             "i" if isinstance(scalar, int) else "f")
        if floats:
            target = floats.pop()
        elif skind == "f" or mode == "float":
            target = self.dtype
        elif any(d.kind in "iu" for d in dts) or skind == "i" or mode == "arith":
            target = int64
        else:
            target = bool_
        xs = []
        for v, s in ((x, sx), (y, sy)):
            if s:
                v = self.lift(_scalar_as(op, v, target), target)
            elif self.type_of(v).dtype != target:
                v = self.cast(v, target)
            xs.append(v)
        x, y = xs
        shx, shy = self.shape_of(x), self.shape_of(y)
        if shx == shy:
            return x, y
        shape = broadcast_shapes(op, shx, shy)
        return self.broadcast_to(x, shape), self.broadcast_to(y, shape)


def _scalar_as(op: str, v: Any, dtype: Any) -> Any:
    """A Python number as a value of ``dtype`` (an int beyond int64, or a finite float beyond
    the float dtype's range, raises: PyTorch's "cannot be converted without overflow")."""
    if dtype.kind == "f":
        f = scalar_value(op, v)
        from .._core.convert import scalar_fits

        scalar_fits(op, "value", f, dtype)
        return f
    if dtype.kind == "b":
        return bool(v)
    v = int(v)
    if not -(1 << 63) <= v < (1 << 63):
        from .._core.errors import ArgumentError

        raise ArgumentError(f"{op}: the scalar {v!r:.40} does not fit in int64")
    return v
