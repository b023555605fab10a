"""Elementwise fusion: group runs of elementwise equations into regions, one kernel each.

A **region** is a backend-neutral description (its equations in order, the arrays it reads,
the values it writes, one shape and dtype); ``codegen_numba`` turns it into a CPU kernel and
a GPU backend can turn the same region into one CuPy kernel.

How regions are found, in time linear in the graph:

1. **Order.** The equations are re-listed in a topological order that keeps going with
   elementwise equations of the current shape while any is ready (Kahn's algorithm with a
   preference), so that, e.g., a gradient graph's backward chain follows its forward chain
   instead of being cut by the loss's reduction.
2. **Runs.** A region is a maximal run of consecutive equations of that order that are
   elementwise, of one shape and float dtype, and fusable in that dtype (transcendental ops
   only where ``fuse_inexact`` allows). ``broadcast_to`` equations of sources made before the
   run may sit inside it, and any operand made by ``broadcast_to`` is read from its source
   with broadcast indexing (the broadcast is never materialised). Because a run is contiguous
   in a topological order, no path leaves it and comes back: fusing it never creates a cycle.
3. **Outputs** are the run's values used after it or returned by the graph; the others live
   only in registers. A run ends at ``fuse_max_ops`` equations, or earlier where its kernel
   would take more than ``fuse_max_args`` arrays; pieces of equal structure share one compiled
   kernel. Runs shorter than ``fuse_min_ops`` stay plain kernels.

Before ordering, ``split_bias`` rewrites a 2-D ``linear`` whose every user is elementwise of its
shape into the bias-free product and an ``add`` of the broadcast bias, so that the bias joins
its users' region instead of costing a pass of its own (a hidden layer's ``relu`` then reads
the product once and adds the bias in registers). The product is the same GEMM call as the
``linear`` kernel's, in the same orientation (``ops.linalg.linear_c_order``), and the add is
the kernel's own ``y += b``: the results are those of the ``linear`` bit for bit.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from typing import Any

from .._core.registry import REGISTRY
from .._core.types import TensorType
from ..backends.cpu_jit_sum import sums_row_by_row
from ..ops.linalg import linear_c_order
from .ir import Eqn, Graph, Var
from .passes import copy_graph

UNARY = frozenset({"neg", "scale", "div_scalar", "add_scalar", "sign", "step", "abs", "relu", "exp", "log", "inv",
                   "sigmoid", "tanh", "softplus", "sqrt", "clamp", "power"})
BINARY = frozenset({"add", "sub", "mul", "div", "maximum", "minimum", "max_share"})
ELEMENTWISE = UNARY | BINARY
# Ops whose numba result may differ from NumPy's in the last bits (another libm).
INEXACT = frozenset({"exp", "log", "tanh", "sigmoid", "softplus", "power"})


class Region:
    """A fused group: ``eqns`` in order; ``inputs``, the arrays it reads (``reads[i]``: the
    region axis each axis of input ``i`` runs along, as ``broadcast_to``'s ``axes``; an input
    axis of length one is read at index 0; ``arg_of``: which input an equation operand from
    outside the region reads); ``outputs``, the values it writes."""

    __slots__ = ("arg_of", "dtype", "eqns", "flat", "inputs", "kernel", "outputs", "reads", "shape", "sums")

    def __init__(self, eqns: list[Eqn], inputs: list[Var], reads: list[tuple[int, ...]], outputs: list[Var],
                 arg_of: dict[Var, int]) -> None:
        self.eqns, self.inputs, self.reads, self.outputs = eqns, inputs, reads, outputs
        self.arg_of = arg_of
        self.shape = eqns[0].out.type.shape
        self.dtype = eqns[0].out.type.dtype
        self.kernel: Any = None
        # Axis order in which every full-shape array of the region is dense, when they all
        # agree: the kernel then loops once over flat views in memory order (set by codegen).
        self.flat: tuple[int, ...] | None = None
        # Column sums the kernel accumulates as it goes (``attach_sums``): output -> (the
        # region value it sums, the number of leading axes summed).
        self.sums: dict[Var, tuple[Var, int]] = {}

    def label(self) -> str:
        return "fused[" + ", ".join([e.prim.name for e in self.eqns] + ["reduce_sum"] * len(self.sums)) + "]"

    def __str__(self) -> str:
        ins = ", ".join(f"v{v.id}" for v in self.inputs)
        outs = ", ".join(f"v{v.id}" for v in self.outputs)
        reads = [f"    v{v.id} = broadcast_to[axes={self.reads[i]!r}](v{self.inputs[i].id})  (read in place)"
                 for v, i in self.arg_of.items() if v is not self.inputs[i]]
        sums = [f"    v{v.id}: {v.type} = reduce_sum[axes={tuple(range(k))!r}](v{src.id})"
                for v, (src, k) in self.sums.items()]
        body = "\n".join([*reads, *(f"    {e}" for e in self.eqns), *sums])
        return f"{outs} = fused({ins}) {{\n{body}\n  }}"


def fusable(e: Eqn, inexact_ok: frozenset[str]) -> bool:
    t = e.out.type
    if e.prim.name not in ELEMENTWISE or t.dtype.kind != "f":
        return False
    return e.prim.name not in INEXACT or t.dtype.name in inexact_ok


_EXACT: frozenset[str] = frozenset()


def split_bias(graph: Graph, stats: dict[str, int] | None = None) -> Graph:
    """``graph`` with each 2-D ``linear(w, b, x)`` whose users are all fusable elementwise
    equations of its shape and dtype with exact results (and which is no output) computed as
    ``matmul`` + ``add(., broadcast_to(b))`` (see the module docstring); other graphs as they are."""
    users: dict[Var, list[Eqn]] = {}
    for e in graph.eqns:
        for v in e.inputs:
            users.setdefault(v, []).append(e)
    outputs = set(graph.outputs)

    def splits(e: Eqn) -> bool:
        if e.prim.name != "linear" or e.inputs[2].type.ndim != 2 or e.out in outputs:
            return False
        t = e.out.type
        us = users.get(e.out, ())
        # exact users only: a lone transcendental user (tanh after a linear) stays NumPy's own
        # kernel rather than joining a region computed with numba's libm
        return bool(us) and all(fusable(u, _EXACT) and u.out.type == t for u in us)

    chosen = [e for e in graph.eqns if splits(e)]
    if not chosen:
        return graph
    h = copy_graph(graph)
    matmul, transpose = REGISTRY["matmul"], REGISTRY["transpose"]
    chosen_ids = {id(e) for e in chosen}
    eqns: list[Eqn] = []
    for e in graph.eqns:
        if id(e) not in chosen_ids:
            eqns.append(e)
            continue
        w, b, x = e.inputs
        t = e.out.type
        dt = t.dtype

        if linear_c_order(x.type.shape[0], w.type.shape[0]):  # x @ w.T
            wt, product = h.new_var(TensorType(w.type.shape[::-1], dt)), h.new_var(t)
            eqns += [Eqn(transpose, (w,), {"perm": (1, 0)}, wt, e.origin),
                     Eqn(matmul, (x, wt), {}, product, e.origin)]
        else:  # (w @ x.T).T
            xt, wx = h.new_var(TensorType(x.type.shape[::-1], dt)), h.new_var(TensorType(t.shape[::-1], dt))
            product = h.new_var(t)
            eqns += [Eqn(transpose, (x,), {"perm": (1, 0)}, xt, e.origin),
                     Eqn(matmul, (w, xt), {}, wx, e.origin),
                     Eqn(transpose, (wx,), {"perm": (1, 0)}, product, e.origin)]
        bb = h.new_var(t)
        eqns += [Eqn(REGISTRY["broadcast_to"], (b,), {"shape": t.shape, "axes": (1,)}, bb, e.origin),
                 Eqn(REGISTRY["add"], (product, bb), {}, e.out, e.origin)]
    h.eqns = eqns
    if stats is not None:
        stats["split_bias"] = stats.get("split_bias", 0) + len(chosen)
    return h


def fusion_order(graph: Graph, inexact_ok: frozenset[str]) -> list[Eqn]:
    """A topological order of ``graph.eqns`` that continues elementwise runs (see above).

    Among the ready equations it takes one of the current run's shape and dtype (fusable or
    a broadcast to that shape) while there is one, else the earliest in the original order.
    """
    eqns = graph.eqns
    producer = {e.out: k for k, e in enumerate(eqns)}
    users: list[list[int]] = [[] for _ in eqns]
    waiting = [0] * len(eqns)
    for k, e in enumerate(eqns):
        deps = {producer[v] for v in e.inputs if v in producer}
        waiting[k] = len(deps)
        for d in deps:
            users[d].append(k)
    key = [_run_key(e, inexact_ok) for e in eqns]
    ready: dict[Any, list[int]] = {}  # run key (None: not fusable) -> heap of indices
    for k in range(len(eqns)):
        if waiting[k] == 0:
            heapq.heappush(ready.setdefault(key[k], []), k)
    order: list[Eqn] = []
    current: Any = None
    for _ in range(len(eqns)):
        heap = ready.get(current) if current is not None else None
        if not heap:
            heap = min((h for h in ready.values() if h), key=lambda h: h[0])
        k = heapq.heappop(heap)
        current = key[k]
        order.append(eqns[k])
        for u in users[k]:
            waiting[u] -= 1
            if waiting[u] == 0:
                heapq.heappush(ready.setdefault(key[u], []), u)
    return order


def _run_key(e: Eqn, inexact_ok: frozenset[str]) -> Any:
    if fusable(e, inexact_ok) or e.prim.name == "broadcast_to":
        return (e.out.type.shape, e.out.type.dtype)
    return None


def form_regions(order: Sequence[Eqn], outputs: Sequence[Var], inexact_ok: frozenset[str],
                 min_ops: int = 3, max_ops: int = 64, max_args: int = 32) -> list[Eqn | Region]:
    """Cut ``order`` into plain equations and regions (see the module docstring).

    A run also ends before its kernel would take more than ``max_args`` arrays (inputs plus
    outputs): every array argument costs numba dispatch time on each call and compile time.
    """
    users_after: dict[Var, int] = {}  # value -> position of its last use
    bcast = {e.out: e for e in order if e.prim.name == "broadcast_to"}
    for k, e in enumerate(order):
        for v in e.inputs:
            users_after[v] = k
    for v in outputs:
        users_after[v] = len(order)
    items: list[Eqn | Region] = []
    k = 0
    n = len(order)
    while k < n:
        e = order[k]
        if not fusable(e, inexact_ok):
            items.append(e)
            k += 1
            continue
        shape, dtype = e.out.type.shape, e.out.type.dtype
        run: list[Eqn] = []
        bcasts: list[tuple[int, Eqn]] = []
        inside: set[Var] = set()
        reads: set[Var] = set()  # arrays read from outside the run
        live: set[Var] = set()  # values made in the run and read after the current end
        best = 0  # length of the longest prefix whose kernel takes at most max_args arrays
        best_j = k
        j = k
        while j < n and len(run) < max_ops:
            f = order[j]
            if fusable(f, inexact_ok) and f.out.type.shape == shape and f.out.type.dtype == dtype:
                reads.update(bcast[v].inputs[0] if v in bcast else v for v in f.inputs if v not in inside)
                if len(reads) > max_args and run:
                    break
                live.difference_update([v for v in f.inputs if v in live and users_after[v] == j])
                if users_after.get(f.out, -1) > j:
                    live.add(f.out)
                run.append(f)
                inside.add(f.out)
                if len(reads) + len(live) <= max_args or best == 0:
                    best, best_j = len(run), j + 1
                elif len(reads) + len(live) > 2 * max_args:  # unlikely to come back under: stop looking
                    break
            elif (f.prim.name == "broadcast_to" and f.out.type.shape == shape and f.out.type.dtype == dtype
                  and f.inputs[0] not in inside):
                bcasts.append((j, f))
                inside.add(f.out)
            else:
                break
            j += 1
        j = best_j  # the run ends on its last fusable equation that keeps within max_args
        del run[best:]
        kept = [b for pos, b in bcasts if pos < j]
        if len(run) < min_ops:
            items.extend(order[k:j])
            k = j
            continue
        items.extend(b for b in kept if users_after.get(b.out, -1) >= j)
        items.append(_region(run, bcast, j, users_after))
        k = j
    return _drop_dead(items, outputs)


def _drop_dead(items: list[Eqn | Region], outputs: Sequence[Var]) -> list[Eqn | Region]:
    """Remove equations no later item or output reads (broadcasts now read by regions)."""
    needed = set(outputs)
    keep: list[Eqn | Region] = []
    for item in reversed(items):
        if isinstance(item, Region) or item.out in needed:
            needed.update(item.inputs)
        else:
            continue
        keep.append(item)
    keep.reverse()
    return keep


def _region(run: list[Eqn], bcast: dict[Var, Eqn], stop: int, users_after: dict[Var, int]) -> Region:
    """The region of ``run``; an operand made by ``broadcast_to`` is read from its source."""
    made = {e.out for e in run}
    source_of = bcast
    shape = run[0].out.type.shape
    inputs: list[Var] = []
    reads: list[tuple[int, ...]] = []
    full = tuple(range(len(shape)))
    arg_of: dict[Var, int] = {}
    index: dict[tuple[Var, tuple[int, ...]], int] = {}
    for e in run:
        for v in e.inputs:
            if v in made or v in arg_of:
                continue
            b = source_of.get(v)
            if b is not None:
                src, read = b.inputs[0], tuple(b.params["axes"])
            else:
                src, read = v, full
            i = index.get((src, read))
            if i is None:
                i = index[(src, read)] = len(inputs)
                inputs.append(src)
                reads.append(read)
            arg_of[v] = i
    outputs = [e.out for e in run if users_after.get(e.out, -1) >= stop]
    return Region(run, inputs, reads, outputs, arg_of)


def attach_sums(items: list[Eqn | Region], facts: dict[Var, Any], outputs: Sequence[Var]) -> list[Eqn | Region]:
    """Fold each ``reduce_sum`` over leading axes of a value a region computes (or of a lone
    elementwise equation's value) into that region's kernel, which then accumulates the sums
    while it computes the value (a bias gradient: ``sum(g * mask, axis=0)``).

    Only where NumPy's order of additions is the kernel's: the value is C-ordered (each output
    cell then starts from +0 and adds its column row by row, as ``backends/cpu_jit_sum.py``
    records), in a float dtype, with at least two cells left, every full-shape array of the
    region laid out in the loops' order and, summing over several axes, the loops visiting the
    summed axes in their order. The value stays an output of the region only if something else
    reads it."""
    producer: dict[Var, int] = {}
    readers: dict[Var, int] = {}
    for k, item in enumerate(items):
        for v in item.inputs:
            readers[v] = readers.get(v, 0) + 1
        for v in (item.outputs if isinstance(item, Region) else (item.out,)):
            producer[v] = k
    returned = set(outputs)
    out = list(items)
    dropped: set[int] = set()
    for k, e in enumerate(items):
        if not isinstance(e, Eqn) or e.prim.name != "reduce_sum":
            continue
        x = e.inputs[0]
        summed = _leading_sum(e, facts)
        j = producer.get(x)
        if summed is None or j is None or j in dropped:
            continue
        region = out[j]
        if isinstance(region, Eqn):
            if not fusable(region, _EXACT) or any(v.type != x.type for v in region.inputs):
                continue
            arg_of: dict[Var, int] = {}  # (Var overloads ==: dicts compare by identity here)
            for v in region.inputs:
                arg_of.setdefault(v, len(arg_of))
            region = Region([region], list(arg_of), [tuple(range(len(x.type.shape)))] * len(arg_of), [x], arg_of)
        if not _visits_in_order(region, facts, summed):
            continue
        region.sums[e.out] = (x, summed)
        region.outputs.append(e.out)
        if readers[x] == 1 and x not in returned:  # (lists compare Vars by identity here: Var overloads ==)
            rest = [v for v in region.outputs if v is not x]
            if (any(v.type.shape == region.shape for v in [*rest, *region.inputs])
                    and loop_order(region, facts) == _loop_order(rest, region, facts)):
                region.outputs = rest
        out[j] = region
        dropped.add(k)
    return [item for k, item in enumerate(out) if k not in dropped]


def _leading_sum(e: Eqn, facts: dict[Var, Any]) -> int | None:
    """How many leading axes ``e`` (a reduce_sum) sums, where a kernel may do it in NumPy's order."""
    x = e.inputs[0]
    shape, axes = x.type.shape, tuple(e.params["axes"])
    if not sums_row_by_row(shape, axes, x.type.dtype):
        return None
    k = len(axes)
    fx, fo = facts.get(x), facts.get(e.out)
    if fx is None or fo is None or fx.perm != tuple(range(len(shape))) or fo.perm != tuple(range(len(shape) - k)):
        return None
    return k


def loop_order(region: Region, facts: dict[Var, Any]) -> tuple[int, ...]:
    """The axis order of a region's (non-flat) loop nest: its first full-shape output's memory
    order, else C order."""
    return _loop_order(region.outputs, region, facts)


def _loop_order(outputs: list[Var], region: Region, facts: dict[Var, Any]) -> tuple[int, ...]:
    for v in outputs:
        if v not in region.sums:
            f = facts.get(v)
            if f is not None and f.perm is not None:
                return f.perm
            break
    return tuple(range(len(region.shape)))


def _visits_in_order(region: Region, facts: dict[Var, Any], summed: int) -> bool:
    """The loops visit the summed axes in order, and every full-shape array of the region is
    dense in the loops' order: a strided operand makes the loop slower than NumPy's own
    iteration (measured: the W1 MLP's C-ordered gradient times a column-major mask, 2-3% of
    the compiled step)."""
    perm = loop_order(region, facts)
    if summed > 1 and [a for a in perm if a < summed] != list(range(summed)):
        return False
    for v in [*region.inputs, *region.outputs]:
        if v.type.shape == region.shape and v not in region.sums:
            f = facts.get(v)
            if f is None or f.perm != perm:
                return False
    return True
