"""Graph passes of the compiled path. Each takes a graph and returns a new one (the input is
left untouched), counts what it did in ``stats``, and keeps every surviving value's result
bitwise equal to the plain kernels' result, layout included.

* ``dce``: drop equations and constants no output depends on.
* ``cse``: one equation per (primitive, operands, params); equal small constants merged.
* ``fold``: an equation whose operands are all constants is evaluated once, with the target
  backend's own kernel (so folding never changes a result). Views are left to the memory
  plan (a view of a constant costs nothing there), random ops and size blow-ups are skipped.
* ``simplify`` (needs the recorded layouts of ``facts.py``): ``x * 1``, ``1 * x``, ``x / 1``,
  ``scale(x, 1)``, ``x - (+0)``, ``x + (-0)``, ``neg(neg(x))``, ``detach``, identity views, and
  composition of double transposes, reshapes, slices and broadcasts. ``x + 0`` and a sum over
  no axes are deliberately not identities: ``-0.0 + 0.0 = +0.0`` in IEEE arithmetic (and a sum
  starts from +0). A value is replaced by another only where both have the same layout.

``static_pipeline`` runs the first three before any data exists; ``simplify`` runs per input
layout, after the recording run.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .._core.shapes import prod
from ..backends.base import ArrayBackend
from .facts import VIEW_PRIMS, Fact, dense_perm
from .ir import Eqn, Graph, Var, live_eqns

RANDOM_PRIMS = frozenset({"rand_uniform", "bernoulli_mask"})
_SMALL_CONST = 64
_FOLD_LIMIT = 1 << 20


def copy_graph(g: Graph) -> Graph:
    """A new graph sharing ``g``'s variables and equations (passes replace, never mutate)."""
    h = Graph()
    h.inputs, h.consts, h.eqns, h.outputs = list(g.inputs), dict(g.consts), list(g.eqns), list(g.outputs)
    h._next = g._next
    return h


class _Subst:
    """Variable renaming applied to operands as a pass walks the equations."""

    def __init__(self) -> None:
        self.map: dict[Var, Var] = {}

    def __call__(self, v: Var) -> Var:
        m = self.map
        while v in m:
            v = m[v]
        return v

    def eqn(self, e: Eqn) -> Eqn:
        m = self.map
        if m:
            for v in e.inputs:
                if v in m:
                    return Eqn(e.prim, tuple(self(u) for u in e.inputs), e.params, e.out, e.origin)
        return e

    def finish(self, g: Graph, eqns: list[Eqn]) -> Graph:
        g.eqns = eqns
        g.outputs = [self(v) for v in g.outputs]
        return g


def _bump(stats: dict[str, int], key: str, n: int = 1) -> None:
    if n:
        stats[key] = stats.get(key, 0) + n


# ----- dce ---------------------------------------------------------------------------------------
def dce(g: Graph, stats: dict[str, int] | None = None) -> Graph:
    """Drop what no output needs."""
    h = copy_graph(g)
    h.eqns = live_eqns(h, h.outputs)
    used = set(h.outputs)
    for e in h.eqns:
        used.update(e.inputs)
    h.consts = {v: c for v, c in h.consts.items() if v in used}
    if stats is not None:
        _bump(stats, "dce", len(g.eqns) - len(h.eqns))
    return h


# ----- cse ---------------------------------------------------------------------------------------
def _frozen(v: Any) -> Any:
    if isinstance(v, float):
        return ("f", v.hex())  # tells -0.0 from 0.0
    if isinstance(v, (tuple, list)):
        return (type(v).__name__, tuple(_frozen(x) for x in v))
    if isinstance(v, (bool, int, str)) or v is None:
        return (type(v).__name__, v)
    return ("r", type(v).__name__, repr(v))


def params_key(params: dict[str, Any]) -> tuple[Any, ...]:
    if not params:
        return ()
    return tuple((k, _frozen(v)) for k, v in params.items())


def cse(g: Graph, stats: dict[str, int] | None = None) -> Graph:
    """Merge equal equations and equal small constants."""
    h = copy_graph(g)
    sub = _Subst()
    by_value: dict[tuple[Any, ...], Var] = {}
    consts = {}
    for v, c in h.consts.items():
        if c.size <= _SMALL_CONST:
            key = (c.dtype.str, c.shape, np.ascontiguousarray(c).tobytes())
            if key in by_value:
                sub.map[v] = by_value[key]
                continue
            by_value[key] = v
        consts[v] = c
    h.consts = consts
    seen: dict[tuple[Any, ...], Var] = {}
    eqns = []
    for e in h.eqns:
        e = sub.eqn(e)
        key = (e.prim, tuple([v.id for v in e.inputs]), params_key(e.params))  # ids: Var overloads ==
        prev = seen.get(key)
        if prev is not None and prev.type == e.out.type:
            sub.map[e.out] = prev
            continue
        seen[key] = e.out
        eqns.append(e)
    if stats is not None:
        _bump(stats, "cse", len(g.eqns) - len(eqns) + len(g.consts) - len(consts))
    return sub.finish(h, eqns)


# ----- constant folding ------------------------------------------------------------------------
def fold(g: Graph, backend: ArrayBackend, stats: dict[str, int] | None = None) -> Graph:
    """Evaluate constant-only equations with the backend's kernels."""
    h = copy_graph(g)
    eqns = []
    n = 0
    for e in h.eqns:
        if (all(v in h.consts for v in e.inputs) and e.prim.name not in RANDOM_PRIMS
                and e.prim.name not in VIEW_PRIMS and _small_enough(e, h)):
            args = [backend.asarray(h.consts[v], h.consts[v].dtype) for v in e.inputs]
            value = backend.to_host(backend.resolve(e.prim)(*args, **e.params))
            if dense_perm(value.shape, value.strides, value.dtype.itemsize) is not None:
                h.consts[e.out] = value
                n += 1
                continue
        eqns.append(e)
    h.eqns = eqns
    if stats is not None:
        _bump(stats, "fold", n)
    return h


def _small_enough(e: Eqn, g: Graph) -> bool:
    size = prod(e.out.type.shape)
    return size <= _FOLD_LIMIT and size <= max(_SMALL_CONST, sum(g.consts[v].size for v in e.inputs))


def static_pipeline(g: Graph, backend: ArrayBackend, enabled: frozenset[str], stats: dict[str, int]) -> Graph:
    """The passes that need no data: cse, fold (then cse again if it folded), dce."""
    if "cse" in enabled:
        g = cse(g, stats)
    if "fold" in enabled:
        before = stats.get("fold", 0)
        g = fold(g, backend, stats)
        if "cse" in enabled and stats.get("fold", 0) > before:
            g = cse(g, stats)
    if "dce" in enabled:
        g = dce(g, stats)
    return g


# ----- simplification --------------------------------------------------------------------------
def _const_all(g: Graph, producer: dict[Var, Eqn], v: Var, test: Callable[[np.ndarray], bool]) -> bool:
    """Whether v is a constant (or a broadcast of one) all of whose entries pass ``test``."""
    p = producer.get(v)
    if p is not None and p.prim.name == "broadcast_to":
        v = p.inputs[0]
    c = g.consts.get(v)
    return c is not None and c.size <= 1 << 16 and c.dtype.kind == "f" and bool(test(c))


def _ones(c: np.ndarray) -> bool:
    return np.all(c == 1)


def _pos_zeros(c: np.ndarray) -> bool:
    return np.all(c == 0) and not np.any(np.signbit(c))


def _neg_zeros(c: np.ndarray) -> bool:
    return np.all(c == 0) and np.all(np.signbit(c))


def _compose(p: tuple[int, ...], q: tuple[int, ...]) -> tuple[int, ...]:
    """transpose(transpose(x, p), q) == transpose(x, result)."""
    return tuple(p[i] for i in q)


def _rewrite(e: Eqn, x: Var, g: Graph, producer: dict[Var, Eqn]) -> tuple[Var | None, Eqn | None]:
    """(replacement variable, or replacement equation computing e.out), or (None, None)."""
    name, p = e.prim.name, e.params
    ins = e.inputs
    if name == "detach":
        return ins[0], None
    if name == "scale" and p["c"] == 1.0:
        return ins[0], None
    if name == "add_scalar" and p["c"] == 0.0 and math.copysign(1.0, p["c"]) < 0:
        return ins[0], None
    if name in ("mul", "div") and _const_all(g, producer, ins[1], _ones):
        return ins[0], None
    if name == "mul" and _const_all(g, producer, ins[0], _ones):
        return ins[1], None
    if name == "sub" and _const_all(g, producer, ins[1], _pos_zeros):
        return ins[0], None
    if name == "add":
        for a, b in (ins, ins[::-1]):
            if _const_all(g, producer, b, _neg_zeros):
                return a, None
    inner = producer.get(ins[0]) if ins else None
    if name == "neg" and inner is not None and inner.prim.name == "neg":
        return inner.inputs[0], None
    if name == "transpose":
        perm = p["perm"]
        if inner is not None and inner.prim.name == "transpose":
            perm = _compose(inner.params["perm"], perm)
            src = inner.inputs[0]
        else:
            src = ins[0]
        if perm == tuple(range(len(perm))):
            return src, None
        if src is not ins[0]:
            return None, Eqn(e.prim, (src,), {"perm": perm}, e.out, e.origin)
    if name == "reshape":
        if p["shape"] == ins[0].type.shape:
            return ins[0], None
        if inner is not None and inner.prim.name == "reshape":
            src = inner.inputs[0]
            if p["shape"] == src.type.shape:
                return src, None
            return None, Eqn(e.prim, (src,), dict(p), e.out, e.origin)  # guarded: src must be C-contiguous
    if name == "broadcast_to":
        axes = p["axes"]
        if p["shape"] == ins[0].type.shape and axes == tuple(range(len(axes))):
            return ins[0], None
        if inner is not None and inner.prim.name == "broadcast_to":
            composed = tuple(axes[a] for a in inner.params["axes"])
            return None, Eqn(e.prim, (inner.inputs[0],), {"shape": p["shape"], "axes": composed}, e.out, e.origin)
    if name == "slice":
        n = ins[0].type.shape[p["axis"]]
        if p["start"] == 0 and p["stop"] == n:
            return ins[0], None
        if inner is not None and inner.prim.name == "slice" and inner.params["axis"] == p["axis"]:
            s0 = inner.params["start"]
            return None, Eqn(e.prim, inner.inputs, {"axis": p["axis"], "start": s0 + p["start"],
                                                    "stop": s0 + p["stop"]}, e.out, e.origin)
    return None, None


def simplify(g: Graph, facts: dict[Var, Fact], stats: dict[str, int] | None = None) -> Graph:
    """Algebraic identities and view composition, each guarded by the recorded layouts."""
    h = copy_graph(g)
    sub = _Subst()
    producer: dict[Var, Eqn] = {}
    eqns = []
    n = 0
    for e in h.eqns:
        e = sub.eqn(e)
        rep, new = _rewrite(e, e.inputs[0] if e.inputs else None, h, producer)
        if rep is not None and rep.type == e.out.type and _same(facts, rep, e.out):
            sub.map[e.out] = rep
            n += 1
            continue
        if new is not None and _new_ok(new, facts, producer):
            e = new
            n += 1
        producer[e.out] = e
        eqns.append(e)
    if stats is not None:
        _bump(stats, "simplify", n)
    return sub.finish(h, eqns)


def _same(facts: dict[Var, Fact], a: Var, b: Var) -> bool:
    fa, fb = facts.get(a), facts.get(b)
    return fa is not None and fb is not None and fa.same_layout(fb)


def _new_ok(new: Eqn, facts: dict[Var, Fact], producer: dict[Var, Eqn]) -> bool:
    """Composed views give the original strides; a composed reshape only of a C-contiguous
    source (then both forms are C-contiguous views)."""
    if new.prim.name != "reshape":
        return True
    f = facts.get(new.inputs[0])
    out = facts.get(new.out)
    ident = tuple(range(len(new.inputs[0].type.shape)))
    return (f is not None and out is not None and f.perm == ident and bool(out.aliases)
            and out.perm == tuple(range(len(new.out.type.shape))))
