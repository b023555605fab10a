"""Specs of the conv ops."""

from __future__ import annotations

from ..opspec import OpSpec

SPECS: list[OpSpec] = []
