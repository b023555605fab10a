"""The graph binder: the ``Ops`` interface that runs shape rules only and appends equations.

Tracing a model calls it once with ``Var`` arguments; every op checks its shapes now, so a
mis-shaped model fails at compile time, before any data exists, with the op's message and the
line of the user's model that called it.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._core.errors import TorchLeanError
from .._core.registry import Primitive
from .._core.types import TensorType, as_dtype, float32
from ..frontend import Ops
from .ir import Eqn, Graph, Var

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class GraphBuilder(Ops):
    """``Ops`` binder that records typed equations into a ``Graph``."""

    def __init__(self, dtype: Any = float32, seed: int = 0, graph: Graph | None = None) -> None:
        self.graph = Graph() if graph is None else graph
        self.graph.builder = self
        self.dtype = as_dtype(dtype)
        self.seed = seed
        self.rng_ops = 0
        self.counter: Var | None = None
        self._producer: dict[Var, Eqn] = {}

    def bind(self, prim: Primitive, *args: Any, **params: Any) -> Var:
        for a in args:
            if a.__class__ is not Var or a.graph is not self.graph:
                raise TorchLeanError(f"{prim.name}: expected a traced value of this graph, got "
                                     f"{type(a).__name__}; wrap data with ops.const(...)")
        out_type = prim.shape(*[a.type for a in args], **params)
        # Peephole: multiplying by a constant one (e.g. the unit seed of a gradient) is a no-op.
        if prim.name == "mul":
            for x, y in (args, args[::-1]):
                if x.type == out_type and self._is_ones(y):
                    return x
        if prim.name == "scale" and params["c"] == 1.0:
            return args[0]
        out = self.graph.new_var(out_type)
        eqn = Eqn(prim, tuple(args), dict(params), out)
        self.graph.eqns.append(eqn)
        self._producer[out] = eqn
        return out

    def _is_ones(self, v: Var) -> bool:
        """Whether v is a constant of ones (or a broadcast of one)."""
        eqn = self._producer.get(v)
        if eqn is not None and eqn.prim.name == "broadcast_to":
            v = eqn.inputs[0]
        value = self.graph.consts.get(v)
        return value is not None and value.size <= 1 << 16 and bool(np.all(value == 1))

    def type_of(self, x: Any) -> TensorType:
        if x.__class__ is not Var:
            raise TorchLeanError(f"expected a traced value, got {type(x).__name__}")
        return x.type

    def shape_of(self, x: Any) -> tuple[int, ...]:
        return self.type_of(x).shape

    def lift(self, value: Any, dtype: Any = None) -> Var:
        if dtype is None:
            kind = np.asarray(value).dtype.kind
            dtype = np.int64 if kind in "iu" else (np.bool_ if kind == "b" else self.dtype)
        return self.graph.add_const(np.array(value, dtype=as_dtype(dtype), copy=True))

    def rng_input(self) -> tuple[Var, int, int]:
        """The graph's implicit counter input; each random op gets the next offset."""
        if self.counter is None:
            self.counter = self.graph.new_var(TensorType((), np.dtype(np.uint64)))
        offset = self.rng_ops
        self.rng_ops += 1
        return self.counter, self.seed, offset


def as_type(spec: Any, default_dtype: Any = float32) -> TensorType:
    """A TensorType from a TensorType, a shape tuple, an array, or (shape, dtype)."""
    if isinstance(spec, TensorType):
        return spec
    if hasattr(spec, "shape") and hasattr(spec, "dtype"):
        return TensorType(tuple(spec.shape), as_dtype(spec.dtype))
    if isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[0], tuple):
        return TensorType(tuple(int(d) for d in spec[0]), as_dtype(spec[1]))
    if isinstance(spec, (tuple, list)):
        return TensorType(tuple(int(d) for d in spec), as_dtype(default_dtype))
    raise TorchLeanError(f"cannot read an input type from {spec!r}")


def trace(fn: Callable[..., Any], input_types: Sequence[Any], dtype: Any = float32, seed: int = 0
          ) -> tuple[Graph, bool]:
    """Run ``fn(ops, *vars)`` once on a graph builder.

    Returns the graph (inputs in order; the random-stream counter, if any random op ran, as an
    extra last input) and whether the function returned a single value (vs a tuple).
    """
    b = GraphBuilder(dtype, seed)
    types = [as_type(t, dtype) for t in input_types]
    args = [b.graph.add_input(t) for t in types]
    try:
        out = fn(b, *args)
    except TorchLeanError as e:
        raise _with_user_line(e) from None
    single = not isinstance(out, (tuple, list))
    outs = [out] if single else list(out)
    for o in outs:
        if o.__class__ is not Var or o.graph is not b.graph:
            raise TorchLeanError(f"compile: the function must return traced values, got {type(o).__name__}")
    b.graph.outputs = outs
    if b.counter is not None:
        b.graph.inputs.append(b.counter)
    return b.graph, single


def _with_user_line(e: TorchLeanError) -> TorchLeanError:
    """The same error, with the innermost line of user code (outside torchlean) that led to it."""
    frames = [f for f in traceback.extract_tb(e.__traceback__)
              if not os.path.abspath(f.filename).startswith(_PACKAGE_DIR)]
    if not frames:
        return e
    f = frames[-1]
    where = f"{f.filename}:{f.lineno}" + (f": {f.line.strip()}" if f.line else "")
    new = type(e)(f"{e}\n  in your model at {where}")
    new.__traceback__ = e.__traceback__
    return new
