"""Counter-based random ops and dropout ops."""

from __future__ import annotations

from .base import OpsBase


class RandomOps(OpsBase):
    """Counter-based random ops and dropout."""
