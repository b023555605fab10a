"""The ``Ops`` interface: every public op written once, for every binder.

``Ops`` is assembled from one mixin per op family; each mixin is written against the binder
hooks of ``OpsBase`` (``bind``, ``type_of``, ``shape_of``, ``lift``). Binders subclass ``Ops``.
"""

from __future__ import annotations

from .base import OpsBase
from .compare import CompareOps
from .conv import ConvPoolOps
from .core import CoreOps
from .creation import CreationOps
from .indexing import IndexOps
from .mathops import MathOps
from .nn import NormAttentionOps
from .random import RandomOps
from .reductions import ReduceOps
from .shapeops import ShapeOps


class Ops(CoreOps, CompareOps, MathOps, ReduceOps, ConvPoolOps, NormAttentionOps, IndexOps, ShapeOps,
          RandomOps, CreationOps, OpsBase):
    """Backend-generic op interface: the eager session, the graph tracer and the array binder
    implement the four hooks of ``OpsBase``; every op below is shared."""


__all__ = ["Ops", "OpsBase"]
