"""Reductions and the softmax family with ``torch``'s names: functions and tensor methods.

(Family: reductions. Status: the seed-era methods; the full family is being built.)
"""

from __future__ import annotations

from typing import Any

__all__: list[str] = []


class ReduceMethods:
    """``torch.Tensor`` reduction methods."""

    __slots__ = ()
    session: Any

    def softmax(self, dim: int = -1) -> Any:
        return self.session.softmax(self, dim)

    def log_softmax(self, dim: int = -1) -> Any:
        return self.session.log_softmax(self, dim)

    def sum(self, dim: Any = None, keepdim: bool = False) -> Any:
        return self.session.reduce_sum(self, dim, keepdim)

    def mean(self, dim: Any = None, keepdim: bool = False) -> Any:
        return self.session.reduce_mean(self, dim, keepdim)
