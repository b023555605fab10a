"""Specs of other torch.nn.functional ops (being built)."""

from __future__ import annotations

from ..opspec import OpSpec

SPECS: list[OpSpec] = []
