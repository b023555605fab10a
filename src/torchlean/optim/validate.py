"""Hyperparameter checks shared by every optimizer path (torch.optim's rules).

Each check returns the value as a float or raises ``ArgumentError`` naming the caller and the
hyperparameter, so ``Adam(lr=nan)``, ``s.adam_step(beta1=1.0)`` and ``load_state_dict`` with a
negative weight decay all fail before any state changes; optimizers run the check on every
assignment, so a later ``opt.lr = -1`` is refused too.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .._core.errors import ArgumentError


def _number(op: str, name: str, v: Any) -> float:
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise ArgumentError(f"{op}: {name} must be a real number, got {v!r}")
    f = float(v)
    if not math.isfinite(f):
        raise ArgumentError(f"{op}: {name} must be finite, got {v!r}")
    return f


def lr(op: str, v: Any) -> float:
    """Learning rate: finite and >= 0."""
    f = _number(op, "lr", v)
    if f < 0:
        raise ArgumentError(f"{op}: lr must be >= 0, got {v!r}")
    return f


def non_negative(name: str) -> Callable[[str, Any], float]:
    def check(op: str, v: Any) -> float:
        f = _number(op, name, v)
        if f < 0:
            raise ArgumentError(f"{op}: {name} must be >= 0, got {v!r}")
        return f

    check.__name__ = name
    return check


def unit_interval(name: str, closed: bool = False) -> Callable[[str, Any], float]:
    """A value in [0, 1) (betas, rho, alpha), or [0, 1] with ``closed``."""

    def check(op: str, v: Any) -> float:
        f = _number(op, name, v)
        if not (0.0 <= f <= 1.0 if closed else 0.0 <= f < 1.0):
            raise ArgumentError(f"{op}: {name} must be in [0, 1{']' if closed else ')'}, got {v!r}")
        return f

    check.__name__ = name
    return check


eps = non_negative("eps")
weight_decay = non_negative("weight_decay")
momentum = non_negative("momentum")
beta1 = unit_interval("beta1")
beta2 = unit_interval("beta2")
