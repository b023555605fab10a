"""Typed graph IR: ``Var``, ``Eqn``, ``Graph``, a readable printout and a typechecker.

A graph is straight-line code in SSA form: inputs, constants, equations (a primitive applied
to earlier variables with static params) and outputs. Every variable carries its
``TensorType``; ``typecheck`` re-runs each primitive's shape rule and compares.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .._core.errors import TorchLeanError
from .._core.registry import Primitive
from .._core.types import TensorType
from ..frontend.tensor_methods import TensorMethods
from ..interop import refuse_traced_dlpack


class Var(TensorMethods):
    """A value in a graph: an id, its type, and the graph that owns it."""

    __slots__ = ("graph", "id", "type")
    __dlpack__ = __dlpack_device__ = refuse_traced_dlpack

    def __init__(self, graph: Graph, id: int, type: TensorType) -> None:  # noqa: A002
        self.graph, self.id, self.type = graph, id, type

    @property
    def session(self) -> Any:
        """The graph builder recording into this value's graph (for operators and methods)."""
        return self.graph.builder

    def __repr__(self) -> str:
        return f"v{self.id}:{self.type}"


class Eqn:
    """``out = prim[params](*inputs)``; ``origin``, the public op the traced function called
    that bound it (errors its kernel raises at run time are reported under that name, as eager
    reports them)."""

    __slots__ = ("prim", "inputs", "params", "out", "origin")

    def __init__(self, prim: Primitive, inputs: tuple[Var, ...], params: dict[str, Any], out: Var,
                 origin: str | None = None) -> None:
        self.prim, self.inputs, self.params, self.out = prim, inputs, params, out
        self.origin = origin

    def __str__(self) -> str:
        params = ", ".join(f"{k}={_fmt(v)}" for k, v in self.params.items())
        args = ", ".join(f"v{v.id}" for v in self.inputs)
        return f"v{self.out.id}: {self.out.type} = {self.prim.name}{f'[{params}]' if params else ''}({args})"


def _fmt(v: Any) -> str:
    return repr(v) if not isinstance(v, float) else f"{v:.6g}"


class Graph:
    """Inputs, constants, equations and outputs of one traced function."""

    def __init__(self) -> None:
        self.inputs: list[Var] = []
        self.consts: dict[Var, np.ndarray] = {}
        self.eqns: list[Eqn] = []
        self.outputs: list[Var] = []
        self.builder: Any = None
        self._next = 0

    def new_var(self, type: TensorType) -> Var:  # noqa: A002
        v = Var(self, self._next, type)
        self._next += 1
        return v

    def add_input(self, type: TensorType) -> Var:  # noqa: A002
        v = self.new_var(type)
        self.inputs.append(v)
        return v

    def add_const(self, value: np.ndarray) -> Var:
        v = self.new_var(TensorType(tuple(value.shape), value.dtype))
        self.consts[v] = value
        return v

    def __str__(self) -> str:
        ins = ", ".join(f"v{v.id}: {v.type}" for v in self.inputs)
        lines = [f"graph({ins}) {{"]
        for v, value in self.consts.items():
            body = np.array2string(value, threshold=6, precision=4, separator=",").replace("\n", "")
            lines.append(f"  v{v.id}: {v.type} = const {body}")
        lines += [f"  {e}" for e in self.eqns]
        lines.append(f"  return {', '.join(f'v{v.id}' for v in self.outputs)}")
        lines.append("}")
        return "\n".join(lines)

    __repr__ = __str__

    def primitives(self) -> list[str]:
        return [e.prim.name for e in self.eqns]


def typecheck(graph: Graph) -> None:
    """Re-run every shape rule; raise if a variable is used before definition or mistyped."""
    defined = set(graph.inputs) | set(graph.consts)
    for eqn in graph.eqns:
        for v in eqn.inputs:
            if v not in defined:
                raise TorchLeanError(f"typecheck: v{v.id} is used by {eqn.prim.name} before it is defined")
        got = eqn.prim.shape(*[v.type for v in eqn.inputs], **eqn.params)
        if got != eqn.out.type:
            raise TorchLeanError(f"typecheck: {eqn.prim.name} produces {got}, graph says {eqn.out.type}")
        if eqn.out in defined:
            raise TorchLeanError(f"typecheck: v{eqn.out.id} is defined twice")
        defined.add(eqn.out)
    for v in graph.outputs:
        if v not in defined:
            raise TorchLeanError(f"typecheck: output v{v.id} is never defined")


def live_eqns(graph: Graph, outputs: Iterable[Var]) -> list[Eqn]:
    """The equations the given outputs depend on, in order (dead-code elimination)."""
    needed = set(outputs)
    keep = []
    for eqn in reversed(graph.eqns):
        if eqn.out in needed:
            keep.append(eqn)
            needed.update(eqn.inputs)
    keep.reverse()
    return keep


def prune(graph: Graph) -> Graph:
    """Drop equations and constants no output depends on (in place); return the graph."""
    graph.eqns = live_eqns(graph, graph.outputs)
    used = set(graph.outputs)
    for e in graph.eqns:
        used.update(e.inputs)
    graph.consts = {v: c for v, c in graph.consts.items() if v in used}
    return graph
