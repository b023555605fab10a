"""Reduction primitives beyond sums (being built)."""

from __future__ import annotations
