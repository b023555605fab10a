"""``compile_scalar`` / ``compile_out``: trace once, then run forward, JVP and VJP many times.

A compiled function traces the user's Python function exactly once, at compile time (shape
errors surface there), keeps the typed graph, and builds its derivative graphs on first use.
It runs on the device of its ``Options`` (asking for CUDA without CuPy or a GPU raises
``DeviceError`` at compile time: never a CPU fallback). Every call checks the input signature:
the count, each input through the boundary (``_core/convert.py``: a float64 array is rounded to
a float32 input as ``Session.input`` does, float data for an integer input is refused), its
shape, and its device (an array of another device raises, naming both). Random ops read the
function's own counter, which starts at 0 and advances by the number of random ops per
successful run, as an eager session's does; a failed call changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._core import convert
from .._core.errors import ArgumentError, DeviceError, NotDifferentiableError, ShapeError, TorchLeanError
from .._core.types import TensorType
from ..backends import get_backend
from ..backends.base import ArrayBackend
from ..options import Device, Options
from .config import CompileOptions, current_options
from .eager_tier import TIERED_KINDS, run_eager
from .ir import Graph, typecheck
from .lower import Executable
from .trace import trace
from .transforms import differentiable, jvp_graph, vjp_graph


class CompiledFunction:
    """Shared machinery of ``CompiledScalar`` and ``CompiledOut``."""

    def __init__(self, fn: Callable[..., Any], input_types: Sequence[Any], options: Options | None = None,
                 scalar: bool = False, wrt: Sequence[bool] | None = None) -> None:
        if options is not None and not isinstance(options, Options):
            raise ArgumentError(f"compile: options must be an Options, got {type(options).__name__}")
        self.options = options or Options()
        graph, single = trace(fn, input_types, self.options.dtype, self.options.seed)
        if not single:
            raise ArgumentError("compile: the function must return one tensor (compile_scalar/"
                                "compile_out); several outputs: tl.compile")
        out = graph.outputs[0].type
        if scalar and (out.shape != () or out.dtype.kind != "f"):
            raise ShapeError(f"compile_scalar: the function returns {out}, not a float scalar")
        typecheck(graph)
        self.backend = get_backend(self.options.device, self.options.matmul_precision)
        self.graph = graph
        self.rng_ops = sum(e.prim.name in ("rand_uniform", "bernoulli_mask") for e in graph.eqns)
        self.n_inputs = len(graph.inputs) - (1 if self.rng_ops else 0)
        self.input_types: list[TensorType] = [v.type for v in graph.inputs[:self.n_inputs]]
        self.output_type: TensorType = out
        flags = [True] * self.n_inputs if wrt is None else list(wrt)
        if len(flags) != self.n_inputs:
            raise ArgumentError(f"compile: wrt has {len(flags)} flags for {self.n_inputs} inputs")
        self.wrt = [f and differentiable(v) for f, v in zip(flags, graph.inputs)] + [False] * (self.rng_ops > 0)
        self.rng_counter = 0
        self._graphs: dict[str, Graph] = {"forward": graph}
        self._exes: dict[tuple[str, Device], Executable] = {}
        self._eager_calls: dict[str, int] = {}  # calls run on the eager interpreter (eager_tier)
        self._tier_options: CompileOptions | None = None
        self._consts: dict[Any, Any] | None = None

    # -- graphs ------------------------------------------------------------------------------
    def graph_of(self, kind: str) -> Graph:
        """The graph behind a call: ``forward``, ``vjp``, ``grad``, ``jvp`` or ``hvp``."""
        g = self._graphs.get(kind)
        if g is None:
            if kind != "forward" and self.output_type.dtype.kind != "f":
                raise NotDifferentiableError(f"compiled function: the output is {self.output_type}, "
                                             "which has no derivative")
            if kind == "vjp":
                g = vjp_graph(self.graph, self.wrt, with_value=True)
            elif kind == "grad":
                g = vjp_graph(self.graph, self.wrt, with_value=True, unit_seed=True)
            elif kind == "jvp":
                g = jvp_graph(self.graph, self.wrt)
            elif kind == "hvp":
                inner = vjp_graph(self.graph, self.wrt, with_value=False, unit_seed=True)
                g = jvp_graph(inner, self.wrt + [False] * (len(inner.inputs) - len(self.wrt)))
            else:
                raise TorchLeanError(f"unknown graph kind {kind!r}")
            typecheck(g)
            self._graphs[kind] = g
        return g

    def add_graph(self, kind: str, graph: Graph) -> None:
        """Register a derived graph (same leading inputs, extra inputs after them)."""
        typecheck(graph)
        self._graphs[kind] = graph

    def run(self, kind: str, args: Sequence[Any], extra: Sequence[tuple[Any, TensorType]] = ()) -> list[Any]:
        """Run a graph of this function on checked ``args`` plus ``(value, type)`` extras."""
        return self._run(kind, args, extra)

    def _run(self, kind: str, args: Sequence[Any], extra: Sequence[Any] = (), op: str = "compiled function"
             ) -> list[Any]:
        backend = self.backend
        arrays = self._inputs(args, op)
        what = "cotangent" if kind in ("vjp",) else "tangent"
        extras = [input_array(backend, e, t, what, op) if e is not None else backend.zeros(t.shape, t.dtype)
                  for e, t in extra]
        return self.run_checked(kind, arrays, extras)

    def run_checked(self, kind: str, arrays: list[Any], extras: Sequence[Any] = ()) -> list[Any]:
        """Run a graph on ``arrays`` and ``extras`` that are already arrays of the compiled
        device with exactly the graph's input types (what ``_inputs`` returns; a trainer's own
        parameters and the batches it checked), without checking them again."""
        backend = self.backend
        if self.rng_ops:
            arrays.append(backend.asarray(np.asarray(self.rng_counter, np.uint64), np.uint64))
        exe = self._exes.get((kind, backend.device))
        if exe is None:
            opts = self._tier_options = self._tier_options or current_options()
            calls = self._eager_calls.get(kind, 0)
            if kind in TIERED_KINDS and len(self.graph.eqns) > opts.eager_above and calls < opts.eager_calls:
                out = self._run_eager(kind, arrays, extras)
                self._eager_calls[kind] = calls + 1
                self.rng_counter += self.rng_ops
                return out
            exe = self._exes[(kind, backend.device)] = Executable(self.graph_of(kind), backend, opts)
        out = exe.run(*arrays, *extras)
        self.rng_counter += self.rng_ops  # only a successful run advances the stream
        return out

    def _executable(self, kind: str) -> Executable:
        """The lowered executable of a graph kind that has already run (lowered) once."""
        return self._exes[(kind, self.backend.device)]

    def _run_eager(self, kind: str, arrays: list[Any], extras: list[Any]) -> list[Any]:
        """One call on the eager interpreter (``eager_tier``: very large graphs, first calls)."""
        if kind != "forward" and self.output_type.dtype.kind != "f":
            raise NotDifferentiableError(f"compiled function: the output is {self.output_type}, "
                                         "which has no derivative")
        if self._consts is None:
            self._consts = {v: self.backend.asarray(c, c.dtype) for v, c in self.graph.consts.items()}
        return run_eager(self.graph, kind, self.options, self.backend, self._consts, arrays, self.wrt,
                         extras[0] if kind == "vjp" else None)

    def _inputs(self, args: Sequence[Any], op: str = "compiled function") -> list[Any]:
        """Check the call signature; return the inputs as arrays of the compiled device."""
        if len(args) != self.n_inputs:
            raise ArgumentError(f"{op}: the compiled function takes {self.n_inputs} inputs, got {len(args)}")
        return [input_array(self.backend, a, t, f"input {i}", op) for i, (a, t) in
                enumerate(zip(args, self.input_types))]

    def __str__(self) -> str:
        return str(self.graph)


def input_array(backend: ArrayBackend, value: Any, t: TensorType, what: str,
                op: str = "compiled function", upload: bool = False) -> Any:
    """``value`` as an array of ``backend`` with exactly type ``t`` (see module docstring).

    Host arrays for a CUDA function raise, unless ``upload`` (trainers and the autograd
    helpers, which take host batches by design, upload them explicitly)."""
    if backend.device is Device.CPU:
        if type(value) is np.ndarray and value.dtype == t.dtype:
            if value.shape == t.shape:
                return value  # the fast path: already a host array of the right type
            a = value
        else:
            a = convert.host_array(value, op, what, t.dtype)
        if tuple(a.shape) != t.shape:
            raise ShapeError(f"{op}: {what} must have shape {t.shape}, got {tuple(a.shape)}")
        return a
    where = f"{op}: {what}"
    if backend.is_array(value):
        a = value if value.dtype == t.dtype else convert.device_cast(backend.xp, where, value, t.dtype)
    elif not upload and (isinstance(value, np.ndarray) or hasattr(value, "__array__")
                         or hasattr(value, "__dlpack__")):
        raise DeviceError(f"{where}: got a host (cpu) {type(value).__name__} but this function was "
                          f"compiled for {backend.device.value}; upload it first (e.g. cupy.asarray)")
    else:
        a = backend.asarray(convert.host_array(value, op, what, t.dtype), t.dtype)
    if tuple(a.shape) != t.shape:
        raise ShapeError(f"{where} must have shape {t.shape}, got {tuple(a.shape)}")
    return a


class CompiledScalar(CompiledFunction):
    """A compiled scalar-valued function (the seed's ``CompiledScalar``)."""

    def forward(self, *x: Any) -> Any:
        return self._run("forward", x)[0]

    __call__ = forward

    def jvp(self, x: Sequence[Any], dx: Sequence[Any]) -> Any:
        """Directional derivative along ``dx`` (one tangent per differentiable input)."""
        return self._run("jvp", x, self._tangents(dx, "jvp"), "jvp")[1]

    def backward(self, *x: Any) -> list[Any]:
        """Gradients (seed 1) aligned with the inputs; None for non-float inputs."""
        return self._grads(self._run("grad", x)[1:])

    def backward_with_seed(self, x: Sequence[Any], seed: Any, op: str = "backward_with_seed") -> list[Any]:
        """Gradients of ``seed * f`` aligned with the inputs."""
        return self._grads(self._run("vjp", x, [(seed, self.output_type)], op)[1:])

    def value_and_grad(self, *x: Any) -> tuple[Any, list[Any]]:
        outs = self._run("grad", x)
        return outs[0], self._grads(outs[1:])

    def hvp(self, x: Sequence[Any], v: Sequence[Any]) -> list[Any]:
        """Hessian-vector product: the JVP of the gradient graph (a graph of a graph)."""
        outs = self._run("hvp", x, self._tangents(v, "hvp"), "hvp")
        k = sum(self.wrt)
        return self._grads(outs[k:])

    # -- helpers ----------------------------------------------------------------------------------
    def _tangents(self, dx: Sequence[Any], op: str) -> list[tuple[Any, TensorType]]:
        float_types = [t for t, w in zip(self.input_types, self.wrt) if w]
        if not isinstance(dx, (list, tuple)):
            raise ArgumentError(f"{op}: tangents must be a list (one per float input), got {type(dx).__name__}")
        if len(dx) == self.n_inputs and len(float_types) != self.n_inputs:
            dx = [d for d, w in zip(dx, self.wrt) if w]
        if len(dx) != len(float_types):
            raise ArgumentError(f"{op}: expected {len(float_types)} tangents (one per float input), got {len(dx)}")
        return list(zip(dx, float_types))

    def _grads(self, grads: Sequence[Any]) -> list[Any]:
        it = iter(grads)
        return [next(it) if w else None for w in self.wrt[:self.n_inputs]]


class CompiledOut(CompiledScalar):
    """A compiled tensor-valued function (the seed's ``CompiledOut``)."""

    def vjp_with_seed(self, x: Sequence[Any], seed: Any) -> list[Any]:
        """Cotangents of the inputs for output cotangent ``seed``."""
        return self.backward_with_seed(x, seed, "vjp")


def compile_scalar(fn: Callable[..., Any], input_types: Sequence[Any], options: Options | None = None,
                   wrt: Sequence[bool] | None = None) -> CompiledScalar:
    """Trace ``fn(ops, *inputs) -> scalar`` once into a typed graph.

    ``input_types`` are TensorTypes, shapes (default dtype), ``(shape, dtype)`` pairs or arrays.
    ``wrt`` selects the inputs that get gradients (default: every float input); the others get
    None and no backward work.
    """
    return CompiledScalar(fn, input_types, options, scalar=True, wrt=wrt)


def compile_out(fn: Callable[..., Any], input_types: Sequence[Any], options: Options | None = None,
                wrt: Sequence[bool] | None = None) -> CompiledOut:
    """Trace ``fn(ops, *inputs) -> tensor`` once into a typed graph."""
    return CompiledOut(fn, input_types, options, scalar=False, wrt=wrt)
