"""Multi-output kernels for pairs of equations that share their operands.

``cross_entropy(z, labels)`` and ``cross_entropy_grad(z, labels)`` both compute the row
softmax of ``z``; a training step's graph always has both. ``pair_cross_entropy`` puts them
into one ``Group`` item whose kernel (``ops.loss.ce_and_grad_impl``) computes the max, exp and
row sums once and writes both results, bit for bit those of the two kernels. A group runs as
one step of the schedule, like a fused region, at the position of the first equation.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from ..ops.loss import ce_and_grad_impl
from .ir import Eqn, Var
from .passes import params_key


class Group:
    """Equations computed by one kernel ``kernel(*inputs, *outputs)``."""

    __slots__ = ("eqns", "inputs", "kernel", "name", "outputs")

    def __init__(self, name: str, eqns: list[Eqn], inputs: list[Var], outputs: list[Var], kernel: Any) -> None:
        self.name, self.eqns, self.inputs, self.outputs, self.kernel = name, eqns, inputs, outputs, kernel

    def label(self) -> str:
        return self.name

    def __str__(self) -> str:
        outs = ", ".join(f"v{v.id}" for v in self.outputs)
        ins = ", ".join(f"v{v.id}" for v in self.inputs)
        return f"{outs} = {self.name}({ins})"


def pair_cross_entropy(items: Sequence[Any], backend: Any, facts: dict[Var, Any]) -> list[Any]:
    """Replace each cross_entropy / cross_entropy_grad pair on the same operands by a group
    (when the gradient's recorded layout is dense, so that a buffer can hold it), computed by
    the backend's kernel of that name (``group_kernels``: numba loops on the CPU where numba is
    installed, ``ce_and_grad_impl``'s bits) or by ``ce_and_grad_impl``."""
    first: dict[tuple[Any, ...], int] = {}
    pairs: dict[int, int] = {}
    for k, item in enumerate(items):
        if (isinstance(item, Eqn) and item.prim.name in ("cross_entropy", "cross_entropy_grad")
                and facts[item.out].perm is not None):
            other = "cross_entropy_grad" if item.prim.name == "cross_entropy" else "cross_entropy"
            operands = (tuple([v.id for v in item.inputs]), params_key(item.params))  # ids: Var overloads ==
            j = first.pop((other, *operands), None)
            if j is None:
                first[(item.prim.name, *operands)] = k
            else:
                pairs[j] = k
    if not pairs:
        return list(items)
    out: list[Any] = []
    second = set(pairs.values())
    both = backend.group_kernels.get("cross_entropy+grad") or partial(ce_and_grad_impl, backend.xp)
    kernel = partial(_ce_pair, both)
    for k, item in enumerate(items):
        if k in second:
            continue
        if k in pairs:
            a, b = item, items[pairs[k]]
            loss, grad = (a, b) if a.prim.name == "cross_entropy" else (b, a)
            fn = partial(kernel, **loss.params) if loss.params else kernel  # params reach the kernel
            out.append(Group("cross_entropy+grad", [loss, grad], list(loss.inputs), [loss.out, grad.out], fn))
            continue
        out.append(item)
    return out


def _ce_pair(both: Any, z: Any, labels: Any, loss_out: Any, grad_out: Any, **params: Any) -> None:
    both(loss_out, grad_out, z, labels, **params)
