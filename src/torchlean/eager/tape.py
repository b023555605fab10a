"""The eager tape: nodes, generations, parameter leaves, nat store, rollback, and the sweeps.

A ``Tape`` owns everything one step records: the list of ``TensorRef`` nodes (a node's id is its
index), the table of which leaves are parameters, the seed's natural-number store, and the
plain-array binder (``ArrayOps``) its sweeps run the registry's rules through. ``Session`` is the
user-facing object over it; a failed public op restores the tape to its mark (see
``frontend/frame.py``).

Generations: every ref carries the generation (``epoch``) it was recorded in. ``reset`` (the
seed's ``resetTape``) starts a new generation and makes every older ref and gradient stale.
``release`` (what PyTorch's ``loss.backward()`` does, ``retain_graph=False``) starts a new
generation too, but older refs stay readable and usable as constants: a loop that never calls
``reset`` keeps its memory flat. Generations in ``[floor, epoch)`` are released, older ones reset.

``backward`` seeds the output, visits ids from the output down to 0 and, for every node that
needs a gradient, calls the VJP rule of each input that needs one, summing contributions per
parent (a value used twice gets one accumulated gradient). ``jvp`` runs the JVP rules forward.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from .._core.errors import InvalidRefError, NotDifferentiableError, ShapeError
from .._core.gcpause import gc_paused
from .._core.registry import IDENTITY, ZERO
from ..backends.blas_threads import enter_scope, exit_scope
from .arrays import ArrayOps
from .tensor import TensorRef

if TYPE_CHECKING:
    from ..params import Param
    from .session import Session


class Tape:
    """The recording of one step (see module docstring)."""

    __slots__ = ("adopted", "arrays", "epoch", "floor", "grad_leaves", "nats", "nodes", "param_refs",
                 "params_by_leaf", "released_leaves")

    def __init__(self, arrays: ArrayOps) -> None:
        self.arrays = arrays
        self.epoch = 0  # the current generation
        self.floor = 0  # the oldest generation that has not been reset
        self.nats: list[int] = []
        self._new_generation()

    def _new_generation(self) -> None:
        self.nodes: list[TensorRef] = []
        self.params_by_leaf: dict[int, Param] = {}
        self.grad_leaves: list[int] = []  # ids of leaves that require a gradient (x.grad)
        self.param_refs: dict[int, tuple[Param, TensorRef]] = {}  # a Param's leaf this generation
        self.adopted: dict[int, tuple[TensorRef, TensorRef]] = {}  # released refs used again
        self.released_leaves: list[int] = []  # adopted leaves whose graph was released

    def __len__(self) -> int:
        return len(self.nodes)

    def reset(self) -> None:
        """Forget every node, parameter leaf and nat; older refs and gradients become stale."""
        self.epoch += 1
        self.floor = self.epoch
        self.nats = []
        self._new_generation()

    def release(self, dense: list[Any]) -> None:
        """Drop the graph a backward went through (``dense``: its gradients, one per id), as
        PyTorch frees it (``retain_graph=False``), and start a new generation.

        Every op node the sweep reached is freed: its ref keeps its value (usable as a
        constant), but a later gradient through it raises. Op nodes that require a gradient and
        were *not* reached (another loss's graph recorded in the same step) are kept, moved with
        the leaves they depend on into the new generation (new ids), so their own backward
        still works; where such a graph leads into a freed node, that node is replaced by a
        marker leaf that refuses gradients. A kept graph that already leads into such a marker
        (an unused output of a forward whose other output was backpropagated, like an RNN's
        ``output`` beside ``h_n``) can only raise, so it is kept for one generation (its
        backward then says why it fails) and released by the next backward. Nothing else is
        kept: memory stays flat in a loop without ``reset``. Nats are kept."""
        old, old_params, marked = self.nodes, self.params_by_leaf, self.released_leaves
        self.epoch += 1
        self._new_generation()
        n = len(dense)
        alive = [ref for i, ref in enumerate(old)  # unreached op nodes that require a gradient
                 if ref.prim is not None and ref.requires_grad and (i >= n or dense[i] is None)]
        if alive and marked:
            doomed = _leading_into(old, set(marked), n, dense)
            alive = [ref for ref in alive if ref.id not in doomed]
        if not alive:
            return
        keep: set[int] = set()
        stack = list(alive)
        while stack:  # the kept graphs: through kept op nodes down to leaves
            ref = stack.pop()
            if id(ref) in keep:
                continue
            keep.add(id(ref))
            for p in ref.inputs:
                if p.requires_grad and (p.prim is None or not (p.id < n and dense[p.id] is not None)):
                    stack.append(p)
        markers: dict[int, TensorRef] = {}
        for ref in old:
            if id(ref) not in keep:
                continue
            if ref.prim is not None:
                ins = []
                for p in ref.inputs:  # a freed parent becomes a marker leaf (a gradient is an error)
                    if p.requires_grad and id(p) not in keep:
                        m = markers.get(id(p))
                        if m is None:
                            m = markers[id(p)] = self._marker(p)
                        ins.append(m)
                    else:
                        ins.append(p)
                ref.inputs = tuple(ins)
            old_id = ref.id
            ref.epoch, ref.id = self.epoch, len(self.nodes)
            self.nodes.append(ref)
            if ref.prim is None:
                if old_id in old_params:
                    self.params_by_leaf[ref.id] = old_params[old_id]
                self.grad_leaves.append(ref.id)

    def _marker(self, freed: TensorRef) -> TensorRef:
        import copy

        m = copy.copy(freed)
        m.prim, m.inputs, m.vals, m.params = None, (), (), {}
        m.epoch, m.id = self.epoch, len(self.nodes)
        self.nodes.append(m)
        self.released_leaves.append(m.id)
        return m

    def is_released(self, epoch: int) -> bool:
        return self.floor <= epoch < self.epoch

    def mark(self) -> tuple[int, int]:
        return len(self.nodes), len(self.nats)

    def rollback(self, mark: tuple[int, int]) -> None:
        """Undo everything recorded since ``mark`` (a failed op)."""
        n, k = mark
        if len(self.nodes) > n:
            for ref in self.nodes[n:]:
                self.params_by_leaf.pop(ref.id, None)
            del self.nodes[n:]
            while self.grad_leaves and self.grad_leaves[-1] >= n:
                self.grad_leaves.pop()
            while self.released_leaves and self.released_leaves[-1] >= n:
                self.released_leaves.pop()
            for cache in (self.param_refs, self.adopted):
                for key in [k for k, (_, ref) in cache.items() if ref.id >= n]:
                    del cache[key]
        if len(self.nats) > k:
            del self.nats[k:]

    # -- sweeps ----------------------------------------------------------------------------
    @gc_paused
    def backward(self, out: TensorRef, seed: Any) -> list[Any]:
        """Reverse sweep from ``out`` with cotangent ``seed``; a list with one slot per id (one
        BLAS thread-count scope for all its products)."""
        enter_scope()
        try:
            return self._sweep(out, seed)
        finally:
            exit_scope()

    def _sweep(self, out: TensorRef, seed: Any) -> list[Any]:
        tape = self.nodes
        grads: list[Any] = [None] * len(tape)
        grads[out.id] = seed  # type: ignore[index]
        ops = self.arrays
        add = ops._kadd
        for i in range(out.id, -1, -1):  # type: ignore[arg-type]
            g = grads[i]
            if g is None:
                continue
            node = tape[i]
            prim = node.prim
            if prim is None or not node.requires_grad:
                continue
            inputs = node.inputs
            rules, params = prim.vjp, node.params
            if prim.saved_vjp is not None:  # the forward saved what these rules read
                saved = getattr(node, "saved", None)
                if saved is not None:
                    rules, params = prim.saved_vjp, {**params, "saved": saved}
            if len(inputs) == 1:  # most nodes: the loop below, without its zip
                parent = inputs[0]
                rule = rules[0]
                if parent.requires_grad and rule is not ZERO and rule is not None:
                    ct = g if rule is IDENTITY else rule(ops, g, node._v, *node.vals, **params)
                    pid = parent.id
                    cur = grads[pid]
                    grads[pid] = ct if cur is None else add(cur, ct)
                continue
            for parent, rule in zip(inputs, rules):
                if parent.requires_grad and rule is not None and rule is not ZERO:
                    ct = g if rule is IDENTITY else rule(ops, g, node._v, *node.vals, **params)
                    pid = parent.id
                    cur = grads[pid]
                    grads[pid] = ct if cur is None else add(cur, ct)
        return grads

    @gc_paused
    def jvp(self, out: TensorRef, tangents: dict[int, Any], zeros: Any) -> Any:
        """Forward sweep: the tangent of ``out`` given tangents of earlier ids (checked)."""
        if not tangents:
            return zeros()
        tape = self.nodes
        tan = dict(tangents)
        ops = self.arrays
        add = ops._kadd
        for i in range(min(tan), out.id + 1):  # type: ignore[operator]
            node = tape[i]
            prim = node.prim
            if prim is None or i in tan:
                continue
            acc = None
            for j, parent in enumerate(node.inputs):
                t = tan.get(parent.id) if parent.id is not None else None
                rule = prim.jvp[j]
                if t is None or rule is None or rule is ZERO:
                    continue
                c = t if rule is IDENTITY else rule(ops, t, node._v, *node.vals, **node.params)
                acc = c if acc is None else add(acc, c)
            if acc is not None:
                tan[i] = acc
        t = tan.get(out.id)  # type: ignore[arg-type]
        return zeros() if t is None else t


def _leading_into(nodes: list[TensorRef], marked: set[int], n: int, dense: list[Any]) -> set[int]:
    """Ids of the unreached op nodes whose graph leads (through nodes needing a gradient) into a
    marker leaf of ``marked``; one pass, since a node's inputs come before it."""
    bad = set(marked)
    for i, ref in enumerate(nodes):
        if ref.prim is None or not ref.requires_grad or (i < n and dense[i] is not None):
            continue
        epoch = ref.epoch
        if any(p.requires_grad and p.epoch == epoch and p.id in bad for p in ref.inputs):
            bad.add(i)
    return bad


class Gradients:
    """Dense gradients of one backward sweep, one entry per tape id (seed ``backwardDenseAll``).

    Entries the sweep never reached read as zeros of the node's shape. The object belongs to the
    generation it was computed on and keeps what it needs of it (the nodes' types and which
    leaves are parameters), so it stays usable after the graph is released; after ``reset``
    every lookup raises ``InvalidRefError``.
    """

    __slots__ = ("_epoch", "_grads", "_nodes", "_params", "_session")

    def __init__(self, session: Session, grads: list[Any]) -> None:
        self._session, self._grads, self._epoch = session, grads, session.tape.epoch
        self._nodes = session.tape.nodes
        self._params = session.tape.params_by_leaf

    def __len__(self) -> int:
        return len(self._grads)

    def __repr__(self) -> str:
        state = "live" if self.live else "stale"
        return f"Gradients({len(self._grads)} entries, {state})"

    @property
    def live(self) -> bool:
        """True while the tape these gradients were computed on has not been reset."""
        return self._epoch >= self._session.tape.floor

    def check_live(self, op: str) -> None:
        if not self.live:
            raise InvalidRefError(f"{op}: these gradients are stale: the tape was reset after the "
                                  "backward that computed them")

    def _index(self, key: TensorRef | int, op: str = "grad") -> int:
        self.check_live(op)
        if isinstance(key, TensorRef):
            if (key.session is not self._session or key.epoch != self._epoch or key.id is None
                    or key.id >= len(self._grads)):
                raise InvalidRefError(f"{op}: {key!r} is not an entry of the tape these gradients "
                                      "were computed on (made after that backward, or elsewhere)")
            return key.id
        if isinstance(key, bool) or not hasattr(key, "__index__"):
            raise InvalidRefError(f"{op}: gradients are looked up by TensorRef or tape id, got "
                                  f"{type(key).__name__}")
        i = key.__index__()
        if not 0 <= i < len(self._grads):
            raise InvalidRefError(f"{op}: tape id {i} is out of range (the tape had {len(self._grads)} "
                                  "entries)")
        return i

    def get(self, key: TensorRef | int) -> Any | None:
        """The gradient, or None where the sweep sent none."""
        return self._grads[self._index(key)]

    def __getitem__(self, key: TensorRef | int) -> Any:
        i = self._index(key)
        g = self._grads[i]
        if g is None:
            node = self._nodes[i]
            if node.type.dtype.kind != "f":
                raise NotDifferentiableError(f"grad: tape entry {i} is a {node.type} tensor, "
                                             "which has no gradient")
            g = self._session.backend.zeros(node.type.shape, node.type.dtype)
        return g

    def __iter__(self) -> Iterator[Any]:
        for i in range(len(self._grads)):
            yield self[i]

    def dense(self, op: str) -> list[Any]:
        """The raw per-id list (for optimizers), after checking these gradients are live."""
        self.check_live(op)
        return self._grads

    def param_leaves(self) -> dict[int, Param]:
        """Which tape ids of that generation were parameter leaves."""
        return self._params


def check_tangents(session: Session, tangents: Mapping[TensorRef, Any]) -> dict[int, Any]:
    """Tangents keyed by tape id, each converted and checked against its entry's type."""
    out: dict[int, Any] = {}
    for ref, t in tangents.items():
        session._check_ref("jvp", ref)
        if ref.id is None:
            raise InvalidRefError(f"jvp: {ref!r} was made under no_grad and is not on the tape")
        if ref.type.dtype.kind != "f":
            raise NotDifferentiableError(f"jvp: {ref!r} is not a float tensor")
        t = session._convert(t, "jvp", "tangent", ref.type.dtype)
        if tuple(t.shape) != ref.type.shape:
            raise ShapeError(f"jvp: tangent for {ref!r} must have shape {ref.type.shape}, "
                             f"got {tuple(t.shape)}")
        out[ref.id] = t
    return out
