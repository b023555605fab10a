"""Counter-based random ops and dropout.

Every random op draws the next counter of its binder's stream (``rng_input``): the eager
session's counter advances once per random op and survives ``reset``; a compiled graph takes it
as an implicit input. The values of a call are reproducible from ``(seed, counter)`` alone:
``torchlean.random.uniform_host(seed, counter, shape)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .._core.errors import ShapeError
from .._core.registry import REGISTRY
from .base import OpsBase, is_scalar


def _shape(op: str, shape: Sequence[int] | int) -> tuple[int, ...]:
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    if any(not isinstance(d, int) or isinstance(d, bool) or d < 0 for d in shape):
        raise ShapeError(f"{op}: shape must be non-negative ints, got {shape!r}")
    return shape


class RandomOps(OpsBase):
    """Counter-based random ops and dropout."""

    def rand_uniform(self, shape: Sequence[int] | int, dtype: Any = None) -> Any:
        """U[0, 1) values of ``shape``: a constant, reproducible from (seed, counter)."""
        shape = _shape("rand_uniform", shape)
        dt = _name(self.dtype if dtype is None else dtype)
        counter, seed, offset = self.rng_input()
        return self.bind(REGISTRY["rand_uniform"], counter, seed=seed, offset=offset, shape=shape,
                         dtype=dt)

    def bernoulli_mask(self, keep_prob: Any, shape: Sequence[int] | int, dtype: Any = None) -> Any:
        """1 with probability ``keep_prob`` (where keep_prob > u_i), else 0; not rescaled (seed).

        ``keep_prob`` is a float or a scalar tensor; it gets no gradient.
        """
        shape = _shape("bernoulli_mask", shape)
        dt = _name(self.dtype if dtype is None else dtype)
        if is_scalar(keep_prob):
            keep_prob = self.lift(float(keep_prob), "float64")
        elif self.shape_of(keep_prob) != ():
            raise ShapeError("bernoulli_mask: keep_prob must be a scalar, "
                             f"got shape {self.shape_of(keep_prob)}")
        counter, seed, offset = self.rng_input()
        return self.bind(REGISTRY["bernoulli_mask"], counter, keep_prob, seed=seed, offset=offset,
                         shape=shape, dtype=dt)

    def dropout(self, x: Any, p: float = 0.5, training: bool = True) -> Any:
        """PyTorch dropout: zero each element with probability p and scale the rest by 1/(1-p)."""
        if not 0.0 <= p <= 1.0:
            raise ShapeError(f"dropout: p must be in [0, 1], got {p}")
        if not training or p == 0.0:
            return x
        t = self.type_of(x)
        mask = self.bernoulli_mask(1.0 - p, t.shape, t.dtype)
        return self.mul(x, mask if p == 1.0 else self.scale(mask, 1.0 / (1.0 - p)))


def _name(dtype: Any) -> str:
    import numpy as np

    return np.dtype(dtype).name
