"""The op-spec database: every public op of ``Ops``, by family."""

from __future__ import annotations

from ..opspec import OpSpec
from . import compare, conv, core, functional, indexing, loss, math, nn, pt_linear, random, reduce, shape

ALL_SPECS: list[OpSpec] = [
    *core.SPECS, *compare.SPECS, *math.SPECS, *reduce.SPECS, *conv.SPECS, *nn.SPECS, *loss.SPECS,
    *functional.SPECS, *pt_linear.SPECS, *indexing.SPECS, *shape.SPECS, *random.SPECS,
]

__all__ = ["ALL_SPECS"]
