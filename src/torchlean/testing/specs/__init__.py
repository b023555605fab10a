"""The op-spec database: every public op of ``Ops``, by family."""

from __future__ import annotations

from ..opspec import OpSpec
from . import compare, conv, core, indexing, nn, random

ALL_SPECS: list[OpSpec] = [*core.SPECS, *compare.SPECS, *conv.SPECS, *nn.SPECS, *indexing.SPECS, *random.SPECS]

__all__ = ["ALL_SPECS"]
