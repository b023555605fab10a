"""``SGD`` (torch.optim.SGD) and the seed's ``MomentumSGD``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import numpy as np

from .._core.errors import ArgumentError
from . import rules, validate
from .base import _CPU, DIFFERENTIABLE, FOREACH, FUSED, Optimizer, on_device


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum, dampening, Nesterov momentum, L2
    weight decay and ``maximize`` (torch.optim.SGD). State: ``momentum_buffer`` once a step with
    momentum has run (the first buffer is the gradient itself)."""

    _hyper: ClassVar = {
        "lr": validate.lr, "momentum": validate.momentum, "dampening": validate.real("dampening"),
        "weight_decay": validate.weight_decay, "nesterov": validate.flag("nesterov"),
        "maximize": validate.flag("maximize"), "foreach": FOREACH, "differentiable": DIFFERENTIABLE,
        "fused": FUSED,
    }
    _required: ClassVar = ("lr", "momentum", "dampening", "weight_decay")
    _flag_defaults: ClassVar = {"nesterov": False, "maximize": False, "foreach": None,
                                "differentiable": False, "fused": None}

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, differentiable: bool = False, fused: bool | None = None) -> None:
        super().__init__(params, {"lr": lr, "momentum": momentum, "dampening": dampening,
                                  "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
                                  "foreach": foreach, "differentiable": differentiable, "fused": fused})

    def _cross_check(self, op: str, group: Mapping[str, Any], what: str) -> None:
        if group.get("nesterov") and (group.get("momentum", 0) <= 0 or group.get("dampening", 0) != 0):
            raise ArgumentError(f"{op}: Nesterov momentum requires a momentum > 0 and zero dampening "
                                f"({what}: momentum={group.get('momentum')}, dampening={group.get('dampening')})")

    def _state_spec(self, group):
        return (), ("momentum_buffer",), {}

    def _apply(self, work):
        """Plain SGD on host arrays (no momentum, decay or maximize: no state) in one tight loop,
        ``(-lr) g + p`` as ``_update`` computes it; anything else takes the general path."""
        state, seen, ndarray = self.state, None, np.ndarray
        for hp, p, g in work:
            if hp is not seen:  # each group's hyperparameters once (one group, usually)
                if hp["momentum"] != 0 or hp["weight_decay"] != 0 or hp["maximize"]:
                    return super()._apply(work)
                seen = hp
            if g.__class__ is not ndarray or (state and p in state):
                return super()._apply(work)
        multiply = np.multiply
        new = []
        for hp, p, g in work:
            t = multiply(g, -hp["lr"])
            t += p.array_on(_CPU)
            new.append(t)
        for (_, p, _), t in zip(work, new):  # commit: nothing below can fail
            p.assign(_CPU, t)
        self._opt_called = True

    def _update(self, ops, hp, p, g, state):
        lr, momentum, wd = hp["lr"], hp["momentum"], hp["weight_decay"]
        if momentum == 0 and wd == 0 and not hp["maximize"]:
            # rules.sgd in one temporary: (-lr) g + p is bit-identical to p - lr g in IEEE arithmetic.
            t = ops.backend.xp.multiply(g, -lr)
            t += p
            return t, state
        p, buf = rules.sgd_momentum(ops, p, g, on_device(ops, state, "momentum_buffer"), lr=lr, momentum=momentum,
                                    dampening=hp["dampening"], weight_decay=wd, nesterov=hp["nesterov"],
                                    maximize=hp["maximize"])
        if buf is not None:
            state["momentum_buffer"] = buf
        return p, state


class MomentumSGD(SGD):
    """The seed's momentum SGD: ``buf <- momentum buf + g; p <- p - lr buf`` (SGD with momentum
    0.9 and no dampening by default; ``lr`` has no default, as in the seed)."""

    def __init__(self, params: Iterable[Any], lr: float, momentum: float = 0.9) -> None:
        super().__init__(params, lr=lr, momentum=momentum)
