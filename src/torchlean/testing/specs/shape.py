"""Specs of shape ops and indexing (being built)."""

from __future__ import annotations

from ..opspec import OpSpec

SPECS: list[OpSpec] = []
