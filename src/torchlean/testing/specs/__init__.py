"""The op-spec database: every public op of ``Ops``, by family."""

from __future__ import annotations

from ..opspec import OpSpec
from . import compare, conv, core, functional, indexing, loss, math, nn, pt_linear, random, reduce, shape
from . import math_extra as _math_extra  # the math family's additions
from . import seqloss as _seqloss  # ctc_loss's gradient-convention term
from . import sorting as _sorting  # the shape family's additions
from . import special as _special  # torch.special and more torch math
from . import unpool as _unpool  # max_unpool

ALL_SPECS: list[OpSpec] = [
    *core.SPECS, *compare.SPECS, *math.SPECS, *reduce.SPECS, *conv.SPECS, *nn.SPECS, *loss.SPECS,
    *functional.SPECS, *pt_linear.SPECS, *indexing.SPECS, *shape.SPECS, *random.SPECS,
]
ALL_SPECS += _math_extra.SPECS
ALL_SPECS += _sorting.SPECS
ALL_SPECS += _unpool.SPECS
ALL_SPECS += _seqloss.SPECS
ALL_SPECS += _special.SPECS


__all__ = ["ALL_SPECS"]

from . import linalg as _linalg  # noqa: E402  (torchlean.linalg)

ALL_SPECS += _linalg.SPECS
