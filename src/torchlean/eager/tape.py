"""Reverse and forward sweeps over a session's tape.

The tape is a list of ``TensorRef`` nodes; a node's id is its index. ``backward`` seeds the
output, visits ids from the output down to 0 and, for every node that needs a gradient, calls
the registry's VJP rule of each input that needs one, summing contributions per parent (so a
value used twice gets one accumulated gradient). Rules run through the plain-array binder.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from .._core.errors import InvalidRefError, NotDifferentiableError, ShapeError
from .._core.registry import ZERO
from .tensor import TensorRef

if TYPE_CHECKING:
    from .session import Session


class Gradients:
    """Dense gradients of one backward sweep, one entry per tape id (seed ``backwardDenseAll``).

    Entries the sweep never reached read as zeros of the node's shape.
    """

    __slots__ = ("_epoch", "_grads", "_session")

    def __init__(self, session: Session, grads: list[Any]) -> None:
        self._session, self._grads, self._epoch = session, grads, session._epoch

    def __len__(self) -> int:
        return len(self._grads)

    def _index(self, key: TensorRef | int) -> int:
        if isinstance(key, TensorRef):
            if key.session is not self._session or key.epoch != self._epoch or key.id is None:
                raise InvalidRefError(f"grad: {key!r} is not an entry of the tape these gradients "
                                      "were computed on")
            return key.id
        return int(key)

    def get(self, key: TensorRef | int) -> Any | None:
        """The gradient, or None where the sweep sent none."""
        return self._grads[self._index(key)]

    def __getitem__(self, key: TensorRef | int) -> Any:
        i = self._index(key)
        g = self._grads[i]
        if g is None:
            node = self._session._tape[i]
            if node.type.dtype.kind != "f":
                raise NotDifferentiableError(f"grad: tape entry {i} is a {node.type} tensor, "
                                             "which has no gradient")
            g = self._session._backend.zeros(node.type.shape, node.type.dtype)
        return g

    def __iter__(self) -> Iterator[Any]:
        for i in range(len(self._grads)):
            yield self[i]


def backward(session: Session, out: TensorRef, seed: Any) -> list[Any]:
    """Reverse sweep from ``out`` with cotangent ``seed``; a list with one slot per tape id."""
    tape = session._tape
    grads: list[Any] = [None] * len(tape)
    grads[out.id] = seed
    ops = session._arrays
    add = ops._kadd
    for i in range(out.id, -1, -1):
        g = grads[i]
        if g is None:
            continue
        node = tape[i]
        if not node.requires_grad or node.prim is None:
            continue
        for parent, rule in zip(node.inputs, node.prim.vjp):
            if parent.requires_grad and rule is not None and rule is not ZERO:
                ct = rule(ops, g, node._v, *node.vals, **node.params)
                pid = parent.id
                cur = grads[pid]
                grads[pid] = ct if cur is None else add(cur, ct)
    return grads


def jvp(session: Session, out: TensorRef, tangents: Mapping[TensorRef, Any]) -> Any:
    """Forward-mode sweep: the tangent of ``out`` given tangents of some earlier tape entries."""
    tape = session._tape
    tan: dict[int, Any] = {}
    for ref, t in tangents.items():
        session._check_ref("jvp", ref)
        if ref.id is None:
            raise InvalidRefError(f"jvp: {ref!r} was made under no_grad and is not on the tape")
        t = session._to_device(t, ref.type.dtype)
        if t.shape != ref.type.shape:
            raise ShapeError(f"jvp: tangent for {ref!r} must have shape {ref.type.shape}, got {t.shape}")
        if ref.type.dtype.kind != "f":
            raise NotDifferentiableError(f"jvp: {ref!r} is not a float tensor")
        tan[ref.id] = t
    if not tan:
        return session._backend.zeros(out.type.shape, out.type.dtype)
    ops = session._arrays
    add = ops._kadd
    for i in range(min(tan), out.id + 1):
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
            c = rule(ops, t, node._v, *node.vals, **node.params)
            acc = c if acc is None else add(acc, c)
        if acc is not None:
            tan[i] = acc
    t = tan.get(out.id)
    return session._backend.zeros(out.type.shape, out.type.dtype) if t is None else t
