"""The first calls of a very large compiled function run on the eager interpreter.

Lowering a graph costs time linear in its size, but with a large constant: a gradient graph
twice the size of the forward, the passes, a recording run, fusion regions, a memory plan and
generated code (about 100 us per forward equation), against about 5 us per equation to run the
forward graph through the eager session's ``bind`` and its tape's backward sweep. A function
called a few times should not pay the first; one called many times should get the second's
speed. So a compiled function whose forward graph has more than ``eager_above`` equations runs
its first ``eager_calls`` calls of ``forward``, ``grad`` and ``vjp`` here, then lowers and runs
the graph compiled (the ski-rental rule: both costs are linear in the graph, so a fixed count
bounds the total at a small multiple of the best choice made in hindsight).

The two tiers compute the same numbers: the eager interpreter and the compiled path agree
bitwise (the registry sweeps check it), unless transcendental ops are fused by choice
(``CompileOptions.fuse_inexact``): those kernels may differ from NumPy's by a few ulp. The switch happens
at a fixed call count, never on a timer, so a run is reproducible.

Outputs follow the compiled path's contract: fresh arrays, never views of an input, a
constant or each other; a gradient the sweep does not reach is zeros.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .._core.gcpause import gc_paused
from .._core.guard import raise_as
from ..backends.base import ArrayBackend
from ..options import Backend, Options
from .ir import Graph

TIERED_KINDS = ("forward", "grad", "vjp")


@gc_paused
def run_eager(graph: Graph, kind: str, options: Options, backend: ArrayBackend, consts: dict[Any, Any],
              arrays: Sequence[Any], wrt: Sequence[bool], seed: Any = None) -> list[Any]:
    """What ``Executable(graph_of(kind)).run`` returns, computed on a fresh eager session.

    ``arrays`` are the checked inputs (the random counter last when the graph has one),
    ``consts`` the graph's constants as arrays of ``backend``, ``seed`` the output cotangent of
    a ``vjp`` call (1 for ``grad``). The collector is paused (``gc_paused``) and the session's
    tape emptied on return: its nodes and the session refer to each other, and leaving that
    cycle to the collector would make it rescan tens of thousands of objects per call."""
    from ..eager.session import Session

    differentiate = kind != "forward"
    s = Session(options.replace(backend=Backend.EAGER, no_grad=not differentiate))
    s._grad_wanted = s._grad_enabled = differentiate  # whatever the global grad mode says
    try:
        return _replay(s, graph, differentiate, backend, consts, arrays, wrt, seed)
    finally:
        s.tape.reset()


def _replay(s: Any, graph: Graph, differentiate: bool, backend: ArrayBackend, consts: dict[Any, Any],
            arrays: Sequence[Any], wrt: Sequence[bool], seed: Any) -> list[Any]:
    leaf = s._leaf
    env: dict[Any, Any] = {}
    leaves = []
    for v, a, w in zip(graph.inputs, arrays, wrt):
        env[v] = ref = leaf(a, bool(w and differentiate), None)
        if w:
            leaves.append(ref)
    for v, value in consts.items():
        env[v] = leaf(value, False, None)
    bind_equations(s, graph, env)
    out = env[graph.outputs[0]]
    taken = [*arrays, *consts.values()]
    value = _fresh(backend, out._v, taken)
    if not differentiate:
        return [value]
    if seed is None:
        seed = backend.ones(out.type.shape, out.type.dtype)
    dense = s.tape.backward(out, seed)
    grads = []
    for ref in leaves:
        g = dense[ref.id] if ref.id is not None and ref.id <= out.id else None
        if g is None:
            g = backend.zeros(ref.type.shape, ref.type.dtype)
        else:
            g = _fresh(backend, g, [*taken, seed, value, *grads])
        grads.append(g)
    return [value, *grads]


def bind_equations(session: Any, graph: Graph, env: dict[Any, Any]) -> None:
    """Bind each of the graph's equations on an eager session, in order, reading and filling
    ``env`` (graph variable -> the session's tensor), as eager code calling the ops would."""
    bind = session.bind
    e = None
    try:
        for e in graph.eqns:
            env[e.out] = bind(e.prim, *[env[v] for v in e.inputs], **e.params)
    except BaseException as ex:
        raise_as(e.origin if e is not None else None, ex)


def _fresh(backend: ArrayBackend, a: Any, taken: Sequence[Any]) -> Any:
    """``a``, or a copy of it where it could share memory with ``taken`` or is read-only."""
    xp = backend.xp
    a = xp.asarray(a)
    if not getattr(a.flags, "writeable", True) or any(xp.may_share_memory(a, t) for t in taken):
        return a.copy()
    return a
