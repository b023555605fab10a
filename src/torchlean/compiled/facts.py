"""Layout and aliasing facts of a graph's values, recorded by running it once.

NumPy's results depend on memory layout where a kernel reduces (summation order follows the
iteration order) and the layout of a result depends on its inputs' layouts (a small ``linear``
returns a column-major view, ufuncs follow their inputs' axis order). To stay bitwise equal to
eager, the planned executor gives every value it computes into a buffer exactly the
layout the plain kernel gives it, and rewrites a value into another only when both have the
same layout. The facts come from one run of the plain kernels (the recording run) on the
first call with a given input layout; kernels are deterministic in layout and aliasing, so
the facts hold for every later call with inputs laid out the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .._core.guard import raise_as
from .._core.registry import Primitive
from ..backends.base import ArrayBackend
from .ir import Eqn, Graph, Var


class Fact:
    """Layout of one value: shape, strides, dense axis order (None when not dense), and the
    positions of its equation's operands whose memory it may share."""

    __slots__ = ("aliases", "perm", "shape", "strides")

    def __init__(self, shape: tuple[int, ...], strides: tuple[int, ...], perm: tuple[int, ...] | None,
                 aliases: tuple[int, ...] = ()) -> None:
        self.shape, self.strides, self.perm, self.aliases = shape, strides, perm, aliases

    def same_layout(self, other: Fact) -> bool:
        """Same shape and the same strides on every axis longer than one."""
        return self.shape == other.shape and all(
            d <= 1 or s == t for d, s, t in zip(self.shape, self.strides, other.strides))

    def __repr__(self) -> str:
        return f"Fact(strides={self.strides}, perm={self.perm}, aliases={self.aliases})"


def dense_perm(shape: Sequence[int], strides: Sequence[int], itemsize: int) -> tuple[int, ...] | None:
    """The axis order ``p`` with ``a.transpose(p)`` C-contiguous, or None if ``a`` is not dense.

    The identity when ``a`` is C-contiguous; axes of length one are placed innermost.
    """
    n = len(shape)
    if any(d == 0 for d in shape):
        return tuple(range(n))
    big = [a for a in range(n) if shape[a] > 1]
    expect = itemsize
    order = sorted(big, key=lambda a: (strides[a], -a))  # innermost first
    for a in order:
        if strides[a] != expect:
            return None
        expect *= shape[a]
    outer_first = order[::-1]
    if outer_first == sorted(outer_first):
        return tuple(range(n))
    return tuple(outer_first + [a for a in range(n) if shape[a] <= 1])


def fact_of(xp: Any, value: Any, aliases: tuple[int, ...] = ()) -> Fact:
    shape = tuple(value.shape)
    strides = tuple(value.strides)
    if value.flags.c_contiguous:
        return Fact(shape, strides, _IDENT[len(shape)] if len(shape) < 8 else tuple(range(len(shape))), aliases)
    return Fact(shape, strides, dense_perm(shape, strides, value.dtype.itemsize), aliases)


_IDENT = [tuple(range(n)) for n in range(8)]


def empty_like_layout(xp: Any, shape: tuple[int, ...], dtype: Any, perm: tuple[int, ...] | None) -> Any:
    """A fresh array of ``shape`` laid out in axis order ``perm`` (C order when None)."""
    if perm is None or perm == tuple(range(len(shape))):
        return xp.empty(shape, dtype)
    return xp.empty(tuple(shape[a] for a in perm), dtype).transpose(inverse(perm))


def inverse(perm: Sequence[int]) -> tuple[int, ...]:
    inv = [0] * len(perm)
    for i, p in enumerate(perm):
        inv[p] = i
    return tuple(inv)


def kernel_call(kernel: Any, eqn: Eqn, args: Sequence[Any]) -> Any:
    return kernel(*args, **eqn.params)


def record(graph: Graph, backend: ArrayBackend, consts: dict[Var, Any], args: Sequence[Any]
           ) -> tuple[dict[Var, Fact], list[Any]]:
    """Run ``graph`` with the plain kernels on ``args``; return every value's fact and the
    outputs. Values are dropped after their last use, as the plain executor does."""
    xp = backend.xp
    may_share = xp.may_share_memory
    env: dict[Var, Any] = dict(consts)
    facts: dict[Var, Fact] = {}
    for v, a in zip(graph.inputs, args):
        env[v] = a
        facts[v] = fact_of(xp, a)
    for v, a in consts.items():
        facts[v] = fact_of(xp, a)
    last: dict[Var, int] = {}
    for k, e in enumerate(graph.eqns):
        for v in e.inputs:
            last[v] = k
    keep = set(graph.outputs) | set(graph.inputs) | set(consts)
    resolve = backend.resolve
    for k, e in enumerate(graph.eqns):
        ins = [env[v] for v in e.inputs]
        try:
            r = resolve(e.prim)(*ins, **e.params)
        except BaseException as ex:
            raise_as(e.origin, ex)
        t = e.out.type
        if r.shape != t.shape or r.dtype != t.dtype:
            _check_type(e, r)
        aliases = () if e.prim.name in FRESH_RESULT else tuple([i for i, a in enumerate(ins) if may_share(r, a)])
        facts[e.out] = fact_of(xp, r, aliases)
        env[e.out] = r
        for v in e.inputs:
            if last[v] == k and v not in keep:
                env.pop(v, None)
    return facts, [env[v] for v in graph.outputs]


def _check_type(e: Eqn, r: Any) -> None:
    t = e.out.type
    if tuple(r.shape) != t.shape or r.dtype != t.dtype:
        from .._core.errors import TorchLeanError

        raise TorchLeanError(f"{e.prim.name}: kernel returned {r.dtype}{list(r.shape)}, the graph says {t}")


VIEW_PRIMS = frozenset({"reshape", "transpose", "broadcast_to", "slice", "detach"})
# Kernels that always return a new array (ufuncs and products without ``out=``): no aliasing check.
FRESH_RESULT = frozenset({"add", "sub", "mul", "div", "maximum", "minimum", "neg", "scale", "add_scalar",
                          "div_scalar", "max_share",
                          "sign", "step", "abs", "relu", "exp", "log", "inv", "sigmoid", "tanh", "softplus",
                          "sqrt", "clamp", "power", "matmul", "linear"})


def is_view_prim(prim: Primitive) -> bool:
    return prim.name in VIEW_PRIMS
