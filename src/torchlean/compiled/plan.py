"""The memory plan: an explicit schedule of steps over numbered slots and fixed buffers.

Every value of the optimised graph gets a slot. A slot holds

* an **input** (the caller's array, never written),
* a **constant** (uploaded once),
* a **buffer** value: computed by an out-variant kernel (or a fused kernel) into a view of a
  preallocated buffer; buffers are reused once their values are dead (same dtype and size),
* a **static view**: a view (reshape, transpose, broadcast, slice, detach, or a kernel that
  returns a view of its input) of a constant or buffer, made once at planning,
* a **runtime** value: a kernel without an out-variant (its own fresh result) or a view of
  an input or runtime value, made at every call,
* a **fresh output**: a graph output computed straight into an array allocated per call.

Buffers, constants and static views are made once, so their addresses are fixed: replaying
the steps in order with the same input addresses is exactly what a CUDA-graph capture
records (with ``persistent_outputs`` the outputs are buffers too and are copied out at the
end). Outputs handed to the caller never alias an input, a constant, a buffer or another
output: an output that may (a view, an input, a constant, a buffer, a repeated output) is
copied into a fresh array. A view keeps its base's buffer alive until the view's last use.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from .._core.shapes import expand_for_broadcast, prod
from ..backends.base import ArrayBackend
from .facts import VIEW_PRIMS, Fact, empty_like_layout
from .fusion import ELEMENTWISE, Region
from .ir import Eqn, Graph, Var

INPUT, CONST, BUFFER, STATIC, RUNTIME, FRESH = "input", "const", "buffer", "static", "runtime", "fresh"

# Steps: "out" kernel(out, *ins) into a buffer or fresh array; "call" v = kernel(*ins);
# "view" v = view kernel(*ins) at run time; "fused" kernel(*ins, *outs); "copy" v = copy(in).


class Step:
    """One call of the schedule: ``op``, the callable, the slots it reads and writes, the
    static params, and which written slots are fresh (allocated per call) outputs."""

    __slots__ = ("fn", "fresh", "ins", "label", "op", "outs", "params", "prim")

    def __init__(self, op: str, fn: Callable[..., Any] | None, ins: tuple[int, ...], outs: tuple[int, ...],
                 params: dict[str, Any], label: str, fresh: tuple[int, ...] = (), prim: Any = None) -> None:
        self.op, self.fn, self.ins, self.outs, self.params = op, fn, ins, outs, params
        self.label, self.fresh, self.prim = label, fresh, prim


class Buffer:
    """A preallocated 1-D array reused by values of one dtype and size."""

    __slots__ = ("array", "dtype", "id", "size", "values")

    def __init__(self, id: int, dtype: Any, size: int) -> None:  # noqa: A002
        self.id, self.dtype, self.size = id, dtype, size
        self.values: list[Var] = []
        self.array: Any = None

    @property
    def nbytes(self) -> int:
        return self.size * self.dtype.itemsize


class Schedule:
    """Slots, buffers and steps of one executable for one input layout."""

    def __init__(self) -> None:
        self.slot_of: dict[Var, int] = {}
        self.kind: list[str] = []          # per slot
        self.var: list[Var | None] = []    # per slot (None for copies)
        self.static: dict[int, Any] = {}   # slot -> fixed array (consts, buffers, static views)
        self.layout: dict[int, tuple[Any, ...]] = {}  # fresh slot -> (shape, dtype, perm)
        self.buffer_of: dict[int, int] = {}  # buffer slot -> buffer id
        self.buffers: list[Buffer] = []
        self.steps: list[Step] = []
        self.input_slots: list[int] = []
        self.output_slots: list[int] = []
        self.last_read: dict[int, int] = {}  # slot -> index of the last step reading it

    def new_slot(self, kind: str, var: Var | None) -> int:
        self.kind.append(kind)
        self.var.append(var)
        if var is not None:
            self.slot_of[var] = len(self.kind) - 1
        return len(self.kind) - 1

    def name(self, slot: int) -> str:
        v = self.var[slot]
        prefix = {INPUT: "a", CONST: "c", BUFFER: "b", STATIC: "s", RUNTIME: "v", FRESH: "o"}[self.kind[slot]]
        return f"{prefix}{slot}" + (f"_v{v.id}" if v is not None else "")

    def nbytes(self) -> int:
        return sum(b.nbytes for b in self.buffers)

    def __str__(self) -> str:
        lines = [f"schedule: {len(self.steps)} steps, {len(self.buffers)} buffers "
                 f"({self.nbytes()} bytes), inputs {[self.name(s) for s in self.input_slots]}"]
        for b in self.buffers:
            lines.append(f"  buffer {b.id}: {b.dtype.name}[{b.size}] for "
                         + ", ".join(f"v{v.id}" for v in b.values))
        for st in self.steps:
            outs = ", ".join(self.name(s) + ("*" if s in st.fresh else "") for s in st.outs)
            ins = ", ".join(self.name(s) for s in st.ins)
            lines.append(f"  {st.op:5s} {outs} <- {st.label}({ins})")
        lines.append(f"  return {', '.join(self.name(s) for s in self.output_slots)}")
        return "\n".join(lines)


def _copy_reshape_out(xp: Any, out: Any, x: Any, *, shape: tuple[int, ...]) -> Any:
    """A reshape that copies (its input is not viewable): the same C-order copy into out."""
    xp.copyto(out.reshape(x.shape), x)
    return out


def build(graph: Graph, items: Sequence[Eqn | Region], facts: dict[Var, Fact], consts: dict[Var, Any],
          backend: ArrayBackend, persistent_outputs: bool = False) -> Schedule:
    """Plan ``items`` (the optimised graph's eqns and fused regions, in execution order)."""
    xp = backend.xp
    sch = Schedule()
    outputs = set(graph.outputs)
    roots: dict[int, frozenset[int]] = {}  # slot -> buffer-or-runtime slots whose memory it may use
    for v in graph.inputs:
        s = sch.new_slot(INPUT, v)
        sch.input_slots.append(s)
        roots[s] = frozenset()
    for v, a in consts.items():
        s = sch.new_slot(CONST, v)
        sch.static[s] = a
        roots[s] = frozenset()
    consumers = _consumers(items)
    folded = _foldable_broadcasts(items, consumers, outputs, backend)
    pending: list[tuple[int, Eqn]] = []  # static views, made once buffers exist

    def is_static(slot: int) -> bool:
        return sch.kind[slot] in (CONST, BUFFER, STATIC)

    def out_slot(v: Var) -> int:
        if v in outputs and not persistent_outputs:
            s = sch.new_slot(FRESH, v)
            f = facts[v]
            sch.layout[s] = (v.type.shape, v.type.dtype, f.perm)
        else:
            s = sch.new_slot(BUFFER, v)
        roots[s] = frozenset({s})
        return s

    for item in items:
        if isinstance(item, Region):
            ins = tuple(sch.slot_of[v] for v in item.inputs)
            outs = tuple(out_slot(v) for v in item.outputs)
            sch.steps.append(Step("fused", item.kernel, ins, outs, {}, item.label(),
                                  tuple(s for s in outs if sch.kind[s] == FRESH)))
            continue
        e = item
        ins = tuple(sch.slot_of[v] for v in e.inputs)
        f = facts[e.out]
        if e.out in folded:  # a broadcast read through native broadcasting: a reshape of its source
            src = e.inputs[0]
            shape = expand_for_broadcast(src.type.shape, e.params["shape"], e.params["axes"])
            if shape == src.type.shape:
                sch.slot_of[e.out] = ins[0]
                continue
            s = sch.new_slot(STATIC if is_static(ins[0]) else RUNTIME, e.out)
            roots[s] = roots[ins[0]]
            reshaped = _reshape(shape)
            if sch.kind[s] == STATIC:
                pending.append((s, Eqn(e.prim, e.inputs, {"_fn": reshaped}, e.out)))
            else:
                sch.steps.append(Step("view", reshaped, ins, (s,), {}, f"reshape{shape}"))
            continue
        copying_reshape = e.prim.name == "reshape" and not f.aliases and prod(v_shape(e)) > 0
        if (e.prim.name in VIEW_PRIMS and not copying_reshape) or f.aliases:
            bases = [ins[i] for i in (f.aliases if e.prim.name not in VIEW_PRIMS else (0,))]
            static = all(is_static(b) for b in bases) and all(is_static(i) for i in ins)
            s = sch.new_slot(STATIC if static else RUNTIME, e.out)
            roots[s] = frozenset().union(*[roots[b] for b in bases])
            if static:
                pending.append((s, e))
            else:
                sch.steps.append(Step("view", backend.resolve(e.prim), ins, (s,), e.params, e.prim.name,
                                      prim=e.prim))
            continue
        kernel = partial(_copy_reshape_out, xp) if copying_reshape else backend.resolve_out(e.prim)
        if kernel is not None and f.perm is not None:
            s = out_slot(e.out)
            sch.steps.append(Step("out", kernel, ins, (s,), e.params, e.prim.name,
                                  (s,) if sch.kind[s] == FRESH else (), e.prim))
        else:
            s = sch.new_slot(RUNTIME, e.out)
            roots[s] = frozenset({s})
            sch.steps.append(Step("call", backend.resolve(e.prim), ins, (s,), e.params, e.prim.name,
                                  prim=e.prim))
    _outputs(sch, graph, roots, xp)
    _liveness(sch, roots)
    _assign_buffers(sch, facts, xp, roots)
    for s, e in pending:  # static views, in order (a view of a view comes after its base)
        args = [sch.static[sch.slot_of[v]] for v in e.inputs]
        fn = e.params.get("_fn")
        sch.static[s] = fn(args[0]) if fn is not None else backend.resolve(e.prim)(*args, **e.params)
    return sch


def v_shape(e: Eqn) -> tuple[int, ...]:
    return e.out.type.shape


def _reshape(shape: tuple[int, ...]) -> Callable[[Any], Any]:
    return lambda x: x.reshape(shape)


def _consumers(items: Sequence[Eqn | Region]) -> dict[Var, list[Eqn | Region]]:
    out: dict[Var, list[Eqn | Region]] = {}
    for item in items:
        for v in (item.inputs if isinstance(item, Region) else set(item.inputs)):
            out.setdefault(v, []).append(item)
    return out


def _foldable_broadcasts(items: Sequence[Eqn | Region], consumers: dict[Var, list[Eqn | Region]],
                         outputs: set[Var], backend: ArrayBackend) -> set[Var]:
    """broadcast_to values whose every consumer broadcasts natively: an elementwise kernel
    writing into a full-shape ``out`` (or, without an out-variant, a binary one whose other
    operand has the full shape, as NumPy and CuPy ufuncs then broadcast identically)."""
    folded = set()
    for item in items:
        if isinstance(item, Region) or item.prim.name != "broadcast_to" or item.out in outputs:
            continue
        users = consumers.get(item.out, [])
        if users and all(_broadcasts_natively(u, item.out, backend) for u in users):
            folded.add(item.out)
    return folded


def _broadcasts_natively(user: Eqn | Region, v: Var, backend: ArrayBackend) -> bool:
    if isinstance(user, Region) or user.prim.name not in ELEMENTWISE:
        return False
    if backend.resolve_out(user.prim) is not None:
        return True
    if len(user.inputs) != 2:
        return False
    other = user.inputs[1] if user.inputs[0] is v else user.inputs[0]
    return other is not v and other.type.shape == user.out.type.shape


def _outputs(sch: Schedule, graph: Graph, roots: dict[int, frozenset[int]], xp: Any) -> None:
    """Return fresh outputs directly; copy every output that may alias anything else."""
    seen: set[int] = set()
    for v in graph.outputs:
        s = sch.slot_of[v]
        own = sch.kind[s] == FRESH or (sch.kind[s] == RUNTIME and roots[s] == {s})
        if own and s not in seen:
            seen.add(s)
            sch.output_slots.append(s)
            continue
        c = sch.new_slot(FRESH, None)
        sch.steps.append(Step("copy", _copy, (s,), (c,), {}, "copy"))
        sch.output_slots.append(c)
        roots[c] = frozenset({c})


def _copy(x: Any) -> Any:
    return x.copy(order="K") if hasattr(x, "copy") else x


def _liveness(sch: Schedule, roots: dict[int, frozenset[int]]) -> None:
    """Index of the last step reading each slot or any view of it."""
    last = sch.last_read
    for k, st in enumerate(sch.steps):
        for s in st.ins:
            last[s] = k
            for r in roots.get(s, ()):
                last[r] = k
        for s in st.outs:  # a value never read dies where it is made
            last.setdefault(s, k)
            for r in roots.get(s, ()):
                last.setdefault(r, k)


INPLACE = ELEMENTWISE


def _assign_buffers(sch: Schedule, facts: dict[Var, Fact], xp: Any, roots: dict[int, frozenset[int]]) -> None:
    """Linear scan: a buffer value takes a free buffer of its dtype and size (or, for an
    elementwise kernel, the buffer of an input that dies here and is laid out identically)."""
    free: dict[tuple[Any, int], list[int]] = {}
    dying_at: dict[int, list[int]] = {}
    for s, k in sch.last_read.items():
        if sch.kind[s] == BUFFER:
            dying_at.setdefault(k, []).append(s)
    for k, st in enumerate(sch.steps):
        dying = dying_at.get(k, [])
        # In place only for NumPy ufuncs (which handle exact overlap): a numba loop whose
        # input and output overlap fails LLVM's runtime alias check and runs unvectorised.
        inplace_ok = st.op == "out" and st.label in INPLACE
        taken: set[int] = set()
        for s in st.outs:
            if sch.kind[s] != BUFFER:
                continue
            v = sch.var[s]
            key = (v.type.dtype, prod(v.type.shape))
            bid = None
            if inplace_ok:
                for d in dying:
                    if (d in st.ins and d not in taken and _same_buffer_layout(sch, facts, d, v)
                            and not any(d in roots[i] for i in st.ins if i != d)):
                        bid = sch.buffer_of[d]
                        taken.add(d)
                        break
            if bid is None:
                pool = free.get(key)
                if pool:
                    bid = pool.pop()
                else:
                    bid = len(sch.buffers)
                    sch.buffers.append(Buffer(bid, key[0], key[1]))
            sch.buffer_of[s] = bid
            sch.buffers[bid].values.append(v)
        for d in dying:
            if d not in taken and d in sch.buffer_of:
                b = sch.buffers[sch.buffer_of[d]]
                free.setdefault((b.dtype, b.size), []).append(b.id)
        # outputs never read die right away (their buffer is free for the next step)
        for s in st.outs:
            if sch.kind[s] == BUFFER and sch.last_read.get(s) == k and s not in dying:
                b = sch.buffers[sch.buffer_of[s]]
                free.setdefault((b.dtype, b.size), []).append(b.id)
    for b in sch.buffers:
        b.array = xp.empty(b.size, b.dtype)
    for s, bid in sch.buffer_of.items():
        v = sch.var[s]
        perm = facts[v].perm if v in facts else None
        sch.static[s] = _view_as(xp, sch.buffers[bid].array, v.type.shape, perm)


def _same_buffer_layout(sch: Schedule, facts: dict[Var, Fact], d: int, v: Var) -> bool:
    u = sch.var[d]
    return (u is not None and u.type == v.type and u in facts and v in facts
            and facts[u].perm == facts[v].perm)


def _view_as(xp: Any, flat: Any, shape: tuple[int, ...], perm: tuple[int, ...] | None) -> Any:
    if perm is None or perm == tuple(range(len(shape))):
        return flat.reshape(shape)
    from .facts import inverse

    return flat.reshape(tuple(shape[a] for a in perm)).transpose(inverse(perm))


__all__ = ["BUFFER", "CONST", "FRESH", "INPUT", "RUNTIME", "STATIC", "Buffer", "Schedule", "Step", "build",
           "empty_like_layout"]
