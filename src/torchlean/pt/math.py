"""Elementwise math with ``torch``'s names: functions and the ``torch.Tensor`` methods.

(Family: elementwise math. Status: the seed-era methods; the full family is being built.)
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__: list[str] = []


def _scalar(v: Any) -> Any:
    """NumPy scalars behave as Python scalars (like PyTorch numbers)."""
    if type(v) is float:
        return v
    return v.item() if isinstance(v, np.generic) else v


class MathMethods:
    """``torch.Tensor`` elementwise methods."""

    __slots__ = ()
    session: Any

    def relu(self) -> Any:
        return self.session.relu(self)

    def sigmoid(self) -> Any:
        return self.session.sigmoid(self)

    def tanh(self) -> Any:
        return self.session.tanh(self)

    def exp(self) -> Any:
        return self.session.exp(self)

    def log(self) -> Any:
        return self.session.log(self)

    def sqrt(self) -> Any:
        return self.session.sqrt(self)

    def abs(self) -> Any:
        return self.session.abs(self)

    def neg(self) -> Any:
        return self.session.neg(self)

    def reciprocal(self) -> Any:
        return self.session.inv(self)

    def softplus(self) -> Any:
        return self.session.softplus(self)

    def clamp(self, min: float | None = None, max: float | None = None) -> Any:  # noqa: A002
        return self.session.clamp(self, min, max)

    def maximum(self, o: Any) -> Any:
        return self.session.maximum(self, _scalar(o))

    def minimum(self, o: Any) -> Any:
        return self.session.minimum(self, _scalar(o))

    def matmul(self, o: Any) -> Any:
        return self.session.matmul(self, o)

    def detach(self) -> Any:
        return self.session.detach(self)
