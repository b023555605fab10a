"""Elementwise math beyond the seed's ops (family: math; being built)."""

from __future__ import annotations

from .base import OpsBase


class MathOps(OpsBase):
    """See the module docstring."""
