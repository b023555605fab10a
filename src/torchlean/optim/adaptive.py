"""Per-coordinate adaptive optimizers: ``RMSprop``, ``Adagrad``, ``Adadelta`` (torch.optim's)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

import numpy as np

from . import rules, validate
from .base import CAPTURABLE, DIFFERENTIABLE, FOREACH, FUSED, Optimizer, on_device, zeros_like

_MAXIMIZE = validate.flag("maximize")


def _get(ops, p, state, key):
    v = on_device(ops, state, key)
    return zeros_like(ops, p) if v is None else v


class RMSprop(Optimizer):
    """RMSprop (torch.optim.RMSprop): optional momentum, centering, L2 weight decay, maximize.
    State: ``step``, ``square_avg``, plus ``momentum_buffer`` (momentum > 0) and ``grad_avg``
    (centered)."""

    _hyper: ClassVar = {
        "lr": validate.lr, "momentum": validate.momentum, "alpha": validate.non_negative("alpha"),
        "eps": validate.eps, "centered": validate.flag("centered"), "weight_decay": validate.weight_decay,
        "capturable": CAPTURABLE, "foreach": FOREACH, "maximize": _MAXIMIZE, "differentiable": DIFFERENTIABLE,
    }
    _required: ClassVar = ("lr", "momentum", "alpha", "eps", "weight_decay")
    _flag_defaults: ClassVar = {"centered": False, "capturable": False, "foreach": None, "maximize": False,
                                "differentiable": False}

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False, differentiable: bool = False) -> None:
        super().__init__(params, {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps, "centered": centered,
                                  "weight_decay": weight_decay, "capturable": capturable, "foreach": foreach,
                                  "maximize": maximize, "differentiable": differentiable})

    def _state_spec(self, group):
        required = ["square_avg"]
        if group.get("momentum", 0) > 0:
            required.append("momentum_buffer")
        if group.get("centered"):
            required.append("grad_avg")
        optional = tuple(k for k in ("momentum_buffer", "grad_avg") if k not in required)
        return tuple(required), optional, {"step": "count"}

    def _update(self, ops, hp, p, g, state):
        momentum, centered = hp["momentum"], hp["centered"]
        sq = _get(ops, p, state, "square_avg")
        ga = _get(ops, p, state, "grad_avg") if centered else None
        buf = _get(ops, p, state, "momentum_buffer") if momentum > 0 else None
        step = state.get("step", 0) + 1
        p, sq, ga, buf = rules.rmsprop(ops, p, g, sq, ga, buf, lr=hp["lr"], alpha=hp["alpha"], eps=hp["eps"],
                                       weight_decay=hp["weight_decay"], momentum=momentum, centered=centered,
                                       maximize=hp["maximize"])
        state["step"], state["square_avg"] = step, sq
        if centered:
            state["grad_avg"] = ga
        if momentum > 0:
            state["momentum_buffer"] = buf
        return p, state


class Adagrad(Optimizer):
    """Adagrad (torch.optim.Adagrad) with learning-rate decay. State, made for every parameter
    when its group is added (as torch does): ``step`` and ``sum`` (filled with
    ``initial_accumulator_value``)."""

    _hyper: ClassVar = {
        "lr": validate.lr, "lr_decay": validate.non_negative("lr_decay"), "eps": validate.eps,
        "weight_decay": validate.weight_decay,
        "initial_accumulator_value": validate.non_negative("initial_accumulator_value"),
        "foreach": FOREACH, "maximize": _MAXIMIZE, "differentiable": DIFFERENTIABLE, "fused": FUSED,
    }
    _required: ClassVar = ("lr", "lr_decay", "eps", "weight_decay", "initial_accumulator_value")
    _flag_defaults: ClassVar = {"foreach": None, "maximize": False, "differentiable": False, "fused": None}

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False, fused: bool | None = None) -> None:
        super().__init__(params, {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                                  "initial_accumulator_value": initial_accumulator_value, "foreach": foreach,
                                  "maximize": maximize, "differentiable": differentiable, "fused": fused})

    def _init_group_state(self, group):
        for p in group["params"]:
            if not dict.get(self.state, p):
                self.state[p] = {"step": 0, "sum": np.full(p.shape, group["initial_accumulator_value"], p.dtype)}

    def _state_spec(self, group):
        return ("sum",), (), {"step": "count"}

    def _update(self, ops, hp, p, g, state):
        s = on_device(ops, state, "sum")
        if s is None:
            s = ops.add_scalar(zeros_like(ops, p), hp["initial_accumulator_value"])
        step = state.get("step", 0) + 1
        p, s = rules.adagrad(ops, p, g, s, step, lr=hp["lr"], lr_decay=hp["lr_decay"], eps=hp["eps"],
                             weight_decay=hp["weight_decay"], maximize=hp["maximize"])
        state["step"], state["sum"] = step, s
        return p, state


class Adadelta(Optimizer):
    """Adadelta (torch.optim.Adadelta). State: ``step``, ``square_avg``, ``acc_delta``."""

    _hyper: ClassVar = {
        "lr": validate.lr, "rho": validate.unit_interval("rho", closed=True), "eps": validate.eps,
        "weight_decay": validate.weight_decay, "maximize": _MAXIMIZE, "capturable": CAPTURABLE,
        "foreach": FOREACH, "differentiable": DIFFERENTIABLE,
    }
    _required: ClassVar = ("lr", "rho", "eps", "weight_decay")
    _flag_defaults: ClassVar = {"maximize": False, "capturable": False, "foreach": None, "differentiable": False}

    def __init__(self, params: Iterable[Any], lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach: bool | None = None, *, capturable: bool = False,
                 maximize: bool = False, differentiable: bool = False) -> None:
        super().__init__(params, {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                                  "maximize": maximize, "capturable": capturable, "foreach": foreach,
                                  "differentiable": differentiable})

    def _state_spec(self, group):
        return ("square_avg", "acc_delta"), (), {"step": "count"}

    def _update(self, ops, hp, p, g, state):
        sq, acc = _get(ops, p, state, "square_avg"), _get(ops, p, state, "acc_delta")
        step = state.get("step", 0) + 1
        p, sq, acc = rules.adadelta(ops, p, g, sq, acc, lr=hp["lr"], rho=hp["rho"], eps=hp["eps"],
                                    weight_decay=hp["weight_decay"], maximize=hp["maximize"])
        state["step"], state["square_avg"], state["acc_delta"] = step, sq, acc
        return p, state
