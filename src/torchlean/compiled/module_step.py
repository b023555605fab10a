"""One step graph for ``ScalarTrainer(module, loss_fn, optimizer=SGD(...))`` on the compiled backend.

The seed's compiled trainer runs its SGD update inside the gradient graph; this is the same for a
module. From the traced signature of ``loss_fn(module(x), y)`` (``tl.compile``'s entry: inputs
are the batch, then the module's parameters and buffers, then the random counter), one graph
computes the loss, the module's buffer updates and, for every trainable parameter, ``p - lr g``
with the group's ``lr`` a runtime 0-d input. The gradients are those of the compiled VJP with a
unit seed, the update is ``SGD``'s own arithmetic (``p - lr g``, bit for bit the optimizer's
``(-lr) g + p``), so the step equals ``loss.backward(); opt.step(); opt.zero_grad()`` through
``tl.compile`` exactly, without a tape node, a backward sweep or a Python update per parameter.

It applies when the optimizer is a plain ``SGD`` (every group without momentum, weight decay or
``maximize``), every trainable parameter of the trace belongs to it, none holds a ``.grad`` and
gradients are enabled; otherwise the trainer takes the general path.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._core.types import TensorType
from ..optim.sgd import SGD
from . import pytree
from .ir import Graph
from .lower import Executable
from .transforms import extend_graph, vjp_graph


def sgd_groups(optimizer: Any) -> dict[int, int] | None:
    """``id(param) -> group index`` when ``optimizer`` is a plain SGD, else None."""
    if type(optimizer) is not SGD:
        return None
    where: dict[int, int] = {}
    for gi, group in enumerate(optimizer.param_groups):
        if group.get("momentum", 0) != 0 or group.get("weight_decay", 0) != 0 or group.get("maximize", False):
            return None
        for p in group["params"]:
            where[id(p)] = gi
    return where


def step_graph(entry: Any, trainable: list[bool], dtype: Any) -> Graph:
    """Loss, buffer updates, then the updated trainable parameters, with one ``lr`` input per
    trainable parameter after the entry's inputs."""
    g = entry.graph
    n_upd = len(entry.buffers)
    n_rest = len(g.inputs) - entry.n_args - len(trainable)  # the random counter, if any
    wrt = [False] * entry.n_args + list(trainable) + [False] * n_rest
    grad = vjp_graph(g, wrt, with_value=True, unit_seed=True, out_wrt=[True] + [False] * n_upd)
    positions = [entry.n_args + i for i, t in enumerate(trainable) if t]

    def build(ops: Any, ins: list[Any], outs: list[Any], lrs: list[Any]) -> list[Any]:
        grads = outs[1 + n_upd:]
        return [*outs[:1 + n_upd], *[ops.sub(ins[i], ops.mul(gr, lr)) for i, gr, lr in zip(positions, grads, lrs)]]

    return extend_graph(grad, [TensorType((), dtype)] * len(positions), build)


class SGDStep:
    """The fused step of one trainer (see the module docstring)."""

    def __init__(self, compiled: Any, optimizer: Any) -> None:
        self.compiled, self.optimizer = compiled, optimizer
        self._lrs: dict[tuple[float, Any], Any] = {}
        self._trees: dict[int, Any] = {}  # the call structure of a batch of n tensors

    def __call__(self, op: str, batch: list[Any]) -> Any | None:
        """The loss before the step, or None when the general path must run (nothing changed)."""
        where = sgd_groups(self.optimizer)
        if where is None:
            return None
        tree = self._trees.get(len(batch))
        if tree is None:
            tree = self._trees[len(batch)] = pytree.flatten((tuple(batch), {}))[1]
        session, entry, tensors = self.compiled.entry_for(tuple(batch), {}, list(batch), tree)
        out = entry.graph.outputs
        if (entry.n_out != 1 or out[0].type.shape != () or out[0].type.dtype.kind != "f"
                or not session._grad_enabled):
            return None
        trainable = [p.requires_grad for p in entry.params]
        if any(t and (id(p) not in where or p.grad is not None) for p, t in zip(entry.params, trainable)):
            return None
        groups = self.optimizer.param_groups
        for gi, group in enumerate(groups):  # the hyperparameters, checked as opt.step checks them
            self.optimizer._group_at_step(op, gi, group)
        backend = session.backend
        key = ("sgd-step", tuple(trainable), id(backend))
        exe = entry.exes.get(key)
        if exe is None:
            exe = entry.exes[key] = Executable(step_graph(entry, trainable, out[0].type.dtype), backend)
        refs = [session._coerce(op, t) for t in tensors]
        arrays = [r._v for r in refs] + [p.array_on(backend) for p in entry.params]
        if entry.rng_ops:
            arrays.append(backend.asarray(np.asarray(session.rng_counter, np.uint64), np.dtype(np.uint64)))
        stepped = [p for p, t in zip(entry.params, trainable) if t]
        dtype = out[0].type.dtype
        lrs = [self._lr(groups[where[id(p)]]["lr"], dtype, backend) for p in stepped]
        outs = exe.run(*arrays, *lrs)
        n_upd = len(entry.buffers)
        for buf, value in zip(entry.buffers, outs[1:1 + n_upd]):  # commit: nothing below can fail
            buf.assign(backend, value)
        for p, value in zip(stepped, outs[1 + n_upd:]):
            p.assign(backend, value)
        session.rng_counter += entry.rng_ops
        self.optimizer._opt_called = True
        return outs[0]

    def _lr(self, lr: float, dtype: Any, backend: Any) -> Any:
        key = (float(lr), dtype, id(backend))
        arr = self._lrs.get(key)
        if arr is None:
            if len(self._lrs) > 64:  # a schedule changes the rate every step: keep a few
                self._lrs.clear()
            arr = self._lrs[key] = backend.asarray(np.asarray(lr, dtype), dtype)
        return arr
