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
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def has_numba() -> bool:
    from torchlean.compiled import codegen_numba

    return codegen_numba.available()
