"""Specs of the random ops."""

from __future__ import annotations

from ..opspec import OpSpec

SPECS: list[OpSpec] = []
