"""Lower a graph to a straight-line Python function over one backend's kernels.

The generated code calls each equation's kernel (the backend's override or the primitive's xp
kernel) with its params written as literals, and deletes each value after its last use, so
memory is released as soon as possible. Constants are uploaded to the device once, at lowering.
``Executable.source`` holds the generated code for inspection.
"""

from __future__ import annotations

import ast
from functools import partial
from typing import Any

from ..backends.base import ArrayBackend
from .ir import Graph


def _literal(v: Any) -> bool:
    try:
        return ast.literal_eval(repr(v)) == v and type(ast.literal_eval(repr(v))) is type(v)
    except (ValueError, SyntaxError):
        return False


class Executable:
    """A graph lowered for one backend: ``run(*inputs) -> list of outputs``."""

    def __init__(self, graph: Graph, backend: ArrayBackend) -> None:
        self.graph = graph
        self.backend = backend
        names: dict[Any, str] = {}
        env: dict[str, Any] = {"xp": backend.xp}
        for i, v in enumerate(graph.inputs):
            names[v] = f"a{i}"
        for j, (v, value) in enumerate(graph.consts.items()):
            names[v] = f"c{j}"
            env[f"c{j}"] = backend.asarray(value, value.dtype)
        last_use: dict[Any, int] = {}
        for k, eqn in enumerate(graph.eqns):
            for v in eqn.inputs:
                last_use[v] = k
        outputs = set(graph.outputs)
        lines = [f"def run({', '.join(names[v] for v in graph.inputs)}):"]
        for k, eqn in enumerate(graph.eqns):
            names[eqn.out] = f"v{eqn.out.id}"
            kernel = backend.resolve(eqn.prim)
            if isinstance(kernel, partial) and kernel.args == (backend.xp,) and not kernel.keywords:
                env[f"f{k}"] = kernel.func
                call = [f"f{k}(xp"]
            else:
                env[f"f{k}"] = kernel
                call = [f"f{k}("]
            args = [names[v] for v in eqn.inputs]
            for p, value in eqn.params.items():
                if _literal(value):
                    args.append(f"{p}={value!r}")
                else:
                    env[f"p{k}_{p}"] = value
                    args.append(f"{p}=p{k}_{p}")
            sep = ", " if call[0].endswith("xp") and args else ""
            lines.append(f"    {names[eqn.out]} = {call[0]}{sep}{', '.join(args)})")
            dead = [names[v] for v in set(eqn.inputs) if last_use.get(v) == k and v not in outputs
                    and v not in graph.consts]
            if dead:
                lines.append(f"    del {', '.join(sorted(dead))}")
        # Outputs that alias an input or a constant are copied, so callers never share buffers.
        aliased = set(graph.inputs) | set(graph.consts)
        outs = [f"{names[v]}.copy()" if v in aliased else names[v] for v in graph.outputs]
        lines.append(f"    return [{', '.join(outs)}]")
        self.source = "\n".join(lines)
        exec(compile(self.source, f"<torchlean graph {id(graph):x}>", "exec"), env)
        self.run = env["run"]
