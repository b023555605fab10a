"""Shared helpers of the compiled-path tests."""

from __future__ import annotations

from typing import Any

import numpy as np

import torchlean as tl
from torchlean._core.registry import REGISTRY
from torchlean.compiled.api import compile_out
from torchlean.compiled.config import compile_options


def prim(ops: Any, name: str, *args: Any, **params: Any) -> Any:
    """Bind a primitive directly (the front end would fold trivial views before the passes)."""
    return ops.bind(REGISTRY[name], *args, **params)


def run_out(fn: Any, arrays: list[np.ndarray], kind: str = "forward", **options: Any) -> tuple[Any, Any]:
    """Compile ``fn`` under ``compile_options(**options)``, run it once; (outputs, executable)."""
    with compile_options(**options):
        c = compile_out(fn, arrays, tl.Options(dtype=arrays[0].dtype))
        outs = c._run(kind, arrays)
    return outs, c._exes[(kind, tl.Device.CPU)]


def multi(fn: Any, arrays: list[np.ndarray], n_out: int, **options: Any) -> tuple[list[Any], Any]:
    """Compile a function returning ``n_out`` values (a graph with several outputs)."""
    from torchlean.compiled.lower import Executable
    from torchlean.compiled.trace import trace

    graph, _ = trace(fn, arrays, arrays[0].dtype)
    assert len(graph.outputs) == n_out
    from torchlean.backends import get_backend

    with compile_options(**options):
        exe = Executable(graph, get_backend(tl.Device.CPU))
    return exe.run(*arrays), exe


def bitwise_equal(a: Any, b: Any) -> bool:
    """Same shape, dtype and bits, signed zeros included; every NaN equals every NaN (IEEE
    leaves a NaN's sign and payload to the hardware's operand order)."""
    a, b = np.array(a), np.array(b)
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind == "f":
        na, nb = np.isnan(a), np.isnan(b)
        if not np.array_equal(na, nb):
            return False
        a[na] = b[nb] = 0
    return a.tobytes() == b.tobytes()


def has_numba() -> bool:
    from torchlean.compiled import codegen_numba

    return codegen_numba.available()


class RawGraph:
    """Build a graph equation by equation, without the builder's peepholes (which already
    drop e.g. ``x * 1``), to test passes on exactly the equations given."""

    def __init__(self) -> None:
        from torchlean.compiled.ir import Graph

        self.graph = Graph()

    def input(self, shape: tuple[int, ...], dtype: Any = np.float64) -> Any:
        from torchlean._core.types import TensorType

        return self.graph.add_input(TensorType(tuple(shape), np.dtype(dtype)))

    def const(self, value: Any) -> Any:
        return self.graph.add_const(np.array(value))

    def __call__(self, name: str, *args: Any, **params: Any) -> Any:
        from torchlean.compiled.ir import Eqn

        p = REGISTRY[name]
        out = self.graph.new_var(p.shape(*[a.type for a in args], **params))
        self.graph.eqns.append(Eqn(p, tuple(args), params, out))
        return out

    def executable(self, *outputs: Any, **options: Any) -> Any:
        from torchlean.backends import get_backend
        from torchlean.compiled.ir import typecheck
        from torchlean.compiled.lower import Executable

        self.graph.outputs = list(outputs)
        typecheck(self.graph)
        with compile_options(**options):
            return Executable(self.graph, get_backend(tl.Device.CPU))
