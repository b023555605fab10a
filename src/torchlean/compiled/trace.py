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

from .._core import convert
from .._core.current import active
from .._core.errors import ArgumentError, DTypeError, InvalidRefError, ShapeError, TorchLeanError
from .._core.gcpause import gc_paused
from .._core.guard import mark_user
from .._core.registry import Primitive
from .._core.shapes import as_shape
from .._core.types import TENSOR_DTYPES, TensorType, as_dtype, float32, float_dtype, tensor_dtype
from ..frontend import Ops
from ..frontend.frame import framed
from ..params import Param
from .ir import Eqn, Graph, Var

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@framed(exclude=("bind", "type_of", "shape_of", "lift", "rng_input", "assign_buffer"))
class GraphBuilder(Ops):
    """``Ops`` binder that records typed equations into a ``Graph``.

    Every public op runs in a frame (``frontend/frame.py``): a failing op leaves the graph as it
    was and its error names the op the model called."""

    _frame: str | None = None

    def __init__(self, dtype: Any = float32, seed: int = 0, graph: Graph | None = None) -> None:
        self.graph = Graph() if graph is None else graph
        self.graph.builder = self
        self.dtype = as_dtype(dtype)
        self.seed = seed
        self.rng_ops = 0
        self.counter: Var | None = None
        self._producer: dict[Var, Eqn] = {}
        self._frame = None
        # Params (and Buffers) a traced module used: each becomes a graph input, in first-use
        # order, and the compiled caller feeds their current values (tl.compile).
        self.captured: dict[int, tuple[Param, Var]] = {}
        # Buffer updates a traced module made (assign_buffer): extra outputs of the compiled
        # graph, stored into the buffers after each run.
        self.buffer_updates: list[tuple[Param, Var]] = []
        # Modules called during the trace: their train/eval modes are part of the signature.
        self.modules_called: dict[int, Any] = {}

    def note_module(self, module: Any) -> None:
        """Record a module called on this trace (``Module.__call__``)."""
        self.modules_called.setdefault(id(module), module)

    def _mark(self) -> tuple[int, int, int, Var | None, int, list[tuple[Param, Var]]]:
        return (len(self.graph.eqns), len(self.graph.consts), self.rng_ops, self.counter, len(self.captured),
                list(self.buffer_updates))

    def _restore(self, mark: tuple[int, int, int, Var | None, int, list[tuple[Param, Var]]]) -> None:
        n, k, self.rng_ops, self.counter, c, self.buffer_updates = mark
        if len(self.captured) > c:
            for key in list(self.captured)[c:]:
                _, var = self.captured.pop(key)
                self.graph.inputs = [v for v in self.graph.inputs if v is not var]  # identity, not ==
        g = self.graph
        for eqn in g.eqns[n:]:
            self._producer.pop(eqn.out, None)
        del g.eqns[n:]
        if len(g.consts) > k:
            g.consts = dict(list(g.consts.items())[:k])

    def _reject(self, op: str, a: Any) -> None:
        op = self._frame or op
        if a.__class__ is Var:
            raise InvalidRefError(f"{op}: a traced value of another graph (a value captured from "
                                  "another compiled function?)")
        if getattr(a, "__torchlean_tensor__", False):
            raise DTypeError(f"{op}: got an eager {type(a).__name__} inside a traced function: pass "
                             "it as an input of the compiled function (or its value via ops.const)")
        raise DTypeError(f"{op}: expected a traced value of this graph, got "
                         f"{type(a).__name__}; wrap data with ops.const(...)")

    def assign_buffer(self, buffer: Param, value: Any) -> None:
        """Record that ``buffer`` takes ``value`` after the run (the last update wins)."""
        if not isinstance(buffer, Param):
            raise DTypeError(f"assign_buffer: expected a Buffer, got {type(buffer).__name__}")
        var = self._coerce("assign_buffer", value)
        if var.type != buffer.type:
            raise ShapeError(f"assign_buffer: the buffer is {buffer.type}, the value {var.type}")
        self.buffer_updates = [(b, v) for b, v in self.buffer_updates if b is not buffer]
        self.buffer_updates.append((buffer, var))

    def param_var(self, p: Param) -> Var:
        """The graph input standing for a captured Param (made on its first use)."""
        hit = self.captured.get(id(p))
        if hit is None:
            var = self.graph.add_input(p.type)
            hit = self.captured[id(p)] = (p, var)
        return hit[1]

    def _coerce(self, op: str, a: Any) -> Var:
        if a.__class__ is Var and a.graph is self.graph:
            return a
        if isinstance(a, Param):
            for buf, var in reversed(self.buffer_updates):  # a buffer read after its update in
                if buf is a:                                  # this trace sees the new value, as
                    return var                                # eagerly (a module called twice)
            return self.param_var(a)
        self._reject(op, a)
        raise AssertionError  # unreachable

    def bind(self, prim: Primitive, *args: Any, **params: Any) -> Var:
        for a in args:
            if a.__class__ is not Var or a.graph is not self.graph:
                args = tuple([self._coerce(prim.name, v) for v in args])
                break
        out_type = prim.shape(*[a.type for a in args], **params)
        # Peephole: multiplying by a constant one (e.g. the unit seed of a gradient) is a no-op.
        if prim.name == "mul":
            for x, y in (args, args[::-1]):
                if x.type == out_type and self._is_ones(y):
                    return x
        if prim.name == "scale" and params["c"] == 1.0:
            return args[0]
        out = self.graph.new_var(out_type)
        eqn = Eqn(prim, tuple(args), dict(params), out, self._frame)
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
        if x.__class__ is not Var or x.graph is not self.graph:
            if isinstance(x, Param):
                return x.type
            self._reject("type_of", x)
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
    op = "compile"
    if isinstance(spec, TensorType):
        return TensorType(as_shape(op, spec.shape, "input shape"), tensor_dtype(spec.dtype, op))
    if hasattr(spec, "shape") and hasattr(spec, "dtype"):  # an example array
        dt = as_dtype(spec.dtype, op)
        dt = dt if dt in TENSOR_DTYPES else convert.default_dtype(dt, as_dtype(default_dtype))
        return TensorType(as_shape(op, tuple(spec.shape), "input shape"), dt)
    if isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[0], (tuple, list)):
        return TensorType(as_shape(op, spec[0], "input shape"), tensor_dtype(spec[1], op))
    if isinstance(spec, (tuple, list)):
        return TensorType(as_shape(op, spec, "input shape"), float_dtype(default_dtype, op))
    raise ArgumentError(f"{op}: cannot read an input type from {spec!r} (give a shape tuple, "
                        "(shape, dtype), a TensorType or an example array)")


@gc_paused
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
        with active(b):  # tl.zeros / tl.logspace / a Param on its own record on this trace
            out = fn(b, *args)
    except TorchLeanError as e:
        new = _with_user_line(e)
        mark_user(new)
        raise new from None
    single = not isinstance(out, (tuple, list))
    outs = [out] if single else list(out)
    for o in outs:
        if o.__class__ is not Var or o.graph is not b.graph:
            raise ArgumentError(f"compile: the function must return traced values, got {type(o).__name__}")
    if b.buffer_updates:
        raise ArgumentError("compile: the function updates module buffers (BatchNorm running statistics "
                            "in training mode), which a compile_out/compile_scalar graph does not write "
                            "back; compile the module with tl.compile(model), or call model.eval()")
    b.graph.outputs = outs
    if b.counter is not None:
        b.graph.inputs.append(b.counter)
    return b.graph, single


def _with_user_line(e: TorchLeanError) -> TorchLeanError:
    """The same error, with the innermost line of user code (outside torchlean) that led to it."""
    frames = [f for f in traceback.extract_tb(e.__traceback__)
              if not f.filename.startswith("<torchlean")  # generated frames and graphs
              and not os.path.abspath(f.filename).startswith(_PACKAGE_DIR)]
    if not frames:
        return e
    f = frames[-1]
    where = f"{f.filename}:{f.lineno}" + (f": {f.line.strip()}" if f.line else "")
    new = type(e)(f"{e}\n  in your model at {where}")
    new.__traceback__ = e.__traceback__
    return new
