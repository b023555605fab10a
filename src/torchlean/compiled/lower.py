"""Lower a graph to a straight-line Python function over one backend's kernels.

The generated code calls each equation's kernel (the backend's override or the primitive's xp
kernel) with its params written as literals, and deletes each value after its last use, so
memory is released as soon as possible. Constants are uploaded to the device once, at lowering.
``Executable.source`` holds the generated code for inspection.

One rewrite happens here, below the graph's semantics: a ``broadcast_to`` whose only uses are
operands of elementwise binary kernels is replaced by a reshape of its source, and the array
library broadcasts natively (NumPy and CuPy ufuncs give the identical result without
materialising or even viewing the replicated array).
"""

from __future__ import annotations

import ast
from functools import partial
from typing import Any

from .._core.shapes import expand_for_broadcast
from ..backends.base import ArrayBackend
from ..backends.blas_threads import enter_scope, exit_scope
from .ir import Graph, Var

_ELEMENTWISE = frozenset({"add", "sub", "mul", "div", "maximum", "minimum"})


def foldable_broadcasts(graph: Graph) -> set[Var]:
    """broadcast_to outputs used only as one operand of elementwise binary ops whose other
    operand already has the full output shape."""
    producers = {e.out: e for e in graph.eqns}
    ok: dict[Var, bool] = {}
    for e in graph.eqns:
        for i, v in enumerate(e.inputs):
            p = producers.get(v)
            if p is None or p.prim.name != "broadcast_to":
                continue
            other = e.inputs[1 - i] if len(e.inputs) == 2 else None
            good = (e.prim.name in _ELEMENTWISE and other is not None and other is not v
                    and other.type.shape == e.out.type.shape
                    and (producers.get(other) is None or producers[other].prim.name != "broadcast_to"))
            ok[v] = ok.get(v, True) and good
    outputs = set(graph.outputs)  # a set: `in` on a list would call Var.__eq__ (a comparison op)
    return {v for v, good in ok.items() if good and v not in outputs}


def _literal(v: Any) -> bool:
    try:
        return ast.literal_eval(repr(v)) == v and type(ast.literal_eval(repr(v))) is type(v)
    except (ValueError, SyntaxError):
        return False


def _root(a: Any) -> Any:
    """The array that owns ``a``'s memory (``a`` itself when it is not a view)."""
    while getattr(a, "base", None) is not None:
        a = a.base
    return a


def _unshare(out: Any, sources: tuple[Any, ...]) -> Any:
    """``out`` (a view), or a copy of it where its memory belongs to one of ``sources``."""
    root = id(_root(out))
    return out.copy() if any(id(_root(s)) == root for s in sources) else out


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
        folded = foldable_broadcasts(graph)
        lines = [f"def run({', '.join(names[v] for v in graph.inputs)}):"]
        for k, eqn in enumerate(graph.eqns):
            names[eqn.out] = f"v{eqn.out.id}"
            if eqn.out in folded:
                src = eqn.inputs[0]
                shape = expand_for_broadcast(src.type.shape, eqn.params["shape"], eqn.params["axes"])
                rhs = names[src] if shape == src.type.shape else f"{names[src]}.reshape({shape!r})"
                lines.append(f"    {names[eqn.out]} = {rhs}")
                continue
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
        # Outputs never share memory with an input or a constant: the outputs that are those
        # values are copied, and an output that is a view (reshape, transpose, slice, ...) is
        # copied when its memory overlaps one of them.
        # An output that owns its memory shares it only if it is a source itself (a kernel that
        # returned its input), checked by id; a view goes to _unshare. Both cost nanoseconds.
        aliased = set(graph.inputs) | set(graph.consts)
        sources = [names[v] for v in graph.inputs] + [names[v] for v in graph.consts]
        env["_unshare"], env["_getattr"] = _unshare, getattr
        lines[1:1] = [f"    _src = ({', '.join(sources)}{',' if len(sources) == 1 else ''})",
                      f"    _ids = {{{', '.join(f'id({n})' for n in sources)}}}" if sources else "    _ids = set()"]
        outs = []
        for v in graph.outputs:
            n = names[v]
            outs.append(f"{n}.copy()" if v in aliased else
                        f"({n} if _getattr({n}, 'base', None) is None and id({n}) not in _ids "
                        f"else _unshare({n}, _src))")
        lines.append(f"    return [{', '.join(outs)}]")
        if any(e.prim.name in backend.gemm_names for e in graph.eqns):  # one BLAS thread scope
            env["_enter"], env["_exit"] = enter_scope, exit_scope
            lines = [lines[0], "    _enter()", "    try:", *["    " + ln for ln in lines[1:]],
                     "    finally:", "        _exit()"]
        self.source = "\n".join(lines)
        exec(compile(self.source, f"<torchlean graph {id(graph):x}>", "exec"), env)
        self.run = env["run"]
