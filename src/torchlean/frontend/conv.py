"""Convolution and pooling ops."""

from __future__ import annotations

from .base import OpsBase


class ConvPoolOps(OpsBase):
    """Convolution and pooling."""
