"""Graph-to-graph transforms built from the registry's rules: JVP (forward mode) and VJP.

Each transform replays a graph on a fresh ``GraphBuilder`` and calls the primitives' JVP or
VJP rules with the builder as ``ops``, so the derivative is itself a typed graph: printable,
runnable by the same executor, and differentiable again (``hvp`` is a JVP of a VJP graph).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._core.gcpause import gc_paused
from .._core.registry import ZERO
from .ir import Graph, Var, prune
from .trace import GraphBuilder


def _builder(g: Graph) -> GraphBuilder:
    """A builder whose default float dtype is the graph's (for constants rules create)."""
    floats = [v.type.dtype for v in [*g.inputs, *g.outputs] if v.type.dtype.kind == "f"]
    return GraphBuilder(floats[0] if floats else np.float32)


def _replay(g: Graph, b: GraphBuilder) -> dict[Var, Var]:
    """Copy g's inputs (as new inputs) and constants into b; return the variable map."""
    env: dict[Var, Var] = {}
    for v in g.inputs:
        env[v] = b.graph.add_input(v.type)
    for v, value in g.consts.items():
        env[v] = b.graph.add_const(value)
    return env


def _emit(b: GraphBuilder, eqn, env: dict[Var, Var]) -> Var:
    b._frame = eqn.origin  # the copy keeps the public op that bound the equation
    try:
        out = b.bind(eqn.prim, *[env[v] for v in eqn.inputs], **eqn.params)
    finally:
        b._frame = None
    env[eqn.out] = out
    return out


def _zeros(b: GraphBuilder, v: Var) -> Var:
    return b.lift(np.zeros(v.type.shape, v.type.dtype), v.type.dtype)


def differentiable(v: Var) -> bool:
    return v.type.dtype.kind == "f"


@gc_paused
def vjp_graph(g: Graph, wrt: Sequence[bool] | None = None, with_value: bool = True,
              unit_seed: bool = False, out_wrt: Sequence[bool] | None = None) -> Graph:
    """Reverse mode: inputs ``(*g.inputs, *output cotangents)``; outputs
    ``(*g.outputs if with_value, *input cotangents for inputs in wrt)``. ``out_wrt`` selects the
    outputs that take a cotangent (default: all); the others are values only (e.g. a module's
    updated running statistics).

    With ``unit_seed`` the output cotangents are the constant 1 instead of inputs (a gradient
    graph), which lets the builder fold the multiplications by the seed away. Only equations
    on a path from a ``wrt`` input get rules applied (requires-grad pruning); an input the
    output does not depend on gets zeros.
    """
    wrt = [differentiable(v) for v in g.inputs] if wrt is None else list(wrt)
    b = _builder(g)
    env = _replay(g, b)
    needs = {v for v, w in zip(g.inputs, wrt) if w and differentiable(v)}
    for eqn in g.eqns:
        _emit(b, eqn, env)
        if differentiable(eqn.out) and any(v in needs and m for v, m in zip(eqn.inputs, eqn.prim.grad_mask)):
            needs.add(eqn.out)
    cts: dict[Var, Var] = {}
    flags = [True] * len(g.outputs) if out_wrt is None else list(out_wrt)
    for out, take in zip(g.outputs, flags):
        if not take:
            continue
        seed = (b.lift(np.ones(out.type.shape), out.type.dtype) if unit_seed
                else b.graph.add_input(out.type))
        cts[out] = b.add(cts[out], seed) if out in cts else seed
    for eqn in reversed(g.eqns):
        ct = cts.get(eqn.out)
        if ct is None or eqn.out not in needs:
            continue
        primals = [env[v] for v in eqn.inputs]
        for v, rule in zip(eqn.inputs, eqn.prim.vjp):
            if v not in needs or rule is None or rule is ZERO:
                continue
            c = rule(b, ct, env[eqn.out], *primals, **eqn.params)
            cts[v] = b.add(cts[v], c) if v in cts else c
    outs = [env[v] for v in g.outputs] if with_value else []
    for v, w in zip(g.inputs, wrt):
        if w and differentiable(v):
            ct = cts.get(v)
            outs.append(_zeros(b, v) if ct is None else ct)
    b.graph.outputs = outs
    return prune(b.graph)


@gc_paused
def jvp_graph(g: Graph, wrt: Sequence[bool] | None = None) -> Graph:
    """Forward mode: inputs ``(*g.inputs, *tangents of wrt inputs)``; outputs
    ``(*g.outputs, *output tangents)``."""
    wrt = [differentiable(v) for v in g.inputs] if wrt is None else list(wrt)
    b = _builder(g)
    env = _replay(g, b)
    tan: dict[Var, Var] = {}
    for v, w in zip(g.inputs, wrt):
        if w and differentiable(v):
            tan[v] = b.graph.add_input(v.type)
    for eqn in g.eqns:
        out = _emit(b, eqn, env)
        primals = [env[v] for v in eqn.inputs]
        acc = None
        for v, rule in zip(eqn.inputs, eqn.prim.jvp):
            t = tan.get(v)
            if t is None or rule is None or rule is ZERO:
                continue
            c = rule(b, t, out, *primals, **eqn.params)
            acc = c if acc is None else b.add(acc, c)
        if acc is not None:
            tan[eqn.out] = acc
    b.graph.outputs = [env[v] for v in g.outputs] + [
        _zeros(b, v) if tan.get(v) is None else tan[v] for v in g.outputs]
    return prune(b.graph)


def extend_graph(g: Graph, extra_inputs: Sequence[Any], build: Any) -> Graph:
    """A copy of ``g`` with more inputs and outputs: ``build(ops, inputs, outputs, extras)``
    returns the new outputs (the copy's old ones are dropped unless returned)."""
    b = _builder(g)
    env = _replay(g, b)
    for eqn in g.eqns:
        _emit(b, eqn, env)
    extras = [b.graph.add_input(t) for t in extra_inputs]
    b.graph.outputs = list(build(b, [env[v] for v in g.inputs], [env[v] for v in g.outputs], extras))
    return prune(b.graph)
