"""Comparisons and casts (primitives in ``ops/compare.py``).

``eq ne lt le gt ge`` broadcast their operands (right-aligned, as PyTorch), accept a Python
number on either side and give a bool tensor. Operands of different kinds are promoted as
PyTorch does: bool < int64 < float; a float scalar against an integer tensor compares in the
session's float dtype (``labels > 0.5`` is exact). float32 against float64 is an error, as in
every torchlean op.
"""

from __future__ import annotations

from typing import Any

from .. import ops as _ops  # noqa: F401  (registers every primitive)
from .._core.registry import REGISTRY
from .._core.types import as_dtype, bool_, int64
from .base import OpsBase, _scalar_as, is_scalar

P = REGISTRY


class CompareOps(OpsBase):
    """Comparisons, casts and the tie rule of maximum/minimum."""

    def _cmp(self, name: str, x: Any, y: Any) -> Any:
        return self.bind(P[name], *self._pair(name, x, y, "any"))

    def eq(self, x: Any, y: Any) -> Any:
        """x == y elementwise (bool), with broadcasting."""
        return self._cmp("eq", x, y)

    def ne(self, x: Any, y: Any) -> Any:
        """x != y elementwise (bool), with broadcasting."""
        return self._cmp("ne", x, y)

    def lt(self, x: Any, y: Any) -> Any:
        """x < y elementwise (bool), with broadcasting."""
        return self._cmp("lt", x, y)

    def le(self, x: Any, y: Any) -> Any:
        """x <= y elementwise (bool), with broadcasting."""
        return self._cmp("le", x, y)

    def gt(self, x: Any, y: Any) -> Any:
        """x > y elementwise (bool), with broadcasting."""
        return self._cmp("gt", x, y)

    def ge(self, x: Any, y: Any) -> Any:
        """x >= y elementwise (bool), with broadcasting."""
        return self._cmp("ge", x, y)

    # -- bitwise / logical -----------------------------------------------------------------
    def _bitwise(self, name: str, x: Any, y: Any) -> Any:
        a, b = self._pair(name, x, y, "any")
        if self.type_of(a).dtype.kind == "f":
            from .._core.errors import DTypeError

            raise DTypeError(f"{name}: expected bool or integer operands, got float")
        return self.bind(P[name], a, b)

    def bitwise_and(self, x: Any, y: Any) -> Any:
        """x & y: logical and of bools, bitwise and of int64 (broadcasting)."""
        return self._bitwise("bitwise_and", x, y)

    def bitwise_or(self, x: Any, y: Any) -> Any:
        """x | y: logical or of bools, bitwise or of int64 (broadcasting)."""
        return self._bitwise("bitwise_or", x, y)

    def bitwise_xor(self, x: Any, y: Any) -> Any:
        """x ^ y: logical xor of bools, bitwise xor of int64 (broadcasting)."""
        return self._bitwise("bitwise_xor", x, y)

    def bitwise_not(self, x: Any) -> Any:
        """~x: logical not of a bool tensor, bitwise not of an int64 one."""
        return self.bind(P["bitwise_not"], x)

    logical_and, logical_or, logical_xor = bitwise_and, bitwise_or, bitwise_xor

    def logical_not(self, x: Any) -> Any:
        """Not of ``x != 0`` (any dtype), a bool tensor."""
        return self.bitwise_not(self.cast(x, "bool"))

    # -- where -----------------------------------------------------------------------------
    def where(self, cond: Any, x: Any, y: Any) -> Any:
        """``x`` where ``cond`` else ``y`` (``torch.where``): the three broadcast together,
        Python numbers are lifted, the branches promoted to one dtype; ``cond`` is a bool
        tensor (or anything, compared with 0). Only the chosen branch gets a gradient."""
        from .._core.shapes import broadcast_shapes

        if self.type_of(cond).dtype != bool_:
            cond = self.cast(cond, "bool")
        if is_scalar(x) and is_scalar(y):  # two numbers: a constant of their common kind
            kind = "f" if float in (type(x), type(y)) else ("i" if int in (type(x), type(y)) else "b")
            dt = self.dtype if kind == "f" else (int64 if kind == "i" else bool_)
            x = self.lift(_scalar_as("where", x, dt), dt)
        a, b = self._pair("where", x, y, "any")
        shape = broadcast_shapes("where", self.shape_of(cond), self.shape_of(a))
        cond, a, b = (self.broadcast_to(v, shape) for v in (cond, a, b))
        return self.bind(P["where"], cond, a, b)

    def cast(self, x: Any, dtype: Any) -> Any:
        """x converted to ``dtype`` (float32, float64, int64, bool); the identity when it already
        has it. Float -> float keeps the gradient; a cast to or from int/bool has none. Float
        -> int truncates toward zero (``torch.Tensor.long()``); -> bool is ``x != 0``."""
        dt = as_dtype(dtype, "cast")
        src = self.type_of(x).dtype
        if dt == src:
            return x
        if dt == bool_ and src.kind != "b":
            return self.ne(x, False if src.kind == "b" else (0 if src.kind in "iu" else 0.0))
        prim = P["astype"] if src.kind == "f" and dt.kind == "f" else P["cast"]
        return self.bind(prim, x, dtype=dt.name)

    def astype(self, x: Any, dtype: Any) -> Any:
        """Float -> float cast (the differentiable case of ``cast``)."""
        return self.cast(x, dtype)

    def max_share(self, a: Any, b: Any) -> Any:
        """1 where a > b, 1/2 where a == b, 0 where a < b: the tie rule of maximum/minimum."""
        return self.bind(P["max_share"], *self._pair("max_share", a, b, "float"))
