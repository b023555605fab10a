"""The Adam family: ``Adam``, ``AdamW``, ``Adamax``, ``NAdam``, ``RAdam`` (torch.optim's).

Each accepts the seed-style ``beta1=``/``beta2=`` keywords as aliases of ``betas``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from .._core.errors import ArgumentError
from . import rules, validate
from .base import CAPTURABLE, DIFFERENTIABLE, FOREACH, FUSED, Optimizer, betas_with_aliases, on_device, zeros_like

_MAXIMIZE = validate.flag("maximize")
_DECOUPLED = validate.flag("decoupled_weight_decay")
_COMMON: dict[str, validate.Check] = {
    "lr": validate.lr, "betas": validate.betas, "eps": validate.eps, "weight_decay": validate.weight_decay,
    "maximize": _MAXIMIZE, "foreach": FOREACH, "capturable": CAPTURABLE, "differentiable": DIFFERENTIABLE,
}
_FLAGS = {"maximize": False, "foreach": None, "capturable": False, "differentiable": False}


def _moments(ops, p, state, *keys):
    return [on_device(ops, state, k) if k in state else zeros_like(ops, p) for k in keys]


class Adam(Optimizer):
    """Adam (torch.optim.Adam): L2 weight decay added to the gradient, or decoupled
    (``decoupled_weight_decay=True``, which is AdamW), ``amsgrad``, ``maximize``. State:
    ``step``, ``exp_avg``, ``exp_avg_sq`` and, with amsgrad, ``max_exp_avg_sq``."""

    _hyper: ClassVar = {**_COMMON, "amsgrad": validate.flag("amsgrad"), "fused": FUSED,
                        "decoupled_weight_decay": _DECOUPLED}
    _required: ClassVar = ("lr", "betas", "eps", "weight_decay")
    _flag_defaults: ClassVar = {**_FLAGS, "amsgrad": False, "fused": None, "decoupled_weight_decay": False}

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None, decoupled_weight_decay: bool = False,
                 beta1: float | None = None, beta2: float | None = None) -> None:
        betas = betas_with_aliases(type(self).__name__, betas, beta1, beta2)
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                                  "amsgrad": amsgrad, "maximize": maximize, "foreach": foreach,
                                  "capturable": capturable, "differentiable": differentiable, "fused": fused,
                                  "decoupled_weight_decay": decoupled_weight_decay})

    def _state_spec(self, group):
        ams = ("max_exp_avg_sq",)
        return (("exp_avg", "exp_avg_sq", *ams) if group.get("amsgrad") else ("exp_avg", "exp_avg_sq"),
                () if group.get("amsgrad") else ams, {"step": "count"})

    def _update(self, ops, hp, p, g, state):
        amsgrad = hp["amsgrad"]
        keys = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq") if amsgrad else ("exp_avg", "exp_avg_sq")
        m, v, *vmax = _moments(ops, p, state, *keys)
        step = state.get("step", 0) + 1
        beta1, beta2 = hp["betas"]
        p, m, v, vmax_new = rules.adam(ops, p, g, m, v, vmax[0] if vmax else None, step, lr=hp["lr"], beta1=beta1,
                                       beta2=beta2, eps=hp["eps"], weight_decay=hp["weight_decay"], amsgrad=amsgrad,
                                       maximize=hp["maximize"], decoupled=hp["decoupled_weight_decay"])
        state["step"], state["exp_avg"], state["exp_avg_sq"] = step, m, v
        if amsgrad:
            state["max_exp_avg_sq"] = vmax_new
        return p, state


class AdamW(Adam):
    """AdamW (torch.optim.AdamW): Adam with decoupled weight decay ``p (1 - lr wd)`` applied
    before the update (weight decay 0.01 by default)."""

    _flag_defaults: ClassVar = {**Adam._flag_defaults, "decoupled_weight_decay": True}

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None, beta1: float | None = None, beta2: float | None = None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True, beta1=beta1, beta2=beta2)

    def _cross_check(self, op: str, group: Mapping[str, Any], what: str) -> None:
        if group.get("decoupled_weight_decay") is False:
            raise ArgumentError(f"{op}: AdamW always decouples weight decay ({what} has "
                                "decoupled_weight_decay=False: use Adam for L2 weight decay)")


class Adamax(Optimizer):
    """Adamax (torch.optim.Adamax), Adam with the infinity norm. State: ``step``, ``exp_avg``,
    ``exp_inf``."""

    _hyper: ClassVar = dict(_COMMON)
    _required: ClassVar = ("lr", "betas", "eps", "weight_decay")
    _flag_defaults: ClassVar = dict(_FLAGS)

    def __init__(self, params: Iterable[Any], lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False, beta1: float | None = None,
                 beta2: float | None = None) -> None:
        betas = betas_with_aliases(type(self).__name__, betas, beta1, beta2)
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                                  "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
                                  "capturable": capturable})

    def _state_spec(self, group):
        return ("exp_avg", "exp_inf"), (), {"step": "count"}

    def _update(self, ops, hp, p, g, state):
        m, u = _moments(ops, p, state, "exp_avg", "exp_inf")
        step = state.get("step", 0) + 1
        beta1, beta2 = hp["betas"]
        p, m, u = rules.adamax(ops, p, g, m, u, step, lr=hp["lr"], beta1=beta1, beta2=beta2, eps=hp["eps"],
                               weight_decay=hp["weight_decay"], maximize=hp["maximize"])
        state["step"], state["exp_avg"], state["exp_inf"] = step, m, u
        return p, state


class NAdam(Optimizer):
    """NAdam (torch.optim.NAdam) with momentum decay; L2 or decoupled weight decay. State:
    ``step``, ``mu_product`` (a float, kept in double precision), ``exp_avg``, ``exp_avg_sq``."""

    _hyper: ClassVar = {**_COMMON, "momentum_decay": validate.non_negative("momentum_decay"),
                        "decoupled_weight_decay": _DECOUPLED}
    _required: ClassVar = ("lr", "betas", "eps", "weight_decay", "momentum_decay")
    _flag_defaults: ClassVar = {**_FLAGS, "decoupled_weight_decay": False}

    def __init__(self, params: Iterable[Any], lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False, beta1: float | None = None,
                 beta2: float | None = None) -> None:
        betas = betas_with_aliases(type(self).__name__, betas, beta1, beta2)
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                                  "momentum_decay": momentum_decay, "decoupled_weight_decay": decoupled_weight_decay,
                                  "maximize": maximize, "foreach": foreach, "capturable": capturable,
                                  "differentiable": differentiable})

    def _state_spec(self, group):
        return ("exp_avg", "exp_avg_sq"), (), {"step": "count", "mu_product": "unit"}

    def _update(self, ops, hp, p, g, state):
        m, v = _moments(ops, p, state, "exp_avg", "exp_avg_sq")
        step = state.get("step", 0) + 1
        beta1, beta2 = hp["betas"]
        p, m, v, mu = rules.nadam(ops, p, g, m, v, state.get("mu_product", 1.0), step, lr=hp["lr"], beta1=beta1,
                                  beta2=beta2, eps=hp["eps"], weight_decay=hp["weight_decay"],
                                  momentum_decay=hp["momentum_decay"], decoupled=hp["decoupled_weight_decay"],
                                  maximize=hp["maximize"])
        state["step"], state["mu_product"], state["exp_avg"], state["exp_avg_sq"] = step, mu, m, v
        return p, state


class RAdam(Optimizer):
    """RAdam (torch.optim.RAdam), rectified Adam; L2 or decoupled weight decay. State:
    ``step``, ``exp_avg``, ``exp_avg_sq``."""

    _hyper: ClassVar = {**_COMMON, "decoupled_weight_decay": _DECOUPLED}
    _required: ClassVar = ("lr", "betas", "eps", "weight_decay")
    _flag_defaults: ClassVar = {**_FLAGS, "decoupled_weight_decay": False}

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, beta1: float | None = None, beta2: float | None = None) -> None:
        betas = betas_with_aliases(type(self).__name__, betas, beta1, beta2)
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                                  "maximize": maximize, "foreach": foreach, "capturable": capturable,
                                  "decoupled_weight_decay": decoupled_weight_decay,
                                  "differentiable": differentiable})

    def _state_spec(self, group):
        return ("exp_avg", "exp_avg_sq"), (), {"step": "count"}

    def _update(self, ops, hp, p, g, state):
        m, v = _moments(ops, p, state, "exp_avg", "exp_avg_sq")
        step = state.get("step", 0) + 1
        beta1, beta2 = hp["betas"]
        p, m, v = rules.radam(ops, p, g, m, v, step, lr=hp["lr"], beta1=beta1, beta2=beta2, eps=hp["eps"],
                              weight_decay=hp["weight_decay"], decoupled=hp["decoupled_weight_decay"],
                              maximize=hp["maximize"])
        state["step"], state["exp_avg"], state["exp_avg_sq"] = step, m, v
        return p, state
