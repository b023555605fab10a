"""Normalisation and attention ops."""

from __future__ import annotations

from .base import OpsBase


class NormAttentionOps(OpsBase):
    """Normalisation and attention."""
