"""Indexing, gather/scatter, concat, slice and axis permutations ops."""

from __future__ import annotations

from .base import OpsBase


class IndexOps(OpsBase):
    """Indexing, gather/scatter, concat, slice and axis permutations."""
