"""Factory keywords of every layer (``dtype=``, ``device=``) and parameter construction."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..._core.errors import ArgumentError, DTypeError
from ..._core.types import as_dtype, float_dtype
from ...frontend.frame import run
from ...params import Buffer, Param
from ...pt.dispatch import tensor
from ...random import default_generator


def dtype_of(op: str, dtype: Any, device: Any = None) -> np.dtype:
    """The parameters' dtype (float32 by default, as torch). ``device`` is accepted: parameters
    follow the session they are used in (a mirror per device)."""
    if device is not None and str(getattr(device, "value", device)).split(":")[0].lower() not in ("cpu", "cuda"):
        raise ArgumentError(f"{op}: device must be 'cpu' or 'cuda', got {device!r}")
    return np.dtype(np.float32) if dtype is None else float_dtype(as_dtype(dtype, op), op)


def uniform_param(shape: tuple[int, ...], bound: float, dtype: np.dtype) -> Param:
    """U(-bound, bound) from the default generator (torch's default init for most layers)."""
    return Param(default_generator.uniform(shape, -bound, bound).astype(dtype))


def fan_in_bound(fan_in: int) -> float:
    """1 / sqrt(fan_in): torch's kaiming_uniform_(a=sqrt(5)) bound, and its bias bound."""
    return 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0


def const_param(shape: tuple[int, ...], value: float, dtype: np.dtype) -> Param:
    return Param(np.full(shape, value, dtype))


def const_buffer(shape: tuple[int, ...], value: float, dtype: Any) -> Buffer:
    return Buffer(np.full(shape, value, dtype))


def positive_int(op: str, what: str, v: Any, allow_zero: bool = False) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < (0 if allow_zero else 1):
        raise ArgumentError(f"{op}: {what} must be a {'non-negative' if allow_zero else 'positive'} int, "
                            f"got {v!r}")
    return int(v)


def framed(name: str, binder: Any, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)`` as one public op ``name`` of ``binder`` (all its nodes or none;
    errors raised inside are re-labelled with ``name``)."""
    return run(binder, name, fn, args, kwargs)


def check_flag(op: str, what: str, v: Any) -> bool:
    if not isinstance(v, (bool, np.bool_)):
        raise ArgumentError(f"{op}: {what} must be a bool, got {v!r}")
    return bool(v)


def check_probability(op: str, what: str, v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float, np.floating, np.integer)) or not 0.0 <= v <= 1.0:
        raise ArgumentError(f"{op}: {what} must be a probability in [0, 1], got {v!r}")
    return float(v)


def float_input(op: str, what: str, v: Any, dtype: np.dtype) -> Any:
    """``v`` if it is a torchlean float tensor of the layer's dtype, else a TorchLeanError."""
    t = tensor(op, what, v)
    if t.dtype != dtype:
        raise DTypeError(f"{op}: {what} is {t.dtype.name} but the layer's parameters are {dtype.name} "
                         "(convert one of them: model.to(dtype) or x.to(dtype))")
    return t
