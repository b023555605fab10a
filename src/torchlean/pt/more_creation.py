"""More ``torch`` constructors: ``logspace``, ``scalar_tensor`` (no tensor argument: made on the
current binder, as ``tl.linspace``), ``empty_like`` and ``randint_like`` (on input's binder).

``logspace`` is ``base ** linspace(start, end, steps)`` with linspace's two-sided formula, in
float64 and rounded once to the dtype (PyTorch computes float32 results in float32, so the last
bit can differ there); 0-d tensor bounds work as in ``linspace`` (no gradient to them).
``empty_like`` gives zeros (torchlean has no uninitialised memory); ``randint_like`` draws from the
binder's counter stream, as ``randint`` does (not PyTorch's generator).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._core.errors import ArgumentError
from .._core.shapes import is_int
from .creation import _binder
from .dispatch import is_tensor, tensor, torch_op

__all__ = ["empty_like", "logspace", "randint_like", "scalar_tensor"]


def _number(op: str, what: str, v: Any) -> Any:
    v = v.item() if isinstance(v, np.generic) else v
    if type(v) not in (int, float, bool):
        raise ArgumentError(f"{op}: {what} must be a number, got {type(v).__name__} {v!r:.40}")
    return v


def logspace(start: Any, end: Any, steps: int, base: float = 10.0, *, out: Any = None, dtype: Any = None,
             layout: Any = None, device: Any = None, requires_grad: bool = False) -> Any:
    """``torch.logspace(start, end, steps, base=10.0)``: ``steps`` values from ``base**start`` to
    ``base**end``, evenly spaced in the exponent (see the module docstring)."""
    bounds = [v for v in (start, end) if is_tensor(v)]
    b = bounds[0].session if bounds else _binder("logspace")  # the tensor overload: its binder
    b._factory_args("logspace", out=out, layout=layout, device=device)
    if not is_int(steps) or steps < 0:
        raise ArgumentError(f"logspace: steps must be a non-negative int, got {steps!r}")
    base = float(_number("logspace", "base", base))
    dt = b._dtype_arg("logspace", dtype, b.dtype)

    def build() -> Any:
        lin = b.linspace(start, end, int(steps), dtype=np.float64)
        return b.cast(b.pow(base, lin), dt)

    return b._grad_leaf("logspace", dt, build) if requires_grad else build()


def scalar_tensor(s: Any, *, dtype: Any = None, layout: Any = None, device: Any = None, pin_memory: Any = None,
                  requires_grad: bool = False) -> Any:
    """``torch.scalar_tensor(s)``: a 0-d tensor holding the number ``s``, of the binder's float
    dtype unless ``dtype`` (an int or bool ``s`` too, as torch's default dtype)."""
    b = _binder("scalar_tensor")
    if is_tensor(s):
        raise ArgumentError("scalar_tensor: s must be a number, got a tensor (use x.reshape(()) or x.clone())")
    v = _number("scalar_tensor", "s", s)
    return b.full((), v, dtype=b.dtype if dtype is None else dtype, layout=layout, device=device,
                  requires_grad=requires_grad, pin_memory=bool(pin_memory))


@torch_op
def empty_like(input: Any, *, dtype: Any = None, layout: Any = None, device: Any = None,  # noqa: A002
               requires_grad: bool = False, memory_format: Any = None) -> Any:
    """``torch.empty_like``: input's shape and (unless ``dtype``) dtype; zeros here."""
    x = tensor("empty_like", "input", input)
    return x.session.zeros_like(x, dtype=dtype, layout=layout, device=device, requires_grad=requires_grad,
                                memory_format=memory_format)


@torch_op
def randint_like(input: Any, *args: Any, low: Any = None, high: Any = None, generator: Any = None,  # noqa: A002
                 dtype: Any = None, layout: Any = None, device: Any = None, requires_grad: bool = False,
                 memory_format: Any = None) -> Any:
    """``torch.randint_like(input, high)`` / ``randint_like(input, low, high)``: integers drawn
    uniformly from [low, high) (low defaults to 0) in input's shape and (unless ``dtype``)
    dtype, from the binder's counter stream."""
    x = tensor("randint_like", "input", input)
    ops = x.session
    if len(args) > 2:
        raise ArgumentError(f"randint_like: expected (input, high) or (input, low, high), got {len(args) + 1} "
                            "positional arguments")
    if len(args) == 2:
        if low is not None or high is not None:
            raise ArgumentError("randint_like: low and high given twice")
        low, high = args
    elif len(args) == 1:
        if high is not None:
            low, high = args[0], high
        else:
            high = args[0]
    if high is None:
        raise ArgumentError("randint_like: high is required")
    ops._factory_args("randint_like", layout=layout, memory_format=memory_format)
    t = ops.type_of(x)
    return ops.randint(0 if low is None else low, high, t.shape, generator=generator,
                       dtype=t.dtype if dtype is None else dtype, device=device, requires_grad=requires_grad)
