"""Split a reverse-mode graph into a forward part that saves residuals and a backward part.

``vjp_graph`` builds one joint graph (inputs ``(*x, *cotangents)``, outputs ``(*y, *dx)``) in
which the forward equations are replayed. Running it in backward would compute the forward
twice; ``split`` cuts it instead: the equations that do not depend on any cotangent form the
forward graph, which also returns every value the rest needs (the residuals), and the rest form
the backward graph, whose inputs are the residuals followed by the cotangents. Constants go
where they are used. This is what ``tl.compile`` records on an eager tape: the forward runs
once, and backward runs only the backward graph.
"""

from __future__ import annotations

from collections.abc import Sequence

from .facts import VIEW_PRIMS
from .ir import Eqn, Graph, Var, prune


def split(joint: Graph, n_primal_inputs: int, n_outputs: int) -> tuple[Graph, Graph, list[Var]]:
    """``(forward, backward, residuals)`` of a joint VJP graph whose first ``n_primal_inputs``
    inputs are primals (the rest cotangents) and whose first ``n_outputs`` outputs are values
    (the rest input cotangents)."""
    primals = joint.inputs[:n_primal_inputs]
    cotangents = joint.inputs[n_primal_inputs:]
    tainted: set[Var] = set(cotangents)  # values that depend on a cotangent
    fwd_eqns, bwd_eqns = [], []
    for e in joint.eqns:
        if any(v in tainted for v in e.inputs):
            tainted.add(e.out)
            bwd_eqns.append(e)
        else:
            fwd_eqns.append(e)
    values, grads = joint.outputs[:n_outputs], joint.outputs[n_outputs:]
    bwd_eqns = _remake_views(fwd_eqns, bwd_eqns)
    made_bwd = {e.out for e in bwd_eqns}
    defined_fwd = (set(primals) | {e.out for e in fwd_eqns}) - made_bwd
    needed: list[Var] = []
    seen: set[Var] = set()
    for e in bwd_eqns:
        for v in e.inputs:
            if v in defined_fwd and v not in seen:
                seen.add(v)
                needed.append(v)
    for v in grads:  # an input cotangent that is a forward value (e.g. zeros, or x itself)
        if v in defined_fwd and v not in seen:
            seen.add(v)
            needed.append(v)

    fwd = Graph()
    fwd.inputs = list(primals)
    fwd.eqns = fwd_eqns
    fwd.outputs = [*values, *needed]
    fwd.consts = {v: c for v, c in joint.consts.items()}
    fwd._next = joint._next
    prune(fwd)

    bwd = Graph()
    bwd.inputs = [*needed, *cotangents]
    bwd.eqns = bwd_eqns
    bwd.outputs = list(grads)
    bwd.consts = {v: c for v, c in joint.consts.items()}
    bwd._next = joint._next
    prune(bwd)
    return fwd, bwd, needed


def _remake_views(fwd_eqns: list[Eqn], bwd_eqns: list[Eqn]) -> list[Eqn]:
    """The backward equations, preceded by the forward view equations (broadcasts, reshapes,
    transposes, slices, detaches) whose results they read, transitively: a view is remade from
    its source instead of being saved. A saved value is copied out of the forward run densely,
    which would give a broadcast (zero strides) or a strided slice another layout than the
    eager tape's, and NumPy's reductions and products follow layouts: the backward would round
    differently from eager (a ResNet's BatchNorm weight times a channels-last gradient)."""
    producer = {e.out: e for e in fwd_eqns if e.prim.name in VIEW_PRIMS}
    if not producer:
        return bwd_eqns
    wanted: set[Var] = set()
    stack = [v for e in bwd_eqns for v in e.inputs if v in producer]
    while stack:  # the views read, and the views they are made of (no recursion: chains may be long)
        v = stack.pop()
        if v not in wanted:
            wanted.add(v)
            stack.extend(u for u in producer[v].inputs if u in producer)
    remade = [e for e in fwd_eqns if e.out in wanted]  # in forward order: sources first
    return remade + bwd_eqns


def residual_count(fwd: Graph, n_outputs: int) -> int:
    return len(fwd.outputs) - n_outputs


__all__: Sequence[str] = ["residual_count", "split"]
