"""The op-spec database: every public op of ``Ops``, by family."""

from __future__ import annotations

from ..opspec import OpSpec
from . import compare, conv, core, functional, indexing, loss, math, nn, pt_linear, random, reduce, shape
from . import math_extra as _math_extra  # the math family's additions
from . import sorting as _sorting  # the shape family's additions

ALL_SPECS: list[OpSpec] = [
    *core.SPECS, *compare.SPECS, *math.SPECS, *reduce.SPECS, *conv.SPECS, *nn.SPECS, *loss.SPECS,
    *functional.SPECS, *pt_linear.SPECS, *indexing.SPECS, *shape.SPECS, *random.SPECS,
]
ALL_SPECS += _math_extra.SPECS
ALL_SPECS += _sorting.SPECS


__all__ = ["ALL_SPECS"]
