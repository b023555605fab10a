"""Sign-based and averaged SGD: ``Rprop`` and ``ASGD`` (torch.optim's)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, ClassVar

from .._core.errors import ArgumentError
from . import rules, validate
from .base import CAPTURABLE, DIFFERENTIABLE, FOREACH, Optimizer, on_device, zeros_like

_MAXIMIZE = validate.flag("maximize")
_FLAGS = {"foreach": None, "maximize": False, "differentiable": False, "capturable": False}
_etaminus = validate.real("etas[0] (etaminus)")
_etaplus = validate.real("etas[1] (etaplus)")
_size_min = validate.real("step_sizes[0] (the minimal step size)")
_size_max = validate.real("step_sizes[1] (the maximal step size)")


def _pair(op: str, name: str, v: Any, what: str) -> None:
    if not isinstance(v, (tuple, list)) or len(v) != 2:
        raise ArgumentError(f"{op}: {name} must be a pair {what}, got {v!r}")


def etas(op: str, v: Any) -> tuple[float, float]:
    """``(etaminus, etaplus)`` with ``0 < etaminus < 1 < etaplus`` (torch's rule)."""
    _pair(op, "etas", v, "(etaminus, etaplus)")
    lo, hi = _etaminus(op, v[0]), _etaplus(op, v[1])
    if not 0.0 < lo < 1.0 < hi:
        raise ArgumentError(f"{op}: etas must satisfy 0 < etaminus < 1 < etaplus, got {v!r}")
    return (lo, hi)


def step_sizes(op: str, v: Any) -> tuple[float, float]:
    """``(min, max)`` step sizes: two finite numbers (torch checks nothing more; a minimum above
    the maximum clamps every step size to the maximum, as torch.clamp does)."""
    _pair(op, "step_sizes", v, "(min, max)")
    return (_size_min(op, v[0]), _size_max(op, v[1]))


class Rprop(Optimizer):
    """Rprop (torch.optim.Rprop), resilient backpropagation: a step size per coordinate, grown
    by ``etaplus`` while the gradient keeps its sign and shrunk by ``etaminus`` when it flips,
    clamped to ``step_sizes``; the parameter moves by its step size against the gradient's
    sign. State: ``step``, ``prev`` (the previous gradient, zero where it flipped) and
    ``step_size`` (starting at the group's ``lr`` on the parameter's first step)."""

    _hyper: ClassVar = {"lr": validate.lr, "etas": etas, "step_sizes": step_sizes, "foreach": FOREACH,
                        "maximize": _MAXIMIZE, "differentiable": DIFFERENTIABLE, "capturable": CAPTURABLE}
    _required: ClassVar = ("lr", "etas", "step_sizes")
    _flag_defaults: ClassVar = dict(_FLAGS)

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False, differentiable: bool = False) -> None:
        super().__init__(params, {"lr": lr, "etas": etas, "step_sizes": step_sizes, "foreach": foreach,
                                  "maximize": maximize, "differentiable": differentiable,
                                  "capturable": capturable})

    def _state_spec(self, group):
        return ("prev", "step_size"), (), {"step": "count"}

    def _update(self, ops, hp, p, g, state):
        prev = on_device(ops, state, "prev")
        size = on_device(ops, state, "step_size")
        if prev is None:
            prev = zeros_like(ops, p)
        if size is None:
            size = ops.add_scalar(zeros_like(ops, p), hp["lr"])
        (etaminus, etaplus), (lo, hi) = hp["etas"], hp["step_sizes"]
        p, prev, size = rules.rprop(ops, p, g, prev, size, etaminus=etaminus, etaplus=etaplus, step_size_min=lo,
                                    step_size_max=hi, maximize=hp["maximize"])
        state["step"], state["prev"], state["step_size"] = state.get("step", 0) + 1, prev, size
        return p, state


class ASGD(Optimizer):
    """ASGD (torch.optim.ASGD), averaged SGD: ``p (1 - lambd eta) - eta g`` with the step size
    ``eta = lr / (1 + lambd lr t) ** alpha``, and ``ax``, the running average of the parameter
    from step ``t0`` on (``mu = 1 / max(1, t - t0)``). State: ``step``, ``eta`` and ``mu``
    (Python floats in double precision), ``ax``."""

    _hyper: ClassVar = {
        "lr": validate.lr, "lambd": validate.real("lambd"), "alpha": validate.real("alpha"),
        "t0": validate.real("t0"), "weight_decay": validate.weight_decay, "foreach": FOREACH,
        "maximize": _MAXIMIZE, "differentiable": DIFFERENTIABLE, "capturable": CAPTURABLE,
    }
    _required: ClassVar = ("lr", "lambd", "alpha", "t0", "weight_decay")
    _flag_defaults: ClassVar = dict(_FLAGS)

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lambd: float = 1e-4, alpha: float = 0.75,
                 t0: float = 1e6, weight_decay: float = 0, foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        super().__init__(params, {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0, "weight_decay": weight_decay,
                                  "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
                                  "capturable": capturable})

    def _state_spec(self, group):
        return ("ax",), (), {"step": "count", "eta": "real", "mu": "unit"}

    def _update(self, ops, hp, p, g, state):
        ax = on_device(ops, state, "ax")
        if ax is None:
            ax = zeros_like(ops, p)
        step = state.get("step", 0) + 1
        lr, lambd = hp["lr"], hp["lambd"]
        eta_next, mu_next = rules.asgd_schedule(step, lr=lr, lambd=lambd, alpha=hp["alpha"], t0=hp["t0"])
        if type(eta_next) is not float or not math.isfinite(eta_next):
            raise ArgumentError(f"{type(self).__name__}.step: the next step size lr / (1 + lambd lr step) ** alpha "
                                f"is not a finite real number (lr={lr!r}, lambd={lambd!r}, alpha={hp['alpha']!r}, "
                                f"step={step}); nothing was changed")
        p, ax = rules.asgd(ops, p, g, ax, eta=state.get("eta", lr), mu=state.get("mu", 1.0), lambd=lambd,
                           weight_decay=hp["weight_decay"], maximize=hp["maximize"])
        state["step"], state["eta"], state["mu"], state["ax"] = step, eta_next, float(mu_next), ax
        return p, state
