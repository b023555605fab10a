"""Specs of elementwise math (being built)."""

from __future__ import annotations

from ..opspec import OpSpec

SPECS: list[OpSpec] = []
