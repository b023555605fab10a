"""The op-spec database: every public op of ``Ops``, by family."""

from __future__ import annotations

from ..opspec import OpSpec
from . import core

ALL_SPECS: list[OpSpec] = [*core.SPECS]

__all__ = ["ALL_SPECS"]
