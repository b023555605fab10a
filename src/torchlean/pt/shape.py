"""Shape ops with ``torch``'s names: functions (``cat``, ``stack``...) and tensor methods.

(Family: shape ops. Status: the seed-era methods; the full family is being built.)
"""

from __future__ import annotations

from typing import Any

__all__: list[str] = []


class ShapeMethods:
    """``torch.Tensor`` shape methods."""

    __slots__ = ()
    session: Any
    type: Any

    def reshape(self, *shape: Any) -> Any:
        if len(shape) == 1 and not isinstance(shape[0], int):
            shape = tuple(shape[0])
        return self.session.reshape(self, shape)

    view = reshape

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Any:
        return self.session.flatten(self, start_dim, end_dim)

    def permute(self, *dims: Any) -> Any:
        if len(dims) == 1 and not isinstance(dims[0], int):
            dims = tuple(dims[0])
        return self.session.permute(self, dims)

    def transpose(self, dim0: int, dim1: int) -> Any:
        return self.session.transpose(self, dim0, dim1)

    def t(self) -> Any:
        return self.session.transpose2d(self)

    @property
    def T(self) -> Any:  # noqa: N802
        return self.session.permute(self, tuple(reversed(range(len(self.type.shape)))))

    def broadcast_to(self, shape: Any) -> Any:
        return self.session.broadcast_to(self, shape)

    expand = broadcast_to
