"""Shape ops beyond the seed's (family: shape and indexing; being built)."""

from __future__ import annotations

from .base import OpsBase


class ShapeOps(OpsBase):
    """See the module docstring."""
