"""Specs of the indexing ops."""

from __future__ import annotations

from ..opspec import OpSpec

SPECS: list[OpSpec] = []
