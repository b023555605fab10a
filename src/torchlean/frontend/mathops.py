"""Elementwise math and matrix products beyond the seed's ops (primitives in ``ops/mathops.py``).

New names follow PyTorch (``floor``, ``expm1``, ``floor_divide``, ``remainder``, ``pow``,
``clamp_min``, ``mm``, ``outer``, ``addmm``...); the seed's own ops (``clamp`` with its strict
gradient, ``power`` with a Python exponent, ``inv``...) are unchanged in ``core.py``.

* Rounding (``floor ceil round trunc``) is the identity on int64 tensors, as PyTorch.
* ``floor_divide``/``remainder``/``pow`` take tensors or Python numbers on either side and
  promote as PyTorch (bool < int64 < float); int64 stays int64.
* ``clip`` is ``torch.clamp`` (``torch.clip`` is its alias): bounds are Python numbers, tensors
  (broadcast) or None, and the gradient is 1 on the closed interval ``[lo, hi]``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import ops as _ops  # noqa: F401  (registers every primitive)
from .._core.errors import ArgumentError, DTypeError, ShapeError
from .._core.registry import REGISTRY
from .._core.shapes import broadcast_shapes
from .._core.types import int64
from .base import OpsBase, _scalar_as, is_scalar, scalar_value

P = REGISTRY
_INT64 = np.iinfo(np.int64)


class MathOps(OpsBase):
    """Elementwise math and matrix products (see the module docstring)."""

    # -- rounding (piecewise constant; the identity on integers) ---------------------------
    def _rounding(self, name: str, x: Any) -> Any:
        if self.type_of(x).dtype.kind in "iu":
            return x
        return self.bind(P[name], x)

    def floor(self, x: Any) -> Any:
        """Largest integer <= x (elementwise; derivative zero)."""
        return self._rounding("floor", x)

    def ceil(self, x: Any) -> Any:
        """Smallest integer >= x (elementwise; derivative zero)."""
        return self._rounding("ceil", x)

    def trunc(self, x: Any) -> Any:
        """x rounded toward zero (elementwise; derivative zero)."""
        return self._rounding("trunc", x)

    def round(self, x: Any, decimals: int = 0) -> Any:
        """Round half to even, as ``torch.round``; with ``decimals``, PyTorch's formula
        ``rint(x * 10**d) / 10**d`` (``rint(x / 10**-d) * 10**-d`` for d < 0)."""
        if not isinstance(decimals, (int, np.integer)) or isinstance(decimals, bool):
            raise ArgumentError(f"round: decimals must be an int, got {decimals!r}")
        decimals = int(decimals)
        if decimals == 0:
            return self._rounding("round", x)
        if self.type_of(x).dtype.kind != "f":
            raise DTypeError(f"round: decimals={decimals} needs a float tensor, got "
                             f"{self.type_of(x).dtype.name} (as PyTorch)")
        c = float(10 ** abs(decimals)) if abs(decimals) <= 308 else math.inf  # as C's pow: inf
        if decimals > 0:
            return self.div_scalar(self.bind(P["round"], self.scale(x, c)), c)
        return self.scale(self.bind(P["round"], self.div_scalar(x, c)), c)

    # -- smooth unary ----------------------------------------------------------------------
    def sin(self, x: Any) -> Any:
        return self.bind(P["sin"], x)

    def cos(self, x: Any) -> Any:
        return self.bind(P["cos"], x)

    def expm1(self, x: Any) -> Any:
        """exp(x) - 1, accurate near 0."""
        return self.bind(P["expm1"], x)

    def log1p(self, x: Any) -> Any:
        """log(1 + x), accurate near 0."""
        return self.bind(P["log1p"], x)

    def rsqrt(self, x: Any) -> Any:
        """1 / sqrt(x) (composite; at x = 0 the gradient is NaN, PyTorch's is -inf)."""
        return self.inv(self.sqrt(x))

    def reciprocal(self, x: Any) -> Any:
        """1 / x (the seed's ``inv``)."""
        return self.inv(x)

    def square(self, x: Any) -> Any:
        """x * x (float or int64; a bool tensor squares as int64, as torch's ``pow(x, 2)``)."""
        if self.type_of(x).dtype.kind == "b":
            x = self.cast(x, "int64")
        return self.mul(x, x)

    # -- integer-style division and powers -------------------------------------------------
    def floor_divide(self, x: Any, y: Any) -> Any:
        """x // y (floor division, as Python and ``torch.floor_divide``); derivative zero."""
        return self.bind(P["floor_divide"], *self._pair("floor_divide", x, y))

    def remainder(self, x: Any, y: Any) -> Any:
        """x % y with the sign of y (Python's ``%``, ``torch.remainder``), computed exactly."""
        return self.bind(P["remainder"], *self._pair("remainder", x, y))

    def pow(self, x: Any, y: Any) -> Any:
        """x ** y for tensors or Python numbers on either side (``torch.pow``). A float tensor
        with a Python exponent is the seed's ``power``; int64 ** int stays int64 (a negative
        Python exponent raises, as PyTorch)."""
        if is_scalar(y) and not is_scalar(x):
            kind = self.type_of(x).dtype.kind
            if kind == "f":
                return self.power(x, y)
            if type(y) is float:
                return self.power(self.cast(x, self.dtype), y)
            if y < 0:
                raise ArgumentError(f"pow: integers to negative integer powers are not allowed "
                                    f"(exponent {y}, tensor of {self.type_of(x).dtype.name})")
        return self.bind(P["pow"], *self._pair("pow", x, y))

    # -- PyTorch's clamp -------------------------------------------------------------------
    def _promoted(self, op: str, vals: tuple[Any, ...]) -> np.dtype:
        """PyTorch's result dtype of tensors and Python numbers (None skipped; bool counts as
        int64 here, as in arithmetic); float32 with float64 raises."""
        dts = [self.type_of(v).dtype for v in vals if v is not None and not is_scalar(v)]
        floats = {d for d in dts if d.kind == "f"}
        if len(floats) > 1:
            raise DTypeError(f"{op}: operands are float32 and float64; cast one explicitly "
                             "(torchlean never mixes float precisions)")
        if floats:
            return floats.pop()
        if any(type(v) is float for v in vals):
            return self.dtype
        return int64

    def clip(self, x: Any, lo: Any = None, hi: Any = None) -> Any:
        """``torch.clamp(x, min=lo, max=hi)``: bounds are Python numbers, tensors (broadcast
        with x) or None; ``min(max(x, lo), hi)``, so lo > hi gives hi. The gradient is 1 on
        the closed interval [lo, hi] (the seed's ``clamp`` is strict), a tensor bound gets
        the gradient where it is the result. NaN propagates."""
        if lo is None and hi is None:
            raise ArgumentError("clamp: at least one of min and max must be given")
        dtype = self._promoted("clamp", (x, lo, hi))
        if self.type_of(x).dtype != dtype:
            x = self.cast(x, dtype)
        if (lo is None or is_scalar(lo)) and (hi is None or is_scalar(hi)):
            lo, hi = (None if v is None else _scalar_as("clamp", v, dtype) for v in (lo, hi))
            return self.bind(P["clamp_closed"], x, lo=lo, hi=hi)
        shapes = [self.shape_of(v) for v in (x, lo, hi) if v is not None and not is_scalar(v)]
        shape = broadcast_shapes("clamp", *shapes)
        fill = (-np.inf, np.inf) if dtype.kind == "f" else (int(_INT64.min), int(_INT64.max))
        out = []
        for v, f in ((x, None), (lo, fill[0]), (hi, fill[1])):
            if v is None or is_scalar(v):
                v = self.lift(_scalar_as("clamp", f if v is None else v, dtype), dtype)
            elif self.type_of(v).dtype != dtype:
                v = self.cast(v, dtype)
            out.append(self.broadcast_to(v, shape))
        return self.bind(P["clamp_tensor"], *out)

    def clamp_min(self, x: Any, lo: Any) -> Any:
        """``torch.clamp_min``: max(x, lo) with PyTorch's clamp gradient (see ``clip``)."""
        if lo is None:
            raise ArgumentError("clamp_min: min must be a number or a tensor, got None")
        return self.clip(x, lo, None)

    def clamp_max(self, x: Any, hi: Any) -> Any:
        """``torch.clamp_max``: min(x, hi) with PyTorch's clamp gradient (see ``clip``)."""
        if hi is None:
            raise ArgumentError("clamp_max: max must be a number or a tensor, got None")
        return self.clip(x, None, hi)

    # -- matrix products -------------------------------------------------------------------
    def mm(self, a: Any, b: Any) -> Any:
        """Matrix product of two matrices (n, m) @ (m, p); no broadcasting, as ``torch.mm``."""
        sa, sb = self.shape_of(a), self.shape_of(b)
        if len(sa) != 2 or len(sb) != 2 or sa[1] != sb[0]:
            raise ShapeError(f"mm: expected matrices (n, m) @ (m, p), got {sa} @ {sb}")
        return self.matmul(a, b)

    def outer(self, a: Any, b: Any) -> Any:
        """Outer product of two vectors (n,) and (m,) -> (n, m), as ``torch.outer``."""
        sa, sb = self.shape_of(a), self.shape_of(b)
        if len(sa) != 1 or len(sb) != 1:
            raise ShapeError(f"outer: expected two vectors (n,) and (m,), got {sa} and {sb}")
        return self.mul(self.reshape(a, (sa[0], 1)), self.reshape(b, (1, sb[0])))

    def addmm(self, c: Any, a: Any, b: Any, beta: float = 1.0, alpha: float = 1.0) -> Any:
        """``beta * c + alpha * (a @ b)`` for matrices a (n, m), b (m, p) and c broadcastable
        to (n, p), as ``torch.addmm``; with ``beta == 0`` c is not read (NaN in c does not
        propagate)."""
        return self._scaled_sum("addmm", c, self.mm(a, b), beta, alpha)

    def _scaled_sum(self, op: str, c: Any, p: Any, beta: Any = 1, alpha: Any = 1) -> Any:
        """``beta * c + alpha * p`` for a product ``p`` and an input ``c`` broadcastable to it,
        the tail of torch's ``addmm``/``addmv``/``addr``/``baddbmm``: with ``beta == 0`` c is
        not read (NaN in c does not propagate); errors name ``op``."""
        beta, alpha = scalar_value(op, beta), scalar_value(op, alpha)
        tp, tc = self.type_of(p), self.type_of(c)
        if broadcast_shapes(op, tc.shape, tp.shape) != tp.shape:
            raise ShapeError(f"{op}: input of shape {tc.shape} does not broadcast to the product's shape {tp.shape}")
        if tc.dtype != tp.dtype:
            raise DTypeError(f"{op}: input is {tc.dtype.name}, the product is {tp.dtype.name}")
        if alpha != 1.0:
            p = self.scale(p, alpha)
        if beta == 0.0:
            return p
        return self.add(c if beta == 1.0 else self.scale(c, beta), p)
