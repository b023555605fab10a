"""Comparisons and casts (primitives in ``ops/compare.py``).

``eq ne lt le gt ge`` broadcast their operands (right-aligned, as PyTorch), accept a Python
number on either side and give a bool tensor. Operands of different kinds are promoted as
PyTorch does: bool < int64 < float; a float scalar against an integer tensor compares in the
session's float dtype (``labels > 0.5`` is exact). float32 against float64 is an error, as in
every torchlean op.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import ops as _ops  # noqa: F401  (registers every primitive)
from .._core.errors import DTypeError
from .._core.registry import REGISTRY
from .._core.shapes import broadcast_shapes
from .._core.types import as_dtype, bool_, int64
from .base import OpsBase, is_scalar, scalar_value

P = REGISTRY
_RANK = {"b": 0, "i": 1, "u": 1, "f": 2}


class CompareOps(OpsBase):
    """Comparisons, casts and the tie rule of maximum/minimum."""

    def _scalar_for(self, op: str, v: Any, t: np.dtype) -> tuple[Any, np.dtype]:
        """A Python number lifted for comparison with a tensor of dtype ``t``: the dtype both
        are compared in (the tensor is cast when the number does not fit its kind)."""
        if isinstance(v, bool):
            kind = "b"
        elif isinstance(v, int):
            kind = "i"
        else:
            kind = "f"
            scalar_value(op, v)
        if _RANK[kind] <= _RANK[t.kind]:
            return v, t
        return v, (int64 if kind == "i" else self.dtype)

    def _cmp(self, name: str, x: Any, y: Any) -> Any:
        if is_scalar(x) and is_scalar(y):
            raise DTypeError(f"{name}: at least one operand must be a tensor, got two Python numbers")
        if is_scalar(y) or is_scalar(x):
            t, v, swap = (x, y, False) if is_scalar(y) else (y, x, True)
            v, dt = self._scalar_for(name, v, self.type_of(t).dtype)
            t = self.cast(t, dt)
            c = self.lift(v, dt)
            shape = self.shape_of(t)
            c = self.broadcast_to(c, shape) if shape else c
            x, y = (c, t) if swap else (t, c)
        else:
            tx, ty = self.type_of(x), self.type_of(y)
            if tx.dtype != ty.dtype:
                if tx.dtype.kind == ty.dtype.kind == "f":
                    raise DTypeError(f"{name}: operands are {tx.dtype.name} and {ty.dtype.name}; "
                                     "cast one explicitly (torchlean never mixes float precisions)")
                dt = tx.dtype if _RANK[tx.dtype.kind] >= _RANK[ty.dtype.kind] else ty.dtype
                x, y = self.cast(x, dt), self.cast(y, dt)
            sx, sy = self.shape_of(x), self.shape_of(y)
            if sx != sy:
                shape = broadcast_shapes(name, sx, sy)
                x, y = self.broadcast_to(x, shape), self.broadcast_to(y, shape)
        return self.bind(P[name], x, y)

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
        return self.bind(P["max_share"], *self._pair("max_share", a, b))
