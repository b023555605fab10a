"""Specs of reductions (being built)."""

from __future__ import annotations

from ..opspec import OpSpec

SPECS: list[OpSpec] = []
