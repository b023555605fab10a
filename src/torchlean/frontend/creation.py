"""Tensor constructors with ``torch``'s signatures: zeros, ones, full, arange, linspace, eye and
the ``*_like`` forms (the random ones are in ``frontend/random.py``).

They are ``Ops`` methods, so ``s.zeros(2, 3)`` makes a constant of the eager session and
``ops.zeros(2, 3)`` a constant of a traced graph. A constant has no gradient; on the eager
session ``requires_grad=True`` makes a float leaf instead (``x.grad`` after ``backward``), while
traced code refuses it (a graph's differentiable values are its inputs). ``zeros``/``ones``/
``full`` are a one-element constant broadcast to the size (no full-size upload); ``arange``,
``linspace`` and ``eye`` are computed on the host from the arguments, in float64 and rounded
once to the dtype, and uploaded once. The default float dtype is the binder's (``s.dtype``:
float32 unless the session or compiled function is float64), where PyTorch's is float32.
PyTorch's CPU ``arange``/``linspace`` kernels accumulate within SIMD blocks, so their last bit
can differ from the exact ``start + i * step`` computed here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .._core.errors import ArgumentError, DeviceError, DTypeError, ShapeError
from .._core.shapes import as_shape, is_int
from .._core.types import bool_, int64, tensor_dtype
from .base import OpsBase, _scalar_as


def size_arg(op: str, size: tuple[Any, ...]) -> tuple[int, ...]:
    """``*size`` as PyTorch reads it: ints, or one sequence of ints (``zeros(2, 3)``,
    ``zeros((2, 3))``, ``zeros([])``)."""
    if len(size) == 1 and not is_int(size[0]):
        size = size[0]
    return as_shape(op, size, "size")


def _is_tensor(v: Any) -> bool:
    return getattr(type(v), "__torchlean_tensor__", False) is True


def _number(op: str, what: str, v: Any) -> Any:
    """A Python number (NumPy scalars included), else ``ArgumentError``."""
    if isinstance(v, np.generic) and v.dtype.kind in "biuf":
        v = v.item()
    if type(v) not in (bool, int, float):
        raise ArgumentError(f"{op}: {what} must be a Python number, got {type(v).__name__}")
    return v


class CreationOps(OpsBase):
    """Constructors (see the module docstring)."""

    # -- argument checks shared with the random constructors ------------------------------
    def _factory_args(self, op: str, *, out: Any = None, layout: Any = None, device: Any = None,
                      pin_memory: bool = False, memory_format: Any = None, generator: Any = None) -> None:
        """Refuse the factory keywords torchlean cannot honour, naming the argument."""
        if out is not None:
            raise ArgumentError(f"{op}: out= is not supported (torchlean tensors are immutable values)")
        if layout is not None and str(layout) not in ("torch.strided", "strided"):
            raise ArgumentError(f"{op}: layout={layout!r} is not supported (only torch.strided)")
        if pin_memory:
            raise ArgumentError(f"{op}: pin_memory=True is not supported")
        if memory_format is not None and not any(f in str(memory_format) for f in ("preserve_format",
                                                                                    "contiguous_format")):
            raise ArgumentError(f"{op}: memory_format={memory_format!r} is not supported")
        if generator is not None:
            raise ArgumentError(f"{op}: generator= is not supported: random ops draw from the session's "
                                "counter stream (Session(seed=...), or rand_uniform(..., seed=k))")
        if device is not None:
            want = str(getattr(device, "value", getattr(device, "type", device))).split(":")[0].lower()
            if want not in ("cpu", "cuda"):
                raise ArgumentError(f"{op}: device must be 'cpu' or 'cuda', got {device!r}")
            options = getattr(self, "options", None)
            have = getattr(getattr(options, "device", None), "value", None)
            if have is not None and have != want:
                raise DeviceError(f"{op}: this session runs on {have}; its tensors cannot be made on {want}")

    def _dtype_arg(self, op: str, dtype: Any, default: Any) -> np.dtype:
        return tensor_dtype(default if dtype is None else dtype, op)

    def _grad_leaf(self, op: str, dt: np.dtype, build: Callable[[], Any]) -> Any:
        """``requires_grad=True``: the constant ``build()`` makes, as a float leaf of the eager
        session that requires a gradient."""
        if dt.kind != "f":
            raise DTypeError(f"{op}: only floating point tensors can require gradients, got {dt.name}")
        if not hasattr(self, "tape") or not hasattr(self, "no_grad"):
            raise ArgumentError(f"{op}: requires_grad=True makes a leaf of the eager session; traced "
                                "code has constants only (pass the tensor as an input instead)")
        with self.no_grad():
            value = self.value(build())
        return self.input(value, requires_grad=True, dtype=dt)

    def _filled(self, op: str, shape: tuple[int, ...], fill: Any, dt: np.dtype, requires_grad: bool) -> Any:
        if requires_grad:
            return self._grad_leaf(op, dt, lambda: self._filled(op, shape, fill, dt, False))
        c = self.lift(np.asarray(_scalar_as(op, fill, dt), dtype=dt), dt)
        return self.broadcast_to(c, shape) if shape else c

    def _host_constant(self, op: str, value: np.ndarray, requires_grad: bool) -> Any:
        dt = value.dtype
        if requires_grad:
            return self._grad_leaf(op, dt, lambda: self.lift(value, dt))
        return self.lift(value, dt)

    # -- constructors ----------------------------------------------------------------------
    def zeros(self, *size: Any, out: Any = None, dtype: Any = None, layout: Any = None,
              device: Any = None, requires_grad: bool = False, pin_memory: bool = False) -> Any:
        """``torch.zeros(*size)``: zeros of the binder's float dtype unless ``dtype``."""
        self._factory_args("zeros", out=out, layout=layout, device=device, pin_memory=pin_memory)
        return self._filled("zeros", size_arg("zeros", size), 0, self._dtype_arg("zeros", dtype, self.dtype),
                            requires_grad)

    def ones(self, *size: Any, out: Any = None, dtype: Any = None, layout: Any = None,
             device: Any = None, requires_grad: bool = False, pin_memory: bool = False) -> Any:
        """``torch.ones(*size)``: ones of the binder's float dtype unless ``dtype``."""
        self._factory_args("ones", out=out, layout=layout, device=device, pin_memory=pin_memory)
        return self._filled("ones", size_arg("ones", size), 1, self._dtype_arg("ones", dtype, self.dtype),
                            requires_grad)

    def full(self, size: Any, fill_value: Any, *, out: Any = None, dtype: Any = None, layout: Any = None,
             device: Any = None, requires_grad: bool = False, pin_memory: bool = False) -> Any:
        """``torch.full(size, fill_value)``: the dtype follows the value (bool, int64, or the
        binder's float dtype) unless ``dtype`` is given."""
        self._factory_args("full", out=out, layout=layout, device=device, pin_memory=pin_memory)
        shape = size_arg("full", (size,))
        v = _number("full", "fill_value", fill_value)
        default = bool_ if type(v) is bool else (int64 if type(v) is int else self.dtype)
        return self._filled("full", shape, v, self._dtype_arg("full", dtype, default), requires_grad)

    def zeros_like(self, input: Any, *, dtype: Any = None, layout: Any = None, device: Any = None,  # noqa: A002
                   requires_grad: bool = False, memory_format: Any = None) -> Any:
        """``torch.zeros_like``: zeros of input's shape and (unless ``dtype``) dtype."""
        self._factory_args("zeros_like", layout=layout, device=device, memory_format=memory_format)
        t = self.type_of(input)
        return self._filled("zeros_like", t.shape, 0, self._dtype_arg("zeros_like", dtype, t.dtype),
                            requires_grad)

    def ones_like(self, input: Any, *, dtype: Any = None, layout: Any = None, device: Any = None,  # noqa: A002
                  requires_grad: bool = False, memory_format: Any = None) -> Any:
        """``torch.ones_like``: ones of input's shape and (unless ``dtype``) dtype."""
        self._factory_args("ones_like", layout=layout, device=device, memory_format=memory_format)
        t = self.type_of(input)
        return self._filled("ones_like", t.shape, 1, self._dtype_arg("ones_like", dtype, t.dtype),
                            requires_grad)

    def full_like(self, input: Any, fill_value: Any, *, dtype: Any = None, layout: Any = None,  # noqa: A002
                  device: Any = None, requires_grad: bool = False, memory_format: Any = None) -> Any:
        """``torch.full_like``: ``fill_value`` in input's shape and (unless ``dtype``) dtype."""
        self._factory_args("full_like", layout=layout, device=device, memory_format=memory_format)
        t = self.type_of(input)
        v = _number("full_like", "fill_value", fill_value)
        return self._filled("full_like", t.shape, v, self._dtype_arg("full_like", dtype, t.dtype), requires_grad)

    def arange(self, start: Any = None, end: Any = None, step: Any = 1, *, out: Any = None, dtype: Any = None,
               layout: Any = None, device: Any = None, requires_grad: bool = False) -> Any:
        """``torch.arange``: ``start, start + step, ...`` below ``end`` (``arange(end)`` and
        ``arange(end=n)`` start at 0). int64 when every argument is an int, else the binder's
        float dtype; float values are ``start + i * step`` in float64, rounded once."""
        self._factory_args("arange", out=out, layout=layout, device=device)
        if end is None:
            if start is None:
                raise ArgumentError("arange: expected arange(end), arange(start, end) or arange(start, end, step)")
            start, end = 0, start
        elif start is None:
            start = 0
        a, b, c = (_number("arange", w, v) for w, v in (("start", start), ("end", end), ("step", step)))
        if not all(math.isfinite(v) for v in (a, b, c)):
            raise ArgumentError(f"arange: start, end and step must be finite, got {a}, {b}, {c}")
        if c == 0:
            raise ArgumentError("arange: step must be nonzero")
        if (c > 0 and b < a) or (c < 0 and b > a):
            raise ArgumentError(f"arange: upper bound and lower bound are inconsistent with the step sign "
                                f"(start {a}, end {b}, step {c})")
        all_int = all(type(v) is int for v in (a, b, c))
        dt = self._dtype_arg("arange", dtype, int64 if all_int else self.dtype)
        if dt.kind == "b":
            raise DTypeError("arange: dtype bool is not supported")
        n = -((a - b) // c) if all_int else math.ceil((b - a) / c)
        i = np.arange(max(int(n), 0), dtype=np.int64)
        if dt.kind == "f":
            value = (float(a) + i.astype(np.float64) * float(c)).astype(dt)
        else:
            value = int(a) + i * int(c)
        return self._host_constant("arange", value, requires_grad)

    def linspace(self, start: Any, end: Any, steps: int, *, out: Any = None, dtype: Any = None,
                 layout: Any = None, device: Any = None, requires_grad: bool = False) -> Any:
        """``torch.linspace``: ``steps`` values from start to end (both included), computed as
        PyTorch does (start + i * step for the first half, end - (steps - 1 - i) * step for the
        second) in float64 and rounded once to the dtype (integer dtypes truncate). ``start`` and
        ``end`` may be 0-d tensors (PyTorch's tensor overload); as in PyTorch, the result carries
        no gradient to them."""
        self._factory_args("linspace", out=out, layout=layout, device=device)
        if not is_int(steps) or steps < 0:
            raise ArgumentError(f"linspace: steps must be a non-negative int, got {steps!r}")
        dt = self._dtype_arg("linspace", dtype, self.dtype)
        n = int(steps)
        if _is_tensor(start) or _is_tensor(end):
            build = lambda: self._linspace_tensors(start, end, n, dt)
            return self._grad_leaf("linspace", dt, build) if requires_grad else build()
        a, b = float(_number("linspace", "start", start)), float(_number("linspace", "end", end))
        i = np.arange(n, dtype=np.float64)
        if n == 1:
            v = np.full(1, a)
        else:
            d = (b - a) / (n - 1) if n > 1 else 0.0
            v = np.where(i < n // 2, a + i * d, b - (n - 1 - i) * d)
        return self._host_constant("linspace", v.astype(dt), requires_grad)

    def _linspace_tensors(self, start: Any, end: Any, n: int, dt: np.dtype) -> Any:
        """linspace with 0-d tensor bounds: the same float64 arithmetic, as ops on the binder."""
        ends = []
        for what, v in (("start", start), ("end", end)):
            if _is_tensor(v):
                t = self.type_of(v)
                if t.shape != ():
                    raise ShapeError(f"linspace: {what} must be a number or a 0-d tensor, got shape {t.shape}")
                ends.append(self.cast(self.detach(v) if t.dtype.kind == "f" else v, np.float64))
            else:
                ends.append(self.lift(float(_number("linspace", what, v)), np.float64))
        a, b = ends
        if n <= 1:
            return self.cast(self.reshape(a, (1,)) if n else self.lift(np.zeros(0), np.float64), dt)
        i = np.arange(n, dtype=np.float64)
        d = self.div_scalar(self.sub(b, a), float(n - 1))
        lo = self.add(a, self.mul(self.lift(i, np.float64), d))
        hi = self.sub(b, self.mul(self.lift(n - 1 - i, np.float64), d))
        return self.cast(self.where(self.lift(i < n // 2, bool_), lo, hi), dt)

    def eye(self, n: int, m: int | None = None, *, out: Any = None, dtype: Any = None, layout: Any = None,
            device: Any = None, requires_grad: bool = False) -> Any:
        """``torch.eye(n, m)``: ones on the diagonal of an (n, m) matrix (m defaults to n)."""
        self._factory_args("eye", out=out, layout=layout, device=device)
        for what, v in (("n", n), ("m", m)):
            if v is not None and (not is_int(v) or v < 0):
                raise ArgumentError(f"eye: {what} must be a non-negative int, got {v!r}")
        dt = self._dtype_arg("eye", dtype, self.dtype)
        return self._host_constant("eye", np.eye(int(n), None if m is None else int(m), dtype=dt), requires_grad)
