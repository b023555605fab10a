"""Reductions beyond sums and means (family: reductions; being built)."""

from __future__ import annotations

from .base import OpsBase


class ReduceOps(OpsBase):
    """See the module docstring."""
