"""Indexing with ``torch``'s semantics: ``x[...]``, gather/scatter, masks.

(Family: indexing. Status: being built.)
"""

from __future__ import annotations

from typing import Any

__all__: list[str] = []


class IndexMethods:
    """``torch.Tensor`` indexing methods."""

    __slots__ = ()
    session: Any
