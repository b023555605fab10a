"""Specs of the nn ops."""

from __future__ import annotations

from ..opspec import OpSpec

SPECS: list[OpSpec] = []
