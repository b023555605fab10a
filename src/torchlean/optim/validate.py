"""Hyperparameter checks shared by every optimizer and scheduler path (torch.optim's rules).

Each check takes ``(op, value)`` and returns the value normalised (a Python float, bool, int or
tuple; a 0-d array or tensor becomes its number) or raises ``ArgumentError`` naming the caller,
the hyperparameter and the value, so
``Adam(lr=nan)``, ``opt.param_groups[0]['lr'] = -1``, ``s.adam_step(beta1=1.0)`` and a state
dict with a negative weight decay all fail before anything changes. Beyond torch.optim's own
checks, every number must be finite (torch accepts ``lr=inf`` and then produces NaNs).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .._core.errors import ArgumentError

Check = Callable[[str, Any], Any]
_REALS = (int, float, np.integer, np.floating)


def _number(op: str, name: str, v: Any) -> float:
    if not isinstance(v, _REALS) and getattr(v, "shape", None) == () and hasattr(v, "item"):
        v = v.item()  # a 0-d array or tensor (torch allows a tensor lr)
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, _REALS):
        raise ArgumentError(f"{op}: {name} must be a real number, got {v!r}")
    f = float(v)
    if not math.isfinite(f):
        raise ArgumentError(f"{op}: {name} must be finite, got {v!r}")
    return f


def real(name: str) -> Check:
    """Any finite real number."""

    def check(op: str, v: Any) -> float:
        return _number(op, name, v)

    check.__name__ = name
    return check


def non_negative(name: str) -> Check:
    """A finite real number >= 0."""

    def check(op: str, v: Any) -> float:
        f = _number(op, name, v)
        if f < 0:
            raise ArgumentError(f"{op}: {name} must be >= 0, got {v!r}")
        return f

    check.__name__ = name
    return check


def positive(name: str) -> Check:
    """A finite real number > 0."""

    def check(op: str, v: Any) -> float:
        f = _number(op, name, v)
        if f <= 0:
            raise ArgumentError(f"{op}: {name} must be > 0, got {v!r}")
        return f

    check.__name__ = name
    return check


def unit_interval(name: str, closed: bool = False) -> Check:
    """A value in [0, 1) (betas), or [0, 1] with ``closed`` (Adadelta's rho)."""

    def check(op: str, v: Any) -> float:
        f = _number(op, name, v)
        if not (0.0 <= f <= 1.0 if closed else 0.0 <= f < 1.0):
            raise ArgumentError(f"{op}: {name} must be in [0, 1{']' if closed else ')'}, got {v!r}")
        return f

    check.__name__ = name
    return check


def flag(name: str) -> Check:
    """A bool (NumPy bools too)."""

    def check(op: str, v: Any) -> bool:
        if not isinstance(v, (bool, np.bool_)):
            raise ArgumentError(f"{op}: {name} must be a bool, got {v!r}")
        return bool(v)

    check.__name__ = name
    return check


def optional_flag(name: str) -> Check:
    """None or a bool (torch's ``foreach``: the implementation choice, ignored here)."""
    inner = flag(name)

    def check(op: str, v: Any) -> bool | None:
        return None if v is None else inner(op, v)

    check.__name__ = name
    return check


def never_true(name: str, why: str) -> Check:
    """None or False; True is refused with ``why`` (an option torchlean does not implement)."""
    inner = flag(name)

    def check(op: str, v: Any) -> bool | None:
        if v is None:
            return None
        if inner(op, v):
            raise ArgumentError(f"{op}: {name}=True is not supported: {why}")
        return False

    check.__name__ = name
    return check


def integer(name: str, minimum: int | None = None) -> Check:
    """A Python or NumPy int (not a bool), at least ``minimum``."""

    def check(op: str, v: Any) -> int:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
            raise ArgumentError(f"{op}: {name} must be an int, got {v!r}")
        if minimum is not None and v < minimum:
            raise ArgumentError(f"{op}: {name} must be an int >= {minimum}, got {v!r}")
        return int(v)

    check.__name__ = name
    return check


def lr(op: str, v: Any) -> float:
    """Learning rate: finite and >= 0."""
    f = _number(op, "lr", v)
    if f < 0:
        raise ArgumentError(f"{op}: lr must be >= 0, got {v!r}")
    return f


_beta1 = unit_interval("betas[0] (beta1)")
_beta2 = unit_interval("betas[1] (beta2)")


def betas(op: str, v: Any) -> tuple[float, float]:
    """A pair ``(beta1, beta2)``, each in [0, 1); returned as a tuple of floats."""
    if not isinstance(v, (tuple, list)) or len(v) != 2:
        raise ArgumentError(f"{op}: betas must be a pair (beta1, beta2), got {v!r}")
    return (_beta1(op, v[0]), _beta2(op, v[1]))


eps = non_negative("eps")
weight_decay = non_negative("weight_decay")
momentum = non_negative("momentum")
beta1 = unit_interval("beta1")
beta2 = unit_interval("beta2")
