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
from .facts import VIEW_PRIMS, Fact, empty_like_layout, inverse
from .fusion import ELEMENTWISE, Region
from .ir import Eqn, Graph, Var
from .patterns import Group

INPUT, CONST, BUFFER, STATIC, RUNTIME, FRESH = "input", "const", "buffer", "static", "runtime", "fresh"

# Steps: "out" kernel(out, *ins) into a buffer or fresh array; "call" v = kernel(*ins);
# "view" v = view kernel(*ins) at run time; "fused" kernel(*ins, *outs); "copy" v = copy(in).


class Step:
    """One call of the schedule: ``op``, the callable, the slots it reads and writes, the
    static params, and which written slots are fresh (allocated per call) outputs. A fused
    step may pass other slots than it reads and writes (``args``: flat views of them).
    ``origin``: the public op whose equation the step computes (errors it raises name it)."""

    __slots__ = ("args", "fn", "fresh", "ins", "label", "op", "origin", "outs", "params", "prim")

    def __init__(self, op: str, fn: Callable[..., Any] | None, ins: tuple[int, ...], outs: tuple[int, ...],
                 params: dict[str, Any], label: str, fresh: tuple[int, ...] = (), prim: Any = None,
                 args: tuple[int, ...] | None = None, origin: str | None = None) -> None:
        self.op, self.fn, self.ins, self.outs, self.params = op, fn, ins, outs, params
        self.label, self.fresh, self.prim = label, fresh, prim
        self.args = args  # None: the fused kernel takes (*ins, *outs)
        self.origin = origin

    def call_args(self) -> tuple[int, ...]:
        """The slots a fused step passes to its kernel."""
        return (*self.ins, *self.outs) if self.args is None else self.args


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

    def allocating_steps(self) -> list[Step]:
        """Steps that allocate at every call: kernels without an out-variant ("call"), steps
        writing a fresh output, and the final copies. A CUDA-graph capture replays the steps
        before the copies, so with ``persistent_outputs`` it needs only "call" steps gone."""
        return [st for st in self.steps if st.op in ("call", "copy") or st.fresh]

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
    """Plan ``items`` (the optimised graph's eqns and fused regions, in execution order).

    One pass classifies every value and lists the steps, one pass finds each slot's last
    read, one linear scan assigns buffers; then buffers and static views are made.
    """
    xp = backend.xp
    sch = Schedule()
    kind, slot_of, steps = sch.kind, sch.slot_of, sch.steps
    outputs = set(graph.outputs) if not persistent_outputs else set()
    roots: dict[int, tuple[int, ...]] = {}  # slot -> slots of own memory it may be a view of
    for v in graph.inputs:
        sch.input_slots.append(sch.new_slot(INPUT, v))
    for v, a in consts.items():
        sch.static[sch.new_slot(CONST, v)] = a
    folded = _foldable_broadcasts(items, graph.outputs, backend)
    pending: list[tuple[int, Any, Eqn]] = []  # static views, made once buffers exist
    static_kinds = (CONST, BUFFER, STATIC)
    outs_of: dict[Any, Any] = {}

    def own_slot(v: Var) -> int:
        s = sch.new_slot(FRESH if v in outputs else BUFFER, v)
        if v in outputs:
            sch.layout[s] = (v.type.shape, v.type.dtype, facts[v].perm)
        roots[s] = (s,)
        return s

    def flat_view(s: int, perm: tuple[int, ...], written: bool) -> int:
        """A 1-D view of slot ``s`` in memory order (made once for fixed arrays). A fresh output
        the fused step writes is allocated by its view; one it reads was computed earlier."""
        fn = _flatten(perm)
        if kind[s] in static_kinds:
            f = sch.new_slot(STATIC, None)
            pending.append((f, fn, s))
        else:
            f = sch.new_slot(RUNTIME, None)
            alloc = (s,) if written and kind[s] == FRESH else ()
            steps.append(Step("view", fn, (s,), (f,), {}, "flatten", alloc))
        roots[f] = roots.get(s, ())
        return f

    for item in items:
        if isinstance(item, (Region, Group)):
            ins = tuple([slot_of[v] for v in item.inputs])
            outs = tuple([own_slot(v) for v in item.outputs])
            flat = getattr(item, "flat", None)
            origin = next((e.origin for e in item.eqns if e.origin is not None), None)
            if flat is None or flat == tuple(range(len(flat))):  # (a C-ordered flat kernel reshapes itself)
                label = item.label() + ("" if flat is None else "(flat)")
                steps.append(Step("fused", item.kernel, ins, outs, {}, label,
                                  tuple([s for s in outs if kind[s] == FRESH]), origin=origin))
                continue
            shape = item.shape
            args = tuple([flat_view(s, flat, False) if v.type.shape == shape else s
                          for s, v in zip(ins, item.inputs)] + [flat_view(s, flat, True) for s in outs])
            steps.append(Step("fused", item.kernel, ins, outs, {}, item.label() + "(flat)", args=args,
                              origin=origin))
            continue
        e = item
        prim, out = e.prim, e.out
        ins = tuple([slot_of[v] for v in e.inputs])
        f = facts[out]
        if out in folded:  # a broadcast read through native broadcasting: a reshape of its source
            src = e.inputs[0]
            shape = expand_for_broadcast(src.type.shape, e.params["shape"], e.params["axes"])
            if shape == src.type.shape:
                slot_of[out] = ins[0]
                continue
            static = kind[ins[0]] in static_kinds
            s = sch.new_slot(STATIC if static else RUNTIME, out)
            roots[s] = roots.get(ins[0], ())
            if static:
                pending.append((s, _reshape(shape), e))
            else:
                steps.append(Step("view", _reshape(shape), ins, (s,), {}, f"reshape{shape}"))
            continue
        name = prim.name
        copying_reshape = name == "reshape" and not f.aliases and prod(out.type.shape) > 0
        if (name in VIEW_PRIMS and not copying_reshape) or f.aliases:
            bases = [ins[i] for i in (f.aliases if name not in VIEW_PRIMS else (0,))]
            static = all(kind[i] in static_kinds for i in ins)
            s = sch.new_slot(STATIC if static else RUNTIME, out)
            roots[s] = tuple({r for b in bases for r in roots.get(b, ())})
            if static:
                pending.append((s, None, e))
            else:
                steps.append(Step("view", backend.resolve(prim), ins, (s,), e.params, name, prim=prim,
                                  origin=e.origin))
            continue
        if copying_reshape:
            kernel = partial(_copy_reshape_out, xp)
        else:
            kernel = outs_of.get(prim, outs_of)
            if kernel is outs_of:
                kernel = outs_of[prim] = backend.resolve_out(prim)
        if kernel is not None and f.perm is not None:
            s = own_slot(out)
            steps.append(Step("out", kernel, ins, (s,), e.params, name, (s,) if kind[s] == FRESH else (), prim,
                              origin=e.origin))
        else:
            s = sch.new_slot(RUNTIME, out)
            roots[s] = (s,)
            steps.append(Step("call", backend.resolve(prim), ins, (s,), e.params, name, prim=prim,
                              origin=e.origin))
    _outputs(sch, graph, roots, xp)
    _liveness(sch, roots)
    _assign_buffers(sch, facts, xp, roots)
    for s, fn, e in pending:  # static views, in order (a view of a view comes after its base)
        if isinstance(e, int):  # a flat view of a fixed slot
            sch.static[s] = fn(sch.static[e])
            continue
        args = [sch.static[slot_of[v]] for v in e.inputs]
        sch.static[s] = fn(args[0]) if fn is not None else backend.resolve(e.prim)(*args, **e.params)
    return sch


def _flatten(perm: tuple[int, ...]) -> Callable[[Any], Any]:
    """``a`` (dense in axis order ``perm``) as a 1-D view in memory order."""
    if all(a == i for i, a in enumerate(perm)):
        return lambda a: a.reshape(-1)
    return lambda a: a.transpose(perm).reshape(-1)


def _reshape(shape: tuple[int, ...]) -> Callable[[Any], Any]:
    return lambda x: x.reshape(shape)


def _foldable_broadcasts(items: Sequence[Eqn | Region], outputs: Sequence[Var], backend: ArrayBackend) -> set[Var]:
    """broadcast_to values whose every consumer broadcasts natively: an elementwise kernel
    writing into a full-shape ``out`` (or, without an out-variant, a binary one whose other
    operand has the full shape, as NumPy and CuPy ufuncs then broadcast identically)."""
    candidates = {item.out for item in items if isinstance(item, Eqn) and item.prim.name == "broadcast_to"}
    candidates.difference_update(outputs)
    if not candidates:
        return set()
    ok: dict[Var, bool] = {}
    for item in items:
        for v in item.inputs:
            if v in candidates:
                ok[v] = ok.get(v, True) and _broadcasts_natively(item, v, backend)
    return {v for v, good in ok.items() if good}


def _broadcasts_natively(user: Any, v: Var, backend: ArrayBackend) -> bool:
    if not isinstance(user, Eqn) or user.prim.name not in ELEMENTWISE:
        return False
    if backend.resolve_out(user.prim) is not None:
        return True
    if len(user.inputs) != 2:
        return False
    other = user.inputs[1] if user.inputs[0] is v else user.inputs[0]
    return other is not v and other.type.shape == user.out.type.shape


def _outputs(sch: Schedule, graph: Graph, roots: dict[int, tuple[int, ...]], xp: Any) -> None:
    """Return fresh outputs directly; copy every output that may alias anything else."""
    seen: set[int] = set()
    for v in graph.outputs:
        s = sch.slot_of[v]
        own = sch.kind[s] == FRESH or (sch.kind[s] == RUNTIME and roots[s] == (s,))
        if own and s not in seen:
            seen.add(s)
            sch.output_slots.append(s)
            continue
        c = sch.new_slot(FRESH, None)
        sch.steps.append(Step("copy", _copy, (s,), (c,), {}, "copy"))
        sch.output_slots.append(c)
        roots[c] = (c,)


def _copy(x: Any) -> Any:
    return x.copy(order="K") if hasattr(x, "copy") else x


def _liveness(sch: Schedule, roots: dict[int, tuple[int, ...]]) -> None:
    """Index of the last step reading each slot or any view of it."""
    last = sch.last_read
    get = roots.get
    for k, st in enumerate(sch.steps):
        for s in st.outs:  # a value never read dies where it is made
            last[s] = k
        for s in (*st.ins, *st.call_args()) if st.op == "fused" else st.ins:
            last[s] = k
            for r in get(s, ()):
                last[r] = k


INPLACE = ELEMENTWISE


def _assign_buffers(sch: Schedule, facts: dict[Var, Fact], xp: Any, roots: dict[int, tuple[int, ...]]) -> None:
    """Linear scan: a buffer value takes a free buffer of its dtype and size (or, for an
    elementwise kernel, the buffer of an input that dies here and is laid out identically)."""
    free: dict[tuple[Any, int], list[int]] = {}
    dying_at: dict[int, list[int]] = {}
    kind, var, buffer_of, buffers = sch.kind, sch.var, sch.buffer_of, sch.buffers
    sizes: dict[tuple[int, ...], int] = {}
    for s, k in sch.last_read.items():
        if kind[s] == BUFFER:
            dying_at.setdefault(k, []).append(s)
    for k, st in enumerate(sch.steps):
        dying = dying_at.get(k, ())
        # In place only for NumPy ufuncs (which handle exact overlap): a numba loop whose
        # input and output overlap fails LLVM's runtime alias check and runs unvectorised.
        inplace_ok = bool(dying) and st.op == "out" and st.label in INPLACE
        taken = None
        for s in st.outs:
            if kind[s] != BUFFER:
                continue
            v = var[s]
            shape = v.type.shape
            size = sizes.get(shape)
            if size is None:
                size = sizes[shape] = prod(shape)
            key = (v.type.dtype, size)
            bid = None
            if inplace_ok:
                for d in dying:
                    if (d in st.ins and _same_buffer_layout(sch, facts, d, v)
                            and not any(d in roots.get(i, ()) for i in st.ins if i != d)):
                        bid = buffer_of[d]
                        taken = d
                        break
            if bid is None:
                pool = free.get(key)
                if pool:
                    bid = pool.pop()
                else:
                    bid = len(buffers)
                    buffers.append(Buffer(bid, key[0], key[1]))
            buffer_of[s] = bid
            buffers[bid].values.append(v)
        for d in dying:  # after the outputs are placed: a dying input is never overwritten
            if d != taken:
                b = buffers[buffer_of[d]]
                free.setdefault((b.dtype, b.size), []).append(b.id)
    for b in sch.buffers:
        b.array = xp.empty(b.size, b.dtype)
    for s, bid in buffer_of.items():
        v = var[s]
        f = facts.get(v)
        sch.static[s] = _view_as(xp, buffers[bid].array, v.type.shape, f.perm if f is not None else None)


def _same_buffer_layout(sch: Schedule, facts: dict[Var, Fact], d: int, v: Var) -> bool:
    u = sch.var[d]
    return (u is not None and u.type == v.type and u in facts and v in facts
            and facts[u].perm == facts[v].perm)


def _view_as(xp: Any, flat: Any, shape: tuple[int, ...], perm: tuple[int, ...] | None) -> Any:
    if perm is None or all(a == i for i, a in enumerate(perm)):
        return flat.reshape(shape)
    return flat.reshape(tuple(shape[a] for a in perm)).transpose(inverse(perm))


__all__ = ["BUFFER", "CONST", "FRESH", "INPUT", "RUNTIME", "STATIC", "Buffer", "Schedule", "Step", "build",
           "empty_like_layout"]
