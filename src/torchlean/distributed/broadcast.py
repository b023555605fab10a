"""Making every rank start from the same model, and checking that they hold the same one.

``broadcast_parameters`` first compares a digest of the (name, dtype, shape) list of every
rank's tensors; when a rank's differs, every rank gathers the lists, and all raise the same
error naming the first parameter that differs and the ranks that differ from the root. Only
then are the root's values broadcast, tensor by tensor, into the others' ``Param``s.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

import numpy as np

from .._core.errors import ArgumentError, DTypeError, ShapeError
from .._core.guard import guard
from ..params import Param
from .env import STATE, communicator

Entry = tuple[str, str, tuple[int, ...]]


def named_tensors(obj: Any, op: str, buffers: bool = True, trainable_only: bool = False
                  ) -> list[tuple[str, Param]]:
    """``(name, Param)`` pairs of a Module (parameters, then buffers), a Param, or an iterable
    of Params (named by ``Param.name`` or their position)."""
    if callable(getattr(obj, "named_parameters", None)):
        out = list(obj.named_parameters())
        if buffers and not trainable_only:
            out += [(n, b) for n, b in obj.named_buffers()]
    elif isinstance(obj, Param):
        out = [(obj.name or "params[0]", obj)]
    else:
        if isinstance(obj, (str, bytes)) or not isinstance(obj, Iterable):
            raise ArgumentError(f"{op}: expected a Module, a Param or an iterable of Params, "
                                f"got {type(obj).__name__}")
        out = []
        for i, p in enumerate(obj):
            if not isinstance(p, Param):
                raise ArgumentError(f"{op}: item {i} is of type {type(p).__name__}, not a Param")
            out.append((p.name or f"params[{i}]", p))
    if trainable_only:
        out = [(n, p) for n, p in out if p.requires_grad]
    return out


def describe(named: list[tuple[str, Param]]) -> list[Entry]:
    return [(n, np.dtype(p.dtype).name, tuple(int(d) for d in p.shape)) for n, p in named]


def digest(desc: list[Any]) -> str:
    return hashlib.sha256(json.dumps(desc).encode()).hexdigest()[:32]


def _fmt(e: Entry) -> str:
    return f"{e[1]}{list(e[2])}"


def _difference(a: list[Entry], b: list[Entry], root: int, r: int) -> tuple[str, type[Exception]]:
    """The first difference between the root's list ``a`` and rank ``r``'s list ``b``."""
    for i in range(max(len(a), len(b))):
        if i >= len(b):
            return (f"parameter {a[i][0]!r} ({_fmt(a[i])}) of rank {root} is missing on rank {r}, "
                    f"which has {len(b)} tensors to rank {root}'s {len(a)}"), ShapeError
        if i >= len(a):
            return (f"rank {r} has a parameter {b[i][0]!r} ({_fmt(b[i])}) that rank {root} lacks "
                    f"({len(b)} tensors to rank {root}'s {len(a)})"), ShapeError
        x, y = tuple(a[i]), tuple(b[i])
        if x == y:
            continue
        if x[0] != y[0]:
            return (f"tensor {i} is {x[0]!r} ({_fmt(x)}) on rank {root} but {y[0]!r} ({_fmt(y)}) "
                    f"on rank {r}"), ShapeError
        kind = DTypeError if x[2] == y[2] else ShapeError
        return f"parameter {x[0]!r} is {_fmt(x)} on rank {root} but {_fmt(y)} on rank {r}", kind
    return "the lists differ", ShapeError  # digests of equal lists are equal; not reached


def check_same(op: str, desc: list[Entry], root: int = 0) -> None:
    """Raise on every rank unless every rank's ``desc`` equals the root's (a collective)."""
    comm = communicator(op)
    if STATE.size == 1:
        return
    mine = digest(desc)
    digests = comm.allgather(mine)
    if all(d == digests[root] for d in digests):
        return
    lists = comm.allgather(desc)
    bad = [r for r, d in enumerate(digests) if d != digests[root]]
    text, kind = _difference([tuple(e) for e in lists[root]], [tuple(e) for e in lists[bad[0]]], root, bad[0])
    raise kind(f"{op}: the ranks hold different models: {text} (ranks that differ from rank {root}: {bad})")


def check_root(op: str, root: Any) -> int:
    if isinstance(root, (bool, np.bool_)) or not isinstance(root, (int, np.integer)) \
            or not 0 <= root < STATE.size:
        raise ArgumentError(f"{op}: root must be a rank in [0, {STATE.size}), got {root!r}")
    return int(root)


@guard("broadcast_parameters")
def broadcast_parameters(module_or_params: Any, root: int = 0, *, buffers: bool = True) -> None:
    """Copy the root's parameter (and, for a Module with ``buffers=True``, buffer) values into
    every other rank's, after checking that every rank holds the same names, dtypes and shapes
    (``ShapeError``/``DTypeError`` on every rank otherwise, naming the parameter and the ranks).
    A collective: every rank calls it with its own model."""
    op = "broadcast_parameters"
    comm = communicator(op)
    root = check_root(op, root)
    named = named_tensors(module_or_params, op, buffers)
    check_same(op, describe(named), root)
    if STATE.size == 1:
        return
    for _, p in named:
        if STATE.rank == root:
            comm.Bcast(np.ascontiguousarray(p.value), root=root)
        else:
            buf = np.empty(p.shape, dtype=p.dtype)
            comm.Bcast(buf, root=root)
            p.set_value(buf)


@guard("broadcast_object")
def broadcast_object(obj: Any, root: int = 0) -> Any:
    """The root's ``obj`` on every rank (pickled: for small trusted values such as a resume
    step or a config, not for tensors)."""
    comm = communicator("broadcast_object")
    return comm.bcast(obj, root=check_root("broadcast_object", root))
