"""The plain-array binder: runs primitives on raw device arrays, recording nothing.

Eager backward and forward-mode sweeps evaluate the registry's rules through this binder, so a
rule written with ``ops`` methods costs one kernel call per op and no tape bookkeeping. The
arithmetic methods rules use most take a shortcut when both operands are arrays: they call the
registry's kernel (or a backend override) directly and let the array library broadcast. Nothing
is recorded here, so implicit broadcasting changes no gradient; the recording binders still
insert ``broadcast_to`` explicitly.
"""

from __future__ import annotations

from typing import Any

from .._core.registry import REGISTRY, Primitive
from .._core.types import TensorType, as_dtype
from ..backends.base import ArrayBackend
from ..frontend import Ops

_SCALARS = (int, float)


class ArrayOps(Ops):
    """``Ops`` over raw arrays of one backend (no shape rules, no recording)."""

    def __init__(self, backend: ArrayBackend, dtype: Any) -> None:
        self.backend = backend
        self.kernels = backend.kernels
        self.dtype = as_dtype(dtype)
        k = backend.resolve
        self._kadd, self._ksub = k(REGISTRY["add"]), k(REGISTRY["sub"])
        self._kmul, self._kdiv = k(REGISTRY["mul"]), k(REGISTRY["div"])
        self._kscale, self._kneg = k(REGISTRY["scale"]), k(REGISTRY["neg"])
        self._kmatmul, self._ktranspose = k(REGISTRY["matmul"]), k(REGISTRY["transpose"])
        self._ksum = k(REGISTRY["reduce_sum"])
        self._kstep = k(REGISTRY["step"])
        self._kmul_step = backend.composite_kernels.get("mul_step")

    def bind(self, prim: Primitive, *args: Any, **params: Any) -> Any:
        kernel = self.kernels.get(prim) or self.backend.resolve(prim)
        return kernel(*args, **params)

    def type_of(self, x: Any) -> TensorType:
        return TensorType(x.shape, x.dtype)

    def shape_of(self, x: Any) -> tuple[int, ...]:
        return x.shape

    def lift(self, value: Any, dtype: Any = None) -> Any:
        return self.backend.xp.asarray(value, dtype=self.dtype if dtype is None else dtype)

    # -- shortcuts for array operands (native broadcasting) ---------------------------------
    def add(self, x: Any, y: Any) -> Any:
        if type(x) not in _SCALARS and type(y) not in _SCALARS:
            return self._kadd(x, y)
        return Ops.add(self, x, y)

    def sub(self, x: Any, y: Any) -> Any:
        if type(x) not in _SCALARS and type(y) not in _SCALARS:
            return self._ksub(x, y)
        return Ops.sub(self, x, y)

    def mul(self, x: Any, y: Any) -> Any:
        if type(y) in _SCALARS:
            return self._kscale(x, c=float(y))
        if type(x) not in _SCALARS:
            return self._kmul(x, y)
        return Ops.mul(self, x, y)

    def div(self, x: Any, y: Any) -> Any:
        if type(x) not in _SCALARS and type(y) not in _SCALARS:
            return self._kdiv(x, y)
        return Ops.div(self, x, y)

    def scale(self, x: Any, c: float) -> Any:
        return self._kscale(x, c=float(c))

    def neg(self, x: Any) -> Any:
        return self._kneg(x)

    def step(self, x: Any) -> Any:
        return self._kstep(x)

    def mul_step(self, g: Any, x: Any) -> Any:
        # g times the boolean mask: the same numbers as g * step(x) (g * 1 and g * 0, signed
        # zeros and NaN included) without step's float array: one full-size pass fewer (W4's
        # (256, 4096): 0.58 ms against 0.81). Not where g and x are laid out differently:
        # NumPy's product of a C and a column-major (or channels-last) operand that also casts
        # a bool is slower than the two passes (the digits MLP: 7.9 us against 6.1)
        if type(g) not in _SCALARS and g.dtype == x.dtype:
            gs = g.strides
            if gs == x.strides and self._kmul_step is not None:  # one pass (backends/cpu_jit.py)
                out = self._kmul_step(g, x)
                if out is not None:
                    return out
            if gs == x.strides or 0 in gs:  # one layout, or g is a broadcast view
                return self._kmul(g, x > 0)
            return self._kmul(g, self._kstep(x))
        return Ops.mul_step(self, g, x)

    def tanh_backward(self, g: Any, y: Any) -> Any:
        if type(g) not in _SCALARS:  # the composite's three kernels, without its dispatch
            mul = self._kmul
            return self._ksub(g, mul(mul(g, y), y))
        return Ops.tanh_backward(self, g, y)

    def matmul(self, a: Any, b: Any) -> Any:
        if a.ndim == 2 and b.ndim == 2 and a.shape[1] == b.shape[0]:
            return self._kmatmul(a, b)
        return Ops.matmul(self, a, b)

    def transpose2d(self, x: Any) -> Any:
        if x.ndim == 2:
            return self._ktranspose(x, perm=(1, 0))
        return Ops.transpose2d(self, x)

    def reduce_sum(self, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        if type(axis) is tuple and not keepdims:  # rules pass explicit, valid axes
            return self._ksum(x, axes=axis) if axis else x
        return Ops.reduce_sum(self, x, axis, keepdims)
