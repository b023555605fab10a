"""Tensor constructors on the binder: zeros, ones, arange, rand, randn... (being built)."""

from __future__ import annotations

from .base import OpsBase


class CreationOps(OpsBase):
    """See the module docstring."""
